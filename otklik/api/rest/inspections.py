"""REST API: field inspections (issue 20) — the day's proposed points with their reasons, the
organizations' plans with their routes, building a plan and moving a point to another team.

The same rule as the office pages (otklik/inspections/access.py): the token's user must have
field teams to plan (a supervisor, operator or administrator of their scope); they see the
points of the municipalities their teams serve and the plans of those teams' organizations,
404 outside. Reading takes scope `appeals:moderate` or `analytics:read`; building and moving
take `appeals:moderate`. Every build and move is recorded in the plan's journal (who, when).
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from otklik.accounts.models import ApiScope, User
from otklik.api.errors import bilingual
from otklik.appeals.models import Appeal
from otklik.inspections import access
from otklik.inspections.models import InspectionPlan, InspectionPoint, PlanStop
from otklik.inspections.services import journal
from otklik.inspections.services.plans import SETTLED

from .base import Page, ScopeDenied, api_user
from .work import ERRORS, WRITE_ERRORS, paged

router = Router(tags=["Inspections"])
MAX_ID = 2**31 - 1
READ_SCOPES = (ApiScope.APPEALS_MODERATE, ApiScope.ANALYTICS_READ)


def _planner(request, *scopes: str):
    """The token's user if it holds one of `scopes` and has teams to plan."""
    token = getattr(request, "auth", None)
    if token is None or not any(token.has_scope(s) for s in scopes):
        raise ScopeDenied(scopes[0])
    user = api_user(request)
    if not access.can_plan(user):
        raise PermissionDenied
    return user


# ---------------------------------------------------------------------------- shapes


class InspectionReasonOut(Schema):
    code: str
    text: str = Field(description="In Russian, as written when the point was proposed.")
    weight: float
    appeals: list[str] = Field(description="Numbers of the appeals behind the reason.")
    incident_id: int | None
    instruction_id: int | None


class InspectionPointOut(Schema):
    id: int
    day: date
    municipality: int
    latitude: float
    longitude: float
    address: str
    score: float
    status: str = Field(description="`proposed`, `planned`, `checked_found`, `checked_ok`…")
    reasons: list[InspectionReasonOut]
    opens_at: time | None
    closes_at: time | None
    service_minutes: int
    result_appeal: str | None = Field(description="The appeal an inspection filed, if any.")


class InspectionPaged(Schema):
    count: int
    page: int
    page_size: int


class InspectionPointPage(InspectionPaged):
    items: list[InspectionPointOut]


class InspectionPlanOut(Schema):
    id: int
    organization: int
    organization_name: str
    day: date
    created_by: str
    created_at: datetime
    updated_at: datetime
    teams: list[int]
    total_km: float
    total_minutes: int
    visited_count: int
    dropped_count: int
    solve_seconds: float
    greedy_km: float | None = Field(description="The greedy nearest-neighbour order's length.")
    greedy_visited: int | None
    distances: str = Field(description="`straight` (× the detour factor) or `osrm`.")


class InspectionPlanPage(InspectionPaged):
    items: list[InspectionPlanOut]


class InspectionStopOut(Schema):
    sequence: int
    point: InspectionPointOut
    eta: datetime
    leave_at: datetime
    travel_km: float = Field(description="From the previous stop (or the base).")
    pinned: bool = Field(description="Given to the team by hand.")


class InspectionRouteOut(Schema):
    team: int
    team_name: str
    base_latitude: float
    base_longitude: float
    stops: list[InspectionStopOut]


class InspectionDroppedOut(Schema):
    point: InspectionPointOut
    reason: str = Field(description="`capacity` or `hours`.")
    reason_ru: str
    reason_en: str
    pinned: bool


class InspectionJournalOut(Schema):
    action: str = Field(description="`build`, `rebuild` or `move`.")
    by: str | None
    at: datetime
    point: int | None = None
    team: int | None = None


class InspectionPlanDetail(InspectionPlanOut):
    routes: list[InspectionRouteOut]
    dropped: list[InspectionDroppedOut]
    journal: list[InspectionJournalOut]


def _numbers(points) -> dict[int, str]:
    ids = {pk for p in points for r in p.reasons for pk in r.get("appeal_ids") or []}
    ids |= {p.result_appeal_id for p in points if p.result_appeal_id}
    return dict(Appeal.objects.filter(pk__in=ids).values_list("pk", "number"))


def _point_out(p: InspectionPoint, numbers: dict[int, str]) -> dict:
    return {
        "id": p.pk,
        "day": p.day,
        "municipality": p.municipality_id,
        "latitude": p.latitude,
        "longitude": p.longitude,
        "address": p.address,
        "score": p.score,
        "status": p.status,
        "reasons": [
            {
                "code": r.get("code", ""),
                "text": r.get("text", ""),
                "weight": r.get("weight") or 0,
                "appeals": [numbers[pk] for pk in r.get("appeal_ids") or [] if pk in numbers],
                "incident_id": r.get("incident_id"),
                "instruction_id": r.get("instruction_id"),
            }
            for r in p.reasons
        ],
        "opens_at": p.opens_at,
        "closes_at": p.closes_at,
        "service_minutes": p.service_minutes,
        "result_appeal": numbers.get(p.result_appeal_id),
    }


def _plan_out(plan: InspectionPlan) -> dict:
    return {
        "id": plan.pk,
        "organization": plan.organization_id,
        "organization_name": str(plan.organization),
        "day": plan.day,
        "created_by": str(plan.created_by) if plan.created_by_id else "",
        "created_at": plan.created_at,
        "updated_at": plan.updated_at,
        "teams": plan.params.get("teams", []),
        "total_km": plan.total_km,
        "total_minutes": plan.total_minutes,
        "visited_count": plan.visited_count,
        "dropped_count": plan.dropped_count,
        "solve_seconds": plan.solve_seconds,
        "greedy_km": plan.params.get("greedy_km"),
        "greedy_visited": plan.params.get("greedy_visited"),
        "distances": plan.params.get("distances", ""),
    }


def _plan_detail(plan: InspectionPlan) -> dict:
    stops = list(plan.stops.select_related("point", "team").order_by("team_id", "sequence", "pk"))
    numbers = _numbers([s.point for s in stops])
    routes: dict[int, dict] = {}
    dropped = []
    for s in stops:
        if s.team_id is None:
            ru, en = bilingual(PlanStop.DropReason(s.drop_reason).label)
            dropped.append(
                {
                    "point": _point_out(s.point, numbers),
                    "reason": s.drop_reason,
                    **{"reason_ru": ru, "reason_en": en, "pinned": s.pinned},
                }
            )
            continue
        route = routes.setdefault(
            s.team_id,
            {
                "team": s.team_id,
                "team_name": s.team.name,
                "base_latitude": s.team.base_lat,
                "base_longitude": s.team.base_lon,
                "stops": [],
            },
        )
        route["stops"].append(
            {
                "sequence": s.sequence,
                "point": _point_out(s.point, numbers),
                "eta": s.eta,
                "leave_at": s.leave_at,
                "travel_km": s.travel_km,
                "pinned": s.pinned,
            }
        )
    entries = journal.journal(plan)
    names = {u.pk: str(u) for u in User.objects.filter(pk__in={e.get("by") for e in entries})}
    return {
        **_plan_out(plan),
        "routes": list(routes.values()),
        "dropped": dropped,
        "journal": [{**e, "by": names.get(e.get("by"))} for e in entries],
    }


def _plan_for(user, plan_id: int) -> InspectionPlan:
    plans = access.plans_visible_to(user).select_related("organization", "created_by")
    plan = plans.filter(pk=plan_id if plan_id <= MAX_ID else 0).first()
    if plan is None:
        raise Http404("No such plan")
    return plan


# ---------------------------------------------------------------------------- points


class InspectionPointFilters(Schema):
    day: date = Field(..., description="The day (YYYY-MM-DD).")
    municipality: int | None = Field(None, ge=1, le=MAX_ID, description="Default: all yours.")
    status: str = Field(
        "", pattern=r"^(|proposed|planned|checked_found|checked_ok|no_access|dropped)$"
    )


@router.get(
    "/points",
    response={200: InspectionPointPage, **ERRORS},
    summary="The day's inspection points",
    operation_id="inspections_points_list",
)
def points_list(request, filters: Query[InspectionPointFilters], pagination: Query[Page.Input]):
    """The points proposed for a day in the municipalities your teams serve, highest score
    first, each with its reasons (Russian texts, weights, the appeals, incident or instruction
    behind them)."""
    user = _planner(request, *READ_SCOPES)
    shown = access.points_visible_to(user).filter(day=filters.day)
    if filters.municipality:
        shown = shown.filter(municipality_id=filters.municipality)
    if filters.status:
        shown = shown.filter(status=filters.status)
    result = Page(pass_parameter=None).paginate_queryset(shown.order_by("-score", "pk"), pagination)
    numbers = _numbers(result["items"])
    result["items"] = [_point_out(p, numbers) for p in result["items"]]
    return result


# ---------------------------------------------------------------------------- plans


class InspectionPlanFilters(Schema):
    day: date | None = Field(None, description="Only this day (YYYY-MM-DD).")
    organization: int | None = Field(None, ge=1, le=MAX_ID)


@router.get(
    "/plans",
    response={200: InspectionPlanPage, **ERRORS},
    summary="Plans of the day",
    operation_id="inspections_plans_list",
)
def plans_list(request, filters: Query[InspectionPlanFilters], pagination: Query[Page.Input]):
    """Plans of the organizations whose teams you plan, newest day first."""
    user = _planner(request, *READ_SCOPES)
    shown = access.plans_visible_to(user).select_related("organization", "created_by")
    if filters.day:
        shown = shown.filter(day=filters.day)
    if filters.organization:
        shown = shown.filter(organization_id=filters.organization)
    return paged(shown.order_by("-day", "organization_id", "pk"), pagination, _plan_out)


@router.get(
    "/plans/{int:plan_id}",
    response={200: InspectionPlanDetail, **ERRORS},
    summary="A plan with its routes",
    operation_id="inspections_plan_get",
)
def plan_get(request, plan_id: int):
    """Each team's route in order (arrival and departure times, km from the previous stop),
    the dropped points with the reason, the figures against the greedy order, the journal."""
    user = _planner(request, *READ_SCOPES)
    return _plan_detail(_plan_for(user, plan_id))


class InspectionBuildIn(Schema):
    organization: int = Field(..., ge=1, le=MAX_ID)
    day: date
    teams: list[int] | None = Field(
        None, description="Team ids of the organization; default: all its teams you plan."
    )


@router.post(
    "/plans",
    response={200: InspectionPlanDetail, 201: InspectionPlanDetail, **WRITE_ERRORS},
    summary="Build or re-plan a day",
    operation_id="inspections_plan_build",
)
def plan_build(request, payload: InspectionBuildIn, response: HttpResponse):
    """Routes the day's open points for the teams (OR-Tools, within the configured time) and
    stores the plan: 201 for a new plan, 200 when the day's plan is built again (which
    forgets the moves made by hand). Send an `Idempotency-Key` header to make retries safe."""
    user = _planner(request, ApiScope.APPEALS_MODERATE)
    organization = access.plannable_organizations(user).filter(pk=payload.organization).first()
    if organization is None:
        raise Http404("No such organization")
    allowed = access.plannable_teams(user).filter(organization=organization)
    if payload.teams is None:
        teams = list(allowed)
    else:
        wanted = {t for t in payload.teams if 0 < t <= MAX_ID}
        teams = list(allowed.filter(pk__in=wanted))
        if len(teams) != len(set(payload.teams)):
            raise ValidationError(_("Choose teams of the organization only."), code="teams")
    if not teams:
        raise ValidationError(_("The organization has no active field teams you may plan."))
    existed = InspectionPlan.objects.filter(organization=organization, day=payload.day).exists()
    plan = journal.build(organization=organization, day=payload.day, teams=teams, actor=user)
    if not existed:
        response["Location"] = f"{request.path.rstrip('/')}/{plan.pk}"
    return (200 if existed else 201), _plan_detail(plan)


class InspectionMoveIn(Schema):
    point: int = Field(..., ge=1, le=MAX_ID)
    team: int = Field(..., ge=1, le=MAX_ID)


@router.post(
    "/plans/{int:plan_id}/moves",
    response={200: InspectionPlanDetail, **WRITE_ERRORS},
    summary="Move a point to another team",
    operation_id="inspections_plan_move_point",
)
def plan_move(request, plan_id: int, payload: InspectionMoveIn):
    """Gives the point to the team and plans again: the point stays with that team, earlier
    moves stay, everything else may change."""
    user = _planner(request, ApiScope.APPEALS_MODERATE)
    plan = _plan_for(user, plan_id)
    point = (
        InspectionPoint.objects.filter(stops__plan=plan, pk=payload.point)
        .exclude(status__in=SETTLED)
        .first()
    )
    if point is None:
        raise ValidationError(_("The point is not in this plan."), code="point")
    team = (
        access.plannable_teams(user)
        .filter(organization_id=plan.organization_id, pk=payload.team)
        .first()
    )
    if team is None:
        raise ValidationError(_("Choose teams of the organization only."), code="team")
    plan = journal.move(plan=plan, point=point, team=team, actor=user)
    return _plan_detail(plan)
