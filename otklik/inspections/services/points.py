"""The day's inspection points of a municipality: candidates from every source (sources.py),
clustered within ~100 m into one point with the reasons merged, scored by the sum of their
weights, the best INSPECTION_POINTS_PER_MUNICIPALITY kept.

Proposing is idempotent per (municipality, day): a point keeps its row (its key is what it was
built around), proposed points are brought up to date, points a plan or a team already acted
on are left as they are, and proposed points no longer among the best are removed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from otklik.directory.models import Municipality, Region
from otklik.lib.geo import distance_m

from ..models import InspectionPoint, PointProposal
from . import reasons, sources
from .clusters import cluster
from .sources import Candidate

log = logging.getLogger(__name__)

POINTS_PER_MUNICIPALITY = 40
CLUSTER_METRES = 100
SERVICE_MINUTES = 15


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def candidates(*, municipality: Municipality, day: date, now: datetime) -> list[Candidate]:
    """Every source's candidates, one per (reason code, place key)."""
    found = [
        *sources.repeats_and_failures(municipality, now),
        *sources.durability_failures(municipality, day, now),
        *sources.seasonal(municipality, day, now),
        *sources.incidents(municipality),
        *sources.instructions(municipality, now),
        *sources.forecast(municipality, day, now),
    ]
    unique: dict[tuple[str, str, str], Candidate] = {}
    for c in found:
        unique.setdefault((c.code, c.key, c.text), c)
    return list(unique.values())


def merge_reasons(group: Iterable[Candidate]) -> list[dict]:
    """One reason per code (and incident or instruction): weights added, appeals joined, the
    text of the heaviest with how many more of its kind are nearby."""
    by_code: dict[tuple, list[Candidate]] = {}
    for c in group:
        by_code.setdefault((c.code, c.incident_id, c.instruction_id), []).append(c)
    merged = []
    for (code, incident_id, instruction_id), items in by_code.items():
        items.sort(key=lambda c: -c.weight)
        text = items[0].text
        if len(items) > 1:
            text = reasons.more_nearby(text, len(items) - 1)
        appeal_ids = sorted({pk for c in items for pk in c.appeal_ids})
        merged.append(
            {
                "code": code,
                "text": text,
                "weight": round(sum(c.weight for c in items), 3),
                "appeal_ids": appeal_ids,
                "incident_id": incident_id,
                "instruction_id": instruction_id,
            }
        )
    merged.sort(key=lambda r: (-r["weight"], r["code"]))
    return merged


def _values(group: list[Candidate]) -> dict:
    leader, merged = group[0], merge_reasons(group)
    sources_ = {
        "appeals": sorted({pk for c in group for pk in c.appeal_ids}),
        "incidents": sorted({c.incident_id for c in group if c.incident_id}),
        "instructions": sorted({c.instruction_id for c in group if c.instruction_id}),
    }
    return {
        "latitude": leader.lat,
        "longitude": leader.lon,
        "address": leader.address[:500],
        "score": round(sum(r["weight"] for r in merged), 3),
        "reasons": merged,
        "sources": sources_,
        "category_ids": sorted({c.category_id for c in group if c.category_id}),
    }


def propose_points(
    *, municipality: Municipality, day: date, now: datetime | None = None
) -> list[InspectionPoint]:
    """Propose (or bring up to date) the inspection points of `municipality` on `day`;
    returns the day's points, best first. Reasons are written in the site's language."""
    now = now or timezone.now()
    radius = _setting("INSPECTION_CLUSTER_METRES", CLUSTER_METRES)
    limit = _setting("INSPECTION_POINTS_PER_MUNICIPALITY", POINTS_PER_MUNICIPALITY)
    with translation.override(settings.LANGUAGE_CODE):
        found = candidates(municipality=municipality, day=day, now=now)
        groups = cluster(
            found, point=lambda c: (c.lat, c.lon), weight=lambda c: c.weight, radius_m=radius
        )
        scored = sorted(
            ((_values(g), g[0].key) for g in groups), key=lambda v: (-v[0]["score"], v[1])
        )
    with transaction.atomic():
        existing = {
            p.key: p
            for p in InspectionPoint.objects.select_for_update().filter(
                municipality=municipality, day=day
            )
        }
        settled = [p for p in existing.values() if p.status != InspectionPoint.Status.PROPOSED]
        kept: set[str] = set()
        for values, key in scored:
            if len(kept) >= limit:
                break
            near_settled = any(
                distance_m(values["latitude"], values["longitude"], p.latitude, p.longitude)
                <= radius
                for p in settled
            )
            if near_settled or key in kept:
                continue  # a plan or a team already has this place
            kept.add(key)
            point = existing.get(key)
            if point is None:
                InspectionPoint.objects.create(
                    municipality=municipality,
                    day=day,
                    key=key,
                    service_minutes=_setting("INSPECTION_SERVICE_MINUTES", SERVICE_MINUTES),
                    created_at=now,
                    **values,
                )
            elif point.status == InspectionPoint.Status.PROPOSED:
                for name, value in values.items():
                    setattr(point, name, value)
                point.save(update_fields=list(values))
        stale = [
            p.pk
            for key, p in existing.items()
            if key not in kept and p.status == InspectionPoint.Status.PROPOSED
        ]
        InspectionPoint.objects.filter(pk__in=stale, stops__isnull=True).delete()
        result = list(
            InspectionPoint.objects.filter(municipality=municipality, day=day).order_by(
                "-score", "pk"
            )
        )
        PointProposal.objects.update_or_create(
            municipality=municipality,
            day=day,
            defaults={"made_at": now, "candidates": len(found), "points": len(result)},
        )
    return result


def propose_all(day: date, *, now: datetime | None = None) -> int:
    """Propose the points of every municipality on `day`; returns how many points there are."""
    return sum(
        len(propose_points(municipality=m, day=day, now=now))
        for m in Municipality.objects.select_related("region").order_by("pk")
    )


def propose_due(now: datetime | None = None) -> int:
    """The periodic job: propose today's points (in each region's own time) for every
    municipality not proposed yet today; returns how many municipalities were done. One
    municipality's failure is logged and retried on the next pass."""
    now = now or timezone.now()
    done = 0
    for region in Region.objects.order_by("pk"):
        today = now.astimezone(ZoneInfo(region.time_zone)).date()
        proposed = PointProposal.objects.filter(day=today).values("municipality_id")
        for m in (
            Municipality.objects.filter(region=region)
            .exclude(pk__in=proposed)
            .select_related("region")
            .order_by("pk")
        ):
            try:
                propose_points(municipality=m, day=today, now=now)
                done += 1
            except Exception:
                log.exception("inspection points of %s on %s failed", m.pk, today)
    return done
