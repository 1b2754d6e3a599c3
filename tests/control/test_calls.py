"""Control calls: drawing call lists (strata, weights, exclusions, determinism, double submits),
the weekly list, attempts and retries, and a failed check's repeat appeal and instruction."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.test import override_settings
from django.utils import timezone

from otklik.accounts.models import Role
from otklik.analytics.models import Grain, KpiDay
from otklik.appeals.models import Answer, Appeal, AppealEvent, Channel, Postponement, Rating
from otklik.appeals.workflow import Action, IllegalTransition, Resolution, Status
from otklik.control import call_instructions, calls
from otklik.control.models import CallList, ControlCall, Instruction
from otklik.directory.production_calendar import work_calendar
from tests.factories import (
    CategoryFactory,
    MunicipalityFactory,
    RegionFactory,
    UserFactory,
    refresh_rollups,
    staff,
)

MOSCOW = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 3, 12, 12, 0, tzinfo=MOSCOW)  # a Thursday
_numbers = count(1)


@pytest.fixture
def close(region, municipality, category, organization):
    """`close(**overrides)`: a closed appeal written straight to the table (sampling reads only
    the table), by default closed two days before NOW by a new applicant with a phone."""

    def make(applicant="new", closed_at=None, **overrides):
        if applicant == "new":
            n = next(_numbers)
            applicant = UserFactory(phone=f"+7 900 {n:03d}-{n % 100:02d}-{n % 97:02d}")
        closed_at = closed_at or NOW - timedelta(days=2)
        options = {
            "number": f"48-2026-{900000 + next(_numbers):06d}",
            "region": region,
            "municipality": municipality,
            "category": category,
            "executor": organization,
            "applicant": applicant,
            "text": "Яма на дороге",
            "status": Status.CLOSED,
            "resolution": Resolution.SOLVED,
            "created_at": closed_at - timedelta(days=10),
            "registered_at": closed_at - timedelta(days=10),
            "answered_at": closed_at - timedelta(days=1),
            "closed_at": closed_at,
        }
        options.update(overrides)
        return Appeal.objects.create(**options)

    return make


def draw(region, size=10, **kwargs):
    kwargs.setdefault("now", NOW)
    kwargs.setdefault("seed", 7)
    return calls.draw_call_list(region=region, size=size, **kwargs)


def drawn(call_list) -> set[int]:
    return set(call_list.calls.values_list("appeal_id", flat=True))


# ---------------------------------------------------------------------------- sampling


def test_allocation_is_proportional_by_largest_remainder():
    counts = {"a": 40, "b": 30, "c": 20, "d": 10}
    assert calls.allocate(counts, 10) == {"a": 4, "b": 3, "c": 2, "d": 1}
    # 7 × (50, 30, 20) / 100 = 3.5, 2.1, 1.4: the floors 3, 2, 1 and the largest remainder .5.
    assert calls.allocate({"a": 50, "b": 30, "c": 20}, 7) == {"a": 4, "b": 2, "c": 1}
    # Never more than a stratum has, and never more than all of them together.
    assert calls.allocate({"a": 1, "b": 100}, 50) == {"a": 0, "b": 50}  # .495 < .505
    assert calls.allocate({"a": 2, "b": 3}, 500) == {"a": 2, "b": 3}


def test_every_top_category_stratum_gets_a_call_while_the_size_allows():
    counts = {"big": 90, "small": 5, "tiny": 5}
    assert calls.allocate(counts, 3, ["big", "small", "tiny"]) == {"big": 1, "small": 1, "tiny": 1}
    assert calls.allocate(counts, 2, ["big", "small", "tiny"]) == {"big": 1, "small": 1, "tiny": 0}
    assert calls.allocate(counts, 3) == {"big": 3, "small": 0, "tiny": 0}


def test_list_is_stratified_over_top_categories_and_municipalities(
    region, municipality, other_municipality, category, close
):
    housing = CategoryFactory(code="housing", name="ЖКХ")
    heating = CategoryFactory(code="heating", name="Отопление", parent=housing)
    layout = {
        (category, municipality): 40,
        (category, other_municipality): 20,
        (heating, municipality): 20,
        (heating, other_municipality): 20,
    }
    for (cat, place), n in layout.items():
        for _ in range(n):
            close(category=cat, municipality=place)
    call_list = draw(region, size=10)
    got = Counter(
        (c.appeal.category.parent_id, c.appeal.municipality_id)
        for c in call_list.calls.select_related("appeal__category")
    )
    roads = category.parent_id
    assert got == {
        (roads, municipality.pk): 4,
        (roads, other_municipality.pk): 2,
        (housing.pk, municipality.pk): 2,
        (housing.pk, other_municipality.pk): 2,
    }
    plan = call_list.plan
    assert plan["seed"] == 7
    assert plan["candidates"] == 100
    assert {s["drawn"] for s in plan["strata"]} == {4, 2}
    assert sum(s["candidates"] for s in plan["strata"]) == 100
    assert {t["id"] for t in plan["top_categories"]} == {roads, housing.pk}
    assert plan["weights"] == calls.WEIGHTS


def test_weighted_sample_favours_heavy_candidates_in_proportion():
    heavy = [calls.Candidate(i, i, "+7", 1, 1, NOW, ("low_rating",)) for i in range(10)]
    light = [calls.Candidate(i, i, "+7", 1, 1, NOW, ()) for i in range(10, 20)]
    rng = random.Random(1)
    picks = [calls.weighted_sample(heavy + light, 1, rng)[0].pk < 10 for _ in range(4000)]
    # Weight 3 against 1 with ten of each: 3/4 of single draws are heavy.
    assert 0.72 < sum(picks) / len(picks) < 0.78


def test_list_favours_low_ratings_postponements_and_reworked_answers(region, close, organization):
    low, flagged = [], []
    for i in range(100):
        appeal = close()
        if i < 15:
            Rating.objects.create(
                appeal=appeal, applicant=appeal.applicant, score=2, is_solved=True
            )
            low.append(appeal.pk)
        elif i < 20:
            Rating.objects.create(
                appeal=appeal, applicant=appeal.applicant, score=5, is_solved=False
            )
            low.append(appeal.pk)
        elif i < 25:
            Postponement.objects.create(
                appeal=appeal,
                previous_due_at=NOW,
                requested_due_at=NOW + timedelta(days=5),
                reason="Подрядчик",
                state=Postponement.State.APPROVED,
            )
            flagged.append(appeal.pk)
        elif i < 30:
            Answer.objects.create(
                appeal=appeal,
                organization=organization,
                text="Рассмотрено.",
                state=Answer.State.RETURNED,
                is_formal_reply=True,
            )
            flagged.append(appeal.pk)
        elif i < 40:
            Rating.objects.create(
                appeal=appeal, applicant=appeal.applicant, score=5, is_solved=True
            )
    call_list = draw(region, size=20, seed=2026)
    chosen = drawn(call_list)
    weights = dict(call_list.calls.values_list("appeal_id", "weight"))
    assert all(weights[pk] == 3 for pk in set(low) & chosen)
    assert all(weights[pk] == 4 for pk in set(flagged[5:]) & chosen)  # reworked × formal
    # 20 % of the candidates are rated low; drawn uniformly they would be 4 of 20, weighted
    # about 7 (the strata's seeds hold ids, so the draw differs between databases: the margin
    # is wide here, and the exact frequencies are tested on weighted_sample itself).
    assert len(set(low) & chosen) >= 5
    assert len(set(low + flagged) & chosen) >= 8


def test_excluded_are_people_called_this_quarter_without_phone_or_inactive(
    region, close, category, caller
):
    fits = close()
    phone_entry = close(applicant=None, channel=Channel.PHONE, contact_phone="+7 474 222-33-44")
    no_phone = close(applicant=UserFactory(phone=""))
    blocked = close(applicant=UserFactory(phone="+7 901 000-00-01", is_active=False))
    anonymized = close(applicant=UserFactory(phone="+7 901 000-00-02", anonymized_at=NOW))
    close(status=Status.REJECTED, answered_at=None, closed_at=None)
    close(resolution=Resolution.DUPLICATE)
    close(closed_at=NOW - timedelta(days=8))
    close(status=Status.ANSWERED, closed_at=None)
    called_recently, called_long_ago, waiting = close(), close(), close()
    earlier = CallList.objects.create(
        region=region, title="Старый", size=5, closed_from=NOW, closed_to=NOW,
        created_at=NOW - timedelta(days=80),
    )  # fmt: skip
    oldest = CallList.objects.create(
        region=region, title="Давний", size=5, closed_from=NOW, closed_to=NOW,
        created_at=NOW - timedelta(days=100),
    )  # fmt: skip
    for call_list, person, state in (
        (earlier, called_recently.applicant, ControlCall.State.UNREACHABLE),
        (oldest, called_long_ago.applicant, ControlCall.State.DONE),
        (oldest, waiting.applicant, ControlCall.State.PENDING),
    ):
        old = close(applicant=person, closed_at=NOW - timedelta(days=120))
        ControlCall.objects.create(
            call_list=call_list,
            appeal=old,
            applicant=person,
            phone=person.phone,
            state=state,
            is_solved=True if state == ControlCall.State.DONE else None,
            completed_at=NOW if state == ControlCall.State.DONE else None,
        )
    # The same number under another account is the same person.
    same_phone = close(applicant=UserFactory(phone=called_recently.applicant.phone))
    call_list = draw(region, size=50)
    assert drawn(call_list) == {fits.pk, phone_entry.pk, called_long_ago.pk}
    assert call_list.calls.get(appeal=phone_entry).phone == "+7 474 222-33-44"
    excluded = call_list.plan["excluded"]
    assert excluded["no_phone"] == 1
    assert excluded["applicant_inactive"] == 1
    assert excluded["anonymized"] == 1
    skipped = call_list.plan["skipped"]
    assert skipped["no_phone"] == [no_phone.number]
    assert skipped["applicant_inactive"] == [blocked.number]
    assert skipped["anonymized"] == [anonymized.number]
    assert excluded["called_recently"] == 3
    assert {no_phone.pk, blocked.pk, anonymized.pk, same_phone.pk}.isdisjoint(drawn(call_list))


def test_one_applicant_is_in_a_list_once_with_the_appeal_most_worth_checking(
    region, close, citizen
):
    plain = close(applicant=citizen)
    rated_low = close(applicant=citizen, closed_at=NOW - timedelta(days=5))
    Rating.objects.create(appeal=rated_low, applicant=citizen, score=1, is_solved=False)
    close(applicant=citizen, closed_at=NOW - timedelta(days=1))
    call_list = draw(region, size=10)
    assert drawn(call_list) == {rated_low.pk}
    assert call_list.plan["excluded"]["same_person"] == 2
    assert plain.pk not in drawn(call_list)


def test_a_municipality_list_takes_only_its_appeals(
    region, municipality, other_municipality, close, operator
):
    mine = [close() for _ in range(3)]
    for _ in range(3):
        close(municipality=other_municipality)
    call_list = draw(region, size=10, municipality=municipality, actor=operator)
    assert drawn(call_list) == {a.pk for a in mine}
    assert call_list.municipality == municipality


@pytest.mark.parametrize("size", [0, -1, 501, 10_000, "десять", None, 2.5j, True])
def test_size_is_checked_with_a_message_for_people(region, close, size):
    close()
    with pytest.raises(ValidationError) as error:
        draw(region, size=size)
    assert error.value.code == "size"
    assert "500" in error.value.messages[0]
    assert not CallList.objects.exists()


def test_bad_period_purpose_and_foreign_municipality_are_refused(region, close):
    close()
    for kwargs in ({"days": 0}, {"days": 400}, {"purpose": "party"}):
        with pytest.raises(ValidationError):
            draw(region, **kwargs)
    with pytest.raises(ValidationError):
        draw(region, municipality=MunicipalityFactory())
    assert not CallList.objects.exists()


def test_nothing_to_call_is_an_error_and_no_empty_list(region, close):
    close(closed_at=NOW - timedelta(days=30))
    with pytest.raises(ValidationError) as error:
        draw(region)
    assert error.value.code == "empty"
    assert not CallList.objects.exists()


def test_the_same_seed_draws_the_same_list_and_another_seed_another(region, close):
    for _ in range(60):
        close()

    def once(seed):
        call_list = draw(region, size=10, seed=seed)
        chosen = drawn(call_list)
        call_list.calls.all().delete()
        call_list.delete()
        return chosen

    first = once(11)
    assert len(first) == 10
    assert once(11) == first
    assert once(12) != first


def test_a_double_submit_returns_the_first_list(region, close, operator, leadership):
    for _ in range(30):
        close()
    first = draw(region, size=5, actor=operator, seed=None)
    again = draw(region, size=5, actor=operator, seed=None, now=NOW + timedelta(seconds=20))
    assert again.pk == first.pk
    assert CallList.objects.count() == 1
    assert first.calls.count() == 5
    # Another person, or the same one a few minutes later, draws a new list of other people.
    other = draw(region, size=5, actor=leadership, now=NOW + timedelta(seconds=30))
    later = draw(region, size=5, actor=operator, now=NOW + timedelta(minutes=5))
    assert len({first.pk, other.pk, later.pk}) == 3
    assert drawn(first).isdisjoint(drawn(other) | drawn(later))


def test_only_the_control_centre_and_leadership_of_the_region_draw(
    region, close, caller, executor, supervisor, municipal_operator, municipality
):
    close()
    for person in (caller, executor, supervisor, municipal_operator):
        with pytest.raises(PermissionDenied):
            draw(region, actor=person)
    assert not CallList.objects.exists()


# ---------------------------------------------------------------------------- weekly


def test_the_weekly_list_is_drawn_once_per_iso_week_and_region(region, close):
    for _ in range(12):
        close()
    with override_settings(CONTROL_CALLS_WEEKLY_SIZE=5):
        assert calls.draw_weekly(now=NOW) == 1
        assert calls.draw_weekly(now=NOW + timedelta(hours=3)) == 0
        # Sunday night is still the same ISO week.
        assert calls.draw_weekly(now=datetime(2026, 3, 15, 23, 0, tzinfo=MOSCOW)) == 0
    weekly = CallList.objects.get()
    assert weekly.plan["weekly"] == "2026-W11"
    assert weekly.created_by is None
    assert weekly.purpose == CallList.Purpose.CALL_CENTRE
    assert weekly.calls.count() == 5
    assert "11" in weekly.title
    for _ in range(3):
        close(closed_at=NOW + timedelta(days=5))
    assert calls.draw_weekly(now=NOW + timedelta(days=7)) == 1
    assert CallList.objects.count() == 2


def test_a_region_with_nothing_to_call_gets_no_weekly_list(region):
    assert calls.draw_weekly(now=NOW) == 0
    assert not CallList.objects.exists()


# ---------------------------------------------------------------------------- attempts


@pytest.fixture
def call_about(region, caller):
    """`call_about(appeal, purpose=…)`: a pending call about `appeal` in a fresh list."""

    def make(appeal, purpose=CallList.Purpose.CALL_CENTRE):
        call_list = CallList.objects.create(
            region=region, title="Обзвон", size=1, purpose=purpose,
            closed_from=NOW - timedelta(days=7), closed_to=NOW,
        )  # fmt: skip
        return ControlCall.objects.create(
            call_list=call_list,
            appeal=appeal,
            applicant=appeal.applicant,
            phone=appeal.applicant.phone if appeal.applicant else appeal.contact_phone,
        )

    return make


def control_events(appeal):
    return list(appeal.events.filter(action=Action.CONTROL_CALL).order_by("pk"))


def test_no_answer_and_busy_are_retried_then_the_call_is_unreachable(close, call_about, caller):
    appeal = close()
    call = call_about(appeal)
    calls.record_attempt(call=call, actor=caller, result="no_answer", now=NOW)
    assert (call.state, call.attempts, call.next_attempt_at) == (
        "pending",
        1,
        NOW + timedelta(hours=2),
    )
    assert call.caller == caller
    later = NOW + timedelta(hours=3)
    calls.record_attempt(call=call, actor=caller, result="busy", now=later)
    assert (call.state, call.attempts, call.next_attempt_at) == (
        "pending",
        2,
        later + timedelta(days=1),
    )
    last = NOW + timedelta(days=2)
    calls.record_attempt(call=call, actor=caller, result="no_answer", comment="Молчит", now=last)
    call.refresh_from_db()
    assert (call.state, call.attempts, call.next_attempt_at, call.completed_at) == (
        "unreachable",
        3,
        None,
        last,
    )
    events = control_events(appeal)
    assert [e.data["result"] for e in events] == ["no_answer", "busy", "no_answer"]
    assert [e.data["attempt"] for e in events] == [1, 2, 3]
    assert all(not e.is_public and e.actor == caller for e in events)
    assert all(e.from_status == e.to_status == Status.CLOSED for e in events)
    assert events[-1].comment == "Молчит"
    with pytest.raises(IllegalTransition):
        calls.record_attempt(call=call, actor=caller, result="no_answer", now=last)
    assert len(control_events(appeal)) == 3


@pytest.mark.parametrize("result", ["refused", "wrong_number"])
def test_refused_and_wrong_number_finish_the_call(close, call_about, caller, result):
    call = call_about(close())
    calls.record_attempt(call=call, actor=caller, result=result, now=NOW)
    call.refresh_from_db()
    assert call.state == result
    assert call.completed_at == NOW
    assert call.is_solved is None


def test_reached_needs_the_outcome_and_records_nothing_without_it(close, call_about, caller):
    appeal = close()
    call = call_about(appeal)
    for kwargs in (
        {},
        {"is_solved": True},
        {"is_solved": True, "speed_score": 5, "work_score": 5, "answer_score": 6},
        {"is_solved": True, "speed_score": 0, "work_score": 5, "answer_score": 5},
        {"is_solved": True, "speed_score": "5", "work_score": 5, "answer_score": 5},
    ):
        with pytest.raises(ValidationError):
            calls.record_attempt(call=call, actor=caller, result="reached", now=NOW, **kwargs)
    with pytest.raises(ValidationError):
        calls.record_attempt(call=call, actor=caller, result="hung up", now=NOW)
    call.refresh_from_db()
    assert (call.state, call.attempts) == ("pending", 0)
    assert control_events(appeal) == []


def test_a_reached_solved_call_counts_in_verified_resolution(region, close, call_about, caller):
    appeal = close()
    call = call_about(appeal)
    calls.record_attempt(
        call=call, actor=caller, result="reached", is_solved=True,
        speed_score=4, work_score=5, answer_score=3, comment="Всё сделали", now=NOW,
    )  # fmt: skip
    call.refresh_from_db()
    assert (call.state, call.is_solved, call.completed_at, call.repeat) == ("done", True, NOW, None)
    assert (call.speed_score, call.work_score, call.answer_score) == (4, 5, 3)
    (event,) = control_events(appeal)
    assert event.data | {} == {
        "call_id": call.pk,
        "call_list_id": call.call_list_id,
        "result": "reached",
        "attempt": 1,
        "state": "done",
        "is_solved": True,
        "speed_score": 4,
        "work_score": 5,
        "answer_score": 3,
    }
    assert not appeal.repeats.exists()
    refresh_rollups()
    totals = KpiDay.objects.filter(grain=Grain.REGION, region=region, day=NOW.date()).aggregate(
        v=Sum("verifications"), s=Sum("verified_solved")
    )
    assert totals == {"v": 1, "s": 1}


def test_a_resubmitted_form_records_the_attempt_once(close, call_about, caller):
    appeal = close()
    call = call_about(appeal)
    for _ in range(2):
        calls.record_attempt(
            call=ControlCall.objects.get(pk=call.pk),
            actor=caller,
            result="no_answer",
            expected_attempts=0,
            now=NOW,
        )
    call.refresh_from_db()
    assert call.attempts == 1
    assert len(control_events(appeal)) == 1


def test_who_may_record_a_call(close, call_about, operator, leadership, executor, supervisor):
    appeal = close()
    call = call_about(appeal)
    other_region_caller = staff(Role.CALLER, RegionFactory(code="36"), email="caller@vrn.ru")
    for person in (executor, supervisor, leadership, other_region_caller):
        with pytest.raises(PermissionDenied):
            calls.record_attempt(call=call, actor=person, result="no_answer", now=NOW)
    calls.record_attempt(call=call, actor=operator, result="no_answer", now=NOW)
    # Leadership phones on its own lists.
    own = call_about(close(), purpose=CallList.Purpose.LEADERSHIP)
    calls.record_attempt(call=own, actor=leadership, result="busy", now=NOW)
    assert own.attempts == 1


def test_a_caller_takes_a_free_call_only(close, call_about, caller, operator):
    call = call_about(close())
    calls.take_call(call=call, actor=caller)
    assert call.caller == caller
    with pytest.raises(ValidationError):
        calls.take_call(call=call, actor=operator)


# ---------------------------------------------------------------------------- failed check


def test_a_failed_check_opens_a_repeat_appeal_and_one_instruction(
    appeal_in, call_about, caller, operator, organization
):
    appeal = appeal_in(Status.CLOSED)
    call = call_about(appeal)
    start = timezone.now()
    calls.record_attempt(call=call, actor=caller, result="no_answer", now=start)
    calls.record_attempt(
        call=call, actor=caller, result="reached", is_solved=False, speed_score=2,
        work_score=1, answer_score=2, comment="Яму засыпали щебнем, её снова размыло.",
        now=start + timedelta(minutes=3),
    )  # fmt: skip
    call.refresh_from_db()
    repeat = call.repeat
    assert repeat is not None
    assert repeat.repeat_of == appeal
    assert repeat.channel == Channel.PHONE
    assert repeat.applicant == appeal.applicant
    assert repeat.status == Status.NEW
    assert "снова размыло" in repeat.text
    assert appeal.number in repeat.text
    assert repeat.created_by == caller
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED
    assert [e.data["result"] for e in control_events(appeal)] == ["no_answer", "reached"]

    # The control centre instructs the executor with one click (callers: see
    # tests/office/test_call_instruction.py).
    assert call_instructions.can_instruct(operator, call)
    moment = start + timedelta(minutes=5)
    instruction = call_instructions.instruct_from_call(call=call, actor=operator, now=moment)
    assert instruction.organization == organization
    assert set(instruction.appeals.all()) == {appeal, repeat}
    assert appeal.number in instruction.text and repeat.number in instruction.text
    due = work_calendar(appeal.region).add_working_days(moment.astimezone(MOSCOW).date(), 5)
    assert instruction.due_at.astimezone(MOSCOW).date() == due
    for about in (appeal, repeat):
        assert about.events.filter(
            action=Action.INSTRUCT, data__instruction_id=instruction.pk
        ).exists()
    call.refresh_from_db()
    assert call.instruction == instruction
    assert (
        call_instructions.instruct_from_call(call=call, actor=operator, now=moment) == instruction
    )
    assert Instruction.objects.count() == 1


def test_no_instruction_from_a_call_that_did_not_fail(close, call_about, caller, operator):
    call = call_about(close())
    with pytest.raises(ValidationError):
        call_instructions.instruct_from_call(call=call, actor=operator, now=NOW)
    calls.record_attempt(
        call=call, actor=caller, result="reached", is_solved=True,
        speed_score=5, work_score=5, answer_score=5, now=NOW,
    )  # fmt: skip
    with pytest.raises(ValidationError):
        call_instructions.instruct_from_call(call=call, actor=operator, now=NOW)
    assert not Instruction.objects.exists()


def test_the_history_entry_is_internal(close, call_about, caller):
    appeal = close()
    call = call_about(appeal)
    calls.record_attempt(call=call, actor=caller, result="wrong_number", now=NOW)
    event = AppealEvent.objects.get(appeal=appeal, action=Action.CONTROL_CALL)
    assert event.is_public is False
    assert event.data["state"] == "wrong_number"
    assert not AppealEvent.objects.public().filter(action=Action.CONTROL_CALL).exists()
