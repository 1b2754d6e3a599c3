"""REST API: KPIs, rankings and the weekly review's topics (scope `analytics:read`).

The figures are those of the office pages, from the same functions (analytics.figures,
analytics.ranking, analytics.weekly) and the same scoping (analytics/scope.py: a
municipal operator or supervisor sees their municipality only, rankings and the weekly review
are for those who watch a whole region). Names follow KPI.md; every share carries its
numerator, denominator, percent and 95 % Wilson interval.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.utils import timezone, translation
from ninja import Field, Query, Router, Schema

from otklik.accounts.models import ApiScope
from otklik.analytics import figures, figures_cache, forecast_kpi, weekly
from otklik.analytics import scope as access_scope
from otklik.analytics.figures import KPI_GOOD_HIGH, KPI_LABELS, KpiSet, Period, Share
from otklik.analytics.forms import PeriodForm
from otklik.analytics.ranking import COMPONENTS, UNIT_KINDS
from otklik.analytics.ranking import ranking as compute_ranking
from otklik.analytics.scope import review_regions
from otklik.api.errors import bilingual
from otklik.directory.models import Category, Region

from .base import api_user, require_scope
from .work import ERRORS, FieldErrorOut, form_errors

router = Router(tags=["Analytics"])
MAX_ID = 2**31 - 1
SHARES = (
    "overdue",
    "on_time",
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
)
READ_ERRORS = {**ERRORS, 400: FieldErrorOut}


# ---------------------------------------------------------------------------- shapes


class ShareOut(Schema):
    name_en: str
    name_ru: str
    good_is: str | None = Field(description="`high`, `low` or null")
    numerator: int
    denominator: int
    percent: float | None
    wilson_low: float | None = Field(description="95 % Wilson interval, percent")
    wilson_high: float | None


class AnswerTimeOut(Schema):
    name_en: str
    name_ru: str
    count: int
    mean_days: float | None
    median_days: float | None
    mean_workdays: float | None
    median_workdays: float | None


class ForecastErrorOut(Schema):
    name_en: str
    name_ru: str
    good_is: str | None = Field(description="`low`: a lower MASE is better")
    mase: float | None = Field(description="Mean absolute scaled error; null without forecasts")
    inside: int = Field(description="Forecasts whose 80 % interval held the actual count")
    forecasts: int = Field(description="Forecasts of the period's weeks that are over")
    percent_inside: float | None = Field(description="About 80 % is right")
    weeks: int


class KpisOut(Schema):
    received: int
    rejected: int
    overdue: ShareOut
    on_time: ShareOut
    time_to_answer: AnswerTimeOut
    postponed: ShareOut
    repeated_postponement: ShareOut
    repeat: ShareOut
    durability: ShareOut
    rework: ShareOut
    formal_reply: ShareOut
    satisfaction: ShareOut
    verified: ShareOut
    gap: float | None = Field(description="On-time share − verified resolution, in points")
    proactive: ShareOut
    instructions_on_time: ShareOut
    found_before_residents: ShareOut
    inspection_yield: ShareOut
    forecast_error: ForecastErrorOut = Field(
        description="Region and municipality scopes; empty for an organization or category"
    )


class PeriodOut(Schema):
    kind: str
    start: date
    end: date = Field(description="The last day, included")


class ScopeOut(Schema):
    region_id: int
    municipality_id: int | None
    organization_id: int | None
    category: str | None


class KpiReportOut(Schema):
    scope: ScopeOut
    period: PeriodOut
    kpis: KpisOut
    previous_period: PeriodOut
    previous: KpisOut
    year_before_period: PeriodOut
    year_before: KpisOut


def _names(key: str) -> tuple[str, str]:
    return bilingual(KPI_LABELS[key])


def _good(key: str) -> str | None:
    high = KPI_GOOD_HIGH[key]
    return None if high is None else ("high" if high else "low")


def share_out(key: str, share: Share) -> dict:
    ru, en = _names(key)
    interval = share.wilson()
    return {
        "name_en": en,
        "name_ru": ru,
        "good_is": _good(key),
        "numerator": share.numerator,
        "denominator": share.denominator,
        "percent": share.percent,
        "wilson_low": round(100 * interval[0], 1) if interval else None,
        "wilson_high": round(100 * interval[1], 1) if interval else None,
    }


def kpis_out(k: KpiSet) -> dict:
    ru, en = _names("time_to_answer")
    t = k.time_to_answer
    return {
        "received": k.received,
        "rejected": k.rejected,
        **{key: share_out(key, getattr(k, key)) for key in SHARES},
        "time_to_answer": {
            "name_en": en,
            "name_ru": ru,
            "count": t.count,
            "mean_days": t.mean_days,
            "median_days": t.median_days,
            "mean_workdays": t.mean_workdays,
            "median_workdays": t.median_workdays,
        },
        "gap": k.gap,
        "forecast_error": forecast_error_out(k),
    }


def forecast_error_out(k: KpiSet) -> dict:
    ru, en = _names("forecast_error")
    f = k.forecast_error
    return {
        "name_en": en,
        "name_ru": ru,
        "good_is": _good("forecast_error"),
        "mase": f.mase,
        "inside": f.coverage.numerator,
        "forecasts": f.coverage.denominator,
        "percent_inside": f.coverage.percent,
        "weeks": f.weeks,
    }


def period_out(period: Period) -> dict:
    return {"kind": period.kind, "start": period.start, "end": period.last_day}


# ---------------------------------------------------------------------------- the selection


class Selection(Schema):
    region: int | None = Field(None, ge=1, le=MAX_ID, description="Region id; default: yours.")
    municipality: int | None = Field(None, ge=1, le=MAX_ID)
    organization: int | None = Field(None, ge=1, le=MAX_ID)
    category: str = Field("", max_length=64, description="Category code (with its subtopics).")
    period: str = Field(
        "",
        description="`week`, `month` (default), `quarter`, `year`, `twelve_months` or `custom`.",
    )
    day: str = Field("", max_length=10, description="A day in the period (YYYY-MM-DD).")
    start: str = Field("", max_length=10, description="First day of a custom period.")
    end: str = Field("", max_length=10, description="Last day of a custom period (included).")


def _analyst(request, roles=access_scope.ANALYTICS_ROLES):
    require_scope(request, ApiScope.ANALYTICS_READ)
    user = api_user(request)
    if not any(g.role in roles for g in access_scope.grants(user)):
        raise PermissionDenied
    return user


def _region_today(region_id: int) -> date:
    region = Region.objects.get(pk=region_id)
    return timezone.now().astimezone(ZoneInfo(region.time_zone)).date()


def _category_ids(code: str) -> tuple[int, ...]:
    if not code:
        return ()
    pk = Category.objects.filter(code=code).values_list("pk", flat=True).first()
    if pk is None:
        raise Http404("No such category")
    return figures.category_subtree([pk])


def _period(selection: Selection, today: date) -> Period:
    form = PeriodForm(
        {
            "period": selection.period,
            "day": selection.day,
            "start": selection.start,
            "end": selection.end,
        },
        today=today,
    )
    if not form.is_valid():
        raise form_errors(form)
    return form.period_or_default()


def _select(request, selection: Selection, roles=access_scope.ANALYTICS_ROLES):
    """The scope (404 when it is not the user's), the period (400 when malformed) and today."""
    user = _analyst(request, roles)
    region_id = access_scope.default_region(user, selection.region)
    if region_id is None:
        raise Http404("No such region")
    scope = access_scope.resolve(
        user,
        region_id=region_id,
        municipality_id=selection.municipality,
        organization_id=selection.organization,
        category_ids=_category_ids(selection.category),
        roles=roles,
    )
    if scope is None:
        raise Http404("Not your scope")
    today = _region_today(region_id)
    return user, scope, _period(selection, today), today


# ---------------------------------------------------------------------------- KPIs


@router.get(
    "/kpis",
    response={200: KpiReportOut, **READ_ERRORS},
    summary="KPIs of a scope and period",
    description=(
        "Every figure of KPI.md for a region, municipality, organization and category over a "
        "period, with the period before and the same period a year before. A municipal or "
        "organization grant is clamped to its territory; anything else answers 404."
    ),
)
def kpis(request, selection: Query[Selection]):
    _user, scope, period, today = _select(request, selection)
    previous, year_before = period.previous(), period.previous_year()
    # Access is settled above; the figures of this scope are kept until the rollups change.
    return figures_cache.cached(
        ("api.kpis", scope, period, today, selection.category),
        lambda: {
            "scope": {
                "region_id": scope.region_id,
                "municipality_id": scope.municipality_id,
                "organization_id": scope.organization_id,
                "category": selection.category or None,
            },
            "period": period_out(period),
            "kpis": kpis_out(forecast_kpi.kpis(scope, period, today)),
            "previous_period": period_out(previous),
            "previous": kpis_out(forecast_kpi.kpis(scope, previous, today)),
            "year_before_period": period_out(year_before),
            "year_before": kpis_out(forecast_kpi.kpis(scope, year_before, today)),
        },
    )


# ---------------------------------------------------------------------------- ranking


class RankingFilters(Selection):
    kind: str = Field("municipality", pattern="^(municipality|organization)$")


class RankingRowOut(Schema):
    rank: int | None
    ranked: bool
    unit_id: int
    name: str
    received: int
    score: float | None
    score_low: float | None
    score_high: float | None
    previous_score: float | None
    score_change: float | None
    overdue_ratio: float | None = Field(
        description="Overdue share a year before ÷ now (3.0: improved threefold)"
    )
    gap: float | None
    components: dict[str, ShareOut]


class RankingOut(Schema):
    kind: str
    kind_name_ru: str
    kind_name_en: str
    region_id: int
    period: PeriodOut
    previous_period: PeriodOut
    minimum_appeals: int
    weights: dict[str, float]
    rows: list[RankingRowOut]


@router.get(
    "/ranking",
    response={200: RankingOut, **READ_ERRORS},
    summary="Ranking of municipalities or organizations",
    description=(
        "The composite KPI index of every municipality (or executor organization) of the "
        "region over the period, ranked; units under the minimum number of appeals are listed "
        "unranked. For leadership, operators and administrators of a whole region."
    ),
)
def ranking(request, filters: Query[RankingFilters]):
    user, scope, period, today = _select(request, filters, roles=access_scope.RANKING_ROLES)
    if not access_scope.can_rank(user, scope.region_id):
        raise Http404("Not your region")
    # Access is settled above; the ranking of this region is kept until the rollups change.
    return figures_cache.cached(
        ("api.ranking", filters.kind, scope, period, today),
        lambda: _ranking_out(filters.kind, scope, period, today),
    )


def _ranking_out(kind: str, scope, period: Period, today: date) -> dict:
    result = compute_ranking(kind, scope.region_id, period, today, category_ids=scope.category_ids)
    ru, en = bilingual(UNIT_KINDS[kind])
    return {
        "kind": kind,
        "kind_name_ru": ru,
        "kind_name_en": en,
        "region_id": scope.region_id,
        "period": period_out(result.period),
        "previous_period": period_out(result.previous_period),
        "minimum_appeals": result.settings.minimum,
        "weights": result.settings.weights,
        "rows": [
            {
                "rank": row.rank,
                "ranked": row.ranked,
                "unit_id": row.unit_id,
                "name": row.name,
                "received": row.kpis.received,
                "score": row.score,
                "score_low": row.score_low,
                "score_high": row.score_high,
                "previous_score": row.previous_score,
                "score_change": row.score_change,
                "overdue_ratio": row.overdue_ratio,
                "gap": row.gap,
                "components": {
                    name: share_out(name, getattr(row.kpis, name)) for name in COMPONENTS
                },
            }
            for row in result.rows
        ],
    }


# ---------------------------------------------------------------------------- weekly topics


class WeekFilters(Schema):
    region: int | None = Field(None, ge=1, le=MAX_ID, description="Region id; default: yours.")
    week: str = Field("", max_length=20, description="ISO week `2026-W05`; default: the last one.")


class TopicOut(Schema):
    category_id: int
    name: str
    count: int
    usual: float
    growth: float
    ratio: float | None
    significant: bool
    children: list[TopicOut] = []


class TopicsOut(Schema):
    region_id: int
    week: str
    period: PeriodOut
    baseline: str = Field(description="`season` (same weeks of earlier years) or `recent`")
    season_years: list[int]
    topics: list[TopicOut]
    growing: list[TopicOut]


def _topic(topic: weekly.Topic, *, children: bool = True) -> dict:
    return {
        "category_id": topic.category_id,
        "name": str(topic.name),
        "count": topic.count,
        "usual": topic.usual,
        "growth": topic.growth,
        "ratio": topic.ratio,
        "significant": topic.significant,
        "children": [_topic(child) for child in topic.children] if children else [],
    }


@router.get(
    "/weekly/topics",
    response={200: TopicsOut, **READ_ERRORS},
    summary="Topics of the weekly review",
    description=(
        "Appeals received in the ISO week per category and subcategory against the usual "
        "level (the same season of earlier years, or the weeks before), and the topics that "
        "grew most. For leadership, operators and administrators of a whole region."
    ),
)
def weekly_topics(request, filters: Query[WeekFilters]):
    require_scope(request, ApiScope.ANALYTICS_READ)
    regions = review_regions(api_user(request))
    if not regions:
        raise PermissionDenied
    region = regions[0]
    if filters.region is not None:
        region = next((r for r in regions if r.pk == filters.region), None)
        if region is None:
            raise Http404("Not your region")
    today = timezone.now().astimezone(ZoneInfo(region.time_zone)).date()
    notes = {}
    for language in ("ru", "en"):
        with translation.override(language):
            period, notes[language] = weekly.parse_week(
                filters.week, today, default=weekly.last_complete_week(today)
            )
    if notes["en"]:
        return JsonResponse(
            {"error": "invalid_week", "message_ru": notes["ru"], "message_en": notes["en"]},
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    found = weekly.topics(region.pk, period)
    return {
        "region_id": region.pk,
        "week": weekly.week_code(period),
        "period": period_out(period),
        "baseline": found.baseline,
        "season_years": found.season_years,
        "topics": [_topic(root) for root in found.roots],
        "growing": [_topic(topic, children=False) for topic in found.growing()],
    }
