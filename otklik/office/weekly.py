"""The weekly review (оперативное совещание): the page, its XLSX export and the heat map.

For leadership, operators and administrators of a region (and superusers); everyone else gets
403. `?week=YYYY-Www` picks the ISO week (default: the current week in the region's time
zone), `?region=` the region when the user has several. The figures come from
`analytics.weekly.review`; docs/weekly-review.md describes them.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from otklik.analytics import export as weekly_export
from otklik.analytics import weekly
from otklik.analytics.scope import REVIEW_ROLES, review_regions
from otklik.directory.models import Region
from otklik.lib.charts import bar_chart, line_chart

from .permissions import role_required

LAYERS = ("appeals", "failed")


def _choose(request) -> tuple[Region, list[Region], weekly.Period, date, list[str]]:
    """The region and week asked for, or the defaults with messages saying why."""
    regions = review_regions(request.user)
    if not regions:
        raise PermissionDenied
    notes = []
    region = regions[0]
    asked = request.GET.get("region", "")
    if asked:
        chosen = [r for r in regions if str(r.pk) == asked.strip()]
        if chosen:
            region = chosen[0]
        else:
            notes.append(
                _("That region is not available to you: %(name)s is shown.") % {"name": region.name}
            )
    today = timezone.now().astimezone(ZoneInfo(region.time_zone)).date()
    period, note = weekly.parse_week(request.GET.get("week"), today)
    if note:
        notes.append(note)
    return region, regions, period, today, notes


def _week_label(period: weekly.Period) -> str:
    return _("week %(code)s, %(start)s – %(end)s") % {
        "code": weekly.week_code(period),
        "start": date_format(period.start, "SHORT_DATE_FORMAT"),
        "end": date_format(period.last_day, "SHORT_DATE_FORMAT"),
    }


def charts(data: weekly.Review) -> dict:
    def label(point):
        return date_format(point.period.start, "d.m")

    return {
        "received": line_chart(
            {_("Received"): [(label(p), p.received) for p in data.series]},
            title=_("Appeals received per week, %(weeks)s weeks") % {"weeks": len(data.series)},
        ),
        "on_time": line_chart(
            {_("On-time share"): [(label(p), p.on_time) for p in data.series]},
            percent=True,
            title=_("On-time share per week, %(weeks)s weeks") % {"weeks": len(data.series)},
        ),
        "growth": bar_chart(
            [(t.name, t.growth) for t in data.topics.growing()],
            title=_("Growth of topics against the usual level, appeals"),
        ),
    }


def _received_url(data: weekly.Review, group_id: int, municipality_id: int | None) -> str:
    """The drill-down listing the appeals of a topic group (and municipality) received in the
    review's week: the appeals behind a forecast flag."""
    query = {
        "period": "custom",
        "start": data.period.start,
        "end": data.period.last_day,
        "region": data.region.pk,
        **({"municipality": municipality_id} if municipality_id else {}),
        "category": group_id,
        "kpi": "received",
        "part": "numerator",
    }
    return f"{reverse('office:kpi_appeals')}?{urlencode(query)}"


def forecast_rows(data: weekly.Review, checks) -> list[dict]:
    """Forecast checks as rows of the page: the place's name, the numbers and the link to the
    appeals behind the count."""
    return [
        {
            "check": c,
            "place": c.municipality or _("Whole region"),
            "url": _received_url(data, c.group_id, c.municipality_id),
        }
        for c in checks
    ]


def municipality_table(data: weekly.Review) -> list[dict]:
    """The municipalities' repeat share and durability failures with links to the drill-down
    (office:kpi_appeals) listing the appeals behind each number, and the region's total last."""
    period = {"period": "custom", "start": data.period.start, "end": data.period.last_day}
    base = f"{reverse('office:kpi_appeals')}?{urlencode(period)}&region={data.region.pk}"

    def explain(unit: int | None, kpi: str, part: str) -> str:
        return base + (f"&municipality={unit}" if unit else "") + f"&kpi={kpi}&part={part}"

    units = [(row.name, row.municipality_id, row) for row in data.municipalities]
    units.append((_("Whole region"), None, data.kpis))
    return [
        {
            "name": name,
            "is_total": unit is None,
            "received": k.received,
            "repeat": k.repeat,
            "durability": k.durability,
            "above": forecast_rows(
                data,
                data.forecast.above_in(unit)
                if unit
                else [c for c in data.forecast.above if c.municipality_id is None],
            ),
            **{
                f"{kpi}_{part}_url": explain(unit, kpi, part)
                for kpi in ("repeat", "durability")
                for part in ("numerator", "denominator")
            },
        }
        for name, unit, k in units
    ]


@role_required(REVIEW_ROLES)
@require_GET
def review(request):
    region, regions, period, today, notes = _choose(request)
    data = weekly.review(region, period, today, timezone.now())
    before, after = weekly.neighbours(period, today)
    return render(
        request,
        "office/weekly/review.html",
        {
            "review": data,
            "charts": charts(data),
            "municipalities": municipality_table(data),
            "forecast_flags": forecast_rows(data, data.forecast.above),
            "forecast_places": forecast_rows(data, data.forecast.places),
            "accuracy_weeks": weekly.ACCURACY_WEEKS,
            "week": weekly.week_code(period),
            "week_label": _week_label(period),
            "previous_week": weekly.week_code(before),
            "next_week": weekly.week_code(after) if after else "",
            "is_current_week": period.end > today,
            "ranking_label": _week_label_range(data.ranking.period),
            "regions": regions,
            "region": region,
            "notes": notes,
            "growth_ratio": weekly.GROWTH_RATIO,
            "growth_min": weekly.GROWTH_MIN,
            "hot_min": weekly.HOT_MIN,
            "hot_before_weeks": weekly.HOT_BEFORE_WEEKS,
            "hot_before_max": weekly.HOT_BEFORE_MAX,
            "cell_metres": weekly.CELL_METRES,
            "failed_weeks": weekly.FAILED_WEEKS,
            "map_lat": region.center_lat if region.center_lat is not None else 55.75,
            "map_lon": region.center_lon if region.center_lon is not None else 37.62,
            "tile_url": settings.MAP_TILE_URL,
            "office_section": "weekly",
        },
    )


def _week_label_range(period: weekly.Period) -> str:
    return _("%(start)s – %(end)s") % {
        "start": date_format(period.start, "SHORT_DATE_FORMAT"),
        "end": date_format(period.last_day, "SHORT_DATE_FORMAT"),
    }


@role_required(REVIEW_ROLES)
@require_GET
def export(request):
    region, _regions, period, today, _notes = _choose(request)
    data = weekly.review(region, period, today, timezone.now())
    response = HttpResponse(
        weekly_export.workbook(data),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{weekly_export.filename(data)}"'
    return response


@role_required(REVIEW_ROLES)
@require_GET
def heatmap(request):
    region, _regions, period, _today, _notes = _choose(request)
    layer = request.GET.get("layer", "appeals")
    if layer not in LAYERS:
        return JsonResponse(
            {"error": _("Unknown map layer: choose appeals or failed checks.")}, status=400
        )
    grid = weekly.Grid.for_latitude(region.center_lat)
    cells, truncated = weekly.heatmap(region.pk, period, ZoneInfo(region.time_zone), grid, layer)
    return JsonResponse(
        weekly.heatmap_geojson(cells, grid, layer, truncated),
        content_type="application/geo+json",
    )
