"""Reference data every filing reads, kept per process: active categories by code and by id,
a region's municipalities with their boundaries prepared for point-in-polygon, the production
calendar and the time zone of a region.

A snapshot is valid for one version, a token in the shared cache (`VERSION_KEY`). Saving or
deleting a region, municipality, category, category attribute, organization, routing rule or
calendar day replaces the token (post_save/post_delete, at once and again on commit, so that a
process that reloaded between the two cannot keep the old rows); bulk writes that send no
signal (`QuerySet.update`, `bulk_create`) call `changed()` themselves. The process that made
the change drops its snapshot at once; the others read the token at most once every
REFERENCE_CHECK_SECONDS (1 s by default; 0: on every request, as before) and at most once per
request: a change is seen everywhere within that second, and a storm of filings costs no cache
read (a database round trip with the database cache) on each of them.

The objects handed out are shared by the threads of the process: read them, never change them.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef

from otklik.lib.geo import contains, prepare

from .models import Category, CategoryAttribute, Municipality, Region

if TYPE_CHECKING:
    from otklik.lib.workdays import WorkCalendar

VERSION_KEY = "directory:reference-version"
_current: Snapshot | None = None
_checked_at = 0.0  # when this process last read the token (_clock's seconds)
_clock = time.monotonic
_local = threading.local()


class Snapshot:
    """The reference data of one version, each kind loaded on its first use."""

    def __init__(self, version: str):
        self.version = version
        self._categories: tuple[dict, dict] | None = None
        self._municipalities: dict[int, list] = {}
        self._calendars: dict[int | None, WorkCalendar] = {}
        self._time_zones: dict[int, ZoneInfo] | None = None

    def _category_maps(self) -> tuple[dict, dict]:
        if self._categories is None:
            active = list(
                Category.objects.filter(is_active=True)
                .select_related("parent")
                .annotate(
                    has_metadata=Exists(
                        CategoryAttribute.objects.filter(category=OuterRef("pk"), is_active=True)
                    )
                )
            )
            self._categories = ({c.code: c for c in active}, {c.pk: c for c in active})
        return self._categories

    def category(self, code: str) -> Category | None:
        """The active category with this code (`has_metadata` set), or None."""
        return self._category_maps()[0].get(code)

    def category_by_pk(self, pk: int) -> Category | None:
        return self._category_maps()[1].get(pk)

    def municipalities(self, region_id: int) -> list[tuple[Municipality, object]]:
        """The region's municipalities, each with its prepared boundary (or None)."""
        found = self._municipalities.get(region_id)
        if found is None:
            found = [
                (m, prepare(m.boundary_shape) if m.boundary else None)
                for m in Municipality.objects.filter(region_id=region_id)
            ]
            self._municipalities[region_id] = found
        return found

    def find_municipality(self, region_id: int, lat: float, lon: float):
        """The municipality whose boundary covers the point, or False when the region has
        boundaries and none covers it, or None when it has none (the caller falls back)."""
        municipalities = self.municipalities(region_id)
        bounded = [(m, shape) for m, shape in municipalities if shape is not None]
        if not bounded:
            return None
        for municipality, shape in bounded:
            if contains(shape, lat, lon):
                return municipality
        return False

    def calendar(self, region_id: int | None) -> WorkCalendar:
        found = self._calendars.get(region_id)
        if found is None:
            from .production_calendar import work_calendar

            found = self._calendars[region_id] = work_calendar(region_id)
        return found

    def time_zone(self, region_id: int) -> ZoneInfo:
        """The region's time zone (every region's read at once: a region has a handful)."""
        if self._time_zones is None:
            self._time_zones = {
                pk: ZoneInfo(name) for pk, name in Region.objects.values_list("pk", "time_zone")
            }
        found = self._time_zones.get(region_id)
        if found is None:  # a region made after this snapshot's first use, before its bump
            found = ZoneInfo(Region.objects.values_list("time_zone", flat=True).get(pk=region_id))
        return found

    def calendar_and_zone(self, region_id: int) -> tuple[WorkCalendar, ZoneInfo]:
        """What a deadline in working days needs: the region's calendar and time zone."""
        return self.calendar(region_id), self.time_zone(region_id)


def _version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(VERSION_KEY, version, timeout=None):
            version = cache.get(VERSION_KEY) or version
    return version


def snapshot() -> Snapshot:
    """The reference data of the current version (the version checked at most once per
    request and once per REFERENCE_CHECK_SECONDS)."""
    global _current, _checked_at
    in_request = getattr(_local, "in_request", False)
    if in_request and getattr(_local, "snapshot", None) is not None:
        return _local.snapshot
    current = _current
    now = _clock()
    if current is None or now - _checked_at >= settings.REFERENCE_CHECK_SECONDS:
        version = _version()
        _checked_at = now
        if current is None or current.version != version:
            current = _current = Snapshot(version)
    if in_request:
        _local.snapshot = current
    return current


def forget() -> None:
    """Drop this process's snapshot: its next use reads the token and the data again (the
    tests, after emptying the cache and rolling back the database)."""
    global _current
    _current = None
    _local.snapshot = None


def _bump() -> None:
    global _current
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    _current = None
    _local.snapshot = None


def changed(**_signal) -> None:
    """Reference data changed: every process reloads it on its next use."""
    _bump()
    transaction.on_commit(_bump)


def request_started(**_signal) -> None:
    _local.in_request = True
    _local.snapshot = None


def request_finished(**_signal) -> None:
    _local.in_request = False
    _local.snapshot = None
