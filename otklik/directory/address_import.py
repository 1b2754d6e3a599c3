"""Filling the address register: from a CSV extract of ФИАС/ГАР (one house a row) or from the
demo region's own streets. Re-importing the same file changes nothing; a moved house gets its
new point."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Avg

from .address_keys import house_key
from .models import House, Municipality, Region, Street

COLUMNS = ("municipality", "settlement", "street", "house", "latitude", "longitude")
BATCH = 1000


@dataclass(frozen=True)
class HouseRow:
    """One house of an extract: `municipality` is its OKTMO code or its name."""

    municipality: str
    settlement: str
    street: str
    house: str
    latitude: float
    longitude: float
    fias_id: str = ""


@dataclass
class ImportResult:
    streets: int = 0
    houses: int = 0
    skipped: list[str] = field(default_factory=list)  # «line 12: …»


def read_csv(handle) -> Iterable[tuple[int, dict]]:
    """(line number, row) of a CSV with a header naming at least COLUMNS (; or , separated)."""
    sample = handle.read(4096)
    handle.seek(0)
    dialect = csv.Sniffer().sniff(sample, delimiters=";,\t") if sample else csv.excel
    reader = csv.DictReader(handle, dialect=dialect)
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"missing columns: {', '.join(missing)}")
    yield from enumerate(reader, start=2)


def parse_row(row: dict) -> HouseRow:
    """A HouseRow from a CSV row; raises ValueError with what is wrong."""
    values = {c: (row.get(c) or "").strip() for c in (*COLUMNS, "fias_id")}
    for column in ("municipality", "street", "house"):
        if not values[column]:
            raise ValueError(f"empty {column}")
    lat = float(values["latitude"].replace(",", "."))
    lon = float(values["longitude"].replace(",", "."))
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError("point outside the map")
    if not house_key(values["house"]):
        raise ValueError("no house number")
    return HouseRow(
        municipality=values["municipality"],
        settlement=values["settlement"][:200],
        street=values["street"][:200],
        house=values["house"][:40],
        latitude=lat,
        longitude=lon,
        fias_id=values["fias_id"][:36],
    )


def _municipalities(region: Region) -> dict[str, Municipality]:
    found = {}
    for municipality in Municipality.objects.filter(region=region):
        found[municipality.oktmo] = municipality
        found[municipality.name.lower()] = municipality
    return found


def save_houses(*, region: Region, rows: Iterable[HouseRow]) -> ImportResult:
    """Add the houses (and their streets) to the region's register; a house already there gets
    the row's point. Street centres are recomputed from their houses."""
    result = ImportResult()
    municipalities = _municipalities(region)
    streets: dict[tuple[int, str, str], Street] = {
        (s.municipality_id, s.settlement, s.name): s for s in Street.objects.filter(region=region)
    }
    pending: dict[tuple[int, str], House] = {}
    with transaction.atomic():
        for row in rows:
            municipality = municipalities.get(row.municipality) or municipalities.get(
                row.municipality.lower()
            )
            if municipality is None:
                result.skipped.append(f"unknown municipality {row.municipality}")
                continue
            key = (municipality.pk, row.settlement, row.street)
            street = streets.get(key)
            if street is None:
                street = Street(
                    region=region,
                    municipality=municipality,
                    settlement=row.settlement,
                    name=row.street,
                )
                street.save()
                streets[key] = street
                result.streets += 1
            pending[(street.pk, house_key(row.house))] = House(
                street=street,
                number=row.house,
                number_key=house_key(row.house),
                latitude=row.latitude,
                longitude=row.longitude,
                fias_id=row.fias_id,
            )
        result.houses = _write_houses(list(pending.values()))
        refresh_street_centres(region=region)
    return result


def _write_houses(houses: list[House]) -> int:
    for start in range(0, len(houses), BATCH):
        House.objects.bulk_create(
            houses[start : start + BATCH],
            update_conflicts=True,
            unique_fields=["street", "number_key"],
            update_fields=["number", "latitude", "longitude", "fias_id"],
        )
    return len(houses)


def refresh_street_centres(*, region: Region, street_ids=None) -> None:
    """Each street's point is the middle of its houses (where a street-only suggestion puts
    the pin)."""
    streets = Street.objects.filter(region=region)
    if street_ids is not None:
        streets = streets.filter(pk__in=street_ids)
    centres = streets.annotate(lat=Avg("houses__latitude"), lon=Avg("houses__longitude"))
    changed = []
    for street in centres:
        if (street.lat, street.lon) != (street.center_lat, street.center_lon):
            street.center_lat, street.center_lon = street.lat, street.lon
            changed.append(street)
    Street.objects.bulk_update(changed, ["center_lat", "center_lon"], batch_size=BATCH)
