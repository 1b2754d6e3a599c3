"""«Мой маршрут на сегодня»: a field team's day on a phone. Today's route of the user's team (a
list and a map), per point a navigation link and the three outcomes; the reports go through
`inspections.services.visits.record_visit`.

The page works offline: a service worker (served from inside the page's path, so its scope
covers it) keeps the page and its static files; field-day.js keeps each report in IndexedDB
with its key and photos and sends it when the network is back. The reports are ordinary POSTs
with the CSRF token the page carried (the X-CSRFToken header), never exempt from the check.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from otklik.appeals.forms import category_groups, reportable_categories
from otklik.inspections.models import FieldTeam, InspectionPoint, InspectionVisit, PlanStop
from otklik.inspections.services import visits

from .permissions import staff_required

WORKER_SOURCE = "js/field-sw.js"
# What the service worker keeps for the page to open without a network.
ASSETS = (
    "css/otklik.css",
    "css/office.css",
    "css/field-day.css",
    "vendor/leaflet-1.9.4/leaflet.css",
    "vendor/leaflet-1.9.4/leaflet.js",
    "js/field-day.js",
)


def _teams(request) -> tuple[list[FieldTeam], list[FieldTeam]]:
    """The teams whose route the page shows, and the other teams the user may open."""
    user = request.user
    candidates = FieldTeam.objects.filter(is_active=True).select_related(
        "organization__region", "municipality"
    )
    own = list(candidates.filter(members=user).order_by("name", "pk"))
    supervising = user.is_superuser or user.has_role(*visits.SUPERVISING)
    wanted = request.GET.get("team", "")
    if wanted:
        if not wanted.isdigit():
            raise Http404
        team = candidates.filter(pk=int(wanted)).first()
        if team is None or not visits.may_record(user, team):
            raise Http404
        return [team], []
    others = []
    if supervising:
        own_keys = {t.pk for t in own}
        others = [
            t
            for t in candidates.order_by("organization__name", "name")
            if t.pk not in own_keys and visits.may_record(user, t)
        ]
    return own, others


def _geo_link(point: InspectionPoint, label: str) -> str:
    at = f"{point.latitude:.6f},{point.longitude:.6f}"
    return f"geo:{at}?q={at}({quote(label, safe='')})"


def _route(team: FieldTeam) -> dict:
    today = visits.team_today(team)
    zone = ZoneInfo(team.organization.region.time_zone)
    stops = (
        PlanStop.objects.filter(team=team, plan__day=today)
        .select_related("point", "point__result_appeal")
        .order_by("sequence", "pk")
    )
    rows = []
    for stop in stops:
        point = stop.point
        label = point.address or f"{point.latitude:.5f}, {point.longitude:.5f}"
        rows.append(
            {
                "stop": stop,
                "point": point,
                "label": label,
                "eta": timezone.localtime(stop.eta, zone) if stop.eta else None,
                "reasons": [r.get("text", "") for r in point.reasons if r.get("text")],
                "geo": _geo_link(point, label),
                "settled": point.status in visits.STATUS_OF.values(),
            }
        )
    return {
        "team": team,
        "day": today,
        "rows": rows,
        "map": [
            {
                "n": r["stop"].sequence,
                "id": r["point"].pk,
                "lat": r["point"].latitude,
                "lon": r["point"].longitude,
                "label": r["label"],
            }
            for r in rows
        ],
    }


@staff_required
@require_GET
def route(request):
    own, others = _teams(request)
    routes = [_route(team) for team in own]
    return render(
        request,
        "office/field/route.html",
        {
            "office_section": "field_day",
            "routes": routes,
            "other_teams": others,
            "groups": category_groups(reportable_categories()),
            "map_points": [p for r in routes for p in r["map"]],
            "new_key": lambda: uuid.uuid4(),
            "worker_url": reverse("office:field_day_worker"),
            "scope": reverse("office:field_day"),
            "tile_url": settings.MAP_TILE_URL,
        },
    )


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@staff_required
@require_POST
def visit(request, pk: int):
    point = get_object_or_404(InspectionPoint, pk=pk)
    category = None
    if raw := request.POST.get("category", ""):
        category = reportable_categories().filter(pk=int(raw) if raw.isdigit() else 0).first()
    try:
        recorded = visits.record_visit(
            point=point,
            outcome=request.POST.get("outcome", ""),
            actor=request.user,
            idempotency_key=request.POST.get("key", ""),
            text=request.POST.get("text", ""),
            category=category,
            reason=request.POST.get("reason", ""),
            photos=[f for f in request.FILES.getlist("photos") if f.name],
        )
    except PermissionDenied:
        if _wants_json(request):
            return JsonResponse({"status": "refused", "errors": [_("Not your route.")]}, status=403)
        raise
    except ValidationError as exc:
        settled = any(getattr(e, "code", "") == "settled" for e in exc.error_list)
        if _wants_json(request):
            return JsonResponse(
                {"status": "refused", "errors": exc.messages}, status=409 if settled else 400
            )
        for message in exc.messages:
            messages.error(request, message)
        return redirect(reverse("office:field_day") + f"#point-{point.pk}")
    outcome = InspectionVisit.Outcome(recorded.outcome).label
    number = recorded.appeal.number if recorded.appeal_id else ""
    if _wants_json(request):
        return JsonResponse(
            {
                "status": "sent",
                "point": point.pk,
                "visit": recorded.pk,
                "outcome": recorded.outcome,
                "outcome_label": str(outcome),
                "appeal": number,
            }
        )
    messages.success(request, _("Recorded: %(outcome)s.") % {"outcome": outcome})
    return redirect(reverse("office:field_day") + f"#point-{point.pk}")


def _asset_urls() -> list[str]:
    return [static(path) for path in ASSETS]


def _worker_source() -> str:
    found = finders.find(WORKER_SOURCE)
    if found:
        with open(found, encoding="utf-8") as handle:
            return handle.read()
    with staticfiles_storage.open(WORKER_SOURCE) as handle:
        return handle.read().decode("utf-8")


@require_GET
@never_cache
def worker(request):
    """The service worker, served from the page's own path so that its scope covers the page;
    the asset URLs (hashed in production) and a version come with it."""
    source = _worker_source()
    config = {"page": reverse("office:field_day"), "assets": _asset_urls()}
    digest = hashlib.sha256((json.dumps(config) + source).encode()).hexdigest()[:12]
    config["version"] = digest
    body = f"const CONFIG = {json.dumps(config)};\n{source}"
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("office:field_day")
    return response


@require_GET
def manifest(request):
    page = reverse("office:field_day")
    data = {
        "name": _("My route for today"),
        "short_name": _("Route"),
        "lang": "ru",
        "start_url": page,
        "scope": page,
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1a4f8b",
    }
    return HttpResponse(
        json.dumps(data, ensure_ascii=False), content_type="application/manifest+json"
    )
