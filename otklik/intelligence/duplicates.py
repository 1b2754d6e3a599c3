"""Duplicates and «me too»: appeals that may be the same problem as a new one, ranked, each with
its reasons («в 40 м, та же категория, 2 дня назад, текст похож на 63 %»).

The search reads a latitude/longitude box around the point (the (latitude, longitude) index)
within a time window: open appeals and those closed recently. Only those rows are compared:
exact distance, same category or same group (parent category), days apart and text similarity
(Jaccard of lemma stems, `words.keys`). The score is the logistic of the weighted features; the
weights and the threshold are the defaults below or those calibrated on the region's merged
duplicates and repeat appeals (a TrainedModel of kind duplicates, see calibration.py).
"""

from __future__ import annotations

import math
from bisect import insort
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from otklik.lib.geo import bounding_box, distance_m

from . import words
from .logistic import LogisticWeights

RADIUS_M = 300
WINDOW_DAYS = 60  # created at most this long before the new appeal
RECENT_CLOSED_DAYS = 30  # finished appeals count when answered or closed this recently
MAX_ROWS = 500  # rows read from the box; a dense centre stays bounded
LOAD_BATCH = 20  # whole appeals fetched at a time, best bound first
TIME_SCALE_DAYS = 14
TEXT_PRIOR = 0.15  # the similarity assumed when one side has no text yet

FEATURES = ("closeness", "same_category", "same_group", "recency", "similarity", "no_text")
BIAS = -4.0
WEIGHTS = {
    "closeness": 2.0,
    "same_category": 2.0,
    "same_group": 1.0,
    "recency": 1.0,
    "similarity": 6.0,
    "no_text": 0.0,
}
THRESHOLD = 0.5


@dataclass(frozen=True)
class DuplicateWeights(LogisticWeights):
    bias: float = BIAS
    weights: dict = field(default_factory=lambda: dict(WEIGHTS))
    threshold: float = THRESHOLD

    def score(self, features: dict) -> float:
        return self.logistic(sum(self.weights[name] * features[name] for name in FEATURES))


DEFAULT = DuplicateWeights()


def features(
    *,
    distance: float | None,
    same_category: bool,
    same_group: bool,
    days: float,
    similarity: float | None,
    radius_m: float = RADIUS_M,
) -> dict:
    """The score's inputs, each in [0, 1]."""
    closeness = 0.0 if distance is None else max(0.0, 1 - distance / radius_m)
    return {
        "closeness": closeness,
        "same_category": 1.0 if same_category else 0.0,
        "same_group": 1.0 if same_group and not same_category else 0.0,
        "recency": math.exp(-abs(days) / TIME_SCALE_DAYS),
        "similarity": TEXT_PRIOR if similarity is None else similarity,
        "no_text": 1.0 if similarity is None else 0.0,
    }


@dataclass
class Candidate:
    """One appeal that may be the same problem, with the score and what it rests on."""

    appeal: object
    score: float
    distance: int | None
    same_category: bool
    same_group: bool
    days: float
    similarity: float | None
    threshold: float = THRESHOLD
    ago: bool = True  # days counted back from now (the portal), not between two appeals

    @property
    def is_likely(self) -> bool:
        return self.score >= self.threshold

    @property
    def reasons(self) -> list[str]:
        found = []
        if self.distance is not None:
            found.append(_("within %(distance)s m") % {"distance": self.distance})
        if self.same_category:
            found.append(_("same category"))
        elif self.same_group:
            found.append(_("same topic group"))
        days = round(abs(self.days))
        if days < 1:
            found.append(_("the same day"))
        elif self.ago:
            found.append(ngettext("%(days)s day ago", "%(days)s days ago", days) % {"days": days})
        else:
            found.append(
                ngettext("%(days)s day apart", "%(days)s days apart", days) % {"days": days}
            )
        if self.similarity is not None:
            found.append(
                _("text %(percent)s%% similar") % {"percent": round(self.similarity * 100)}
            )
        return found

    @property
    def reason_text(self) -> str:
        return ", ".join(self.reasons)


def weights_for(region_id) -> DuplicateWeights:
    """The region's active calibrated weights, or the defaults."""
    from .models import ModelKind, TrainedModel

    parameters = (
        TrainedModel.objects.filter(region_id=region_id, kind=ModelKind.DUPLICATES, is_active=True)
        .values_list("parameters", flat=True)
        .first()
    )
    return DuplicateWeights.from_parameters(parameters) if parameters else DEFAULT


def _group(category) -> int | None:
    if category is None:
        return None
    return category.parent_id or category.pk


def candidate_rows(
    region,
    lat: float,
    lon: float,
    *,
    at: datetime,
    radius_m: float = RADIUS_M,
    window_days: int = WINDOW_DAYS,
    queryset=None,
    exclude=None,
):
    """The appeals in the box around the point, created at most `window_days` before `at` (or
    after it), open or finished recently, not merged into another (a QuerySet)."""
    from otklik.appeals.models import Appeal
    from otklik.appeals.workflow import OPEN_STATUSES, Status

    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_m)
    region_id = getattr(region, "pk", region)
    recent = at - timedelta(days=RECENT_CLOSED_DAYS)
    rows = (
        (queryset if queryset is not None else Appeal.objects.all())
        .filter(
            region_id=region_id,
            latitude__range=(min_lat, max_lat),
            longitude__range=(min_lon, max_lon),
            created_at__gte=at - timedelta(days=window_days),
        )
        .exclude(status=Status.REJECTED)
        .filter(Q(status__in=OPEN_STATUSES) | Q(closed_at__gte=recent) | Q(answered_at__gte=recent))
        .filter(duplicate_of__isnull=True)
    )
    if exclude is not None:
        exclude = [exclude] if not isinstance(exclude, list | tuple | set) else exclude
        rows = rows.exclude(pk__in=[getattr(e, "pk", e) for e in exclude])
    return rows


def find_candidates(
    region,
    category,
    lat: float | None,
    lon: float | None,
    text: str = "",
    at: datetime | None = None,
    exclude=None,
    limit: int = 10,
    *,
    queryset=None,
    radius_m: float = RADIUS_M,
    window_days: int = WINDOW_DAYS,
    weights: DuplicateWeights | None = None,
    min_score: float = 0.0,
) -> list[Candidate]:
    """Appeals that may be the same problem as a new one at (lat, lon) of `category` with `text`,
    best first: `limit` of them, each with its score and reasons. `queryset` narrows what may be
    shown (the public's appeals, a moderator's scope); `exclude` is an appeal (or its id, or a
    list) to leave out — the new appeal itself. Without a point there is nothing to compare."""
    if lat is None or lon is None:
        return []
    now = timezone.now()
    ago = at is None or abs((now - at).total_seconds()) < 3600
    at = at or now
    weights = weights or weights_for(getattr(region, "pk", region))
    box = candidate_rows(
        region,
        lat,
        lon,
        at=at,
        radius_m=radius_m,
        window_days=window_days,
        queryset=queryset,
        exclude=exclude,
    )
    # The box's rows as a few plain values; whole appeals (texts) only for those compared.
    rows = box.values_list(
        "pk", "latitude", "longitude", "created_at", "category_id", "category__parent_id"
    )[:MAX_ROWS]
    new_keys = words.keys(text) if (text or "").strip() else None
    category_id, group = getattr(category, "pk", None), _group(category)
    # Score every row without its text first, with the best similarity it could have; compare
    # texts (the costly part) best bound first, and stop when no bound can enter the top.
    best_text = 1.0 if weights.weights.get("similarity", 0) >= 0 else 0.0
    bounded = []
    for pk, row_lat, row_lon, created_at, row_category, row_parent in rows:
        distance = distance_m(lat, lon, row_lat, row_lon)
        if distance > radius_m:
            continue
        same_category = category_id is not None and row_category == category_id
        row_group = row_parent or row_category
        same_group = group is not None and row_group == group
        days = (at - created_at).total_seconds() / 86400
        shape = {
            "distance": distance,
            "same_category": same_category,
            "same_group": same_group,
            "days": days,
            "radius_m": radius_m,
        }
        bound = weights.score(
            features(**shape, similarity=best_text if new_keys is not None else None)
        )
        bounded.append((bound, pk, shape))
    bounded.sort(key=lambda item: -item[0])
    found = []
    scores: list[float] = []  # the exact scores so far, best first
    loaded: dict = {}
    for position, (bound, pk, shape) in enumerate(bounded):
        if bound < min_score or (
            len(scores) >= limit and round(bound, 3) < round(scores[limit - 1], 3)
        ):
            break
        if pk not in loaded:
            batch = [item[1] for item in bounded[position : position + LOAD_BATCH]]
            loaded.update(box.select_related("category").in_bulk(batch))
        appeal = loaded[pk]
        similarity = None
        if new_keys is not None:
            similarity = words.jaccard(new_keys, words.keys(appeal.text))
        score = weights.score(features(**shape, similarity=similarity))
        if score < min_score:
            continue
        insort(scores, score, key=lambda value: -value)
        found.append(
            Candidate(
                appeal=appeal,
                score=round(score, 3),
                distance=round(shape["distance"]),
                same_category=shape["same_category"],
                same_group=shape["same_group"],
                days=shape["days"],
                similarity=None if similarity is None else round(similarity, 3),
                threshold=weights.threshold,
                ago=ago,
            )
        )
    found.sort(key=lambda c: (-c.score, c.distance, -c.appeal.created_at.timestamp(), -c.appeal.pk))
    return found[:limit]
