"""The KPI page, whose every figure opens the appeals behind it, and that drill-down list.

Pages read the KPI rollups (analytics.figures, a few indexed sums each); only the drill-down
list pages through the appeals behind one figure.
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Count, F, Q, Sum
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from otklik.analytics import figures, forecast_kpi
from otklik.analytics import kpi as straight
from otklik.analytics import scope as access_scope
from otklik.analytics.figures import (
    FEDERAL_SATISFACTION_TARGET,
    KPI_LABELS,
    KpiSet,
    Period,
    Scope,
    midnight,
    region_zone,
)
from otklik.analytics.forms import PeriodForm
from otklik.analytics.models import KpiDay
from otklik.control.models import Instruction
from otklik.inspections.models import InspectionPoint

from ..permissions import role_required
from .common import (
    ANALYTICS,
    EXPLANATIONS,
    OVERDUE_OPEN,
    Selection,
    _categories,
    _days,
    _drill,
    _kpi_link,
    _label,
    _percent,
    _scope_names,
    _select,
    _text,
    _value,
    _wilson,
    period_text,
    scope_params,
    trend,
)

PAGE_SIZE = 50
# Inspection yield lists inspection points, forecast error the forecasts beside their weeks.
POINT_KPIS = ("inspection_yield",)
FORECAST_KPIS = ("forecast_error",)
DRILL_KPIS = (*straight.DRILLABLE, OVERDUE_OPEN, *POINT_KPIS, *FORECAST_KPIS)
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
    "found_before_residents",
    "inspection_yield",
    "forecast_error",
)


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
    elif kpi == "forecast_error":
        f = current.forecast_error
        card.update(
            url=_drill(selection, kpi, "denominator"),
            numerator=f.coverage.numerator,
            denominator=f.coverage.denominator,
            numerator_url=_drill(selection, kpi),
            denominator_url=_drill(selection, kpi, "denominator"),
            wilson="",
            coverage=_percent(f.coverage),
            applies=forecast_kpi.applies(selection.scope),
        )
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
    current = forecast_kpi.kpis(scope, period, today)
    previous_period, last_year = period.previous(), period.previous_year()
    others = [(_("a year before"), last_year, forecast_kpi.kpis(scope, last_year, today))]
    if previous_period != last_year:  # twelve months: the period before is the year before
        before = forecast_kpi.kpis(scope, previous_period, today)
        others.insert(0, (_("previous period"), previous_period, before))
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


# ---------------------------------------------------------------------------- the drill-down


def _figure(k: KpiSet, kpi: str, part: str) -> int:
    if kpi == "received":
        return k.received
    if kpi == "rejected":
        return k.rejected
    if kpi == "time_to_answer":
        return k.time_to_answer.count
    share = k.forecast_error.coverage if kpi == "forecast_error" else getattr(k, kpi)
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


def points_behind(kpi: str, scope: Scope, period: Period, today: date, part: str):
    """The inspection points behind «inspection yield» (analytics chooses them, in its order;
    the page reads them from inspections)."""
    ids = straight.points_behind(kpi, scope, period, today, part=part)
    position = {pk: index for index, pk in enumerate(ids)}
    points = InspectionPoint.objects.filter(pk__in=ids).select_related(
        "municipality", "result_appeal"
    )
    return sorted(points, key=lambda point: position[point.pk])


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
        read = forecast_kpi.kpis if kpi in FORECAST_KPIS else figures.kpis
        k = read(scope, period, today)
        figure = _figure(k, kpi, part)
        if kpi == "instructions_on_time":
            rows = instructions_behind(scope, period, today, part).order_by("due_at", "pk")
        elif kpi in POINT_KPIS:
            rows = points_behind(kpi, scope, period, today, part)
        elif kpi in FORECAST_KPIS:
            rows = forecast_kpi.checks(scope, period, today, part=part)
        else:
            rows = straight.appeals_behind(kpi, scope, period, today, part=part)
    if kpi == "instructions_on_time":
        rows = rows.select_related("organization").annotate(appeal_count=Count("appeals"))
    elif kpi not in (*POINT_KPIS, *FORECAST_KPIS):
        rows = rows.select_related("category", "category__parent", "municipality", "executor")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context.update(
        page=page,
        figure=figure,
        listed=page.paginator.count,
        counts_items=COUNTS_ITEMS.get(kpi),
        instructions=kpi == "instructions_on_time",
        points=kpi in POINT_KPIS,
        forecasts=kpi in FORECAST_KPIS,
        query=selection.query(kpi=kpi, part=part),
        denominator=part == "denominator",
    )
    return render(request, "office/analytics/kpi_appeals.html", context)
