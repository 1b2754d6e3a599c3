"""Control calls of the demo region: the weekly call lists of the last eight weeks, with calls in
every state and believable outcomes — about three in four reached applicants confirm the problem
is solved, fewer where they had rated the answer low.

Written with bulk_create after the history (no services): each attempt is a CONTROL_CALL event
in its appeal's history, internal and already marked processed (nobody is written to about it).
A «not solved» call has no repeat appeal or instruction yet: the control centre raises them from
the call page, which is something to show in the demo.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Q

from otklik.accounts.models import Membership, Role
from otklik.appeals.models import Appeal, AppealEvent, Rating
from otklik.appeals.workflow import Action, Status
from otklik.control import calls
from otklik.control.models import CallList, ControlCall
from otklik.directory.models import Region

WEEKS = 8
LIST_SIZE = 24
SOLVED_SHARE = 0.75
SOLVED_SHARE_AFTER_LOW_RATING = 0.4
# How a finished call ended, for lists older than the current week.
ENDINGS = (
    (ControlCall.State.DONE, 0.74),
    (ControlCall.State.UNREACHABLE, 0.12),
    (ControlCall.State.REFUSED, 0.08),
    (ControlCall.State.WRONG_NUMBER, 0.06),
)
SOLVED_COMMENTS = (
    "",
    "",
    "Всё сделали, спасибо.",
    "Сделали, но позже обещанного.",
    "Работы выполнены, претензий нет.",
    "Решили после повторного звонка в управляющую компанию.",
)
NOT_SOLVED_COMMENTS = (
    "Ничего не изменилось, проблема осталась.",
    "Сделали только часть работ, остальное обещают весной.",
    "Приезжали, посмотрели и уехали.",
    "Через неделю всё вернулось как было.",
    "Ответ формальный, на месте ничего не сделано.",
)


def _caller(region: Region) -> int | None:
    """An operator of the region works as the caller (the demo has no call-centre login)."""
    return (
        Membership.objects.filter(region=region, role__in=[Role.OPERATOR, Role.LEADERSHIP])
        .order_by("role", "user_id")
        .values_list("user_id", flat=True)
        .first()
    )


def _candidates(region: Region, start: datetime, end: datetime, taken: set) -> list:
    low = Rating.objects.filter(
        Q(score__lte=calls.LOW_SCORE) | Q(is_solved=False), appeal=OuterRef("pk")
    )
    rows = (
        Appeal.objects.filter(
            region=region, status=Status.CLOSED, closed_at__gte=start, closed_at__lt=end
        )
        .filter(
            Q(
                applicant__isnull=False,
                applicant__is_active=True,
                applicant__anonymized_at__isnull=True,
            )
            & ~Q(applicant__phone="")
            | Q(applicant__isnull=True) & ~Q(contact_phone="")
        )
        .annotate(low=Exists(low))
        .order_by("pk")
        .values_list("pk", "applicant_id", "applicant__phone", "contact_phone", "closed_at", "low")
    )
    found = []
    for pk, applicant_id, phone, contact_phone, closed_at, is_low in rows:
        number = (phone or contact_phone or "").strip()
        person = applicant_id or calls.phone_key(number)
        if person in taken:
            continue
        factors = ("low_rating",) if is_low else ()
        found.append(
            (calls.Candidate(pk, applicant_id, number, None, None, closed_at, factors), person)
        )
    return found


def _attempt_times(rng: random.Random, drawn_at: datetime, attempts: int) -> list[datetime]:
    moment = drawn_at + timedelta(hours=rng.randint(1, 30), minutes=rng.randint(0, 59))
    times = [moment]
    for delay in calls.RETRY_DELAYS[: attempts - 1]:
        moment = moment + delay + timedelta(minutes=rng.randint(0, 90))
        times.append(moment)
    return times


def _plan_call(rng: random.Random, fresh: bool) -> tuple[str, int]:
    """The final state and the number of attempts of one call."""
    if fresh and rng.random() < 0.6:
        return ControlCall.State.PENDING, rng.choice((0, 0, 0, 1, 2))
    state = rng.choices([s for s, _ in ENDINGS], [w for _, w in ENDINGS])[0]
    if state == ControlCall.State.DONE:
        return state, rng.choices((1, 2, 3), (0.6, 0.3, 0.1))[0]
    if state == ControlCall.State.UNREACHABLE:
        return state, calls.MAX_ATTEMPTS
    return state, rng.choice((1, 1, 2))


def ensure_control_calls(rng: random.Random, region: Region, now: datetime) -> int:
    """The weekly call lists of the last WEEKS weeks (the newest one still being called);
    returns how many calls were written. Does nothing if the region already has call lists."""
    if CallList.objects.filter(region=region).exists():
        return 0
    caller = _caller(region)
    tz = ZoneInfo(region.time_zone)
    local_now = now.astimezone(tz)
    monday = datetime.combine(
        local_now.date() - timedelta(days=local_now.weekday()), time(9, 0), tzinfo=tz
    )
    taken: set = set()
    lists: list[tuple[CallList, list]] = []
    for weeks_back in range(WEEKS - 1, -1, -1):
        drawn_at = monday - timedelta(weeks=weeks_back)
        if drawn_at >= now:
            continue
        start = drawn_at - timedelta(days=7)
        candidates = _candidates(region, start, drawn_at, taken)
        if not candidates:
            continue
        by_pk = {c.pk: person for c, person in candidates}
        chosen = calls.weighted_sample([c for c, _ in candidates], LIST_SIZE, rng)
        chosen.sort(key=lambda c: c.pk)
        taken.update(by_pk[c.pk] for c in chosen)
        key = calls.week_key(drawn_at, region)
        call_list = CallList(
            region=region,
            purpose=CallList.Purpose.CALL_CENTRE,
            title=calls._title(CallList.Purpose.CALL_CENTRE, region, None, drawn_at, weekly=key),
            size=LIST_SIZE,
            closed_from=start,
            closed_to=drawn_at,
            created_at=drawn_at,
            plan={
                "demo": True,
                "weekly": key,
                "days": 7,
                "weights": calls.WEIGHTS,
                "candidates": len(candidates),
                "strata": [],
            },
        )
        lists.append((call_list, chosen))
    CallList.objects.bulk_create([call_list for call_list, _ in lists])
    made: list[ControlCall] = []
    attempts_of: list[tuple[ControlCall, list[datetime], list[str]]] = []
    for call_list, chosen in lists:
        fresh = call_list.created_at > now - timedelta(days=7)
        for candidate in chosen:
            state, attempts = _plan_call(rng, fresh)
            times = [t for t in _attempt_times(rng, call_list.created_at, attempts) if t < now]
            if len(times) < attempts:
                state = ControlCall.State.PENDING
            results = [rng.choice(("no_answer", "busy")) for _ in times]
            call = ControlCall(
                call_list=call_list,
                appeal_id=candidate.pk,
                applicant_id=candidate.applicant_id,
                phone=candidate.phone[:32],
                weight=candidate.weight,
                state=state,
                attempts=len(times),
                caller_id=caller if times else None,
            )
            if state == ControlCall.State.PENDING:
                if times:
                    call.next_attempt_at = times[-1] + calls.RETRY_DELAYS[len(times) - 1]
            else:
                call.completed_at = times[-1]
                if state == ControlCall.State.DONE:
                    results[-1] = "reached"
                    share = SOLVED_SHARE_AFTER_LOW_RATING if candidate.factors else SOLVED_SHARE
                    call.is_solved = rng.random() < share
                    good = (3, 4, 5, 5) if call.is_solved else (1, 2, 2, 3)
                    call.speed_score = rng.choice(good)
                    call.work_score = rng.choice(good)
                    call.answer_score = rng.choice(good)
                    call.comment = rng.choice(
                        SOLVED_COMMENTS if call.is_solved else NOT_SOLVED_COMMENTS
                    )
                elif state != ControlCall.State.UNREACHABLE:
                    results[-1] = state
            made.append(call)
            attempts_of.append((call, times, results))
    ControlCall.objects.bulk_create(made)
    events = []
    last_event: dict[int, datetime] = {}
    for call, times, results in attempts_of:
        for number, (moment, result) in enumerate(zip(times, results, strict=True), start=1):
            final = number == len(times) and call.state != ControlCall.State.PENDING
            data = {
                "call_id": call.pk,
                "call_list_id": call.call_list_id,
                "result": result,
                "attempt": number,
                "state": call.state if final else ControlCall.State.PENDING,
            }
            if result == "reached":
                data.update(
                    is_solved=call.is_solved,
                    speed_score=call.speed_score,
                    work_score=call.work_score,
                    answer_score=call.answer_score,
                )
            events.append(
                AppealEvent(
                    appeal_id=call.appeal_id,
                    action=Action.CONTROL_CALL,
                    actor_id=caller,
                    created_at=moment,
                    from_status=Status.CLOSED,
                    to_status=Status.CLOSED,
                    comment=call.comment if result == "reached" else "",
                    data=data,
                    is_public=False,
                    processed_at=moment,
                )
            )
            last_event[call.appeal_id] = max(moment, last_event.get(call.appeal_id, moment))
    AppealEvent.objects.bulk_create(events)
    for appeal_id, moment in last_event.items():
        Appeal.objects.filter(pk=appeal_id, updated_at__lt=moment).update(updated_at=moment)
    return len(made)
