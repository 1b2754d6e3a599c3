"""Office pages of incidents and external signals, and the GeoJSON of the maps (under
/office/incidents/, namespace office:incidents: incidents_urls.py).

Incidents: operators, supervisors, leadership and administrators of a territory; executors see
the incidents holding their organization's appeals, and only those appeals. Signals: operators
and administrators of a territory.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from otklik.appeals.models import Appeal
from otklik.directory.models import Category
from otklik.incidents import external, services
from otklik.incidents.access import (
    SIGNAL_ROLES,
    VIEWERS,
    can_manage,
    get_incident_for,
    get_signal_for,
    signals_visible_to,
)
from otklik.incidents.models import ExternalSignal, Incident, IncidentAppeal

from .incidents_forms import IncidentFilter, RenameForm, SignalFilter
from .permissions import role_required

PAGE_SIZE = 50
GROWTH_WINDOW = timedelta(hours=24)
MAP_LIMIT = 500
INSTRUCTION_NUMBERS = 6
State = Incident.State


@role_required(VIEWERS)
@require_GET
def incident_list(request):
    now = timezone.now()
    visible = Incident.objects.visible_to(request.user)
    filters = IncidentFilter(request.GET or None, incidents=visible)
    shown = visible
    if filters.is_valid():
        data = filters.cleaned_data
        if data["state"]:
            shown = shown.filter(state=data["state"])
        if data["municipality"]:
            shown = shown.filter(municipality=data["municipality"])
        if data["category"]:
            shown = shown.filter(category=data["category"])
    shown = (
        shown.select_related("municipality", "category", "category__parent")
        .annotate(
            growth=Count("members", filter=Q(members__added_at__gte=now - GROWTH_WINDOW)),
            order_state=Case(
                When(state=State.ACTIVE, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .order_by("order_state", "-growth", "-last_appeal_at", "-pk")
    )
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode(
        {k: v for k, v in request.GET.items() if k in ("state", "municipality", "category") and v}
    )
    return render(
        request,
        "office/incidents/list.html",
        {
            "page": page,
            "filters": filters,
            "query": query,
            "active_count": visible.filter(state=State.ACTIVE).count(),
            "can_see_signals": request.user.is_superuser or request.user.has_role(*SIGNAL_ROLES),
            "office_section": "incidents",
        },
    )


def _timeline(times, tz: ZoneInfo) -> list[dict]:
    """Arrivals per hour, in the region's time: [{"label", "count"}] from the first to the last
    hour that had any (at most the 72 busiest hours)."""
    hours = Counter(
        moment.astimezone(tz).replace(minute=0, second=0, microsecond=0) for moment in times
    )
    if not hours:
        return []
    top = max(hours.values())
    rows = [
        {"label": f"{hour:%d.%m %H:00}", "count": count, "max": top}
        for hour, count in sorted(hours.items())
    ]
    return rows[-72:]


@role_required(VIEWERS)
@require_GET
def incident_detail(request, pk: int):
    incident = get_incident_for(request.user, pk)
    tz = ZoneInfo(incident.region.time_zone)
    visible_appeals = Appeal.objects.visible_to(request.user)
    members = list(
        IncidentAppeal.objects.filter(incident=incident, appeal__in=visible_appeals)
        .select_related("appeal__category", "appeal__executor", "appeal__municipality")
        .order_by("added_at", "pk")
    )
    times = IncidentAppeal.objects.filter(incident=incident).values_list("added_at", flat=True)
    manage = can_manage(request.user, incident)
    numbers = " ".join(m.appeal.number for m in members[:INSTRUCTION_NUMBERS])
    return render(
        request,
        "office/incidents/detail.html",
        {
            "incident": incident,
            "members": members,
            "hidden": max(incident.appeal_count - len(members), 0),
            "timeline": _timeline(list(times), tz),
            "alerts": incident.alerts.all(),
            "signals": incident.signals.order_by("-posted_at")[:50],
            "absorbed": incident.absorbed.order_by("pk"),
            "can_manage": manage,
            "rename_form": RenameForm(
                initial={"title": incident.title if incident.title_is_custom else ""}
            ),
            "instruction_url": (
                f"{reverse('office:instruction_new')}?{urlencode({'appeal': numbers})}"
                if manage and numbers
                else ""
            ),
            "tile_url": settings.MAP_TILE_URL,
            "office_section": "incidents",
        },
    )


@role_required(VIEWERS)
@require_GET
def incident_points(request, pk: int):
    """GeoJSON of the incident's appeals the user may see, and its centre and radius."""
    incident = get_incident_for(request.user, pk)
    appeals = (
        Appeal.objects.visible_to(request.user)
        .filter(incident_membership__incident=incident, latitude__isnull=False)
        .select_related("category")
        .order_by("created_at", "pk")
    )
    tz = ZoneInfo(incident.region.time_zone)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [a.longitude, a.latitude]},
            "properties": {
                "number": a.number,
                "url": reverse("office:appeal", args=[a.number]),
                "category": str(a.category) if a.category_id else "",
                "address": a.address,
                "time": f"{a.created_at.astimezone(tz):%d.%m %H:%M}",
            },
        }
        for a in appeals
    ]
    return JsonResponse(
        {
            "type": "FeatureCollection",
            "features": features,
            "center": [incident.center_lon, incident.center_lat],
            "radius": round(incident.radius_m, 1),
        },
        content_type="application/geo+json",
    )


@role_required(VIEWERS)
@require_GET
def incidents_geojson(request):
    """Active incidents of the user's territories for the leadership map (`?region=` limits)."""
    incidents = Incident.objects.visible_to(request.user).filter(state=State.ACTIVE)
    region = request.GET.get("region", "").strip()
    if region.isdigit():
        incidents = incidents.filter(region_id=int(region))
    incidents = incidents.select_related("category").order_by("-appeal_count", "-pk")
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [i.center_lon, i.center_lat]},
            "properties": {
                "title": i.title,
                "count": i.appeal_count,
                "addresses": i.address_count,
                "radius": round(max(i.radius_m, 50.0), 1),
                "url": reverse("office:incidents:detail", args=[i.pk]),
            },
        }
        for i in incidents[:MAP_LIMIT]
    ]
    return JsonResponse(
        {"type": "FeatureCollection", "features": features}, content_type="application/geo+json"
    )


def _managed(request, pk) -> Incident:
    incident = get_incident_for(request.user, pk)
    if not can_manage(request.user, incident):
        raise PermissionDenied
    return incident


@role_required(VIEWERS)
@require_POST
def close(request, pk: int):
    incident = _managed(request, pk)
    try:
        services.close_incident(incident=incident, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The incident is closed."))
    return redirect("office:incidents:detail", pk=incident.pk)


@role_required(VIEWERS)
@require_POST
def reopen(request, pk: int):
    incident = _managed(request, pk)
    try:
        services.reopen_incident(incident=incident, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The incident is active again."))
    return redirect("office:incidents:detail", pk=incident.pk)


@role_required(VIEWERS)
@require_POST
def rename(request, pk: int):
    incident = _managed(request, pk)
    form = RenameForm(request.POST)
    if form.is_valid():
        try:
            services.rename_incident(
                incident=incident, actor=request.user, title=form.cleaned_data["title"]
            )
        except ValidationError as exc:
            form.add_error("title", exc)
        else:
            messages.success(request, _("The title is saved."))
            return redirect("office:incidents:detail", pk=incident.pk)
    for error in form.errors.get("title", []):
        messages.error(request, error)
    return redirect("office:incidents:detail", pk=incident.pk)


# ---------------------------------------------------------------------------- signals


@role_required(SIGNAL_ROLES)
@require_GET
def signal_list(request):
    visible = signals_visible_to(request.user)
    filters = SignalFilter(request.GET or None)
    state = filters.cleaned_data["state"] if filters.is_valid() else ""
    if state == "":
        shown = visible.filter(state__in=[ExternalSignal.State.NEW, ExternalSignal.State.LINKED])
    elif state == "all":
        shown = visible
    else:
        shown = visible.filter(state=state)
    shown = shown.select_related(
        "predicted_category", "predicted_category__parent", "incident", "appeal", "municipality"
    ).order_by("-posted_at", "-pk")
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    categories = (
        Category.objects.filter(is_active=True, children__isnull=True)
        .select_related("parent")
        .order_by("parent__position", "parent__name", "position", "name")
    )
    return render(
        request,
        "office/incidents/signals.html",
        {
            "page": page,
            "filters": filters,
            "query": urlencode({"state": state}) if state else "",
            "categories": categories,
            "office_section": "incidents",
        },
    )


def _back_to_signals(request):
    back = request.POST.get("next", "")
    if back.startswith(reverse("office:incidents:signals")):
        return redirect(back)
    return redirect("office:incidents:signals")


@role_required(SIGNAL_ROLES)
@require_POST
def signal_appeal(request, pk: int):
    signal = get_signal_for(request.user, pk)
    category = None
    chosen = request.POST.get("category", "").strip()
    if chosen:
        pk = int(chosen) if chosen.isdigit() and len(chosen) < 10 else 0
        category = Category.objects.filter(pk=pk, is_active=True).first()
        if category is None:
            messages.error(request, _("Choose a category from the list."))
            return _back_to_signals(request)
    try:
        appeal = external.create_appeal_from_signal(
            signal=signal,
            actor=request.user,
            category=category,
            is_public=request.POST.get("is_public") == "on",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _back_to_signals(request)
    messages.success(
        request,
        _("Appeal %(number)s is created from the signal and sent to moderation.")
        % {"number": appeal.number},
    )
    return redirect("office:appeal", number=appeal.number)


@role_required(SIGNAL_ROLES)
@require_POST
def signal_dismiss(request, pk: int):
    signal = get_signal_for(request.user, pk)
    try:
        external.dismiss_signal(
            signal=signal, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The signal is dismissed."))
    return _back_to_signals(request)
