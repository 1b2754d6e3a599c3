"""The dashboards, one section per role the user holds: leadership, supervisor, operator."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from otklik.accounts.models import Role
from otklik.analytics import figures
from otklik.analytics import scope as access_scope
from otklik.analytics.figures import Period, Scope, midnight, region_zone
from otklik.analytics.forms import PeriodForm
from otklik.analytics.ranking import ranking as compute_ranking
from otklik.appeals import access
from otklik.appeals.models import Answer, Appeal, Postponement, scope_q
from otklik.appeals.workflow import Status
from otklik.control.instructions import instructions_visible_to
from otklik.control.models import ControlCall, Instruction
from otklik.directory.models import Organization, Region
from otklik.lib.charts import format_value, line_chart

from ..permissions import role_required
from .common import (
    ANALYTICS,
    EXPLANATIONS,
    OVERDUE_OPEN,
    Selection,
    _drill,
    _kpi_link,
    _label,
    _scope_names,
    _text,
    _value,
    period_params,
    period_text,
    region_zone_of,
    scope_params,
    trend,
)
from .kpi import open_overdue_appeals, open_overdue_count

HEADLINE = (
    "received",
    "on_time",
    "overdue",
    "satisfaction",
    "verified",
    "repeat",
    "postponed",
    "found_before_residents",
)


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
