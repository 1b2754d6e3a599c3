"""The topics of the week: appeals per category against their usual level for the season."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from otklik.directory.models import Category

from .. import figures
from ..figures import Period, Scope
from .weeks import (
    FALLBACK_WEEKS,
    GROWTH_MIN,
    GROWTH_RATIO,
    SEASON_HALF_WIDTH,
    SEASON_YEARS,
    WEEK,
)


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
    # The forecast of the topic group's region total made a week earlier (root topics only;
    # the review sets it): a ForecastCheck, or None when none was made.
    forecast: object | None = None

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
