"""Every KPI of KPI.md on small hand-built histories with known answers.

Each history is made through the services, then the outbox's refresh brings the rollups up to
date. `figures_of` reads the figures twice — from the rollups and straight from the source tables
— and insists they agree before the test checks the known answer.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from otklik.analytics import figures, kpi
from otklik.analytics.figures import Period, Scope, wilson
from otklik.appeals import services
from otklik.appeals.models import Answer, Channel
from otklik.appeals.tasks import process_outbox_batch
from otklik.appeals.workflow import Status
from otklik.control import instructions
from otklik.control.models import CallList, ControlCall, FollowUp
from otklik.control.services import answer_follow_up
from tests.factories import refresh_rollups

MSK = ZoneInfo("Europe/Moscow")
JUNE = Period(date(2025, 6, 1), date(2025, 7, 1), "month")
JULY = Period(date(2025, 7, 1), date(2025, 8, 1), "month")
AUGUST = Period(date(2025, 8, 1), date(2025, 9, 1), "month")
SUMMER = Period(date(2025, 6, 1), date(2025, 9, 1))
LATER = date(2025, 12, 1)  # every deadline of these histories is over
GOOD = (
    "Яма заделана 10.06.2025 горячим асфальтом бригадой подрядчика, площадь 2 кв. м, "
    "фото до и после работ приложены к ответу."
)


def at(day: int, month: int = 6, hour: int = 10, year: int = 2025) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=MSK)


def settle() -> None:
    """What the worker does after every commit: hand over the outbox (rollups included)."""
    while process_outbox_batch():
        pass


def figures_of(scope: Scope, period: Period, today: date = LATER) -> figures.KpiSet:
    settle()
    from_rollups = figures.kpis(scope, period, today)
    straight = kpi.kpis(scope, period, today)
    assert from_rollups == straight
    assert from_rollups.totals == straight.totals
    return from_rollups


@pytest.fixture
def whole(region):
    return Scope(region.pk)


def answer(appeal, executor, operator, when: datetime, *, publish=True, text=GOOD, photos=()):
    submitted = services.submit_answer(
        appeal=appeal, actor=executor, text=text, photos=photos, now=when
    )
    if publish:
        services.publish_answer(answer=submitted, actor=operator, now=when + timedelta(hours=1))
    return submitted


# ---------------------------------------------------------------------------- received


def test_received_repeat_and_proactive_shares_count_registrations_in_the_period(appeal_in, whole):
    appeal_in(Status.REGISTERED, now=at(2))
    appeal_in(Status.REGISTERED, now=at(3), channel=Channel.FIELD)
    appeal_in(Status.REGISTERED, now=at(30, hour=21))  # 30 June, 21:00 MSK: still June
    appeal_in(Status.REGISTERED, now=at(30, hour=23))  # registered 1 July 01:00 MSK
    appeal_in(Status.NEW, now=at(4))  # never registered
    appeal_in(Status.REJECTED, now=at(5))  # rejected: only a moderation figure
    k = figures_of(whole, JUNE)
    assert k.received == 3
    assert (k.proactive.numerator, k.proactive.denominator) == (1, 3)
    assert k.repeat.numerator == 0
    assert k.rejected == 1
    assert figures_of(whole, JULY).received == 1


def test_a_repeat_of_a_repeat_counts_once_in_each_period_it_was_registered(
    appeal_in, whole, citizen, operator
):
    first = appeal_in(Status.ANSWERED, now=at(2))
    outcome = services.rate_answer(
        appeal=first, actor=citizen, score=2, is_solved=False, now=at(20)
    )
    second = outcome.repeat
    services.register_appeal(appeal=second, actor=operator, now=at(21))
    services.assign_appeal(appeal=second, actor=operator, now=at(21, hour=11))
    second.refresh_from_db()
    assert second.repeat_of == first
    services.submit_answer(
        appeal=second, actor=second.executor.memberships.first().user, text=GOOD, now=at(2, 7)
    )
    services.publish_answer(answer=second.answers.get(), actor=operator, now=at(3, 7))
    third = services.rate_answer(
        appeal=second, actor=citizen, score=1, is_solved=False, now=at(5, 7)
    ).repeat
    services.register_appeal(appeal=third, actor=operator, now=at(6, 7))
    june, july = figures_of(whole, JUNE), figures_of(whole, JULY)
    assert (june.repeat.numerator, june.repeat.denominator) == (1, 2)
    assert (july.repeat.numerator, july.repeat.denominator) == (1, 1)
    summer = figures_of(whole, SUMMER)
    assert (summer.repeat.numerator, summer.repeat.denominator) == (2, 3)


# ---------------------------------------------------------------------------- deadlines


def test_overdue_share_over_appeals_due_in_the_period(appeal_in, whole, executor, operator):
    # Registered 2 June, due 2 July 23:59:59 (30 calendar days) unless noted.
    on_time = appeal_in(Status.IN_PROGRESS, now=at(2))
    late = appeal_in(Status.IN_PROGRESS, now=at(2))
    unanswered = appeal_in(Status.IN_PROGRESS, now=at(2))
    appeal_in(Status.IN_PROGRESS, now=at(20))  # due 20 July
    answer(on_time, executor, operator, at(2, 7, hour=20))
    answer(late, executor, operator, at(3, 7, hour=9))
    assert unanswered.due_at == datetime(2025, 7, 2, 23, 59, 59, tzinfo=MSK)
    k = figures_of(whole, JULY)
    # Seen later: late, unanswered and the one due on the 20th (unanswered too) are overdue.
    assert (k.overdue.numerator, k.overdue.denominator) == (3, 4)
    # Seen on 10 July: the appeal due on the 20th is not decided yet, the others are.
    k = figures_of(whole, JULY, today=date(2025, 7, 10))
    assert (k.overdue.numerator, k.overdue.denominator) == (2, 3)
    assert (k.on_time.numerator, k.on_time.denominator) == (1, 3)
    # Seen on the deadline's own day, an unanswered appeal is not late yet (the answers already
    # given are decided, whenever they came).
    k = figures_of(whole, JULY, today=date(2025, 7, 2))
    assert (k.overdue.numerator, k.overdue.denominator) == (1, 2)


def test_postponement_asked_before_the_deadline_and_decided_after_it_moves_the_deadline(
    appeal_in, whole, executor, operator
):
    appeal = appeal_in(Status.IN_PROGRESS, now=at(2))
    request = services.request_postponement(
        appeal=appeal,
        actor=executor,
        new_due_date=date(2025, 7, 25),
        reason="Нужен асфальтобетонный завод, он откроется позже.",
        now=at(1, 7),
    )
    assert figures_of(whole, JULY, today=date(2025, 7, 10)).overdue.numerator == 1
    services.decide_postponement(postponement=request, actor=operator, approve=True, now=at(4, 7))
    answer(appeal, executor, operator, at(20, 7))
    july = figures_of(whole, JULY)
    assert (july.overdue.numerator, july.overdue.denominator) == (0, 1)
    assert (july.postponed.numerator, july.postponed.denominator) == (1, 1)
    assert july.repeated_postponement.numerator == 0


def test_a_postponement_asked_after_the_deadline_is_refused_so_the_appeal_stays_overdue(
    appeal_in, whole, executor
):
    from django.core.exceptions import ValidationError

    appeal = appeal_in(Status.IN_PROGRESS, now=at(2))
    with pytest.raises(ValidationError):
        services.request_postponement(
            appeal=appeal,
            actor=executor,
            new_due_date=date(2025, 7, 25),
            reason="Нужен асфальтобетонный завод, он откроется позже.",
            now=at(3, 7),
        )
    k = figures_of(whole, JULY)
    assert (k.overdue.numerator, k.overdue.denominator) == (1, 1)
    assert k.postponed.numerator == 0


def test_repeated_postponement_share_and_the_deadline_moving_between_months(
    appeal_in, whole, executor, operator
):
    appeal = appeal_in(Status.IN_PROGRESS, now=at(2))
    appeal_in(Status.IN_PROGRESS, now=at(3))  # due 3 July, never postponed
    first = services.request_postponement(
        appeal=appeal,
        actor=executor,
        new_due_date=date(2025, 7, 25),
        reason="Нужен асфальтобетонный завод, он откроется позже.",
        now=at(20),
    )
    services.decide_postponement(postponement=first, actor=operator, approve=True, now=at(21))
    assert figures_of(whole, JULY).postponed.numerator == 1
    second = services.request_postponement(
        appeal=appeal,
        actor=executor,
        new_due_date=date(2025, 8, 20),
        reason=(
            "Подрядчик расторг контракт, новый аукцион завершится через три недели, затем ремонт."
        ),
        now=at(20, 7),
    )
    services.decide_postponement(postponement=second, actor=operator, approve=True, now=at(21, 7))
    july, august = figures_of(whole, JULY), figures_of(whole, AUGUST)
    # The appeal left July's deadlines for August's.
    assert (july.postponed.numerator, july.postponed.denominator) == (0, 1)
    assert (august.postponed.numerator, august.postponed.denominator) == (1, 1)
    assert (august.repeated_postponement.numerator, august.repeated_postponement.denominator) == (
        1,
        1,
    )


# ---------------------------------------------------------------------------- time to answer


def test_time_to_answer_in_calendar_and_working_days_across_the_new_year_holidays(
    appeal_in, whole, executor, operator
):
    # Registered Friday 27 Dec 2024; answered Wednesday 8 Jan 2025 — a public holiday. Working
    # days after the 27th up to the 8th: only Saturday 28 Dec (a moved working day; 30 and 31
    # Dec 2024 were days off).
    first = appeal_in(Status.IN_PROGRESS, now=datetime(2024, 12, 27, 8, 0, tzinfo=MSK))
    # Registered Monday 30 Dec 2024, answered Thursday 9 Jan 2025: 31 Dec and 1–8 Jan are days
    # off, so one working day (the 9th) against 10 calendar days.
    second = appeal_in(Status.IN_PROGRESS, now=datetime(2024, 12, 30, 8, 0, tzinfo=MSK))
    answer(first, executor, operator, datetime(2025, 1, 8, 11, 0, tzinfo=MSK))
    answer(second, executor, operator, datetime(2025, 1, 9, 11, 0, tzinfo=MSK))
    k = figures_of(whole, Period(date(2025, 1, 1), date(2025, 2, 1)))
    t = k.time_to_answer
    assert t.count == 2
    assert (t.mean_days, t.median_days) == (11.0, 11.0)  # 12 and 10 calendar days
    assert (t.mean_workdays, t.median_workdays) == (1.0, 1.0)  # 1 working day each
    # Answered on a holiday before the deadline: on time.
    assert k.overdue.numerator == 0


def test_median_of_an_odd_number_of_answers(appeal_in, whole, executor, operator):
    for registered, answered in ((2, 5), (2, 12), (3, 30)):
        appeal = appeal_in(Status.IN_PROGRESS, now=at(registered))
        answer(appeal, executor, operator, at(answered, hour=12))
    t = figures_of(whole, JUNE).time_to_answer
    assert (t.count, t.median_days, t.mean_days) == (3, 10.0, round((3 + 10 + 27) / 3, 1))


# ---------------------------------------------------------------------------- scopes


def test_an_appeal_redirected_between_municipalities_moves_to_the_new_executor(
    appeal_in, region, organization, other_organization, municipality, operator
):
    appeal = appeal_in(Status.IN_PROGRESS, now=at(2))
    lipetsk, elets = (
        Scope(region.pk, organization_id=organization.pk),
        Scope(region.pk, organization_id=other_organization.pk),
    )
    assert figures_of(lipetsk, JUNE).received == 1
    services.redirect_appeal(
        appeal=appeal,
        actor=operator,
        reason="Не наша территория, это Елец.",
        to_executor=other_organization,
        now=at(4),
    )
    assert figures_of(lipetsk, JUNE).received == 0
    assert figures_of(elets, JUNE).received == 1
    # The place stays in its municipality; the region counts the appeal once.
    assert figures_of(Scope(region.pk, municipality_id=municipality.pk), JUNE).received == 1
    assert figures_of(Scope(region.pk), JUNE).received == 1


def test_category_scope_takes_the_subtree(appeal_in, region, roads, category, fast_category):
    appeal_in(Status.REGISTERED, now=at(2))
    appeal_in(Status.REGISTERED, now=at(2), category=fast_category)
    subtree = figures.category_subtree([roads.pk])
    assert figures_of(Scope(region.pk, category_ids=subtree), JUNE).received == 2
    only = Scope(region.pk, category_ids=(fast_category.pk,))
    assert figures_of(only, JUNE).received == 1


# ---------------------------------------------------------------------------- after the answer


def test_durability_failures_nearby_same_category_within_ninety_days(
    appeal_in, whole, fast_category, municipality
):
    lat, _lon = municipality.center_lat, municipality.center_lon
    fixed = appeal_in(Status.CLOSED, now=at(2))  # closed 2 June
    elsewhere = appeal_in(Status.CLOSED, now=at(3), latitude=lat + 0.01)  # 1.1 km north
    assert figures_of(whole, JUNE).durability.numerator == 0
    appeal_in(Status.REGISTERED, now=at(20), latitude=lat + 0.0008)  # 89 m away: fails `fixed`
    appeal_in(Status.REGISTERED, now=at(20), latitude=lat + 0.0114)  # 155 m from `elsewhere`
    appeal_in(Status.REGISTERED, now=at(21), category=fast_category, latitude=lat + 0.01)
    k = figures_of(whole, JUNE)
    assert (k.durability.numerator, k.durability.denominator) == (1, 2)
    behind = kpi.appeals_behind("durability", whole, JUNE, LATER)
    assert list(behind) == [fixed]
    assert elsewhere not in behind


def test_durability_window_is_ninety_days(appeal_in, whole):
    appeal_in(Status.CLOSED, now=at(2))  # closed 2 June about 16:00
    appeal_in(Status.REGISTERED, now=at(2, 9, hour=12))  # 92 days later
    assert figures_of(whole, JUNE).durability.numerator == 0


def test_rework_and_formal_reply_shares_over_answers_submitted(
    appeal_in, whole, executor, operator
):
    appeal = appeal_in(Status.IN_PROGRESS, now=at(2))
    formal = services.submit_answer(
        appeal=appeal,
        actor=executor,
        text="Ваше обращение рассмотрено, информация принята к "
        "сведению. Работы будут выполнены в соответствии с планом.",
        now=at(5),
    )
    assert formal.is_formal_reply
    services.return_answer(
        answer=formal, actor=operator, reasons=[Answer.ReworkReason.values[0]], now=at(6)
    )
    answer(appeal, executor, operator, at(10))
    k = figures_of(whole, JUNE)
    assert (k.rework.numerator, k.rework.denominator) == (1, 2)
    assert k.formal_reply.denominator == 2
    assert k.formal_reply.numerator >= 1


def test_satisfaction_verified_resolution_and_the_gap(
    appeal_in, whole, citizen, other_citizen, operator
):
    rated = [appeal_in(Status.ANSWERED, now=at(2)) for _ in range(3)]
    for appeal, score in zip(rated, (5, 4, 2), strict=True):
        services.rate_answer(appeal=appeal, actor=citizen, score=score, is_solved=True, now=at(10))
    # A control call confirms one appeal; a follow-up questionnaire says another did not last.
    calls = CallList.objects.create(
        region=whole_region(whole), title="Неделя", size=1, closed_from=at(1), closed_to=at(30)
    )
    ControlCall.objects.create(
        call_list=calls,
        appeal=rated[0],
        state=ControlCall.State.DONE,
        is_solved=True,
        completed_at=at(20),
    )
    services.record_control_call(
        appeal=rated[0], actor=operator, data={"result": "reached"}, now=at(20)
    )
    follow_up = FollowUp.objects.create(appeal=rated[1], applicant=citizen, sent_at=at(15))
    answer_follow_up(follow_up=follow_up, fix_lasted=False, now=at(25))
    k = figures_of(whole, JUNE)
    assert (k.satisfaction.numerator, k.satisfaction.denominator) == (2, 3)
    assert (k.verified.numerator, k.verified.denominator) == (1, 2)
    july = figures_of(whole, JULY)
    assert july.on_time.percent == 100.0
    assert july.gap is None  # nothing verified in July
    summer = figures_of(whole, SUMMER)
    assert summer.gap == round(summer.on_time.percent - 50.0, 1)


def whole_region(scope: Scope):
    from otklik.directory.models import Region

    return Region.objects.get(pk=scope.region_id)


def test_instructions_on_time(leadership, organization, whole, executor):
    def issue(due: date, when: datetime):
        return instructions.issue_instruction(
            actor=leadership,
            organization=organization,
            text=f"Устранить до {due}.",
            due_date=due,
            now=when,
        )

    done = issue(date(2025, 6, 10), at(2))
    instructions.report_instruction(
        actor=executor, instruction=done, text="Сделано полностью.", now=at(9)
    )
    instructions.accept_instruction(actor=leadership, instruction=done, now=at(12))
    late = issue(date(2025, 6, 11), at(2, hour=11))
    instructions.report_instruction(
        actor=executor, instruction=late, text="Сделано полностью.", now=at(14)
    )
    issue(date(2025, 6, 12), at(2, hour=12))  # never reported: late once the day is over
    issue(date(2025, 6, 28), at(2, hour=13))  # still open, due later
    cancelled = issue(date(2025, 6, 13), at(2, hour=14))
    instructions.cancel_instruction(
        actor=leadership, instruction=cancelled, comment="Отменено.", now=at(3)
    )
    k = figures_of(whole, JUNE, today=date(2025, 6, 20))
    assert (k.instructions_on_time.numerator, k.instructions_on_time.denominator) == (1, 3)
    k = figures_of(whole, JUNE)
    assert (k.instructions_on_time.numerator, k.instructions_on_time.denominator) == (1, 4)


# ---------------------------------------------------------------------------- the arithmetic


def test_wilson_interval_known_values():
    assert wilson(0, 0) is None
    low, high = wilson(5, 10)
    assert (round(low, 4), round(high, 4)) == (0.2366, 0.7634)
    low, high = wilson(0, 10)
    assert (low, round(high, 4)) == (0.0, 0.2775)
    low, high = wilson(30, 30)
    assert (round(low, 4), high) == (0.8865, 1.0)


def test_periods():
    assert Period.week(date(2026, 11, 25)) == Period(date(2026, 11, 23), date(2026, 11, 30), "week")
    assert Period.quarter(date(2026, 11, 25)).start == date(2026, 10, 1)
    assert Period.month(date(2024, 2, 10)).last_day == date(2024, 2, 29)
    assert Period.year(date(2024, 2, 29)).previous_year() == Period(
        date(2023, 1, 1), date(2024, 1, 1), "year"
    )
    assert Period.month(date(2026, 3, 15)).previous() == Period.month(date(2026, 2, 1))
    with pytest.raises(ValueError):
        Period(date(2026, 1, 2), date(2026, 1, 1))


def test_figures_read_the_rollups_not_the_appeals(appeal_in, whole, django_assert_num_queries):
    appeal_in(Status.CLOSED, now=at(2))
    refresh_rollups()
    with django_assert_num_queries(2):
        figures.kpis(whole, JUNE, LATER)
