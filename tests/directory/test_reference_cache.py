"""The per-process reference data of filing (directory/reference.py): a change to a category,
a municipality's boundary or the production calendar is seen by the next filing, in this
process at once and in another through the version in the shared cache."""

from datetime import date

import pytest
from django.core.cache import cache

from otklik.appeals import services
from otklik.directory import reference
from otklik.directory.models import CalendarDay
from otklik.directory.services import find_municipality
from tests.conftest import square

pytestmark = pytest.mark.django_db
INSIDE = (52.61, 39.59)
ELSEWHERE = (53.30, 38.20)


def test_a_deactivated_category_is_refused_by_the_next_filing(client, category):
    assert reference.snapshot().category("potholes") == category
    category.is_active = False
    category.save(update_fields=["is_active"])
    assert reference.snapshot().category("potholes") is None


def test_a_moved_boundary_is_seen_by_the_next_point_lookup(region, municipality):
    assert find_municipality(region=region, lat=ELSEWHERE[0], lon=ELSEWHERE[1]) is None
    municipality.boundary = square(*ELSEWHERE)
    municipality.save(update_fields=["boundary"])
    assert find_municipality(region=region, lat=ELSEWHERE[0], lon=ELSEWHERE[1]) == municipality
    assert find_municipality(region=region, lat=INSIDE[0], lon=INSIDE[1]) is None


def test_a_new_day_off_is_seen_by_the_next_deadline(region):
    day = date(2026, 3, 4)  # a Wednesday
    assert reference.snapshot().calendar(region.pk).is_working_day(day)
    CalendarDay.objects.create(date=day, region=region, kind=CalendarDay.Kind.DAY_OFF)
    assert not reference.snapshot().calendar(region.pk).is_working_day(day)


def test_a_change_made_by_another_process_is_seen_within_the_check_interval(
    region, category, monkeypatch, settings
):
    settings.REFERENCE_CHECK_SECONDS = 1
    now = [1000.0]
    monkeypatch.setattr(reference, "_clock", lambda: now[0])
    kept = reference.snapshot()
    assert reference.snapshot() is kept
    cache.set(reference.VERSION_KEY, "another process changed something", timeout=None)
    now[0] += 0.5
    assert reference.snapshot() is kept  # not read again within the second
    now[0] += 0.5
    changed = reference.snapshot()
    assert changed is not kept
    assert changed.version == "another process changed something"


def test_the_version_is_read_once_per_check_interval(region, settings, monkeypatch):
    """A storm of filings in one process reads the shared cache once a second, not once per
    filing (with the database cache, a round trip each)."""
    settings.REFERENCE_CHECK_SECONDS = 1
    now = [1000.0]
    monkeypatch.setattr(reference, "_clock", lambda: now[0])
    reads = []
    real_get = cache.get
    monkeypatch.setattr(
        cache, "get", lambda key, *a, **kw: reads.append(key) or real_get(key, *a, **kw)
    )
    reference.snapshot()
    for _ in range(50):
        now[0] += 0.01
        reference.snapshot()
    assert reads.count(reference.VERSION_KEY) == 1
    now[0] += 0.6
    reference.snapshot()
    assert reads.count(reference.VERSION_KEY) == 2


def test_a_filing_uses_the_kept_municipality_and_calendar(region, municipality, citizen):
    services.submit_appeal(
        region=region, text="Яма", applicant=citizen, latitude=52.61, longitude=39.59
    )
    appeal = services.submit_appeal(
        region=region, text="Яма", applicant=citizen, latitude=52.61, longitude=39.59
    )
    assert appeal.municipality == municipality
    assert appeal.municipality is reference.snapshot().municipalities(region.pk)[0][0]


def test_a_regions_new_time_zone_is_seen_by_the_next_deadline(region, django_assert_num_queries):
    assert str(reference.snapshot().time_zone(region.pk)) == "Europe/Moscow"
    with django_assert_num_queries(0):  # kept: the inbox asks once per row
        reference.snapshot().time_zone(region.pk)
    region.time_zone = "Asia/Yekaterinburg"
    region.save(update_fields=["time_zone"])
    assert str(reference.snapshot().time_zone(region.pk)) == "Asia/Yekaterinburg"
