"""KPI figures on hand-built appeals with known answers."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Q

from otklik.analytics import kpi
from otklik.appeals.models import Appeal, Postponement, Rating
from otklik.appeals.workflow import Status

MSK = ZoneInfo("Europe/Moscow")
START = datetime(2026, 1, 1, tzinfo=MSK)
END = datetime(2026, 2, 1, tzinfo=MSK)
NOW = datetime(2026, 3, 1, tzinfo=MSK)
counter = iter(range(1, 10_000))


@pytest.fixture
def build(region, municipality, category):
    def make(registered, *, due=None, answered=None, status=Status.ANSWERED, **extra):
        return Appeal.objects.create(
            number=f"48-2026-{next(counter):06d}",
            region=region,
            municipality=extra.pop("municipality", municipality),
            category=category,
            text="Яма",
            status=status,
            created_at=registered,
            registered_at=registered,
            due_at=due or registered + timedelta(days=30),
            answered_at=answered,
            **extra,
        )

    return make


def day(n: int, hour: int = 12) -> datetime:
    return datetime(2026, 1, n, hour, tzinfo=MSK)


def test_overdue_counts_late_answers_and_unanswered_past_deadline(build):
    build(day(1), due=day(10), answered=day(9))  # on time
    build(day(1), due=day(10), answered=day(11))  # late answer
    build(day(1), due=day(12), status=Status.IN_PROGRESS)  # unanswered past the deadline
    build(day(1), due=datetime(2026, 3, 5, tzinfo=MSK), status=Status.IN_PROGRESS)  # other P
    k = kpi.kpis(start=START, end=END, now=NOW)
    assert k.overdue == kpi.Share(2, 3)
    assert k.on_time == kpi.Share(1, 3)
    assert k.received == 4


def test_appeal_due_later_in_the_period_counts_as_not_yet_overdue(build):
    # KPI.md, literally: of appeals with due_at in P, those answered late or unanswered past
    # due_at; one still before its deadline is in the denominator and not overdue.
    build(day(1), due=day(20), status=Status.IN_PROGRESS)
    build(day(1), due=day(10), status=Status.IN_PROGRESS)
    k = kpi.kpis(start=START, end=END, now=day(15))
    assert k.overdue == kpi.Share(1, 2)
    assert kpi.kpis(start=END, end=NOW, now=day(15)).overdue.value is None


def test_postponed_and_repeated_postponement_count_approved_only(build, operator):
    once, twice, refused, _plain = (build(day(1), due=day(20)) for _ in range(4))
    for appeal, states in (
        (once, ["approved"]),
        (twice, ["approved", "approved"]),
        (refused, ["refused"]),
    ):
        for i, state in enumerate(states):
            Postponement.objects.create(
                appeal=appeal,
                previous_due_at=day(10 + i),
                requested_due_at=day(11 + i),
                reason="Нужна техника",
                state=state,
            )
    k = kpi.kpis(start=START, end=END, now=NOW)
    assert k.postponed == kpi.Share(2, 4)
    assert k.repeated_postponement == kpi.Share(1, 4)


def test_repeat_share_is_over_appeals_registered_in_period(build):
    first = build(datetime(2025, 12, 1, tzinfo=MSK))
    build(day(5), repeat_of=first)
    build(day(6))
    build(day(7), status=Status.REJECTED, answered=None)  # never counted
    k = kpi.kpis(start=START, end=END, now=NOW)
    assert k.received == 2
    assert k.repeat == kpi.Share(1, 2)


def test_satisfaction_is_share_of_four_and_five_given_in_period(build, citizen):
    for score, when in (
        (5, day(10)),
        (4, day(11)),
        (2, day(12)),
        (5, datetime(2026, 2, 1, tzinfo=MSK)),
    ):
        appeal = build(day(1), answered=day(5))
        Rating.objects.create(
            appeal=appeal, applicant=citizen, score=score, is_solved=score > 3, created_at=when
        )
    k = kpi.kpis(start=START, end=END, now=NOW)
    assert k.satisfaction == kpi.Share(2, 3)
    assert k.satisfaction.percent == 66.7


def test_median_and_mean_time_to_answer_in_calendar_days(build):
    for days in (2, 4, 10):
        build(day(1, 0), answered=day(1, 0) + timedelta(days=days))
    k = kpi.kpis(start=START, end=END, now=NOW)
    assert k.time_to_answer == kpi.AnswerTime(3, 5.3, 4.0)
    build(day(1, 0), answered=day(1, 0) + timedelta(days=6))
    assert kpi.kpis(start=START, end=END, now=NOW).time_to_answer.median_days == 5.0


def test_period_is_half_open(build):
    build(START)
    build(END)
    build(START - timedelta(microseconds=1))
    assert kpi.kpis(start=START, end=END, now=NOW).received == 1


def test_empty_period_gives_none_without_division_by_zero(db):
    k = kpi.kpis(start=START, end=END, now=NOW)
    assert k.received == 0
    assert k.overdue.value is None
    assert k.on_time.percent is None
    assert k.time_to_answer == kpi.AnswerTime(0, None, None)
    assert k.satisfaction.value is None


def test_scope_limits_figures_and_summaries_group_by_municipality(
    build, other_municipality, citizen
):
    build(day(2), due=day(10), answered=day(11))
    rated = build(day(3), due=day(10), answered=day(9), municipality=other_municipality)
    Rating.objects.create(
        appeal=rated, applicant=citizen, score=5, is_solved=True, created_at=day(20)
    )
    k = kpi.kpis(scope=Q(municipality=other_municipality), start=START, end=END, now=NOW)
    assert (k.received, k.overdue, k.satisfaction) == (1, kpi.Share(0, 1), kpi.Share(1, 1))
    table = kpi.summaries_by("municipality", start=START, end=END, now=NOW)
    assert table[other_municipality.pk].on_time == kpi.Share(1, 1)
    assert table[other_municipality.pk].satisfaction == kpi.Share(1, 1)
    assert table[rated.municipality_id].received == 1
    assert len(table) == 2
    lipetsk = next(pk for pk in table if pk != other_municipality.pk)
    assert table[lipetsk].on_time == kpi.Share(0, 1)


def test_kpis_take_a_constant_number_of_queries(build, django_assert_max_num_queries):
    for n in range(1, 20):
        build(day(n), answered=day(n) + timedelta(days=3))
    with django_assert_max_num_queries(4):
        kpi.kpis(start=START, end=END, now=NOW)
