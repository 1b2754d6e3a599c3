"""The public side: map and list of appeals, municipalities' pages, the rules of moderation.

Only `Appeal.objects.public()` is shown, and never who filed an appeal: the querysets here read
explicit fields and never touch `applicant`.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import BooleanField, Count, ExpressionWrapper, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from otklik.analytics import public_figures
from otklik.analytics.figures import DAY, KpiSet, Share, midnight
from otklik.appeals import public_copy
from otklik.appeals.models import Appeal, Support
from otklik.appeals.search import MAX_QUERY, search_appeals
from otklik.appeals.workflow import Status
from otklik.directory.models import Category, Municipality, Region, RejectionReason
from otklik.directory.services import map_center
from otklik.lib.widgets import QuickSelect

PAGE_SIZE = 20
MAP_LIMIT = 3000
EXCERPT = 200
WIDE_BOX = 0.05  # square degrees: about a city district

STATUS_GROUPS = {
    "in_work": (
        _("in work"),
        [Status.REGISTERED, Status.IN_PROGRESS, Status.ANSWER_REVIEW],
    ),
    "answered": (_("answered"), [Status.ANSWERED]),
    "closed": (_("closed"), [Status.CLOSED]),
}
PUBLIC_STATUS_LABEL = {
    status: label for label, statuses in STATUS_GROUPS.values() for status in statuses
}


class PublicFilterForm(forms.Form):
    """The filters shared by the list and the map; invalid values are reported and ignored."""

    # Searches the public copies (personal data masked), never the original texts.
    q = forms.CharField(label=_("Search"), required=False, max_length=MAX_QUERY)

    # Every public category (some 160): written without a template per option.
    category = forms.ModelChoiceField(
        label=_("Category"),
        required=False,
        queryset=Category.objects.none(),
        widget=QuickSelect,
        empty_label=_("all categories"),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        required=False,
        widget=QuickSelect,
        queryset=Municipality.objects.none(),
        empty_label=_("all municipalities"),
    )
    date_from = forms.DateField(label=_("From"), required=False)
    date_to = forms.DateField(label=_("To"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        categories = Category.objects.filter(is_public=True, is_active=True).select_related(
            "parent"
        )
        self.fields["category"].queryset = categories
        self.fields["category"].label_from_instance = lambda c: (
            f"{c.parent.name} / {c.name}" if c.parent_id else c.name
        )
        self.fields["municipality"].queryset = Municipality.objects.order_by("name")
        self.fields["status"].choices = [("", _("any"))] + [
            (key, label) for key, (label, _statuses) in STATUS_GROUPS.items()
        ]
        for name in ("date_from", "date_to"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"})

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", gettext("The end date is before the start date."))
        return data

    def valid_data(self) -> dict:
        """The values that passed their checks; the rest is ignored (and shown as errors)."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if k not in self.errors and v}

    def query(self) -> str:
        """The valid filters as a query string, for links between the list and the map."""
        data = self.valid_data()
        pairs = {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items()}
        return urlencode(pairs)


class CachedCountPaginator(Paginator):
    """Counting every public appeal takes longer than the whole page (a full scan): the total
    is kept for a minute per set of filters."""

    def __init__(self, *args, count_key: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_key = count_key

    @cached_property
    def count(self) -> int:
        return public_figures.list_total(self.count_key, self.object_list)

    def page(self, number):
        # A full page even when the kept total is behind the newest appeals.
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom : bottom + self.per_page], number, self)


def _midnight(day):
    return midnight(day, timezone.get_current_timezone())


def _filtered(data: dict):
    appeals = Appeal.objects.public()
    if category := data.get("category"):
        # The category and its children by id: an OR across the join would defeat the indexes.
        family = [category.pk, *category.children.values_list("pk", flat=True)]
        appeals = appeals.filter(category_id__in=family)
    if status := data.get("status"):
        appeals = appeals.filter(status__in=STATUS_GROUPS[status][1])
    if municipality := data.get("municipality"):
        appeals = appeals.filter(municipality=municipality)
    if query := data.get("q"):
        appeals = search_appeals(appeals, query, public=True)
    if start := data.get("date_from"):
        appeals = appeals.filter(created_at__gte=_midnight(start))
    if end := data.get("date_to"):
        appeals = appeals.filter(created_at__lt=_midnight(end + DAY))
    return appeals


def _overdue(now):
    late = Q(answered_at__isnull=True, due_at__lt=now) | Q(answered_at__gt=F("due_at"))
    return ExpressionWrapper(late, output_field=BooleanField())


@require_GET
def appeals(request):
    form = PublicFilterForm(request.GET or None)
    data = form.valid_data() if request.GET else {}
    supporters = (
        Support.objects.filter(appeal=OuterRef("pk"))
        .order_by()
        .values("appeal")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        _filtered(data)
        .select_related("category", "category__parent", "municipality")
        .only(
            "number",
            "created_at",
            "public_text",
            "address",
            "status",
            "due_at",
            "answered_at",
            "category__name",
            "category__parent__name",
            "municipality__name",
        )
        .annotate(
            supporters=Coalesce(Subquery(supporters), 0),
            late=_overdue(timezone.now()),
        )
        .order_by("-created_at", "-pk")
    )
    query = form.query() if request.GET else ""
    page = CachedCountPaginator(rows, PAGE_SIZE, count_key=query).get_page(request.GET.get("page"))
    public_copy.ensure_public_copies(page.object_list)
    for appeal in page.object_list:
        text = appeal.public_text
        appeal.excerpt = text[:EXCERPT] + ("…" if len(text) > EXCERPT else "")
        appeal.public_status = PUBLIC_STATUS_LABEL.get(appeal.status, "")
    return render(
        request,
        "portal/public/appeals.html",
        {"form": form, "page": page, "query": query},
    )


@require_GET
def appeals_map(request):
    form = PublicFilterForm(request.GET or None)
    query = form.query() if request.GET else ""
    if request.GET:
        form.valid_data()
    center = map_center(Region.objects.filter(code=settings.OTKLIK_DEFAULT_REGION_CODE).first())
    return render(
        request,
        "portal/public/map.html",
        {
            "form": form,
            "query": query,
            "tile_url": settings.MAP_TILE_URL,
            "center_lat": center[0],
            "center_lon": center[1],
            "geojson_url": reverse("portal:appeals_geojson") + ("?" + query if query else ""),
        },
    )


def _bbox(value: str | None):
    try:
        west, south, east, north = (float(part) for part in (value or "").split(","))
    except ValueError:
        return None
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        return None
    return west, south, east, north


@require_GET
def appeals_geojson(request):
    """The newest MAP_LIMIT public appeals with a point in the box: GeoJSON, no personal data."""
    data = PublicFilterForm(request.GET).valid_data()
    points = _filtered(data).filter(latitude__isnull=False, longitude__isnull=False)
    if box := _bbox(request.GET.get("bbox")):
        west, south, east, north = box
        lat, lon = "latitude", "longitude"
        if (east - west) * (north - south) > WIDE_BOX:
            # Most appeals are in a wide box: walking them newest first and stopping at the
            # limit beats the point index, which SQLite would pick for a plain comparison.
            points = points.annotate(lat=F("latitude") + 0.0, lon=F("longitude") + 0.0)
            lat, lon = "lat", "lon"
        points = points.filter(
            **{f"{lon}__gte": west, f"{lon}__lte": east, f"{lat}__gte": south, f"{lat}__lte": north}
        )
    rows = list(
        points.order_by("-created_at", "-pk").values_list(
            "number", "latitude", "longitude", "created_at", "status", "category__name"
        )[: MAP_LIMIT + 1]
    )
    truncated = len(rows) > MAP_LIMIT
    prefix, suffix = reverse("portal:appeal", args=["NUMBER"]).split("NUMBER")
    labels = {status: str(label) for status, label in PUBLIC_STATUS_LABEL.items()}
    zone = timezone.get_current_timezone()
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "number": number,
                "category": category or "",
                "status": labels.get(status, ""),
                "date": created.astimezone(zone).strftime("%d.%m.%Y"),
                "url": prefix + number + suffix,
            },
        }
        for number, lat, lon, created, status, category in rows[:MAP_LIMIT]
    ]
    note = (
        gettext("Showing the latest %(count)d appeals: zoom in or narrow the filters.")
        % {"count": MAP_LIMIT}
        if truncated
        else ""
    )
    return JsonResponse(
        {"type": "FeatureCollection", "features": features, "truncated": truncated, "note": note},
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )


def _percent(share: Share) -> str:
    value = share.percent
    return "—" if value is None else formats.number_format(value, 1) + " %"


def _of(share: Share) -> str:
    return gettext("%(part)d of %(whole)d") % {"part": share.numerator, "whole": share.denominator}


def _days(value: float | None) -> str:
    if value is None:
        return "—"
    return gettext("%(days)s days") % {"days": formats.number_format(value, 1)}


def _figures(k: KpiSet) -> list[dict]:
    """The head figures of a municipality, each with its basis and one plain sentence."""
    answer = k.time_to_answer
    return [
        {
            "label": gettext("Received"),
            "value": str(k.received),
            "basis": "",
            "explain": gettext("Appeals accepted by the moderator in this period."),
        },
        {
            "label": gettext("Answered on time"),
            "value": _percent(k.on_time),
            "basis": _of(k.on_time),
            "explain": gettext(
                "Of the appeals whose deadline falls in this period, the share not overdue: "
                "answered by the deadline, or with the deadline still ahead."
            ),
        },
        {
            "label": gettext("Overdue"),
            "value": _percent(k.overdue),
            "basis": _of(k.overdue),
            "explain": gettext(
                "Of the same appeals, the share answered late or still without an answer "
                "after the deadline."
            ),
        },
        {
            "label": gettext("Median time to answer"),
            "value": _days(answer.median_days),
            "basis": gettext("average %(mean)s, %(count)d answers")
            % {"mean": _days(answer.mean_days), "count": answer.count},
            "explain": gettext(
                "Half of the answers published in this period came faster than this, "
                "counting calendar days from registration."
            ),
        },
        {
            "label": gettext("Deadline moved"),
            "value": _percent(k.postponed),
            "basis": _of(k.postponed),
            "explain": gettext(
                "Of the appeals due in this period, the share whose deadline was moved at "
                "least once."
            ),
        },
        {
            "label": gettext("Deadline moved twice or more"),
            "value": _percent(k.repeated_postponement),
            "basis": _of(k.repeated_postponement),
            "explain": gettext("The law allows one extension; a second one is a warning sign."),
        },
        {
            "label": gettext("Repeat appeals"),
            "value": _percent(k.repeat),
            "basis": _of(k.repeat),
            "explain": gettext(
                "Of the appeals received in this period, the share filed again about a problem "
                "that an earlier answer did not solve."
            ),
        },
        {
            "label": gettext("Satisfied residents"),
            "value": _percent(k.satisfaction),
            "basis": _of(k.satisfaction),
            "explain": gettext(
                "Of the ratings residents gave to answers in this period, the share of 4 and 5 "
                "out of 5."
            ),
        },
    ]


@require_GET
def municipalities(request):
    now = timezone.now()
    figures, period = public_figures.municipalities_summary(now)
    empty = public_figures.empty()
    rows = [(m, figures.get(m.pk, empty)) for m in Municipality.objects.order_by("name")]
    return render(
        request,
        "portal/public/municipalities.html",
        {"rows": rows, "start": period.start, "last_day": period.last_day},
    )


@require_GET
def municipality(request, pk: int):
    unit = get_object_or_404(Municipality.objects.select_related("region"), pk=pk)
    now = timezone.now()
    titles = {"year": _("Last 12 months"), "quarter": _("Current quarter")}
    periods = [
        {
            "title": titles[period.key],
            "start": period.start,
            "last_day": period.last_day,
            "figures": _figures(figures),
        }
        for period, figures in public_figures.municipality_kpis(unit, now)
    ]
    top = public_figures.municipality_top(unit, now)
    return render(
        request,
        "portal/public/municipality.html",
        {"unit": unit, "periods": periods, "top": top},
    )


@require_GET
def rules(request):
    reasons = RejectionReason.objects.filter(is_active=True).order_by("name")
    return render(request, "portal/public/rules.html", {"reasons": reasons})


urlpatterns = [
    path("map/", appeals_map, name="map"),
    path("map/appeals.geojson", appeals_geojson, name="appeals_geojson"),
    path("appeals/", appeals, name="appeals"),
    path("municipalities/", municipalities, name="municipalities"),
    path("municipalities/<int:pk>/", municipality, name="municipality"),
    path("rules/", rules, name="rules"),
]
