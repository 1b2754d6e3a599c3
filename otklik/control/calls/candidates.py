"""The appeals a call list may be drawn from, their weights, and how a list's size is split
across strata and sampled within each (the package's docstring tells the method)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q

from otklik.appeals.models import Answer, Appeal, Postponement, Rating
from otklik.appeals.workflow import Resolution, Status
from otklik.control.call_skips import Skip, Skips
from otklik.control.models import ControlCall
from otklik.directory.models import Municipality, Region

from .access import phone_key

QUARTER_DAYS = 91

# Sampling weights: an appeal's weight is the product of the factors that apply to it.
WEIGHTS = {
    "base": 1.0,
    # The applicant rated the answer 1–3 or said the problem is not solved.
    "low_rating": 3.0,
    # At least one approved postponement of the deadline.
    "postponed": 2.0,
    # An answer was returned to the executor for rework.
    "reworked": 2.0,
    # An answer was flagged by the formal-reply check.
    "formal_reply": 2.0,
}
LOW_SCORE = 3
State = ControlCall.State


@dataclass
class Candidate:
    pk: int
    applicant_id: int | None
    phone: str
    root_id: int | None
    municipality_id: int | None
    closed_at: datetime
    factors: tuple[str, ...]

    @property
    def weight(self) -> float:
        weight = WEIGHTS["base"]
        for factor in self.factors:
            weight *= WEIGHTS[factor]
        return weight


def _candidates(
    region: Region, municipality: Municipality | None, start: datetime, end: datetime, now
) -> tuple[list[Candidate], Skips]:
    """The appeals that may be called about, at most one per person, and which were left out
    for which reason."""
    appeals = Appeal.objects.filter(
        region=region,
        status=Status.CLOSED,
        closed_at__gte=start,
        closed_at__lt=end,
        duplicate_of__isnull=True,
    ).exclude(resolution=Resolution.DUPLICATE)
    if municipality is not None:
        appeals = appeals.filter(municipality=municipality)
    flags = {
        "low_rating": Exists(
            Rating.objects.filter(
                Q(score__lte=LOW_SCORE) | Q(is_solved=False), appeal_id=OuterRef("pk")
            )
        ),
        "postponed": Exists(
            Postponement.objects.filter(appeal_id=OuterRef("pk"), state=Postponement.State.APPROVED)
        ),
        "reworked": Exists(
            Answer.objects.filter(appeal_id=OuterRef("pk"), state=Answer.State.RETURNED)
        ),
        "formal_reply": Exists(
            Answer.objects.filter(appeal_id=OuterRef("pk"), is_formal_reply=True)
        ),
        "in_a_list": Exists(ControlCall.objects.filter(appeal_id=OuterRef("pk"))),
    }
    rows = appeals.annotate(**flags).values_list(
        "pk",
        "applicant_id",
        "applicant__phone",
        "applicant__is_active",
        "applicant__anonymized_at",
        "contact_phone",
        "category_id",
        "category__parent_id",
        "municipality_id",
        "closed_at",
        *flags,
    )
    recent = ControlCall.objects.filter(
        Q(call_list__created_at__gte=now - timedelta(days=QUARTER_DAYS)) | Q(state=State.PENDING)
    ).values_list("applicant_id", "phone")
    called_people = {applicant for applicant, _phone in recent if applicant}
    called_phones = {phone_key(phone) for _applicant, phone in recent if phone_key(phone)}
    excluded = Skips()
    found: list[Candidate] = []
    for (
        pk,
        applicant_id,
        user_phone,
        is_active,
        anonymized_at,
        contact_phone,
        category_id,
        parent_id,
        municipality_id,
        closed_at,
        *marks,
    ) in rows.order_by("pk"):
        named = dict(zip(flags, marks, strict=True))
        if named.pop("in_a_list"):
            excluded.add(Skip.ALREADY_IN_A_LIST, pk)
            continue
        if applicant_id is not None and anonymized_at is not None:
            excluded.add(Skip.ANONYMIZED, pk)
            continue
        if applicant_id is not None and not is_active:
            excluded.add(Skip.APPLICANT_INACTIVE, pk)
            continue
        phone = (user_phone or contact_phone or "").strip()
        if not phone_key(phone):
            excluded.add(Skip.NO_PHONE, pk)
            continue
        if applicant_id in called_people or phone_key(phone) in called_phones:
            excluded.add(Skip.CALLED_RECENTLY, pk)
            continue
        found.append(
            Candidate(
                pk=pk,
                applicant_id=applicant_id,
                phone=phone,
                root_id=parent_id or category_id,
                municipality_id=municipality_id,
                closed_at=closed_at,
                factors=tuple(name for name, on in named.items() if on),
            )
        )
    # One appeal per person: the one most worth checking, then the latest closed.
    found.sort(key=lambda c: (-c.weight, -c.closed_at.timestamp(), c.pk))
    people: set[int] = set()
    phones: set[str] = set()
    unique: list[Candidate] = []
    for candidate in found:
        key = phone_key(candidate.phone)
        if candidate.applicant_id in people or key in phones:
            excluded.add(Skip.SAME_PERSON, candidate.pk)
            continue
        if candidate.applicant_id:
            people.add(candidate.applicant_id)
        phones.add(key)
        unique.append(candidate)
    unique.sort(key=lambda c: c.pk)
    return unique, excluded


def allocate(
    counts: dict[tuple, int], size: int, guaranteed: list[tuple] | tuple = ()
) -> dict[tuple, int]:
    """Split `size` across strata in proportion to their `counts` (largest remainder), never
    more than a stratum has; each stratum in `guaranteed` gets one first while the size allows,
    in the order given."""
    total = sum(counts.values())
    size = min(size, total)
    alloc = dict.fromkeys(counts, 0)
    if size <= 0:
        return alloc
    budget = size
    for key in guaranteed:
        if budget and counts[key]:
            alloc[key] = 1
            budget -= 1
    order = sorted(counts, key=str)
    # One at a time to the stratum furthest below its exact share: the largest-remainder
    # apportionment, which also respects the guaranteed ones and the strata's sizes.
    while budget:
        open_strata = [k for k in order if alloc[k] < counts[k]]
        best = max(open_strata, key=lambda k: (size * counts[k] / total - alloc[k], counts[k]))
        alloc[best] += 1
        budget -= 1
    return alloc


def weighted_sample(candidates: list[Candidate], k: int, rng: random.Random) -> list[Candidate]:
    """`k` candidates without replacement, each chosen with odds in proportion to its weight
    (Efraimidis–Spirakis: the `k` largest u^(1/w))."""
    keyed = [(rng.random() ** (1.0 / c.weight), c.pk, c) for c in candidates]
    keyed.sort(key=lambda item: (-item[0], item[1]))
    return [c for _key, _pk, c in keyed[:k]]


def _stratum_label(key: tuple) -> str:
    root, municipality = key
    return f"{root}|{municipality}"
