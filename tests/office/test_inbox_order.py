"""The inbox puts what needs action today first: returned for rework, due today, new and not
taken yet, overdue, then the rest by deadline; the executor can still sort by deadline."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from otklik.appeals import services
from otklik.appeals.models import Appeal
from otklik.appeals.priority import NEW_WINDOW
from otklik.appeals.workflow import Status

MSK = ZoneInfo("Europe/Moscow")
URL = "/office/inbox/"
FRIDAY = datetime(2026, 3, 6, 10, 0, tzinfo=MSK)
LONG_AGO = datetime(2024, 2, 2, 9, 0, tzinfo=MSK)  # like the old appeals of a region


def end_of(day: int) -> datetime:
    return datetime(2026, 3, day, 23, 59, 59, tzinfo=MSK)


@pytest.fixture
def make(appeal_in):
    """An appeal in work since `since`, its deadline at the end of a March day (or `due`)."""

    def make(day=None, *, since=LONG_AGO, due=None, status=Status.IN_PROGRESS):
        appeal = appeal_in(status, now=since, step=timedelta(minutes=5))
        due = due or (end_of(day) if day is not None else None)
        if due is not None:
            Appeal.objects.filter(pk=appeal.pk).update(due_at=due)
        return appeal

    return make


def numbers(response) -> list[str]:
    return [row["appeal"].number for row in response.context["rows"]]


def test_a_fresh_appeal_comes_first_and_not_on_the_last_page_under_old_overdue_ones(
    client, make, executor
):
    for i in range(55):
        make(due=LONG_AGO + timedelta(days=30 + i))
    fresh = make(20, since=FRIDAY - timedelta(hours=2))
    client.force_login(executor)
    with time_machine.travel(FRIDAY, tick=False):
        first_page = client.get(URL)
        by_deadline = client.get(URL + "?order=deadline&page=2")
    assert numbers(first_page)[0] == fresh.number
    assert "новое, ещё не взято" in first_page.content.decode()
    # Sorted by deadline alone it is the last of all, on the second page.
    assert numbers(by_deadline)[-1] == fresh.number


def test_returned_due_today_new_overdue_then_the_rest_by_deadline(client, make, executor, operator):
    later = make(20)
    on_review_overdue = make(2, status=Status.ANSWER_REVIEW)
    overdue_old, overdue_recent = make(2), make(5)
    due_today = make(6)
    fresh = make(25, since=FRIDAY - timedelta(days=1))
    returned = make(19)
    answer = services.submit_answer(
        appeal=returned, actor=executor, text="Рассмотрено, будет сделано позднее."
    )
    services.return_answer(answer=answer, actor=operator, reasons=["no_date"])
    client.force_login(executor)
    with time_machine.travel(FRIDAY, tick=False):
        response = client.get(URL)
    assert numbers(response) == [
        a.number
        for a in (
            returned,
            due_today,
            fresh,
            overdue_old,
            overdue_recent,
            on_review_overdue,
            later,
        )
    ]


def test_an_appeal_someone_took_or_that_waited_too_long_is_no_longer_new(client, make, executor):
    soon = make(10)
    taken = make(25, since=FRIDAY - timedelta(hours=3))
    services.delegate_appeal(appeal=taken, actor=executor, assignee=executor)
    waited = make(24, since=FRIDAY - NEW_WINDOW - timedelta(hours=1))
    fresh = make(30, since=FRIDAY - timedelta(hours=1))
    client.force_login(executor)
    with time_machine.travel(FRIDAY, tick=False):
        response = client.get(URL)
    assert numbers(response) == [fresh.number, soon.number, waited.number, taken.number]


def test_the_deadline_order_ignores_the_groups(client, make, executor):
    overdue = make(2)
    fresh = make(25, since=FRIDAY - timedelta(hours=1))
    today = make(6)
    client.force_login(executor)
    with time_machine.travel(FRIDAY, tick=False):
        response = client.get(URL + "?order=deadline")
    assert numbers(response) == [overdue.number, today.number, fresh.number]
    assert 'value="deadline" selected' in response.content.decode()
