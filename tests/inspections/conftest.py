"""The inspections' fixtures: a Monday in March (the thaw's season), places in metres around
the centre of Lipetsk, field teams of the road service and of another organization."""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from otklik.inspections.models import FieldTeam, InspectionPoint

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 3, 16, 7, 0, tzinfo=MSK)  # a Monday morning
DAY = NOW.date()
ORIGIN = (52.61, 39.59)


def point(east_m: float = 0, north_m: float = 0) -> tuple[float, float]:
    """The point `east_m` metres east and `north_m` metres north of ORIGIN."""
    lat = ORIGIN[0] + north_m / 111_195
    lon = ORIGIN[1] + east_m / (111_195 * math.cos(math.radians(ORIGIN[0])))
    return lat, lon


@pytest.fixture
def appeal_at(appeal_in):
    """`appeal_at(status, east=0, north=0, days_ago=30, **overrides)`: an appeal of the cast
    walked to `status` starting `days_ago` days before NOW, at a place around ORIGIN."""

    def make(status, east=0, north=0, days_ago=30, **overrides):
        lat, lon = point(east, north)
        options = {
            "latitude": lat,
            "longitude": lon,
            "address": f"г. Липецк, ул. Московская, {int(east) // 10 + 1}",
            "now": NOW - timedelta(days=days_ago),
        }
        options.update(overrides)
        return appeal_in(status, **options)

    return make


def make_team(organization, municipality, name, east=0, north=0, start=8, end=17):
    """A field team of `organization` serving `municipality`, its base `east`/`north` metres
    from ORIGIN, on shift from `start` to `end` o'clock."""
    lat, lon = point(east, north)
    return FieldTeam.objects.create(
        organization=organization,
        municipality=municipality,
        name=name,
        base_lat=lat,
        base_lon=lon,
        base_address=f"база {name}",
        shift_start=time(start),
        shift_end=time(end),
    )


def make_point(municipality, east, north, score=1.0, reasons=None, key=None):
    """A point proposed for DAY at `east`/`north` metres from ORIGIN, on «ул. Тестовая»."""
    lat, lon = point(east, north)
    return InspectionPoint.objects.create(
        municipality=municipality,
        day=DAY,
        key=key or f"test:{east}:{north}",
        latitude=lat,
        longitude=lon,
        address=f"ул. Тестовая, {east // 100 + 1}",
        score=score,
        reasons=reasons or [{"code": "test", "text": "Проверка на месте", "weight": score}],
    )


@pytest.fixture
def team_of(municipality):
    """`team_of(organization, name, east=0, north=0, start=8, end=17)`: a field team."""

    def make(organization, name, east=0, north=0, start=8, end=17, municipality_=None):
        return make_team(organization, municipality_ or municipality, name, east, north, start, end)

    return make


@pytest.fixture
def point_at(municipality):
    """`point_at(east, north, score=1, key=None, municipality_=None)`: a proposed point."""
    counter = {"n": 0}

    def make(east=0, north=0, score=1.0, key=None, municipality_=None, **extra):
        counter["n"] += 1
        lat, lon = point(east, north)
        return InspectionPoint.objects.create(
            municipality=municipality_ or municipality,
            day=DAY,
            key=key or f"test:{counter['n']}",
            latitude=lat,
            longitude=lon,
            address=f"точка {counter['n']}",
            score=score,
            reasons=[{"code": "test", "text": "тест", "weight": score}],
            **extra,
        )

    return make
