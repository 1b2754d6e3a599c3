"""Drawing call lists: on demand (`draw_call_list`) and the call centre's weekly list of each
region (`draw_weekly`, the periodic pass)."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from otklik.control.models import CallList, ControlCall
from otklik.directory.models import Category, Municipality, Region

from .access import can_draw
from .candidates import (
    LOW_SCORE,
    QUARTER_DAYS,
    WEIGHTS,
    Candidate,
    _candidates,
    _stratum_label,
    allocate,
    weighted_sample,
)

MIN_SIZE, MAX_SIZE = 1, 500
MIN_DAYS, MAX_DAYS = 1, 92
TOP_CATEGORIES = 5
# A second identical request of one person within this window is a double submit.
DUPLICATE_WINDOW = timedelta(minutes=1)
OTHER = "other"


def _validate_size(size) -> int:
    try:
        value = int(size)
    except (TypeError, ValueError):
        value = 0
    if isinstance(size, bool) or not MIN_SIZE <= value <= MAX_SIZE:
        raise ValidationError(
            _("The size of the list must be a whole number from %(min)s to %(max)s.")
            % {"min": MIN_SIZE, "max": MAX_SIZE},
            code="size",
        )
    return value


def _title(purpose: str, region: Region, municipality, now: datetime, weekly: str = "") -> str:
    tz = ZoneInfo(region.time_zone)
    with translation.override(settings.LANGUAGE_CODE):
        if weekly:
            year, week, _day = now.astimezone(tz).isocalendar()
            title = _("Weekly call list, week %(week)s of %(year)s") % {"week": week, "year": year}
        elif purpose == CallList.Purpose.LEADERSHIP:
            title = _("Leadership's own calls of %(date)s") % {
                "date": now.astimezone(tz).strftime("%d.%m.%Y")
            }
        else:
            title = _("Call list of %(date)s") % {"date": now.astimezone(tz).strftime("%d.%m.%Y")}
        if municipality is not None:
            title = f"{title} — {municipality.name}"
    return title[:200]


def draw_call_list(
    *,
    region: Region,
    size: int,
    actor=None,
    purpose: str = CallList.Purpose.CALL_CENTRE,
    municipality: Municipality | None = None,
    days: int = 7,
    now: datetime | None = None,
    seed: int | None = None,
    weekly: str = "",
) -> CallList:
    """Draw a call list of up to `size` appeals closed in the last `days` days (see the module's
    docstring for the sampling). The same person asking again with the same parameters within a
    minute gets the list the first request drew. Raises ValidationError when the parameters are
    wrong or no appeal fits."""
    size = _validate_size(size)
    if purpose not in CallList.Purpose.values:
        raise ValidationError(_("Choose the purpose of the list."), code="purpose")
    if isinstance(days, bool) or not isinstance(days, int) or not MIN_DAYS <= days <= MAX_DAYS:
        raise ValidationError(
            _("The period must be from %(min)s to %(max)s days.")
            % {"min": MIN_DAYS, "max": MAX_DAYS},
            code="days",
        )
    if municipality is not None and municipality.region_id != region.pk:
        raise ValidationError(_("Choose a municipality of the region."), code="municipality")
    if actor is not None and not can_draw(actor, region, municipality):
        raise PermissionDenied
    now = now or timezone.now()
    if seed is None:
        seed = random.SystemRandom().randrange(2**31)
    start = now - timedelta(days=days)
    with transaction.atomic():
        # Serialises the draws of a region: a double submit finds the first list, and two
        # lists drawn at once do not take the same person.
        Region.objects.select_for_update().filter(pk=region.pk).first()
        if actor is not None:
            existing = CallList.objects.filter(
                created_by=actor,
                region=region,
                municipality=municipality,
                purpose=purpose,
                size=size,
                plan__days=days,
                created_at__gte=now - DUPLICATE_WINDOW,
            ).first()
            if existing is not None:
                return existing
        candidates, excluded = _candidates(region, municipality, start, now, now)
        if not candidates:
            raise ValidationError(
                _(
                    "No appeal fits: none was closed in the last %(days)s days with an applicant "
                    "who can be phoned and was not called this quarter."
                )
                % {"days": days}
                + (" " + excluded.summary() if excluded.counts else ""),
                code="empty",
            )
        by_root = Counter(c.root_id for c in candidates)
        top = [
            root
            for root, _n in sorted(by_root.items(), key=lambda item: (-item[1], item[0] or 0))
            if root is not None
        ][:TOP_CATEGORIES]
        strata: dict[tuple, list[Candidate]] = defaultdict(list)
        for c in candidates:
            strata[(c.root_id if c.root_id in top else OTHER, c.municipality_id)].append(c)
        counts = {key: len(members) for key, members in strata.items()}
        guaranteed = sorted(
            (key for key in strata if key[0] != OTHER),
            key=lambda key: (-counts[key], top.index(key[0]), key[1] or 0),
        )
        alloc = allocate(counts, size, guaranteed)
        chosen: list[Candidate] = []
        for key in sorted(strata, key=_stratum_label):
            rng = random.Random(f"{seed}:{_stratum_label(key)}")  # noqa: S311 (sampling, not security)
            chosen.extend(weighted_sample(strata[key], alloc[key], rng))
        names = dict(Category.objects.filter(pk__in=top).values_list("pk", "name"))
        municipality_names = dict(
            Municipality.objects.filter(pk__in={key[1] for key in strata if key[1]}).values_list(
                "pk", "name"
            )
        )
        plan = {
            "seed": seed,
            "days": days,
            "weekly": weekly,
            "weights": WEIGHTS,
            "low_score": LOW_SCORE,
            "quarter_days": QUARTER_DAYS,
            "candidates": len(candidates),
            **excluded.as_plan(),
            "top_categories": [{"id": root, "name": names.get(root, "")} for root in top],
            "strata": [
                {
                    "category_id": None if key[0] == OTHER else key[0],
                    "category": names.get(key[0], "") if key[0] != OTHER else OTHER,
                    "municipality_id": key[1],
                    "municipality": municipality_names.get(key[1], ""),
                    "candidates": counts[key],
                    "drawn": alloc[key],
                }
                for key in sorted(strata, key=lambda key: (-counts[key], _stratum_label(key)))
            ],
        }
        call_list = CallList.objects.create(
            region=region,
            municipality=municipality,
            purpose=purpose,
            title=_title(purpose, region, municipality, now, weekly),
            size=size,
            closed_from=start,
            closed_to=now,
            created_by=actor,
            created_at=now,
            plan=plan,
        )
        ControlCall.objects.bulk_create(
            ControlCall(
                call_list=call_list,
                appeal_id=c.pk,
                applicant_id=c.applicant_id,
                phone=c.phone[:32],
                weight=c.weight,
            )
            for c in sorted(chosen, key=lambda c: c.pk)
        )
    return call_list


def week_key(now: datetime, region: Region) -> str:
    year, week, _day = now.astimezone(ZoneInfo(region.time_zone)).isocalendar()
    return f"{year}-W{week:02d}"


def draw_weekly(now: datetime | None = None) -> int:
    """Draw the call centre's list of the ISO week for every region that has none yet (a region
    with nothing to call gets no list and is tried again on the next pass); returns how many
    were drawn. Safe to run any number of times, on several machines."""
    now = now or timezone.now()
    size = min(getattr(settings, "CONTROL_CALLS_WEEKLY_SIZE", 200), MAX_SIZE)
    drawn = 0
    for region in Region.objects.order_by("pk"):
        key = week_key(now, region)
        if CallList.objects.filter(region=region, plan__weekly=key).exists():
            continue
        with transaction.atomic():
            Region.objects.select_for_update().filter(pk=region.pk).first()
            if CallList.objects.filter(region=region, plan__weekly=key).exists():
                continue
            try:
                draw_call_list(region=region, size=size, now=now, weekly=key)
            except ValidationError:
                continue
        drawn += 1
    return drawn
