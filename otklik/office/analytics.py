"""Figures in the office: dashboards per role, the KPI page whose every figure opens the
appeals behind it, rankings of municipalities and organizations, and the ranking settings.

Pages read the KPI rollups (analytics.figures, a few indexed sums each); only the drill-down
list pages through the appeals behind one figure. Who may see which scope: analytics.scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from otklik.accounts.models import Role
from otklik.analytics import figures
from otklik.analytics import kpi as straight
from otklik.analytics import scope as access_scope
from otklik.analytics.figures import (
    FEDERAL_SATISFACTION_TARGET,
    KPI_GOOD_HIGH,
    KPI_LABELS,
    KpiSet,
    Period,
    Scope,
    Share,
    midnight,
    region_zone,
)
from otklik.analytics.forms import PeriodForm, ScopeForm
from otklik.analytics.models import KpiDay
from otklik.analytics.ranking import (
    COMPONENTS,
    DEFAULT_MINIMUM,
    DEFAULT_WEIGHTS,
    UNIT_KINDS,
    save_settings,
    settings_for,
)
from otklik.analytics.ranking import ranking as compute_ranking
from otklik.appeals import access
from otklik.appeals.models import Answer, Appeal, Postponement, scope_q
from otklik.appeals.workflow import Status
from otklik.control.instructions import instructions_visible_to
from otklik.control.models import ControlCall, Instruction
from otklik.directory.models import Category, Municipality, Organization, Region
from otklik.lib.charts import format_value, line_chart

from .analytics_forms import RankingSettingsForm
from .permissions import role_required

PAGE_SIZE = 50
ANALYTICS = access_scope.ANALYTICS_ROLES
# Open appeals past their deadline now (the dashboards' figure, read from the rollups).
OVERDUE_OPEN = "overdue_open"
DRILL_KPIS = (*straight.DRILLABLE, OVERDUE_OPEN)
# Figures that count answers, ratings, checks or instructions rather than appeals: the list
# behind them may be shorter when one appeal has several.
COUNTS_ITEMS = {
    "rework": gettext_lazy("answers"),
    "formal_reply": gettext_lazy("answers"),
    "satisfaction": gettext_lazy("ratings"),
    "verified": gettext_lazy("control calls and questionnaires"),
}
# The figures of KPI.md in its order; "gap" is computed from two of them.
ORDER = (
    "received",
    "overdue",
    "on_time",
    "time_to_answer",
    "postponed",
    "repeated_postponement",
    "repeat",
    "durability",
    "rework",
    "formal_reply",
    "satisfaction",
    "verified",
    "proactive",
    "instructions_on_time",
)
HEADLINE = ("received", "on_time", "overdue", "satisfaction", "verified", "repeat", "postponed")
EXPLANATIONS = {
    "received": gettext_lazy("Appeals registered in the period (accepted at moderation)."),
    "overdue": gettext_lazy(
        "Of appeals due in the period: answered after the deadline, or still unanswered after it."
    ),
    "on_time": gettext_lazy("Of appeals due in the period: answered by the deadline."),
    "time_to_answer": gettext_lazy(
        "From registration to the first published answer, over answers published in the period."
    ),
    "postponed": gettext_lazy(
        "Of appeals due in the period: those whose deadline was moved at least once."
    ),
    "repeated_postponement": gettext_lazy(
        "Of appeals due in the period: those whose deadline was moved two or more times."
    ),
    "repeat": gettext_lazy(
        "Of appeals registered in the period: repeat appeals about a problem answered before."
    ),
    "durability": gettext_lazy(
        "Of appeals closed in the period: those followed within 90 days by an appeal of the "
        "same category within 100 m."
    ),
    "rework": gettext_lazy(
        "Of answers submitted for review in the period: those returned to the executor."
    ),
    "formal_reply": gettext_lazy(
        "Of answers submitted in the period: those the automatic check flags as formal replies."
    ),
    "satisfaction": gettext_lazy(
        "Of ratings given in the period: the share of 4 and 5 (federal target: at least 60 %)."
    ),
    "verified": gettext_lazy(
        "Of control calls and questionnaires completed in the period: the share where the "
        "applicant confirms the problem is solved."
    ),
    "gap": gettext_lazy(
        "On-time share minus verified resolution, in points: how far the statistics run ahead "
        "of what citizens confirm."
    ),
    "proactive": gettext_lazy(
        "Of appeals registered in the period: those found by field teams and in social networks."
    ),
    "instructions_on_time": gettext_lazy(
        "Of instructions due in the period: the share completed by their deadline."
    ),
    "rejected": gettext_lazy(
        "Appeals rejected at moderation (spam, not competent, duplicates); they count in no "
        "other figure."
    ),
    OVERDUE_OPEN: gettext_lazy("Appeals still unanswered after their deadline, today."),
}


def _label(kpi: str) -> str:
    if kpi == "rejected":
        return _("Rejected at moderation")
    if kpi == OVERDUE_OPEN:
        return _("Overdue now")
    return str(KPI_LABELS[kpi])


# ---------------------------------------------------------------------------- the selection


@dataclass
class Selection:
    """The scope and period a page shows, from the query string, checked against the user."""

    scope: Scope
    period: Period
    today: date
    category_id: int | None
    period_form: PeriodForm
    choices: access_scope.Choices | None = None
    region: Region | None = None
    names: dict = field(default_factory=dict)

    def query(self, period: Period | None = None, **extra) -> str:
        """The scope and (explicit) period as a query string, for links that keep them."""
        return urlencode(
            {
                **scope_params(self.scope, self.category_id),
                **period_params(period or self.period),
                **extra,
            }
        )

    def page_query(self, **extra) -> str:
        """As the page was asked for (period kind kept), for the page's own links."""
        data = self.period_form.cleaned_data if self.period_form.is_valid() else {}
        params = scope_params(self.scope, self.category_id)
        kind = data.get("period") or ""
        if kind == "custom":
            params.update(period_params(self.period))
        elif kind:
            params.update(period=kind, day=(data.get("day") or self.today).isoformat())
        params.update(extra)
        return urlencode(params)


def scope_params(scope: Scope, category_id: int | None = None) -> dict:
    params = {"region": scope.region_id}
    if scope.municipality_id:
        params["municipality"] = scope.municipality_id
    if scope.organization_id:
        params["organization"] = scope.organization_id
    if category_id:
        params["category"] = category_id
    return params


def period_params(period: Period) -> dict:
    return {
        "period": "custom",
        "start": period.start.isoformat(),
        "end": period.last_day.isoformat(),
    }


def _select(request, *, roles=ANALYTICS, with_choices: bool = True) -> Selection:
    """The selection asked for; 404 when any part of the scope is malformed or not the user's."""
    scope_form = ScopeForm(request.GET)
    if not scope_form.is_valid():
        raise Http404
    data = scope_form.cleaned_data
    region_id = access_scope.default_region(request.user, data["region"])
    if region_id is None:
        raise Http404
    category_id = data["category"]
    category_ids: tuple[int, ...] = ()
    if category_id:
        if not Category.objects.filter(pk=category_id).exists():
            raise Http404
        category_ids = figures.category_subtree([category_id])
    scope = access_scope.resolve(
        request.user,
        region_id=region_id,
        municipality_id=data["municipality"],
        organization_id=data["organization"],
        category_ids=category_ids,
        roles=roles,
    )
    if scope is None:
        raise Http404
    region = Region.objects.get(pk=region_id)
    today = timezone.now().astimezone(region_zone_of(region)).date()
    period_form = PeriodForm(request.GET, today=today)
    selection = Selection(
        scope=scope,
        period=period_form.period_or_default(),
        today=today,
        category_id=category_id,
        period_form=period_form,
        region=region,
    )
    if with_choices:
        selection.choices = access_scope.choices(request.user, region_id)
    return selection


def region_zone_of(region: Region) -> ZoneInfo:
    return ZoneInfo(region.time_zone)


def _scope_names(scope: Scope, category_id: int | None) -> list[str]:
    """What the scope is, in words: «Липецк · УДХ Липецка · Дороги»."""
    names = []
    if scope.municipality_id:
        names.append(str(Municipality.objects.get(pk=scope.municipality_id)))
    if scope.organization_id:
        names.append(str(Organization.objects.get(pk=scope.organization_id)))
    if category_id:
        names.append(str(Category.objects.get(pk=category_id)))
    return names


def period_text(period: Period) -> str:
    if period.days == 1:
        return period.start.strftime("%d.%m.%Y")
    return f"{period.start:%d.%m.%Y} – {period.last_day:%d.%m.%Y}"


# ---------------------------------------------------------------------------- figures as text


def _percent(share: Share) -> str:
    return format_value(share.percent, percent=True)


def _wilson(share: Share) -> str:
    interval = share.wilson()
    if interval is None:
        return ""
    low, high = (format_value(round(100 * v, 1)) for v in interval)
    return _("95 %% interval: %(low)s–%(high)s %%") % {"low": low, "high": high}


def _days(value: float | None) -> str:
    return "—" if value is None else _("%(n)s d.") % {"n": format_value(value)}


def _value(k: KpiSet, kpi: str) -> float | None:
    """The number a KPI is compared by across periods."""
    if kpi == "received":
        return k.received
    if kpi == "gap":
        return k.gap
    if kpi == "time_to_answer":
        return k.time_to_answer.mean_days
    return getattr(k, kpi).percent


def _text(k: KpiSet, kpi: str) -> str:
    value = _value(k, kpi)
    if kpi == "received":
        return format_value(value)
    if kpi == "gap":
        return "—" if value is None else _("%(n)s pp") % {"n": format_value(value)}
    if kpi == "time_to_answer":
        return _days(value)
    return format_value(value, percent=True)


def trend(kpi: str, now: float | None, then: float | None) -> tuple[str, str]:
    """(arrow and change as text, css class): green when the change is for the better."""
    if now is None or then is None:
        return "", "trend-none"
    delta = round(now - then, 1)
    arrow = "▲" if delta > 0 else "▼" if delta < 0 else "="
    good = KPI_GOOD_HIGH.get(kpi)
    if delta == 0 or good is None:
        css = "trend-neutral"
    else:
        css = "trend-good" if (delta > 0) == good else "trend-bad"
    if kpi == "received":
        change = format_value(abs(delta))
    elif kpi == "time_to_answer":
        change = _days(abs(delta))
    else:
        change = _("%(n)s pp") % {"n": format_value(abs(delta))}
    return (arrow if delta == 0 else f"{arrow} {change}"), css


def _drill(selection: Selection, kpi: str, part: str = "numerator", period: Period | None = None):
    return reverse("office:kpi_appeals") + "?" + selection.query(period, kpi=kpi, part=part)


def _kpi_link(selection: Selection, period: Period) -> str:
    return reverse("office:kpi") + "?" + selection.query(period)


def _card(
    selection: Selection, kpi: str, current: KpiSet, others: list[tuple[str, Period, KpiSet]]
) -> dict:
    card = {
        "key": kpi,
        "label": _label(kpi),
        "explanation": EXPLANATIONS[kpi],
        "value": _text(current, kpi),
        "comparisons": [],
    }
    if kpi == "received":
        card["url"] = _drill(selection, kpi)
    elif kpi == "time_to_answer":
        t = current.time_to_answer
        card["url"] = _drill(selection, kpi)
        card["answers"] = t.count
        card["times"] = [
            (_("mean"), _days(t.mean_days), _days(t.mean_workdays)),
            (_("median"), _days(t.median_days), _days(t.median_workdays)),
        ]
    elif kpi == "gap":
        card["url"] = _drill(selection, "on_time")
        card["parts"] = [
            (str(KPI_LABELS["on_time"]), _percent(current.on_time), _drill(selection, "on_time")),
            (
                str(KPI_LABELS["verified"]),
                _percent(current.verified),
                _drill(selection, "verified"),
            ),
        ]
    else:
        share = getattr(current, kpi)
        card.update(
            url=_drill(selection, kpi),
            numerator=share.numerator,
            denominator=share.denominator,
            numerator_url=_drill(selection, kpi),
            denominator_url=_drill(selection, kpi, "denominator"),
            wilson=_wilson(share),
        )
        if kpi == "satisfaction":
            card["target"] = FEDERAL_SATISFACTION_TARGET
            card["meets_target"] = (
                None if share.percent is None else share.percent >= FEDERAL_SATISFACTION_TARGET
            )
    now_value = _value(current, kpi)
    for label, period, k in others:
        arrow, css = trend(kpi, now_value, _value(k, kpi))
        url = (
            _kpi_link(selection, period) if kpi == "gap" else _drill(selection, kpi, period=period)
        )
        card["comparisons"].append(
            {
                "label": label,
                "period": period_text(period),
                "value": _text(k, kpi),
                "url": url,
                "arrow": arrow,
                "css": css,
            }
        )
    return card


# ---------------------------------------------------------------------------- the KPI page


@role_required(ANALYTICS)
@require_GET
def kpi_page(request):
    selection = _select(request)
    scope, period, today = selection.scope, selection.period, selection.today
    current = figures.kpis(scope, period, today)
    previous_period, last_year = period.previous(), period.previous_year()
    others = [(_("a year before"), last_year, figures.kpis(scope, last_year, today))]
    if previous_period != last_year:  # twelve months: the period before is the year before
        others.insert(
            0, (_("previous period"), previous_period, figures.kpis(scope, previous_period, today))
        )
    cards = [_card(selection, kpi, current, others) for kpi in ORDER]
    gap = _card(selection, "gap", current, others)
    rejected = {
        "value": current.rejected,
        "url": _drill(selection, "rejected"),
        "explanation": EXPLANATIONS["rejected"],
    }
    kind = (
        selection.period_form.cleaned_data.get("period") if selection.period_form.is_valid() else ""
    ) or "month"
    navigation = []
    if kind != "custom":
        earlier = (
            Period.of(kind, period.start - timedelta(days=1)) if kind != "twelve_months" else None
        )
        later = Period.of(kind, period.end) if kind != "twelve_months" else None
        if earlier:
            navigation.append((_("← earlier"), _page_link(selection, kind, earlier.start)))
        if later and later.start <= today:
            navigation.append((_("later →"), _page_link(selection, kind, later.start)))
    return render(
        request,
        "office/analytics/kpi.html",
        {
            "office_section": "kpi",
            "selection": selection,
            "form": selection.period_form,
            "choices": selection.choices,
            "categories": _categories(),
            "scope_names": _scope_names(scope, selection.category_id),
            "period_text": period_text(period),
            "cards": cards,
            "gap": gap,
            "rejected": rejected,
            "navigation": navigation,
            "kinds": PeriodForm.base_fields["period"].choices,
            "kind": kind,
            "can_rank": access_scope.can_rank(request.user, scope.region_id),
        },
    )


def _page_link(selection: Selection, kind: str, day: date) -> str:
    params = scope_params(selection.scope, selection.category_id)
    params.update(period=kind, day=day.isoformat())
    return reverse("office:kpi") + "?" + urlencode(params)


def _categories() -> list[tuple[int, str]]:
    """Active categories as «Дороги», «Дороги / Ямы» (two levels shown)."""
    rows = (
        Category.objects.filter(is_active=True)
        .select_related("parent")
        .order_by("parent__position", "parent__name", "position", "name")
    )
    result = []
    for category in rows:
        name = f"{category.parent.name} / {category.name}" if category.parent else category.name
        result.append((category.pk, name))
    return sorted(result, key=lambda item: item[1])


# ---------------------------------------------------------------------------- the drill-down


def _figure(k: KpiSet, kpi: str, part: str) -> int:
    if kpi == "received":
        return k.received
    if kpi == "rejected":
        return k.rejected
    if kpi == "time_to_answer":
        return k.time_to_answer.count
    share = getattr(k, kpi)
    return share.numerator if part == "numerator" else share.denominator


def open_overdue_count(scope: Scope, today: date) -> int:
    """Appeals of the scope unanswered after their deadline's day, read from the rollups: the
    deadlines of every day before today still open."""
    row = KpiDay.objects.filter(scope.rollup_q(), day__lt=today).aggregate(n=Sum("due_open"))
    return int(row["n"] or 0)


def open_overdue_appeals(scope: Scope, today: date):
    """The appeals behind `open_overdue_count`."""
    start_of_today = midnight(today, region_zone(scope.region_id))
    return straight.counted(scope).filter(answered_at__isnull=True, due_at__lt=start_of_today)


def instructions_behind(scope: Scope, period: Period, today: date, part: str):
    """The instructions the figure «instructions on time» counts, or is a share of (those due in
    the period, but not the open ones still within their deadline)."""
    window = straight.Window(scope, period, today)
    due = Instruction.objects.filter(
        scope.instruction_q(), due_at__gte=window.start, due_at__lt=window.end
    ).exclude(state=Instruction.State.CANCELLED)
    if part == "denominator":
        return due.exclude(state=Instruction.State.ISSUED, due_at__gte=window.today)
    # Finished by the deadline: accepted (the report's time) or reported, by due_at.
    return due.filter(
        Q(state=Instruction.State.DONE, completed_at__lte=F("due_at"))
        | Q(state=Instruction.State.REPORTED, reported_at__lte=F("due_at"))
    )


@role_required(ANALYTICS)
@require_GET
def kpi_appeals(request):
    kpi = request.GET.get("kpi", "")
    part = request.GET.get("part", "numerator")
    if kpi not in DRILL_KPIS or part not in ("numerator", "denominator"):
        raise Http404
    if kpi in ("received", "rejected", "time_to_answer", OVERDUE_OPEN):
        part = "numerator"
    selection = _select(request, with_choices=False)
    scope, period, today = selection.scope, selection.period, selection.today
    context = {
        "office_section": "kpi",
        "selection": selection,
        "kpi": kpi,
        "part": part,
        "label": _label(kpi),
        "explanation": EXPLANATIONS[kpi],
        "scope_names": _scope_names(scope, selection.category_id),
        "period_text": period_text(period),
        "back_url": reverse("office:kpi") + "?" + selection.query(),
        "errors": selection.period_form.errors,
    }
    if selection.period_form.errors:
        return render(request, "office/analytics/kpi_appeals.html", context, status=400)
    if kpi == OVERDUE_OPEN:
        figure = open_overdue_count(scope, today)
        rows = open_overdue_appeals(scope, today).order_by("due_at", "pk")
        context["period_text"] = _("on %(day)s") % {"day": today.strftime("%d.%m.%Y")}
    else:
        figure = _figure(figures.kpis(scope, period, today), kpi, part)
        if kpi == "instructions_on_time":
            rows = instructions_behind(scope, period, today, part).order_by("due_at", "pk")
        else:
            rows = straight.appeals_behind(kpi, scope, period, today, part=part)
    if kpi == "instructions_on_time":
        rows = rows.select_related("organization").annotate(appeal_count=Count("appeals"))
    else:
        rows = rows.select_related("category", "category__parent", "municipality", "executor")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context.update(
        page=page,
        figure=figure,
        listed=page.paginator.count,
        counts_items=COUNTS_ITEMS.get(kpi),
        instructions=kpi == "instructions_on_time",
        query=selection.query(kpi=kpi, part=part),
        denominator=part == "denominator",
    )
    return render(request, "office/analytics/kpi_appeals.html", context)


# ---------------------------------------------------------------------------- ranking


def format_ratio(value: float) -> str:
    """«3,0»: a ratio always with one decimal, as in «в 3,0 раза»."""
    return number_format(round(value, 1), 1)


def _change_text(now: float | None, then: float | None) -> tuple[str, str]:
    """A change of the index in points: «▲ 2,1» in green, «▼ 0,4» in red."""
    if now is None or then is None:
        return "", "trend-none"
    delta = round(now - then, 1)
    if delta == 0:
        return "=", "trend-neutral"
    arrow, css = ("▲", "trend-good") if delta > 0 else ("▼", "trend-bad")
    return f"{arrow} {format_value(abs(delta))}", css


def _ratio_text(row) -> tuple[str, str]:
    """Year on year, as «improved 3.0 times» / «worsened 1.5 times» (overdue shares)."""
    ratio = row.overdue_ratio
    if ratio is None:
        if row.previous is not None and row.kpis.overdue.value == 0 and row.previous.overdue.value:
            return _("no overdue appeals now"), "trend-good"
        return "—", "trend-none"
    if ratio > 1:
        return _("improved %(n)s times") % {"n": format_ratio(ratio)}, "trend-good"
    if ratio < 1:
        return _("worsened %(n)s times") % {"n": format_ratio(1 / ratio)}, "trend-bad"
    return _("no change"), "trend-neutral"


@role_required(access_scope.RANKING_ROLES)
@require_GET
def ranking_page(request):
    kind = request.GET.get("kind") or "municipality"
    if kind not in UNIT_KINDS:
        raise Http404
    held = access_scope.ranking_regions(request.user)
    if not held:
        raise PermissionDenied
    selection = _select(request, roles=access_scope.RANKING_ROLES, with_choices=False)
    if not access_scope.can_rank(request.user, selection.scope.region_id):
        raise Http404
    # A ranking compares the units of the whole region: only the category narrows it.
    scope = Scope(selection.scope.region_id, category_ids=selection.scope.category_ids)
    selection.scope = scope
    result = compute_ranking(
        kind, scope.region_id, selection.period, selection.today, category_ids=scope.category_ids
    )
    rows = []
    for row in result.rows:
        params = {kind: row.unit_id}
        components = []
        for name in COMPONENTS:
            share = getattr(row.kpis, name)
            interval = share.wilson()
            components.append(
                {
                    "value": _percent(share),
                    "title": f"{share.numerator}/{share.denominator}; {_wilson(share)}"
                    if interval
                    else "",
                    "range": "–".join(format_value(round(100 * v, 1)) for v in interval)
                    if interval
                    else "",
                }
            )
        ratio, ratio_css = _ratio_text(row)
        change, change_css = _change_text(row.score, row.previous_score)
        rows.append(
            {
                "row": row,
                "url": reverse("office:kpi") + "?" + selection.query(**params),
                "score": format_value(row.score),
                "range": (
                    f"{format_value(row.score_low)}–{format_value(row.score_high)}"
                    if row.score is not None
                    else ""
                ),
                "components": components,
                "gap": "—" if row.gap is None else _("%(n)s pp") % {"n": format_value(row.gap)},
                "previous_score": format_value(row.previous_score),
                "change": change,
                "change_css": change_css,
                "ratio": ratio,
                "ratio_css": ratio_css,
            }
        )
    weights = [
        {
            "label": KPI_LABELS[name],
            "default": format_value(DEFAULT_WEIGHTS[name]),
            "current": format_value(result.settings.weights.get(name, 0)),
            "good_high": high,
        }
        for name, (_weight, high) in COMPONENTS.items()
    ]
    return render(
        request,
        "office/analytics/ranking.html",
        {
            "office_section": "ranking",
            "selection": selection,
            "form": selection.period_form,
            "kind": kind,
            "kinds": [
                (key, label, selection.page_query(kind=key)) for key, label in UNIT_KINDS.items()
            ],
            "unit_label": UNIT_KINDS[kind],
            "component_labels": [KPI_LABELS[name] for name in COMPONENTS],
            "ranked": [r for r in rows if r["row"].ranked],
            "unranked": [r for r in rows if not r["row"].ranked],
            "period_text": period_text(selection.period),
            "previous_text": period_text(result.previous_period),
            "minimum": result.settings.minimum,
            "default_minimum": DEFAULT_MINIMUM,
            "weights": weights,
            "categories": _categories(),
            "kinds_of_period": PeriodForm.base_fields["period"].choices,
            "can_configure": access_scope.can_configure_ranking(request.user, scope.region_id),
            "settings_url": reverse("office:ranking_settings") + f"?region={scope.region_id}",
        },
    )


@role_required(frozenset({Role.ADMIN}))
@require_http_methods(["GET", "POST"])
def ranking_settings(request):
    form_scope = ScopeForm(request.GET)
    if not form_scope.is_valid():
        raise Http404
    region_id = access_scope.default_region(request.user, form_scope.cleaned_data["region"])
    if region_id is None or not access_scope.can_configure_ranking(request.user, region_id):
        raise PermissionDenied
    labels = {name: str(KPI_LABELS[name]) for name in COMPONENTS}
    if request.method == "POST":
        form = RankingSettingsForm(request.POST, labels=labels)
        if form.is_valid():
            save_settings(region_id, form.weights(), form.cleaned_data["minimum_appeals"])
            messages.success(request, _("The ranking settings have been saved."))
            return redirect(reverse("office:ranking_settings") + f"?region={region_id}")
    else:
        current = settings_for(region_id)
        initial = {f"weight_{name}": current.weights.get(name, 0) for name in COMPONENTS}
        initial["minimum_appeals"] = current.minimum
        form = RankingSettingsForm(initial=initial, labels=labels)
    defaults = [(KPI_LABELS[name], format_value(DEFAULT_WEIGHTS[name])) for name in COMPONENTS]
    return render(
        request,
        "office/analytics/ranking_settings.html",
        {
            "office_section": "ranking",
            "form": form,
            "region": Region.objects.get(pk=region_id),
            "defaults": defaults,
            "default_minimum": DEFAULT_MINIMUM,
            "action": reverse("office:ranking_settings") + f"?region={region_id}",
        },
    )


# ---------------------------------------------------------------------------- dashboards


def _headline(selection: Selection, month: Period) -> dict:
    """This month's headline figures against last month's, each a link to its appeals."""
    previous = month.previous()
    now_k = figures.kpis(selection.scope, month, selection.today)
    before_k = figures.kpis(selection.scope, previous, selection.today)
    rows = []
    for kpi in HEADLINE:
        arrow, css = trend(kpi, _value(now_k, kpi), _value(before_k, kpi))
        rows.append(
            {
                "label": _label(kpi),
                "value": _text(now_k, kpi),
                "url": _drill(selection, kpi, period=month),
                "previous": _text(before_k, kpi),
                "previous_url": _drill(selection, kpi, period=previous),
                "arrow": arrow,
                "css": css,
                "explanation": EXPLANATIONS[kpi],
            }
        )
    gap_arrow, gap_css = trend("gap", now_k.gap, before_k.gap)
    return {
        "rows": rows,
        "gap": _text(now_k, "gap"),
        "gap_previous": _text(before_k, "gap"),
        "gap_arrow": gap_arrow,
        "gap_css": gap_css,
        "gap_url": _kpi_link(selection, month),
        "month": period_text(month),
        "previous_month": period_text(previous),
    }


def _weekly_trend(scope: Scope, today: date) -> dict:
    """Appeals received and the on-time share of the last twelve weeks, as two small charts."""
    monday = today - timedelta(days=today.weekday())
    start = monday - timedelta(weeks=11)
    days = figures.daily(
        scope,
        Period(start, monday + timedelta(days=7)),
        ["received", "due", "due_late", "due_open"],
    )
    received, on_time = [], []
    for week in range(12):
        first = start + timedelta(weeks=week)
        label = first.strftime("%d.%m")
        total = late = decided = 0
        for offset in range(7):
            day = first + timedelta(days=offset)
            counters = days.get(day)
            if not counters:
                continue
            total += counters["received"]
            # An unanswered appeal is late once its deadline's day is over (figures.SPLIT).
            if day < today:
                late += counters["due_late"] + counters["due_open"]
                decided += counters["due"]
            else:
                late += counters["due_late"]
                decided += counters["due"] - counters["due_open"]
        received.append((label, total))
        on_time.append((label, round(100 * (1 - late / decided), 1) if decided else None))
    return {
        "received": line_chart(
            {_("Received"): received}, height=150, title=_("Appeals received by week")
        ),
        "on_time": line_chart(
            {_("On time"): on_time}, height=150, percent=True, title=_("On-time share by week")
        ),
    }


def _selection_for(grant: access_scope.Grant, today: date, region: Region) -> Selection:
    scope = grant.scope(None, None)
    period = Period.month(today)
    return Selection(
        scope=scope,
        period=period,
        today=today,
        category_id=None,
        period_form=PeriodForm({}, today=today),
        region=region,
    )


def _leadership(request, grant, selection: Selection, now: datetime) -> dict:
    scope, today = selection.scope, selection.today
    month = Period.month(today)
    section = {"kind": "leadership", "headline": _headline(selection, month)}
    section["overdue_now"] = open_overdue_count(scope, today)
    section["overdue_now_url"] = _drill(selection, OVERDUE_OPEN)
    section["instructions_overdue"] = (
        instructions_visible_to(request.user)
        .filter(scope.instruction_q(), state=Instruction.State.ISSUED, due_at__lt=now)
        .count()
    )
    section["instructions_url"] = reverse("office:instructions") + "?state=issued&overdue=on"
    if grant.whole_region and access_scope.can_rank(request.user, scope.region_id):
        result = compute_ranking("municipality", scope.region_id, month, today)
        ranked = result.ranked
        section["ranking_url"] = reverse("office:ranking") + "?" + selection.query(month)
        section["weekly_url"] = reverse("office:weekly")
        section["top"] = [_ranked(selection, r, month) for r in ranked[:3]]
        section["bottom"] = [_ranked(selection, r, month) for r in ranked[3:][-3:]]
        section["unranked"] = len(result.unranked)
    return section


def _ranked(selection: Selection, row, period: Period) -> dict:
    params = scope_params(Scope(selection.scope.region_id, municipality_id=row.unit_id))
    params.update(period_params(period))
    return {
        "rank": row.rank,
        "name": row.name,
        "score": format_value(row.score),
        "url": reverse("office:kpi") + "?" + urlencode(params),
    }


def _unit_rows(grant, selection: Selection, month: Period) -> list[dict]:
    """The organizations of a supervisor's unit with their overdue and postponed figures."""
    scope, today = selection.scope, selection.today
    # The organizations' appeals in the supervisor's municipality, or the organizations granted.
    by_unit = figures.by_unit(
        "organization",
        scope.region_id,
        month,
        today,
        category_ids=tuple(scope.category_ids or ()),
        municipality_id=grant.municipality_id,
    )
    if not grant.municipality_id:
        by_unit = {pk: k for pk, k in by_unit.items() if pk in grant.organization_ids}
    names = dict(Organization.objects.filter(pk__in=by_unit).values_list("pk", "short_name"))
    full = dict(Organization.objects.filter(pk__in=by_unit).values_list("pk", "name"))
    result = []
    for pk, k in sorted(by_unit.items(), key=lambda item: -item[1].overdue.numerator):
        unit = Selection(
            scope=Scope(scope.region_id, grant.municipality_id, pk),
            period=month,
            today=today,
            category_id=None,
            period_form=selection.period_form,
        )
        result.append(
            {
                "name": names.get(pk) or full.get(pk, pk),
                "overdue": k.overdue,
                "overdue_url": _drill(unit, "overdue"),
                "overdue_denominator_url": _drill(unit, "overdue", "denominator"),
                "postponed": k.postponed.numerator,
                "postponed_url": _drill(unit, "postponed"),
                "repeated": k.repeated_postponement.numerator,
                "repeated_url": _drill(unit, "repeated_postponement"),
            }
        )
    return result


def _supervisor(request, grant, selection: Selection) -> dict:
    scope, today = selection.scope, selection.today
    month = Period.month(today)
    overdue = (
        open_overdue_appeals(scope, today)
        .select_related("category", "municipality", "executor")
        .order_by("due_at", "pk")[:20]
    )
    instructions = (
        instructions_visible_to(request.user)
        .filter(state__in=[Instruction.State.ISSUED, Instruction.State.REPORTED])
        .select_related("organization")
        .order_by("due_at", "pk")[:10]
    )
    return {
        "kind": "supervisor",
        "headline": _headline(selection, month),
        "units": _unit_rows(grant, selection, month),
        "overdue_now": open_overdue_count(scope, today),
        "overdue_now_url": _drill(selection, OVERDUE_OPEN),
        "overdue_appeals": list(overdue),
        "instructions": list(instructions),
        "instructions_url": reverse("office:instructions"),
    }


def _operator(request, selection: Selection, now: datetime) -> dict:
    scope, today = selection.scope, selection.today
    scoped = Appeal.objects.filter(scope_q(request.user, access.MODERATORS))
    if request.user.is_superuser:
        scoped = scoped.filter(region_id=scope.region_id)
    moderation = scoped.filter(status=Status.NEW).aggregate(
        total=Count("pk"), late=Count("pk", filter=Q(registration_due_at__lt=now))
    )
    answers = Answer.objects.filter(
        state=Answer.State.REVIEW, appeal__in=scoped.filter(status=Status.ANSWER_REVIEW)
    ).count()
    postponements = Postponement.objects.filter(
        state=Postponement.State.PENDING,
        appeal__in=scoped.filter(status__in=[Status.IN_PROGRESS, Status.ANSWER_REVIEW]),
    ).count()
    end_of_today = midnight(today + timedelta(days=1), region_zone(scope.region_id))
    calls = ControlCall.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lt=end_of_today),
        state=ControlCall.State.PENDING,
        call_list__region_id=scope.region_id,
    )
    if scope.municipality_id:
        calls = calls.filter(appeal__municipality_id=scope.municipality_id)
    return {
        "kind": "operator",
        "moderation": moderation["total"] or 0,
        "moderation_late": moderation["late"] or 0,
        "moderation_url": reverse("office:moderation"),
        "answers": answers,
        "postponements": postponements,
        "review_url": reverse("office:review"),
        "overdue_now": open_overdue_count(scope, today),
        "overdue_now_url": _drill(selection, OVERDUE_OPEN),
        "calls": calls.count(),
        "calls_url": reverse("office:calls"),
    }


@role_required(ANALYTICS)
@require_GET
def dashboard(request):
    held = access_scope.grants(request.user)
    if not held:
        raise Http404
    now = timezone.now()
    by_role: dict[str, access_scope.Grant] = {}
    for grant in held:
        by_role.setdefault(grant.role, grant)
    leadership = by_role.get(Role.LEADERSHIP)
    operator = by_role.get(Role.OPERATOR) or by_role.get(Role.ADMIN)
    supervisor = by_role.get(Role.SUPERVISOR)
    if request.user.is_superuser:
        leadership = leadership or held[0]
    regions = {r.pk: r for r in Region.objects.filter(pk__in={g.region_id for g in held})}
    sections = []
    first = None
    for grant, build in (
        (leadership, "leadership"),
        (supervisor, "supervisor"),
        (operator, "operator"),
    ):
        if grant is None:
            continue
        region = regions[grant.region_id]
        today = now.astimezone(region_zone_of(region)).date()
        selection = _selection_for(grant, today, region)
        first = first or selection
        if build == "leadership":
            section = _leadership(request, grant, selection, now)
        elif build == "supervisor":
            section = _supervisor(request, grant, selection)
        else:
            section = _operator(request, selection, now)
        section["title"] = _scope_title(selection.scope, region)
        section["kpi_url"] = reverse("office:kpi") + "?" + urlencode(scope_params(selection.scope))
        sections.append(section)
    return render(
        request,
        "office/analytics/dashboard.html",
        {
            "office_section": "dashboard",
            "sections": sections,
            "trend": _weekly_trend(first.scope, first.today) if first else None,
            "trend_title": _scope_title(first.scope, regions[first.scope.region_id])
            if first
            else "",
        },
    )


def _scope_title(scope: Scope, region: Region) -> str:
    names = _scope_names(scope, None)
    return " · ".join(names) if names else str(region)
