"""The executor's inbox: the organization's appeals in work, what needs action today first
(`appeals/priority.py`) or nearest deadline first, with the working days left on the production
calendar, filters, search and a map."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from otklik.accounts.models import Role, User
from otklik.appeals import access, priority, sla
from otklik.appeals.models import Answer, Appeal, Postponement, Support, scope_q
from otklik.appeals.search import search_appeals
from otklik.appeals.workflow import WITH_EXECUTOR, Status
from otklik.directory import reference
from otklik.directory.models import Category, Region
from otklik.directory.services import map_center
from otklik.lib.excerpts import excerpt

from .permissions import EXECUTORS, role_required
from .work_forms import InboxFilterForm

PAGE_SIZE = 50
MAP_LIMIT = 2000
DEADLINE_CLASSES = (sla.OVERDUE, sla.TODAY, sla.SOON)


def _scope(user):
    return Appeal.objects.filter(scope_q(user, access.WORKERS))


def _colleagues(user):
    """Active executors of the user's organizations (for the «responsible» filter)."""
    organizations = user.memberships.filter(role=Role.EXECUTOR).values("organization_id")
    return (
        User.objects.filter(
            is_active=True,
            memberships__role=Role.EXECUTOR,
            memberships__organization_id__in=organizations,
        )
        .distinct()
        .order_by("full_name", "email")
    )


def _annotated(appeals):
    last_answer = Answer.objects.filter(appeal=OuterRef("pk")).order_by("-submitted_at", "-pk")
    supporters = (
        Support.objects.filter(appeal=OuterRef("pk"))
        .order_by()
        .values("appeal")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return appeals.annotate(
        last_answer_state=Subquery(last_answer.values("state")[:1]),
        pending_postponement=Exists(
            Postponement.objects.filter(appeal=OuterRef("pk"), state=Postponement.State.PENDING)
        ),
        supporters=Coalesce(Subquery(supporters, output_field=IntegerField()), Value(0)),
    )


class Calendars:
    """Production calendars and time zones by region, from the per-process reference data
    (directory/reference.py): a row needs its appeal's region id, not the region."""

    def __init__(self):
        self._reference = reference.snapshot()

    def get(self, region_id: int):
        return self._reference.calendar_and_zone(region_id)

    def days_left(self, appeal, now) -> int | None:
        if appeal.due_at is None:
            return None
        calendar, tz = self.get(appeal.region_id)
        return sla.working_days_left(now, appeal.due_at, calendar, tz)


def _deadline_q(bounds: dict, name: str) -> Q:
    start, end = bounds[name]
    q = Q(due_at__isnull=False)
    if start is not None:
        q &= Q(due_at__gte=start)
    if end is not None:
        q &= Q(due_at__lt=end)
    return q


def _filtered(request, user, now):
    """The scoped, filtered appeals (before the deadline filter), the filter form, the
    deadline bounds and the calendars; the bounds use the region of the user's organization."""
    scope = _scope(user)
    categories = Category.objects.filter(pk__in=scope.values("category_id")).select_related(
        "parent"
    )
    colleagues = _colleagues(user)
    form = InboxFilterForm(request.GET, categories=categories, colleagues=colleagues)
    form.is_valid()
    appeals = _annotated(scope)
    status = form.value("status")
    if status == "returned":
        appeals = appeals.filter(status=Status.IN_PROGRESS, last_answer_state=Answer.State.RETURNED)
    elif status in (Status.IN_PROGRESS, Status.ANSWER_REVIEW):
        appeals = appeals.filter(status=status)
    elif status != "all":
        appeals = appeals.filter(status__in=WITH_EXECUTOR)
    if category := form.value("category"):
        appeals = appeals.filter(category_id=category)
    assignee = form.value("assignee")
    if assignee == "me":
        appeals = appeals.filter(assignee=user)
    elif assignee == "none":
        appeals = appeals.filter(assignee__isnull=True)
    elif assignee.isdigit() and len(assignee) < 19:
        appeals = appeals.filter(assignee_id=int(assignee))
    appeals = search_appeals(appeals, form.value("q"))
    calendars = Calendars()
    region = Region.objects.filter(
        pk__in=user.memberships.filter(role=Role.EXECUTOR).values("organization__region")
    ).first()
    if region is not None:
        calendar, tz = calendars.get(region.pk)
    else:  # a superuser without an organization
        calendar, tz = reference.snapshot().calendar(None), timezone.get_current_timezone()
    bounds = sla.deadline_bounds(now, calendar, tz)
    return appeals, form, bounds, calendars, colleagues, region


def _with_deadline(appeals, form, bounds):
    deadline = form.value("deadline")
    if deadline in DEADLINE_CLASSES:
        appeals = appeals.filter(_deadline_q(bounds, deadline))
    return appeals


def _ordered(appeals, form, bounds, now):
    """What needs action today first (appeals/priority.py), unless the deadline order is asked."""
    if form.value("order") == priority.ORDER_DEADLINE:
        return priority.by_deadline(appeals)
    return priority.by_action(appeals, now=now, today_ends=bounds[sla.TODAY][1])


@role_required(EXECUTORS)
@require_GET
def inbox(request):
    now = timezone.now()
    user = request.user
    appeals, form, bounds, calendars, colleagues, region = _filtered(request, user, now)
    counts = appeals.aggregate(
        **{name: Count("pk", filter=_deadline_q(bounds, name)) for name in DEADLINE_CLASSES}
    )
    listed = (
        _ordered(_with_deadline(appeals, form, bounds), form, bounds, now)
        .select_related("category", "category__parent", "municipality", "assignee")
        .defer("municipality__boundary")  # a real district's polygon is tens of kilobytes
    )
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for appeal in page.object_list:
        days = calendars.days_left(appeal, now)
        rows.append(
            {
                "appeal": appeal,
                "days": days,
                "deadline_class": sla.deadline_class(days),
                "excerpt": excerpt(appeal.text, 140),
                "returned": appeal.status == Status.IN_PROGRESS
                and appeal.last_answer_state == Answer.State.RETURNED,
                "new": getattr(appeal, "priority", None) == priority.NEW,
            }
        )
    query = request.GET.copy()
    query.pop("page", None)
    map_lat, map_lon = map_center(region)
    return render(
        request,
        "office/inbox.html",
        {
            "form": form,
            "rows": rows,
            "page": page,
            "counts": counts,
            "colleagues": colleagues,
            "assignee": form.value("assignee"),
            "query": query.urlencode(),
            "map_lat": map_lat,
            "map_lon": map_lon,
            "tile_url": settings.MAP_TILE_URL,
            "office_section": "inbox",
        },
    )


@role_required(EXECUTORS)
@require_GET
def inbox_geojson(request):
    """The appeals of the inbox's current filter that have a point, as GeoJSON (capped)."""
    now = timezone.now()
    appeals, form, bounds, calendars, *_ = _filtered(request, request.user, now)
    appeals = (
        priority.by_deadline(_with_deadline(appeals, form, bounds))
        .filter(latitude__isnull=False, longitude__isnull=False)
        .select_related("category", "category__parent")[:MAP_LIMIT]
    )
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [appeal.longitude, appeal.latitude]},
            "properties": {
                "number": appeal.number,
                "category": str(appeal.category) if appeal.category else "",
                "deadline": sla.deadline_class(calendars.days_left(appeal, now)),
                "url": reverse("office:appeal", args=[appeal.number]),
            },
        }
        for appeal in appeals
    ]
    return JsonResponse(
        {"type": "FeatureCollection", "features": features},
        json_dumps_params={"ensure_ascii": False},
    )
