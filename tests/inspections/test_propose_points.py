"""Proposing a municipality's points: clustering, scoring, the limit, idempotency, the job."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings

from otklik.incidents.models import Incident
from otklik.inspections.models import InspectionPoint, PointProposal
from otklik.inspections.services.clusters import cluster
from otklik.inspections.services.points import propose_due, propose_points
from tests.inspections.conftest import DAY, NOW, point


def incident(region, municipality, category, east, north=0, count=3, title="Ямы"):
    lat, lon = point(east, north)
    return Incident.objects.create(
        region=region, municipality=municipality, category=category, title=title,
        center_lat=lat, center_lon=lon, first_appeal_at=NOW - timedelta(days=1),
        last_appeal_at=NOW - timedelta(hours=1), appeal_count=count,
    )  # fmt: skip


def test_cluster_joins_what_lies_within_the_radius_around_the_heaviest():
    items = [("a", *point(0, 0), 1), ("b", *point(60, 0), 5), ("c", *point(130, 0), 1)]
    groups = cluster(items, point=lambda i: (i[1], i[2]), weight=lambda i: i[3], radius_m=100)
    # b leads; a (60 m) and c (70 m) join it although they are 130 m apart.
    assert [[i[0] for i in g] for g in groups] == [["b", "a", "c"]]
    far = [*items, ("d", *point(400, 0), 2)]
    groups = cluster(far, point=lambda i: (i[1], i[2]), weight=lambda i: i[3], radius_m=100)
    assert [[i[0] for i in g] for g in groups] == [["b", "a", "c"], ["d"]]


@pytest.mark.django_db
def test_nearby_signals_become_one_point_with_merged_reasons(region, municipality, category):
    incident(region, municipality, category, 0, count=3, title="Ямы у школы")
    incident(region, municipality, category, 50, count=8, title="Ямы у рынка")
    incident(region, municipality, category, 1000, count=1, title="Яма у вокзала")
    points = propose_points(municipality=municipality, day=DAY, now=NOW)
    assert len(points) == 2
    first = points[0]
    assert [r["code"] for r in first.reasons] == ["incident", "incident"]
    assert first.score == pytest.approx(4 + 1.6 + 4 + 0.6)
    assert len(first.sources["incidents"]) == 2
    assert points[1].score == pytest.approx(4.2)


@pytest.mark.django_db
def test_same_kind_reasons_merge_into_one_with_a_count(appeal_at, municipality, roads):
    from otklik.appeals.workflow import Status
    from otklik.inspections.models import SeasonRule

    SeasonRule.objects.create(name="оттепель", category=roads, start_month=3, end_month=4)
    appeal_at(Status.CLOSED, east=0, days_ago=200)
    appeal_at(Status.CLOSED, east=40, days_ago=250)
    [only] = propose_points(municipality=municipality, day=DAY, now=NOW)
    assert len(only.reasons) == 1
    assert only.reasons[0]["text"].endswith("(и ещё 1 рядом)")
    assert len(only.reasons[0]["appeal_ids"]) == 2
    assert only.score == 3


@pytest.mark.django_db
@override_settings(INSPECTION_POINTS_PER_MUNICIPALITY=2)
def test_only_the_best_points_are_kept(region, municipality, category):
    for n, count in enumerate((1, 9, 5)):
        incident(region, municipality, category, 1000 * n, count=count, title=f"И{n}")
    points = propose_points(municipality=municipality, day=DAY, now=NOW)
    assert [p.reasons[0]["text"].split("»")[0] for p in points] == [
        "Активный инцидент «И1",
        "Активный инцидент «И2",
    ]


@pytest.mark.django_db
def test_proposing_again_keeps_the_rows_and_what_teams_did(region, municipality, category):
    a = incident(region, municipality, category, 0)
    b = incident(region, municipality, category, 1000)
    first = propose_points(municipality=municipality, day=DAY, now=NOW)
    again = propose_points(municipality=municipality, day=DAY, now=NOW)
    assert [(p.pk, p.key, p.score, p.reasons) for p in again] == [
        (p.pk, p.key, p.score, p.reasons) for p in first
    ]
    checked = InspectionPoint.objects.get(key=f"incident:{a.pk}")
    checked.status = InspectionPoint.Status.CHECKED_OK
    checked.save(update_fields=["status"])
    Incident.objects.filter(pk__in=[a.pk, b.pk]).update(state=Incident.State.CLOSED)
    incident(region, municipality, category, 2000, title="Новая")
    third = propose_points(municipality=municipality, day=DAY, now=NOW)
    assert {(p.key, p.status) for p in third} == {
        (f"incident:{a.pk}", InspectionPoint.Status.CHECKED_OK),
        (f"incident:{Incident.objects.get(title='Новая').pk}", InspectionPoint.Status.PROPOSED),
    }
    assert PointProposal.objects.get(municipality=municipality, day=DAY).points == 2


@pytest.mark.django_db
def test_a_place_a_team_already_checked_is_not_proposed_twice(region, municipality, category):
    a = incident(region, municipality, category, 0)
    propose_points(municipality=municipality, day=DAY, now=NOW)
    InspectionPoint.objects.filter(key=f"incident:{a.pk}").update(
        status=InspectionPoint.Status.CHECKED_FOUND, key="moved"
    )
    points = propose_points(municipality=municipality, day=DAY, now=NOW)
    assert [p.key for p in points] == ["moved"]


@pytest.mark.django_db
def test_the_daily_job_proposes_each_municipality_once_a_day(
    region, municipality, other_municipality, category
):
    incident(region, municipality, category, 0)
    assert propose_due(now=NOW) == 2
    assert propose_due(now=NOW + timedelta(hours=3)) == 0
    assert InspectionPoint.objects.filter(day=DAY).count() == 1
    assert propose_due(now=NOW + timedelta(days=1)) == 2
