"""The supervisor's inspection pages: the day's proposed points of a municipality with their
reasons («Точки осмотра»), and the day's plan of an organization's field teams («План объезда»):
routes on the map, the order and times, totals against the greedy order, what was dropped and
why, moving a point to another team, and who built or changed the plan when.

Who may open them and what they show: otklik/inspections/access.py (the same rule as the API).
"""

from __future__ import annotations

from datetime import date
from functools import wraps
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from otklik.accounts.models import User
from otklik.analytics.figures import today_in
from otklik.appeals.models import Appeal
from otklik.directory.services import map_center
from otklik.inspections import access
from otklik.inspections.models import InspectionPoint, PlanStop, PointProposal
from otklik.inspections.services import journal
from otklik.inspections.services.plans import SETTLED
from otklik.inspections.services.points import propose_points

from .inspections_plan_forms import BuildForm, MoveForm, PlanFilterForm, PointsFilterForm
from .permissions import staff_required

# Team colours on the map and in the lists (inspections.css has the same as .team-N):
# distinguishable, and dark enough for white numbers.
COLOURS = ["#1d70b8", "#b1005c", "#00703c", "#6f3a00", "#4c2c92", "#005a61", "#a3190f", "#333"]
ACTIONS = {
    journal.BUILD: gettext_lazy("built the plan"),
    journal.REBUILD: gettext_lazy("re-planned"),
    journal.MOVE: gettext_lazy("moved a point"),
}


def planner_required(view):
    """For people who have field teams to plan (access.can_plan); others get 403."""

    @staff_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not access.can_plan(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _today() -> date:
    return timezone.localdate(timezone.now(), ZoneInfo(settings.TIME_ZONE))


def _filters(form_class, request, name: str, choices, keyword: str):
    """The GET filter form, with today (in the asked or first choice's region) and the first
    choice when nothing is asked."""
    data = request.GET.copy()
    first = choices.first()
    if first is not None:
        data.setdefault(name, str(first.pk))
    asked = data.get(name, "")
    chosen = choices.filter(pk=int(asked)).first() if asked.isdigit() and len(asked) < 10 else None
    chosen = chosen or first
    today = today_in(chosen.region_id) if chosen is not None else _today()
    data.setdefault("day", today.isoformat())
    form = form_class(data, **{keyword: choices})
    return form, (form.cleaned_data if form.is_valid() else None)


def _reason_links(points) -> None:
    """Give each reason of `points` the links to the appeals, incident and instruction."""
    ids = {pk for p in points for r in p.reasons for pk in r.get("appeal_ids") or []}
    numbers = dict(Appeal.objects.filter(pk__in=ids).values_list("pk", "number"))
    for p in points:
        p.reason_rows = []
        for r in p.reasons:
            links = [
                (n, reverse("office:appeal", args=[n]))
                for n in (numbers.get(pk) for pk in r.get("appeal_ids") or [])
                if n
            ]
            if r.get("incident_id"):
                links.append(
                    (
                        _("incident No. %(n)s") % {"n": r["incident_id"]},
                        reverse("office:incidents:detail", args=[r["incident_id"]]),
                    )
                )
            if r.get("instruction_id"):
                links.append(
                    (
                        _("instruction No. %(n)s") % {"n": r["instruction_id"]},
                        reverse("office:instruction", args=[r["instruction_id"]]),
                    )
                )
            p.reason_rows.append(
                {"text": r.get("text", ""), "weight": r.get("weight"), "links": links}
            )


@planner_required
@require_GET
def points(request):
    municipalities = access.plannable_municipalities(request.user).select_related("region")
    form, data = _filters(
        PointsFilterForm, request, "municipality", municipalities.order_by("name"), "municipalities"
    )
    shown, proposal, municipality, day = [], None, None, None
    if data:
        municipality, day = data["municipality"], data["day"]
        shown = list(
            InspectionPoint.objects.filter(municipality=municipality, day=day)
            .select_related("result_appeal")
            .order_by("-score", "pk")
        )
        _reason_links(shown)
        proposal = PointProposal.objects.filter(municipality=municipality, day=day).first()
    lat, lon = (
        (municipality.center_lat, municipality.center_lon)
        if municipality and municipality.center_lat is not None
        else map_center(getattr(municipality, "region", None))
    )
    markers = [
        {"n": n, "lat": p.latitude, "lon": p.longitude, "label": str(p), "score": p.score}
        for n, p in enumerate(shown, start=1)
    ]
    return render(
        request,
        "office/inspections/points.html",
        {
            "form": form,
            "points": shown,
            "proposal": proposal,
            "municipality": municipality,
            "day": day,
            "markers": markers,
            "plan_query": urlencode({"day": day.isoformat()}) if day else "",
            "map_lat": lat,
            "map_lon": lon,
            "tile_url": settings.MAP_TILE_URL,
            "office_section": "inspections",
        },
    )


@planner_required
@require_POST
def propose(request):
    municipalities = access.plannable_municipalities(request.user).select_related("region")
    form = PointsFilterForm(request.POST, municipalities=municipalities)
    if not form.is_valid():
        raise PermissionDenied
    municipality, day = form.cleaned_data["municipality"], form.cleaned_data["day"]
    found = propose_points(municipality=municipality, day=day)
    messages.success(
        request,
        _("Points proposed for %(day)s: %(count)s.")
        % {"day": day.strftime("%d.%m.%Y"), "count": len(found)},
    )
    query = urlencode({"day": day.isoformat(), "municipality": municipality.pk})
    return redirect(f"{reverse('office:inspection_points')}?{query}")


def _plan_url(organization_id: int, day: date) -> str:
    query = urlencode({"organization": organization_id, "day": day.isoformat()})
    return f"{reverse('office:inspection_plan')}?{query}"


def _hours(minutes: int) -> str:
    return _("%(hours)s h %(minutes)s min") % {"hours": minutes // 60, "minutes": minutes % 60}


def _plan_context(request, plan, teams) -> dict:
    """What the page shows of a plan: routes per team, drops, figures, the journal."""
    zone = ZoneInfo(plan.organization.region.time_zone)
    stops = list(
        plan.stops.select_related("point", "team").order_by("team__name", "sequence", "pk")
    )
    _reason_links([s.point for s in stops])
    team_ids = [*plan.params.get("teams", [])]
    for s in stops:
        if s.team_id and s.team_id not in team_ids:
            team_ids.append(s.team_id)
    planned = {t.pk: t for t in teams}
    routes = []
    for n, pk in enumerate(team_ids):
        team = planned.get(pk) or next((s.team for s in stops if s.team_id == pk), None)
        if team is None:
            continue
        own = [s for s in stops if s.team_id == pk]
        for s in own:
            s.eta_local = timezone.localtime(s.eta, zone)
            s.leave_local = timezone.localtime(s.leave_at, zone)
        routes.append(
            {
                "team": team,
                "colour": COLOURS[n % len(COLOURS)],
                "index": n % len(COLOURS),
                "stops": own,
                "km": round(sum(s.travel_km for s in own), 1),
            }
        )
    dropped = [s for s in stops if s.team_id is None]
    greedy_km = plan.params.get("greedy_km")
    saving = (
        round(100 * (greedy_km - plan.total_km) / greedy_km)
        if greedy_km and greedy_km > 0
        else None
    )
    entries = journal.journal(plan)
    names = {u.pk: u for u in User.objects.filter(pk__in={e.get("by") for e in entries})}
    for e in entries:
        e["who"] = names.get(e.get("by"))
        e["label"] = ACTIONS.get(e["action"], e["action"])
        e["at"] = timezone.localtime(e["at"], zone)
        if e["action"] == journal.MOVE:
            e["point"] = next((s.point for s in stops if s.point_id == e.get("point")), None)
            e["team"] = planned.get(e.get("team")) or next(
                (s.team for s in stops if s.team_id == e.get("team")), None
            )
    map_data = {
        "teams": [
            {
                "name": r["team"].name,
                "colour": r["colour"],
                "base": [r["team"].base_lat, r["team"].base_lon],
                "stops": [
                    {
                        "n": s.sequence,
                        "lat": s.point.latitude,
                        "lon": s.point.longitude,
                        "label": str(s.point),
                        "eta": s.eta_local.strftime("%H:%M"),
                    }
                    for s in r["stops"]
                ],
            }
            for r in routes
        ],
        "dropped": [
            {"lat": s.point.latitude, "lon": s.point.longitude, "label": str(s.point)}
            for s in dropped
        ],
    }
    movable = [s for s in stops if s.point.status not in SETTLED]
    return {
        "plan": plan,
        "routes": routes,
        "dropped": dropped,
        "greedy_km": greedy_km,
        "greedy_visited": plan.params.get("greedy_visited"),
        "saving": saving,
        "longer": -saving if saving is not None else None,
        "total_time": _hours(plan.total_minutes),
        "journal": entries,
        "map_data": map_data,
        "movable": movable,
        "zone": zone,
    }


@planner_required
@require_GET
def plan_page(request):
    organizations = access.plannable_organizations(request.user).select_related("region")
    form, data = _filters(
        PlanFilterForm, request, "organization", organizations.order_by("name"), "organizations"
    )
    context = {"form": form, "tile_url": settings.MAP_TILE_URL, "office_section": "inspections"}
    organization = data["organization"] if data else None
    lat, lon = map_center(getattr(organization, "region", None))
    context.update(map_lat=lat, map_lon=lon)
    if data:
        day = data["day"]
        teams = list(
            access.plannable_teams(request.user)
            .filter(organization=organization)
            .select_related("municipality")
            .order_by("name")
        )
        plans = access.plans_visible_to(request.user).filter(organization=organization)
        plan = plans.filter(day=day).select_related("organization__region", "created_by").first()
        chosen = set(plan.params.get("teams", [])) if plan else {t.pk for t in teams}
        context.update(
            organization=organization,
            day=day,
            teams=teams,
            chosen=chosen,
            open_points=access.points_visible_to(request.user)
            .filter(day=day, municipality_id__in={t.municipality_id for t in teams})
            .exclude(status__in=SETTLED)
            .count(),
            earlier=[
                (p, _plan_url(organization.pk, p.day))
                for p in plans.exclude(day=day).order_by("-day")[:10]
            ],
            points_query=urlencode(
                {"day": day.isoformat(), "municipality": teams[0].municipality_id}
                if teams
                else {"day": day.isoformat()}
            ),
        )
        if plan:
            context.update(_plan_context(request, plan, teams))
    return render(request, "office/inspections/plan.html", context)


@planner_required
@require_POST
def build(request):
    organizations = access.plannable_organizations(request.user)
    form = BuildForm(
        request.POST, organizations=organizations, teams=access.plannable_teams(request.user)
    )
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        organization = request.POST.get("organization", "")
        day = request.POST.get("day", "")
        query = urlencode({"organization": organization, "day": day})
        return redirect(f"{reverse('office:inspection_plan')}?{query}")
    data = form.cleaned_data
    try:
        plan = journal.build(
            organization=data["organization"],
            day=data["day"],
            teams=list(data["teams"]),
            actor=request.user,
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("The plan is built: %(visited)s points on routes, %(dropped)s dropped.")
            % {"visited": plan.visited_count, "dropped": plan.dropped_count},
        )
    return redirect(_plan_url(data["organization"].pk, data["day"]))


@planner_required
@require_POST
def move(request, pk: int):
    plan = get_object_or_404(access.plans_visible_to(request.user), pk=pk)
    teams = access.plannable_teams(request.user).filter(organization=plan.organization)
    points_ = InspectionPoint.objects.filter(stops__plan=plan).exclude(status__in=SETTLED)
    form = MoveForm(request.POST, points=points_, teams=teams)
    if form.is_valid():
        point, team = form.cleaned_data["point"], form.cleaned_data["team"]
        try:
            plan = journal.move(plan=plan, point=point, team=team, actor=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            stop = PlanStop.objects.filter(plan=plan, point=point).first()
            if stop and stop.team_id == team.pk:
                messages.success(
                    request,
                    _("«%(point)s» is now on the route of %(team)s; the plan is rebuilt.")
                    % {"point": point, "team": team},
                )
            else:
                messages.warning(
                    request,
                    _("«%(point)s» was given to %(team)s, but it does not fit in its shift.")
                    % {"point": point, "team": team},
                )
    else:
        messages.error(request, _("Choose a point of the plan and a team."))
    return redirect(_plan_url(plan.organization_id, plan.day))
