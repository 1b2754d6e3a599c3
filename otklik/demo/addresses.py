"""The demo region's address register: every house its appeals are about, at its pin."""

from __future__ import annotations

from otklik.directory.address_import import HouseRow, save_houses
from otklik.directory.models import Region


def seed_address_register(region: Region, units) -> int:
    """Put the houses of the municipalities' places (timeline units) into the register;
    returns how many houses it holds for them."""
    rows = [
        HouseRow(
            municipality=oktmo,
            settlement=f"{place.settlement.kind} {place.settlement.name}",
            street=place.street,
            house=place.house,
            latitude=place.lat,
            longitude=place.lon,
        )
        for oktmo, unit in units.items()
        for place in unit.places
    ]
    return save_houses(region=region, rows=rows).houses
