"""The figures of the weekly review (оперативное совещание) of one region and one ISO week.

Everything the page and its XLSX export show is computed here once, by `review()`, in a fixed
number of queries whatever the size of the data: the KPIs and topics from the rollups, the lists
(worst overdue, repeat chains, instructions, calls, hot spots) from indexed time ranges, each
bounded. docs/weekly-review.md explains every rule and threshold.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    Max,
    Q,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce, Floor, RowNumber
from django.utils.translation import gettext as _

from otklik.appeals.models import Appeal
from otklik.appeals.workflow import OPEN_STATUSES, Status
from otklik.control.models import ControlCall, FollowUp, Instruction
from otklik.directory.models import Category, Region
from otklik.lib.db_router import replica_reads

from . import figures, ranking
from .figures import DAY, KpiSet, Period, Scope, midnight
from .weekly_municipalities import MunicipalityRow, municipality_rows

WEEK = 7 * DAY

# Topics: a topic grows significantly when this week's count is at least GROWTH_RATIO times its
# usual level for the season AND at least GROWTH_MIN appeals above it.
GROWTH_RATIO = 1.5
GROWTH_MIN = 10
SEASON_YEARS = 3  # previous years looked at for the seasonal level
SEASON_HALF_WIDTH = 2  # the same ISO week ± this many weeks
FALLBACK_WEEKS = 8  # without seasonal history: the mean of the previous weeks
# Hot spots: cells of about CELL_METRES where this week had ≥ HOT_MIN appeals and the previous
# HOT_BEFORE_WEEKS weeks together had ≤ HOT_BEFORE_MAX.
CELL_METRES = 500
HOT_MIN = 5
HOT_BEFORE_WEEKS = 4
HOT_BEFORE_MAX = 1
HOT_LIMIT = 20
HOT_SAMPLE = 5
# An appeal is registered within days of coming in (3 days to moderate, 3 to clarify): searching
# by the indexed creation time this far back finds every appeal registered in a window.
REGISTRATION_MARGIN = timedelta(days=30)
# The ranking of a single week rests on too few appeals: it covers the four weeks up to the
# week's end (ranking.DEFAULT_MINIMUM appeals per municipality still apply).
RANKING_WEEKS = 4
FAILED_WEEKS = 4  # the failed-checks map layer: calls and questionnaires of these weeks
CHART_WEEKS = 12
LIST_LIMIT = 10
LONG_LIST_LIMIT = 50
HEATMAP_CELLS = 2000

WEEK_PATTERN = re.compile(r"(\d{4})-?W(\d{1,2})", re.IGNORECASE)
FIRST_YEAR = 2000


# ---------------------------------------------------------------------------- weeks


def last_complete_week(today: date) -> Period:
    """The Monday–Sunday week before the one `today` is in."""
    return Period.week(today - WEEK)


def current_week(today: date) -> Period:
    """The Monday–Sunday week `today` is in: the review opens on it."""
    return Period.week(today)


def week_code(period: Period) -> str:
    """The ISO week of a period as `2026-W05`."""
    iso = period.start.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def parse_week(
    value: str | None, today: date, *, default: Period | None = None
) -> tuple[Period, str | None]:
    """The week asked for (`YYYY-Www`), or `default` (the current week unless given) and a
    message saying why the value was not taken. Weeks after the current one are refused: they
    have no figures yet."""
    default = default or current_week(today)
    if value is None or value == "":
        return default, None
    shown = week_code(default)
    match = WEEK_PATTERN.fullmatch(value.strip())
    if not match:
        return default, _(
            "«%(value)s» is not a week: write it as 2026-W05 (year, W, week number). "
            "Week %(shown)s is shown."
        ) % {"value": value[:20], "shown": shown}
    year, number = int(match[1]), int(match[2])
    try:
        monday = date.fromisocalendar(year, number, 1)
    except ValueError:
        return default, _("Year %(year)s has no week %(week)s. Week %(shown)s is shown.") % {
            "year": year,
            "week": number,
            "shown": shown,
        }
    if year < FIRST_YEAR or monday > current_week(today).start:
        return default, _(
            "There are no figures for the week %(value)s yet. Week %(shown)s is shown."
        ) % {"value": f"{year}-W{number:02d}", "shown": shown}
    return Period.week(monday), None


def neighbours(period: Period, today: date) -> tuple[Period, Period | None]:
    """The week before and the week after (None when it has not begun)."""
    after = Period.week(period.end)
    return Period.week(period.start - WEEK), (
        after if after.start <= Period.week(today).start else None
    )


# ---------------------------------------------------------------------------- KPIs


# The headline figures, in the order they are shown: (key, is a share).
HEADLINE = (
    ("received", False),
    ("on_time", True),
    ("time_to_answer", False),
    ("postponed", True),
    ("repeated_postponement", True),
    ("repeat", True),
    ("rework", True),
    ("formal_reply", True),
    ("satisfaction", True),
    ("verified", True),
    ("gap", False),
    ("proactive", True),
    ("instructions_on_time", True),
)


def kpi_value(k: KpiSet, key: str) -> float | None:
    """A headline figure as one number: a count, a share in percent, days or points."""
    if key == "received":
        return k.received
    if key == "gap":
        return k.gap
    if key == "time_to_answer":
        return k.time_to_answer.mean_days
    return getattr(k, key).percent


@dataclass(frozen=True)
class KpiRow:
    key: str
    label: str
    value: float | None
    previous: float | None
    is_share: bool
    good_high: bool | None
    unit: str

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return round(self.value - self.previous, 1)

    @property
    def trend(self) -> str:
        """better / worse / same / "" (not comparable, or neither direction is good)."""
        change = self.change
        if change is None or self.good_high is None:
            return ""
        if change == 0:
            return "same"
        return "better" if (change > 0) == self.good_high else "worse"


def kpi_rows(current: KpiSet, previous: KpiSet) -> list[KpiRow]:
    units = {"received": "", "time_to_answer": _("days"), "gap": _("p.p.")}
    return [
        KpiRow(
            key=key,
            label=str(figures.KPI_LABELS[key]),
            value=kpi_value(current, key),
            previous=kpi_value(previous, key),
            is_share=is_share,
            good_high=figures.KPI_GOOD_HIGH[key],
            unit="%" if is_share else units[key],
        )
        for key, is_share in HEADLINE
    ]


@dataclass(frozen=True)
class WeekPoint:
    period: Period
    received: int
    on_time: float | None  # percent


def weekly_series(region_id: int, end: date, today: date) -> list[WeekPoint]:
    """Received and on-time share of the CHART_WEEKS weeks before `end`, from one query."""
    period = Period(end - CHART_WEEKS * WEEK, end)
    days = figures.daily(Scope(region_id), period, ("received", "due", "due_late", "due_open"))
    points = []
    for index in range(CHART_WEEKS):
        week = Period.week(period.start + index * WEEK)
        t = dict.fromkeys(("received", "due", "due_late", "due_open", "due_open_current"), 0)
        for offset in range(7):
            day = week.start + offset * DAY
            counters = days.get(day, {})
            for name in ("received", "due", "due_late", "due_open"):
                t[name] += counters.get(name, 0)
            # Items due today or later are not late yet (as figures.totals counts them).
            if day >= today:
                t["due_open_current"] += counters.get("due_open", 0)
        decided = t["due"] - t["due_open_current"]
        late = t["due_late"] + t["due_open"] - t["due_open_current"]
        on_time = round(100 * (decided - late) / decided, 1) if decided else None
        points.append(WeekPoint(week, t["received"], on_time))
    return points


# ---------------------------------------------------------------------------- topics


def is_significant(count: int, usual: float) -> bool:
    """The growth rule of the topics of the week (docs/weekly-review.md)."""
    return count - usual >= GROWTH_MIN and count >= GROWTH_RATIO * usual


def seasonal_windows(period: Period, years: int = SEASON_YEARS) -> list[Period]:
    """The same ISO week ± SEASON_HALF_WIDTH weeks in each of the previous `years` years (week
    53 becomes week 52 in years without one)."""
    iso = period.start.isocalendar()
    windows = []
    for back in range(1, years + 1):
        year = iso.year - back
        weeks_in_year = date(year, 12, 28).isocalendar().week
        monday = date.fromisocalendar(year, min(iso.week, weeks_in_year), 1)
        windows.append(
            Period(
                monday - SEASON_HALF_WIDTH * WEEK,
                monday + (SEASON_HALF_WIDTH + 1) * WEEK,
            )
        )
    return windows


@dataclass
class Topic:
    category_id: int
    name: str
    count: int = 0
    usual: float = 0.0
    children: list[Topic] = field(default_factory=list)

    @property
    def growth(self) -> float:
        return round(self.count - self.usual, 1)

    @property
    def ratio(self) -> float | None:
        return round(self.count / self.usual, 2) if self.usual else None

    @property
    def significant(self) -> bool:
        return is_significant(self.count, self.usual)


@dataclass
class Topics:
    roots: list[Topic]
    baseline: str  # "season" or "recent"
    season_years: list[int]

    def flat(self) -> list[tuple[Topic, Topic | None]]:
        """(topic, its root or None) for every row of the table, roots first in each group."""
        rows: list[tuple[Topic, Topic | None]] = []
        for root in self.roots:
            rows.append((root, None))
            rows.extend((child, root) for child in root.children)
        return rows

    def growing(self, limit: int = 10) -> list[Topic]:
        """The topics (subcategories, or roots without any) that grew most."""
        leaves = [child for root in self.roots for child in root.children]
        leaves += [root for root in self.roots if not root.children]
        leaves = [topic for topic in leaves if topic.growth > 0]
        return sorted(leaves, key=lambda t: (-t.growth, t.name))[:limit]


def _category_tree() -> dict[int, tuple[int | None, str]]:
    return {
        pk: (parent, name)
        for pk, parent, name in Category.objects.values_list("pk", "parent_id", "name")
    }


def _lineage(category_id: int, tree: dict) -> tuple[int, int | None]:
    """(root, subcategory under the root or None) of a category."""
    chain = [category_id]
    seen = {category_id}
    while True:
        parent = tree.get(chain[-1], (None, ""))[0]
        if parent is None or parent in seen:
            break
        chain.append(parent)
        seen.add(parent)
    root = chain[-1]
    return root, (chain[-2] if len(chain) > 1 else None)


def topics(region_id: int, period: Period) -> Topics:
    """Appeals received this week per root category and per subcategory, against the usual
    level: the mean weekly count in the same season of previous years when the region's history
    has them, otherwise the mean of the previous FALLBACK_WEEKS weeks."""
    scope = Scope(region_id)
    now = figures.by_category(scope, period)
    windows = seasonal_windows(period)
    usual: dict[int, float] = defaultdict(float)
    years = []
    seen = [(w, figures.by_category(scope, w)) for w in windows]
    with_history = [(w, counts) for w, counts in seen if sum(counts.values())]
    if with_history:
        for window, counts in with_history:
            weeks = window.days / 7
            for pk, n in counts.items():
                usual[pk] += n / weeks / len(with_history)
            years.append((window.start + SEASON_HALF_WIDTH * WEEK).isocalendar().year)
        baseline = "season"
    else:
        recent = Period(period.start - FALLBACK_WEEKS * WEEK, period.start)
        for pk, n in figures.by_category(scope, recent).items():
            usual[pk] += n / FALLBACK_WEEKS
        baseline = "recent"
    tree = _category_tree()
    roots: dict[int, Topic] = {}
    children: dict[int, Topic] = {}
    for pk in set(now) | set(usual):
        root_id, child_id = _lineage(pk, tree)
        root = roots.get(root_id)
        if root is None:
            name = tree[root_id][1] if root_id in tree else _("Without a category")
            root = roots[root_id] = Topic(root_id, name)
        root.count += now.get(pk, 0)
        root.usual += usual.get(pk, 0.0)
        if child_id is not None:
            child = children.get(child_id)
            if child is None:
                child = children[child_id] = Topic(child_id, tree[child_id][1])
                root.children.append(child)
            child.count += now.get(pk, 0)
            child.usual += usual.get(pk, 0.0)
    for topic in (*roots.values(), *children.values()):
        topic.usual = round(topic.usual, 1)
        topic.children.sort(key=lambda t: (-t.count, -t.usual, t.name))
    ordered = sorted(roots.values(), key=lambda t: (-t.count, -t.usual, t.name))
    return Topics(ordered, baseline, sorted(years))


# ---------------------------------------------------------------------------- map cells


@dataclass(frozen=True)
class Grid:
    """Cells of about CELL_METRES on a side: latitude and longitude steps for the region's
    latitude (a cell is a little narrower towards the poles of a large region; that is fine)."""

    lat_step: float
    lon_step: float

    @classmethod
    def for_latitude(cls, latitude: float | None) -> Grid:
        lat_step = CELL_METRES / 111_320
        cosine = max(math.cos(math.radians(latitude if latitude is not None else 55.0)), 0.1)
        return cls(lat_step, lat_step / cosine)

    def annotations(self, prefix: str = "") -> dict:
        return {
            "cy": Cast(Floor(F(f"{prefix}latitude") / self.lat_step), IntegerField()),
            "cx": Cast(Floor(F(f"{prefix}longitude") / self.lon_step), IntegerField()),
        }

    def polygon(self, cy: int, cx: int) -> list[list[list[float]]]:
        south, west = cy * self.lat_step, cx * self.lon_step
        north, east = south + self.lat_step, west + self.lon_step
        ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
        return [[[round(lon, 6), round(lat, 6)] for lon, lat in ring]]

    def centre(self, cy: int, cx: int) -> tuple[float, float]:
        return round((cy + 0.5) * self.lat_step, 6), round((cx + 0.5) * self.lon_step, 6)


def _registered_in(region_id: int, start: datetime, end: datetime):
    """Appeals of the region registered in [start, end), found through the (region, created_at)
    index: an appeal is created before it is registered, and registered within days."""
    return (
        Appeal.objects.filter(
            region_id=region_id,
            created_at__gte=start - REGISTRATION_MARGIN,
            created_at__lt=end,
            registered_at__gte=start,
            registered_at__lt=end,
        )
        .exclude(status=Status.REJECTED)
        .order_by()
    )


@dataclass
class HotSpot:
    cy: int
    cx: int
    latitude: float
    longitude: float
    count: int
    before: int
    category: str = ""
    category_count: int = 0
    address: str = ""
    appeals: list[dict] = field(default_factory=list)


def hot_spots(region_id: int, period: Period, tz: ZoneInfo, grid: Grid) -> list[HotSpot]:
    """New hot spots: cells with ≥ HOT_MIN appeals registered this week where the previous
    HOT_BEFORE_WEEKS weeks had ≤ HOT_BEFORE_MAX; with the top category and a sample of appeals.
    Three queries over the appeals of those weeks only."""
    week_start, week_end = period.bounds(tz)
    start = midnight(period.start - HOT_BEFORE_WEEKS * WEEK, tz)
    located = _registered_in(region_id, start, week_end).filter(latitude__isnull=False)
    cells = list(
        located.annotate(**grid.annotations())
        .values("cy", "cx")
        .annotate(
            week=Count("pk", filter=Q(registered_at__gte=week_start)),
            before=Count("pk", filter=Q(registered_at__lt=week_start)),
        )
        .filter(week__gte=HOT_MIN, before__lte=HOT_BEFORE_MAX)
        .order_by("-week", "cy", "cx")[:HOT_LIMIT]
    )
    if not cells:
        return []
    spots = {}
    for cell in cells:
        lat, lon = grid.centre(cell["cy"], cell["cx"])
        spots[cell["cy"], cell["cx"]] = HotSpot(
            cell["cy"], cell["cx"], lat, lon, cell["week"], cell["before"]
        )
    in_cells = Q(pk__in=[])
    for cy, cx in spots:
        in_cells |= Q(cy=cy, cx=cx)
    this_week = (
        located.filter(registered_at__gte=week_start)
        .annotate(**grid.annotations())
        .filter(in_cells)
    )
    by_category = (
        this_week.values("cy", "cx", "category_id")
        .annotate(n=Count("pk"), name=Max("category__name"))
        .order_by("cy", "cx", "-n", "name")
    )
    for row in by_category:
        spot = spots[row["cy"], row["cx"]]
        if row["n"] > spot.category_count:
            spot.category_count = row["n"]
            spot.category = row["name"] or _("Without a category")
    expressions = grid.annotations()
    sample = (
        this_week.annotate(
            position=Window(
                RowNumber(),
                partition_by=[expressions["cy"], expressions["cx"]],
                order_by=[F("registered_at").desc(), F("pk").desc()],
            )
        )
        .filter(position__lte=HOT_SAMPLE)
        .values("cy", "cx", "number", "address", "registered_at")
    )
    for row in sample:
        spot = spots[row["cy"], row["cx"]]
        spot.appeals.append(row)
        if not spot.address and row["address"]:
            spot.address = row["address"]
    return list(spots.values())


@replica_reads()
def heatmap(
    region_id: int, period: Period, tz: ZoneInfo, grid: Grid, layer: str
) -> tuple[list[dict], bool]:
    """Grid cells with counts: appeals registered in the week ("appeals"), or failed checks —
    not-solved control calls and «the fix did not last» questionnaires of the FAILED_WEEKS weeks
    up to the week's end ("failed"). At most HEATMAP_CELLS cells, the fullest; the flag says
    whether some were left out."""
    start, end = period.bounds(tz)
    counts: dict[tuple[int, int], int] = defaultdict(int)
    if layer == "appeals":
        sources = [_registered_in(region_id, start, end).filter(latitude__isnull=False)]
        prefix = ""
    elif layer == "failed":
        since = midnight(period.end - FAILED_WEEKS * WEEK, tz)
        sources = [
            ControlCall.objects.filter(
                completed_at__gte=since,
                completed_at__lt=end,
                state=ControlCall.State.DONE,
                is_solved=False,
                appeal__region_id=region_id,
                appeal__latitude__isnull=False,
            ).order_by(),
            FollowUp.objects.filter(
                answered_at__gte=since,
                answered_at__lt=end,
                fix_lasted=False,
                appeal__region_id=region_id,
                appeal__latitude__isnull=False,
            ).order_by(),
        ]
        prefix = "appeal__"
    else:
        raise ValueError(layer)
    truncated = False
    for source in sources:
        rows = (
            source.annotate(**grid.annotations(prefix))
            .values("cy", "cx")
            .annotate(n=Count("pk"))
            .order_by("-n", "cy", "cx")[: HEATMAP_CELLS + 1]
        )
        rows = list(rows)
        truncated |= len(rows) > HEATMAP_CELLS
        for row in rows[:HEATMAP_CELLS]:
            counts[row["cy"], row["cx"]] += row["n"]
    cells = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    truncated |= len(cells) > HEATMAP_CELLS
    return [{"cy": cy, "cx": cx, "count": n} for (cy, cx), n in cells[:HEATMAP_CELLS]], truncated


def heatmap_geojson(cells: list[dict], grid: Grid, layer: str, truncated: bool) -> dict:
    top = max((cell["count"] for cell in cells), default=0)
    return {
        "type": "FeatureCollection",
        "layer": layer,
        "truncated": truncated,
        "max": top,
        "features": [
            {
                "type": "Feature",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": grid.polygon(cell["cy"], cell["cx"]),
                },
                "properties": {
                    "count": cell["count"],
                    "intensity": round(cell["count"] / top, 3) if top else 0,
                },
            }
            for cell in cells
        ],
    }


# ---------------------------------------------------------------------------- lists


def worst_overdue(region_id: int, now: datetime) -> list[Appeal]:
    """Open unanswered appeals of the region furthest past their deadline."""
    appeals = (
        Appeal.objects.filter(
            region_id=region_id,
            status__in=OPEN_STATUSES,
            answered_at__isnull=True,
            due_at__lt=now,
        )
        .select_related("category", "municipality", "executor")
        .order_by("due_at", "pk")[:LIST_LIMIT]
    )
    appeals = list(appeals)
    for appeal in appeals:
        appeal.days_overdue = (now - appeal.due_at).days
    return appeals


@dataclass
class RepeatCase:
    appeal: Appeal  # the first appeal of the chain
    repeats: int  # repeat appeals of the chain registered this quarter
    depth: int  # 1: repeats of the first; 2: a repeat of a repeat; 3: deeper still
    last: str  # number of the latest repeat


def worst_repeats(region_id: int, start: datetime, end: datetime) -> list[RepeatCase]:
    """Repeat chains with repeats registered in [start, end): repeats of repeats first, then
    the most repeats. Two queries: the chains grouped in the database, then their first appeals."""
    depth = Case(
        When(repeat_of__repeat_of__repeat_of__isnull=False, then=Value(3)),
        When(repeat_of__repeat_of__isnull=False, then=Value(2)),
        default=Value(1),
        output_field=IntegerField(),
    )
    chains = list(
        _registered_in(region_id, start, end)
        .filter(repeat_of__isnull=False)
        .annotate(
            root=Coalesce(
                "repeat_of__repeat_of__repeat_of_id", "repeat_of__repeat_of_id", "repeat_of_id"
            ),
            depth=depth,
        )
        .values("root")
        .annotate(n=Count("pk"), deepest=Max("depth"), last=Max("number", output_field=CharField()))
        .order_by("-deepest", "-n", "root")[:LIST_LIMIT]
    )
    firsts = Appeal.objects.select_related("category", "municipality", "executor").in_bulk(
        [chain["root"] for chain in chains]
    )
    return [
        RepeatCase(firsts[chain["root"]], chain["n"], chain["deepest"], chain["last"])
        for chain in chains
        if chain["root"] in firsts
    ]


def _instruction_overdue_q(now: datetime) -> Q:
    return Q(state=Instruction.State.ISSUED, due_at__lt=now) | Q(
        state=Instruction.State.REPORTED, reported_at__gt=F("due_at")
    )


def instruction_state(region_id: int, start: datetime, end: datetime, now: datetime) -> dict:
    """Counts of the region's instructions, and every open one (issued or reported, as of now):
    the overdue first, then by deadline."""
    instructions = Instruction.objects.filter(region_id=region_id).order_by()
    counts = instructions.aggregate(
        issued=Count("pk", filter=Q(issued_at__gte=start, issued_at__lt=end)),
        waiting=Count("pk", filter=Q(state=Instruction.State.ISSUED)),
        reported=Count("pk", filter=Q(state=Instruction.State.REPORTED)),
        done=Count(
            "pk",
            filter=Q(state=Instruction.State.DONE, completed_at__gte=start, completed_at__lt=end),
        ),
        overdue=Count("pk", filter=_instruction_overdue_q(now)),
    )
    late = Case(
        When(_instruction_overdue_q(now), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    open_ones = list(
        instructions.filter(state__in=(Instruction.State.ISSUED, Instruction.State.REPORTED))
        .annotate(late=late)
        .select_related("organization")
        .order_by("-late", "due_at", "pk")
    )
    for instruction in open_ones:
        # Reported late: overdue by the report's delay; still issued: by the time since.
        reported = instruction.state == Instruction.State.REPORTED and instruction.reported_at
        finished = instruction.reported_at if reported else now
        late = instruction.late
        instruction.days_overdue = (finished - instruction.due_at).days if late else None
    return {"counts": counts, "open": open_ones}


def call_results(region_id: int, start: datetime, end: datetime) -> dict:
    """Control calls completed in the week: counts per outcome, the solved share, and the
    calls where the applicant said the problem was not solved."""
    calls = ControlCall.objects.filter(
        completed_at__gte=start, completed_at__lt=end, call_list__region_id=region_id
    ).order_by()
    counts = calls.aggregate(
        done=Count("pk", filter=Q(state=ControlCall.State.DONE)),
        solved=Count("pk", filter=Q(state=ControlCall.State.DONE, is_solved=True)),
        not_solved=Count("pk", filter=Q(state=ControlCall.State.DONE, is_solved=False)),
        not_reached=Count(
            "pk", filter=~Q(state__in=[ControlCall.State.DONE, ControlCall.State.PENDING])
        ),
    )
    share = figures.Share(counts["solved"], counts["done"])
    failed = list(
        calls.filter(state=ControlCall.State.DONE, is_solved=False)
        .select_related("appeal", "appeal__category", "appeal__municipality", "repeat")
        .order_by("-completed_at", "-pk")[:LONG_LIST_LIMIT]
    )
    return {"counts": counts, "solved_share": share, "failed": failed}


# ---------------------------------------------------------------------------- the review


@dataclass
class Review:
    region: Region
    period: Period
    today: date
    now: datetime
    kpis: KpiSet
    previous: KpiSet
    kpi_rows: list[KpiRow]
    series: list[WeekPoint]
    topics: Topics
    hot_spots: list[HotSpot]
    ranking: ranking.Ranking
    municipalities: list[MunicipalityRow]
    overdue: list[Appeal]
    repeats: list[RepeatCase]
    repeats_period: Period
    instructions: dict
    calls: dict

    @property
    def code(self) -> str:
        return week_code(self.period)


@replica_reads()
def review(region: Region, period: Period, today: date, now: datetime) -> Review:
    """Every figure of the weekly review of `region` for the week `period`, as seen `now`."""
    tz = ZoneInfo(region.time_zone)
    scope = Scope(region.pk)
    start, end = period.bounds(tz)
    current = figures.kpis(scope, period, today)
    previous = figures.kpis(scope, period.previous(), today)
    quarter = Period.quarter(period.last_day)
    repeats_period = Period(quarter.start, period.end)
    ranking_period = Period(period.end - RANKING_WEEKS * WEEK, period.end, "custom")
    return Review(
        region=region,
        period=period,
        today=today,
        now=now,
        kpis=current,
        previous=previous,
        kpi_rows=kpi_rows(current, previous),
        series=weekly_series(region.pk, period.end, today),
        topics=topics(region.pk, period),
        hot_spots=hot_spots(region.pk, period, tz, Grid.for_latitude(region.center_lat)),
        ranking=ranking.ranking("municipality", region.pk, ranking_period, today),
        municipalities=municipality_rows(region.pk, period, today),
        overdue=worst_overdue(region.pk, now),
        repeats=worst_repeats(region.pk, *repeats_period.bounds(tz)),
        repeats_period=repeats_period,
        instructions=instruction_state(region.pk, start, end, now),
        calls=call_results(region.pk, start, end),
    )
