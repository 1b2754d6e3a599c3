"""Control calls (контрольные звонки, обзвон): drawing call lists, the caller's attempts and
outcomes, and what a failed check sets off (a repeat appeal, an instruction).

Sampling, in short (docs/verification.md has the long version):

* Candidates: appeals of the region (or one municipality) closed in the last `days` days, not
  rejected nor merged as duplicates, whose applicant can be phoned (`User.phone`, or the
  appeal's `contact_phone` for appeals entered by staff on a caller's behalf) and is active and not
  anonymized; not already in any call list, the person not waiting in a pending call and not
  called (any list, any state) in the last quarter (`QUARTER_DAYS`). A person is recognised by
  the account and by the digits of the phone number, and is put at most once into a list.
* Strata: the week's top root categories (`TOP_CATEGORIES`, by number of candidates; the rest
  pooled as «other categories») × municipalities. `size` is allocated across strata in
  proportion to their candidates by the largest-remainder method; every stratum of a top
  category gets at least one call while the size allows (largest strata first).
* Within a stratum: weighted sampling without replacement (Efraimidis–Spirakis keys
  u^(1/w) from a generator seeded with the list's seed and the stratum), the weight being the
  product of the `WEIGHTS` factors that apply to the appeal.

The seed, the weights, the strata and the exclusion counts are stored in `CallList.plan`, so a
list can be explained and redrawn.
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from otklik.accounts.models import Role
from otklik.appeals import services as appeal_services
from otklik.appeals.models import Answer, Appeal, Channel, Postponement, Rating
from otklik.appeals.repeats import Via
from otklik.appeals.workflow import IllegalTransition, Resolution, Status
from otklik.directory.models import Category, Municipality, Region

from .call_skips import Skip, Skips
from .models import CallList, ControlCall

# Who works with call lists: sees them, takes and records calls.
CALL_ROLES = frozenset({Role.CALLER, Role.OPERATOR, Role.ADMIN, Role.LEADERSHIP})
# Who phones applicants and so sees their names and numbers (leadership only on its own lists).
CALLER_ROLES = frozenset({Role.CALLER, Role.OPERATOR, Role.ADMIN})
# Who draws lists on demand.
DRAW_ROLES = frozenset({Role.OPERATOR, Role.ADMIN, Role.LEADERSHIP})

MIN_SIZE, MAX_SIZE = 1, 500
MIN_DAYS, MAX_DAYS = 1, 92
QUARTER_DAYS = 91
TOP_CATEGORIES = 5
# A second identical request of one person within this window is a double submit.
DUPLICATE_WINDOW = timedelta(minutes=1)
OTHER = "other"

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

# Retries after «no answer» or «busy»: after the first failed attempt, after the second; the
# third makes the call unreachable.
RETRY_DELAYS = (timedelta(hours=2), timedelta(days=1))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
INSTRUCTION_WORKING_DAYS = 5

State = ControlCall.State
Attempt = ControlCall.Attempt
FAILED_ATTEMPTS = frozenset({Attempt.NO_ANSWER, Attempt.BUSY})
FINAL_BY_ATTEMPT = {Attempt.REFUSED: State.REFUSED, Attempt.WRONG_NUMBER: State.WRONG_NUMBER}
DIGITS = re.compile(r"\D+")


def phone_key(phone: str) -> str:
    """The digits that identify a phone number: «+7 (900) 123-45-67» and «8 900 1234567» are
    the same person."""
    digits = DIGITS.sub("", phone or "")
    return digits[-10:]


# ---------------------------------------------------------------------------- who may what


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def _memberships(user, roles: frozenset[str]):
    return [m for m in user.memberships.all() if m.role in roles]


def call_lists_visible_to(user) -> QuerySet[CallList]:
    """Lists of the regions where `user` works with calls; a municipality's people see the
    lists of their municipality and the region's lists that have calls in it."""
    if not _active(user):
        return CallList.objects.none()
    if user.is_superuser:
        return CallList.objects.all()
    q = Q(pk__in=[])
    for m in _memberships(user, CALL_ROLES):
        if m.region_id:
            q |= Q(region_id=m.region_id)
        elif m.municipality_id:
            q |= Q(municipality_id=m.municipality_id) | Q(
                pk__in=ControlCall.objects.filter(appeal__municipality_id=m.municipality_id).values(
                    "call_list_id"
                )
            )
    return CallList.objects.filter(q)


def calls_visible_to(user) -> QuerySet[ControlCall]:
    if not _active(user):
        return ControlCall.objects.none()
    if user.is_superuser:
        return ControlCall.objects.all()
    q = Q(pk__in=[])
    for m in _memberships(user, CALL_ROLES):
        if m.region_id:
            q |= Q(call_list__region_id=m.region_id)
        elif m.municipality_id:
            q |= Q(appeal__municipality_id=m.municipality_id)
    return ControlCall.objects.filter(q)


def _roles_over(user, region_id: int, municipality_id: int | None) -> set[str]:
    """The roles `user` holds in a scope covering the region or the municipality."""
    if not _active(user):
        return set()
    if user.is_superuser:
        return set(Role)
    return {
        m.role
        for m in user.memberships.all()
        if m.region_id == region_id or (municipality_id and m.municipality_id == municipality_id)
    }


def can_record(user, call: ControlCall) -> bool:
    """Whether `user` may phone the applicant: take the call, see the name and number, record
    attempts. Leadership phones on its own lists; the call centre and operators on all."""
    roles = _roles_over(user, call.call_list.region_id, call.appeal.municipality_id)
    if roles & CALLER_ROLES:
        return True
    return Role.LEADERSHIP in roles and call.call_list.purpose == CallList.Purpose.LEADERSHIP


def can_draw(user, region: Region, municipality: Municipality | None = None) -> bool:
    """Operators, administrators and leadership of the region draw lists (of a municipality's
    people, only lists of that municipality)."""
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    for m in _memberships(user, DRAW_ROLES):
        if m.region_id == region.pk:
            return True
        if municipality is not None and m.municipality_id == municipality.pk:
            return True
    return False


def drawable_scope(user) -> tuple[list[Region], QuerySet[Municipality]]:
    """The regions `user` may draw whole-region lists for, and the municipalities they may
    draw lists of."""
    if not _active(user):
        return [], Municipality.objects.none()
    if user.is_superuser:
        regions = list(Region.objects.order_by("pk"))
        return regions, Municipality.objects.all()
    members = _memberships(user, DRAW_ROLES)
    region_ids = {m.region_id for m in members if m.region_id}
    municipality_ids = {m.municipality_id for m in members if m.municipality_id}
    regions = list(Region.objects.filter(pk__in=region_ids).order_by("pk"))
    return regions, Municipality.objects.filter(
        Q(region_id__in=region_ids) | Q(pk__in=municipality_ids)
    )


# ---------------------------------------------------------------------------- sampling


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


# ---------------------------------------------------------------------------- calling


def _lock(call: ControlCall) -> ControlCall:
    call.refresh_from_db(from_queryset=ControlCall.objects.select_for_update())
    return call


def _score(value, label: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ValidationError(
            _("Choose a score from 1 to 5: %(what)s.") % {"what": label}, code="score"
        )
    return value


def take_call(*, call: ControlCall, actor) -> ControlCall:
    """A caller takes a pending call into their worklist (free calls only)."""
    if not can_record(actor, call):
        raise PermissionDenied
    with transaction.atomic():
        _lock(call)
        if call.state != State.PENDING:
            raise IllegalTransition("take", call.state)
        if call.caller_id not in (None, actor.pk):
            raise ValidationError(
                _("%(caller)s has already taken this call.") % {"caller": call.caller},
                code="taken",
            )
        call.caller = actor
        call.save(update_fields=["caller"])
    return call


def record_attempt(
    *,
    call: ControlCall,
    actor,
    result: str,
    is_solved: bool | None = None,
    speed_score: int | None = None,
    work_score: int | None = None,
    answer_score: int | None = None,
    comment: str = "",
    now: datetime | None = None,
    expected_attempts: int | None = None,
) -> ControlCall:
    """Record one attempt to reach the applicant, and write it into the appeal's history.

    reached: the outcome is required (solved or not, three scores 1–5) and the call is done;
    «not solved» opens a repeat appeal linked to the first (channel phone). no answer / busy:
    the next attempt is planned (`RETRY_DELAYS`); after `MAX_ATTEMPTS` the call is unreachable.
    refused / wrong number: final. `expected_attempts` is the count the caller's form was shown
    with: a resubmitted form (the same count already recorded) changes nothing."""
    if result not in Attempt.values:
        raise ValidationError(_("Choose how the call went."), code="result")
    if not can_record(actor, call):
        raise PermissionDenied
    comment = (comment or "").strip()[: appeal_services.MAX_TEXT]
    if result == Attempt.REACHED:
        if is_solved is None:
            raise ValidationError(
                _("Say whether the applicant confirms the problem is solved."), code="is_solved"
            )
        speed_score = _score(speed_score, _("speed"))
        work_score = _score(work_score, _("quality of the work"))
        answer_score = _score(answer_score, _("quality of the answer and feedback"))
    now = now or timezone.now()
    with transaction.atomic():
        _lock(call)
        if expected_attempts is not None and call.attempts != expected_attempts:
            # The same form sent twice (or another caller was quicker): nothing more to do.
            return call
        if call.state != State.PENDING:
            raise IllegalTransition(result, call.state)
        appeal = call.appeal
        call.attempts += 1
        call.caller = call.caller or actor
        fields = ["attempts", "caller", "state", "next_attempt_at", "completed_at"]
        if result == Attempt.REACHED:
            call.state = State.DONE
            call.is_solved = bool(is_solved)
            call.speed_score, call.work_score = speed_score, work_score
            call.answer_score = answer_score
            call.comment = comment
            call.next_attempt_at, call.completed_at = None, now
            fields += ["is_solved", "speed_score", "work_score", "answer_score", "comment"]
        elif result in FAILED_ATTEMPTS:
            if call.attempts >= MAX_ATTEMPTS:
                call.state, call.next_attempt_at, call.completed_at = State.UNREACHABLE, None, now
            else:
                call.next_attempt_at = now + RETRY_DELAYS[call.attempts - 1]
        else:
            call.state = FINAL_BY_ATTEMPT[Attempt(result)]
            call.next_attempt_at, call.completed_at = None, now
        if comment and result != Attempt.REACHED:
            call.comment = comment
            fields.append("comment")
        data = {
            "call_id": call.pk,
            "call_list_id": call.call_list_id,
            "result": result,
            "attempt": call.attempts,
            "state": call.state,
        }
        if result == Attempt.REACHED:
            data.update(
                is_solved=call.is_solved,
                speed_score=speed_score,
                work_score=work_score,
                answer_score=answer_score,
            )
        if call.next_attempt_at:
            data["next_attempt_at"] = call.next_attempt_at.isoformat()
        appeal_services.record_control_call(
            appeal=appeal, actor=actor, data=data, comment=comment, now=now
        )
        if result == Attempt.REACHED and not call.is_solved:
            with translation.override(settings.LANGUAGE_CODE):
                text = _(
                    "Control call: the applicant says the problem of appeal %(number)s is not "
                    "solved."
                ) % {"number": appeal.number}
                if comment:
                    text = f"{text}\n\n{comment}"
            call.repeat = appeal_services.create_repeat_appeal(
                original=appeal,
                actor=actor,
                text=text,
                channel=Channel.PHONE,
                via=Via.CONTROL_CALL,
                now=now,
            )
            fields.append("repeat")
        call.save(update_fields=fields)
        _on_commit_process_outbox()
    return call


def _on_commit_process_outbox() -> None:
    """The outbox brings the KPI rollups up to date with the new history entry."""
    from otklik.appeals.tasks import process_outbox

    transaction.on_commit(lambda: process_outbox.enqueue())


def forget_phones(*, applicant) -> int:
    """152-ФЗ retention: blank the phone numbers kept on the person's control calls (the
    outcomes stay in the figures); returns how many calls had one."""
    return ControlCall.objects.filter(applicant=applicant).exclude(phone="").update(phone="")
