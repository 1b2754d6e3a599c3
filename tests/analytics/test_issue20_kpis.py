"""Issue 20's KPIs on hand-built histories with known answers: «выявлено раньше жителей»,
«результативность объездов», «точность прогноза» — rollups = straight computation = rebuild,
the drill-down lists, the ranking component, the office drill-down page and the REST API."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from otklik.accounts.models import ApiScope
from otklik.accounts.tokens import issue_token
from otklik.analytics import figures, forecast, forecast_kpi, kpi, ranking, rollups
from otklik.analytics.figures import ForecastError, Period, Scope, Share
from otklik.analytics.models import MEASURES, KpiDay, WeeklyForecast
from otklik.appeals.models import Channel
from otklik.appeals.tasks import process_outbox_batch
from otklik.appeals.workflow import Status
from otklik.inspections.models import FieldTeam, InspectionPlan, InspectionPoint, PlanStop

MSK = ZoneInfo("Europe/Moscow")
JUNE = Period(date(2025, 6, 1), date(2025, 7, 1), "month")
JULY = Period(date(2025, 7, 1), date(2025, 8, 1), "month")
LATER = date(2025, 12, 1)
METRE = 1 / 111_000  # a metre of latitude, in degrees


def at(day: int, month: int = 6, hour: int = 10) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=MSK)


def settle() -> None:
    while process_outbox_batch():
        pass


def snapshot() -> list:
    keys = ["grain", "region_id", "day", "municipality", "organization", "category"]
    return sorted(
        row for row in KpiDay.objects.values_list(*keys, *MEASURES) if any(row[len(keys) :])
    )


def both(scope: Scope, period: Period, today: date = LATER) -> figures.KpiSet:
    """The figures from the rollups, insisting they equal the straight computation."""
    settle()
    from_rollups = figures.kpis(scope, period, today)
    assert from_rollups == kpi.kpis(scope, period, today)
    return from_rollups


# ---------------------------------------------------------------------------- found first


@pytest.fixture
def reports(appeal_in, municipality, fast_category):
    """Six appeals at two places, with a known answer (the comments)."""
    lat, lon = municipality.center_lat, municipality.center_lon
    far = lat + 0.01  # about 1.1 km north
    made = {}
    # The first report at place 1 is a resident's.
    made["a"] = appeal_in(Status.REGISTERED, now=at(2), latitude=lat, longitude=lon)
    # A field report 50 m away three days later: not a first report.
    made["b"] = appeal_in(
        Status.REGISTERED,
        now=at(5),
        channel=Channel.FIELD,
        latitude=lat + 50 * METRE,
        longitude=lon,
    )
    # Place 2: an inspection found it first, a resident wrote ten days later.
    made["c"] = appeal_in(
        Status.REGISTERED, now=at(10), channel=Channel.INSPECTION, latitude=far, longitude=lon
    )
    made["d"] = appeal_in(Status.REGISTERED, now=at(20), latitude=far, longitude=lon)
    # Place 1, another category: a first report of its own.
    made["f"] = appeal_in(
        Status.REGISTERED, now=at(12), category=fast_category, latitude=lat, longitude=lon
    )
    # Place 1 again 40 days after the last report there: a new problem, found by a field team.
    made["e"] = appeal_in(
        Status.REGISTERED, now=at(15, 7), channel=Channel.FIELD, latitude=lat, longitude=lon
    )
    # Without a point: cannot be placed, left out.
    made["g"] = appeal_in(
        Status.REGISTERED, now=at(3), channel=Channel.SOCIAL, latitude=None, longitude=None
    )
    return made


@pytest.mark.django_db
def test_found_before_residents_counts_first_reports_from_proactive_channels(reports, region):
    whole = Scope(region.pk)
    june = both(whole, JUNE)
    assert june.found_before_residents == Share(1, 3)  # c of a, c, f
    assert both(whole, JULY).found_before_residents == Share(1, 1)  # e
    numerator = kpi.appeals_behind("found_before_residents", whole, JUNE, LATER)
    denominator = kpi.appeals_behind(
        "found_before_residents", whole, JUNE, LATER, part="denominator"
    )
    assert set(numerator) == {reports["c"]}
    assert set(denominator) == {reports["a"], reports["c"], reports["f"]}
    incremental = snapshot()
    rollups.rebuild()
    assert snapshot() == incremental


@pytest.mark.django_db
def test_an_earlier_report_registered_later_takes_the_first_place(appeal_in, municipality, region):
    """Registered out of order (an import): the refresh re-decides the later neighbour."""
    lat, lon = municipality.center_lat, municipality.center_lon
    appeal_in(Status.REGISTERED, now=at(10), latitude=lat, longitude=lon)
    settle()
    assert both(Scope(region.pk), JUNE).found_before_residents == Share(0, 1)
    appeal_in(Status.REGISTERED, now=at(8), channel=Channel.FIELD, latitude=lat, longitude=lon)
    assert both(Scope(region.pk), JUNE).found_before_residents == Share(1, 1)
    incremental = snapshot()
    rollups.rebuild()
    assert snapshot() == incremental


# ---------------------------------------------------------------------------- inspection yield


@pytest.fixture
def points(municipality, organization, category):
    team = FieldTeam.objects.create(
        organization=organization,
        municipality=municipality,
        name="Бригада 1",
        base_lat=municipality.center_lat,
        base_lon=municipality.center_lon,
    )

    def point(key: str, day: int, status: str, *, month: int = 6, planned: bool = False):
        p = InspectionPoint.objects.create(
            municipality=municipality,
            day=date(2025, month, day),
            key=key,
            latitude=municipality.center_lat,
            longitude=municipality.center_lon,
            category_ids=[category.pk],
        )
        if planned:
            plan, _ = InspectionPlan.objects.get_or_create(organization=organization, day=p.day)
            PlanStop.objects.create(plan=plan, point=p, team=team, sequence=1)
        p.status = status
        if status in ("checked_found", "checked_ok", "no_access"):
            p.checked_at = datetime(2025, month, day, 12, tzinfo=MSK)
        p.save()
        return p

    S = InspectionPoint.Status
    return {
        "found": point("a", 3, S.CHECKED_FOUND, planned=True),
        "ok": point("b", 4, S.CHECKED_OK),
        "no_access": point("c", 5, S.NO_ACCESS, planned=True),
        "planned": point("d", 6, S.PLANNED),
        "july": point("e", 2, S.CHECKED_FOUND, month=7),
    }


@pytest.mark.django_db
def test_inspection_yield_is_found_of_checked_and_follows_status_changes(
    points, region, organization, municipality
):
    whole = Scope(region.pk)
    assert both(whole, JUNE).inspection_yield == Share(1, 2)  # no access was not checked
    assert both(whole, JULY).inspection_yield == Share(1, 1)
    by_org = Scope(region.pk, organization_id=organization.pk)
    assert both(by_org, JUNE).inspection_yield == Share(1, 1)  # the planned one's team
    assert both(Scope(region.pk, municipality_id=municipality.pk), JUNE).inspection_yield == Share(
        1, 2
    )
    assert kpi.points_behind("inspection_yield", whole, JUNE, LATER) == [points["found"].pk]
    assert kpi.points_behind("inspection_yield", whole, JUNE, LATER, part="denominator") == [
        points["ok"].pk,
        points["found"].pk,
    ]
    # A second look finds a problem at the all-right point; a point removed takes its figure.
    points["ok"].status = InspectionPoint.Status.CHECKED_FOUND
    points["ok"].save()
    assert both(whole, JUNE).inspection_yield == Share(2, 2)
    points["july"].delete()
    assert both(whole, JULY).inspection_yield == Share(0, 0)
    incremental = snapshot()
    report = rollups.rebuild()
    assert report.points == 2
    assert snapshot() == incremental


@pytest.mark.django_db
def test_the_drill_down_page_lists_the_points(client, leadership, points, region):
    client.force_login(leadership)
    params = {"region": region.pk, "period": "custom", "start": "2025-06-01", "end": "2025-06-30"}
    response = client.get("/office/kpi/appeals/", {**params, "kpi": "inspection_yield"})
    assert response.status_code == 200
    assert response.context["figure"] == 1
    assert [p.pk for p in response.context["page"].object_list] == [points["found"].pk]
    response = client.get(
        "/office/kpi/appeals/", {**params, "kpi": "inspection_yield", "part": "denominator"}
    )
    assert response.context["figure"] == response.context["listed"] == 2


# ---------------------------------------------------------------------------- forecast error


@pytest.fixture
def forecasts(appeal_in, region, municipality, category):
    """Two forecasts of June's weeks for the municipality: one exact inside its interval, one
    that missed by 2 on a scale of 2 and outside it: MASE (0 + 1) / 2, coverage 1 of 2."""
    group = forecast.topic_groups()[category.pk]
    made = timezone.now()
    for week, median, low, high, scale in (
        (date(2025, 6, 2), 2, 1, 3, 1.0),
        (date(2025, 6, 9), 1, 0, 1, 2.0),
    ):
        WeeklyForecast.objects.create(
            region=region,
            municipality=municipality,
            group_id=group,
            week=week,
            made_at=made,
            expected=median,
            low=low,
            high=high,
            median=median,
            scale=scale,
            model_version="test",
        )
    for day in (3, 4):
        appeal_in(Status.REGISTERED, now=at(day))
    for day in (10, 11, 12):
        appeal_in(Status.REGISTERED, now=at(day))
    settle()


@pytest.mark.django_db
def test_forecast_error_of_a_municipality_and_the_region(forecasts, region, municipality):
    expected = ForecastError(0.5, Share(1, 2), 2)
    local = Scope(region.pk, municipality_id=municipality.pk)
    assert forecast_kpi.forecast_error(local, JUNE, LATER) == expected
    assert forecast_kpi.forecast_error(Scope(region.pk), JUNE, LATER) == expected
    assert forecast_kpi.kpis(Scope(region.pk), JUNE, LATER).forecast_error == expected
    assert kpi.kpis(Scope(region.pk), JUNE, LATER, forecast=True).forecast_error == expected
    # Weeks not over yet have no actual count; organizations have no forecasts.
    assert forecast_kpi.forecast_error(local, JUNE, date(2025, 6, 12)) == ForecastError(
        0.0, Share(1, 1), 1
    )
    assert (
        forecast_kpi.forecast_error(Scope(region.pk, organization_id=1), JUNE, LATER)
        == figures.NO_FORECAST
    )
    behind = forecast_kpi.checks(local, JUNE, LATER, part="numerator")
    assert [(c.week, c.actual) for c in behind] == [(date(2025, 6, 2), 2)]
    assert len(forecast_kpi.checks(local, JUNE, LATER)) == 2


@pytest.mark.django_db
def test_kpi_page_shows_the_forecast_error_and_its_drill_down(
    client, leadership, forecasts, region
):
    client.force_login(leadership)
    params = {"region": region.pk, "period": "custom", "start": "2025-06-01", "end": "2025-06-30"}
    page = client.get("/office/kpi/", params)
    card = next(c for c in page.context["cards"] if c["key"] == "forecast_error")
    assert (card["numerator"], card["denominator"]) == (1, 2)
    assert "0,5" in card["value"]
    drill = client.get(
        "/office/kpi/appeals/", {**params, "kpi": "forecast_error", "part": "denominator"}
    )
    assert drill.status_code == 200
    assert drill.context["figure"] == drill.context["listed"] == 2


# ---------------------------------------------------------------------------- ranking and REST


@pytest.mark.django_db
def test_ranking_weighs_found_before_residents(reports, region, municipality):
    settle()
    assert ranking.DEFAULT_WEIGHTS["found_before_residents"] == 1
    assert ranking.DEFAULT_WEIGHTS["inspection_yield"] == 0
    assert "forecast_error" not in ranking.COMPONENTS
    result = ranking.ranking("municipality", region.pk, JUNE, LATER)
    row = next(r for r in result.rows if r.unit_id == municipality.pk)
    assert row.kpis.found_before_residents == Share(1, 3)
    assert ranking.composite(row.kpis, {"found_before_residents": 1})[0] == pytest.approx(33.3)


@pytest.mark.django_db
def test_rest_returns_the_new_kpis(client, operator, forecasts, region):
    _token, key = issue_token(user=operator, name="t", scopes=[ApiScope.ANALYTICS_READ])
    response = client.get(
        "/api/v1/analytics/kpis",
        {"period": "custom", "start": "2025-06-01", "end": "2025-06-30"},
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 200, response.content
    body = response.json()["kpis"]
    # The five appeals of `forecasts` are at one place: the first is a resident's first report.
    assert body["found_before_residents"]["good_is"] == "high"
    found = body["found_before_residents"]
    assert (found["numerator"], found["denominator"]) == (0, 1)
    assert body["inspection_yield"]["denominator"] == 0
    assert body["forecast_error"]["mase"] == 0.5
    assert (body["forecast_error"]["inside"], body["forecast_error"]["forecasts"]) == (1, 2)
    assert body["forecast_error"]["good_is"] == "low"
