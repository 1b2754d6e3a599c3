"""Appeals filed at given moments and places, clustered the way the outbox hook does it."""

from __future__ import annotations

from datetime import datetime

import pytest

from otklik.appeals import services as appeals
from otklik.incidents import services
from tests.incidents.helpers import point


@pytest.fixture
def file_appeal(region, municipality, category, citizen):
    """`file_appeal(at, east=0, north=0, house=None, category=…, cluster=True)`: an appeal
    submitted through the services at `at`, then clustered (as the outbox hook does)."""
    counter = {"n": 0}

    def make(
        at: datetime,
        east: float = 0,
        north: float = 0,
        *,
        house=None,
        cat=None,
        cluster: bool = True,
        region_=None,
    ):
        counter["n"] += 1
        lat, lon = point(east, north)
        number = house if house is not None else counter["n"]
        appeal = appeals.submit_appeal(
            region=region_ or region,
            text="Нет отопления в квартире, батареи холодные.",
            applicant=citizen,
            category=cat or category,
            latitude=lat,
            longitude=lon,
            address=f"г. Липецк, ул. Московская, {number}, кв. 5",
            now=at,
        )
        if cluster:
            services.on_new_appeal(appeal)
        return appeal

    return make
