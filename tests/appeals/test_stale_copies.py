"""Services compute their changes from the locked row, not from the caller's older copy."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from otklik.appeals import services
from otklik.appeals.models import Appeal, Postponement
from otklik.appeals.workflow import Status

MSK = ZoneInfo("Europe/Moscow")


def test_an_approved_postponement_survives_a_pause_requested_through_an_old_copy(
    appeal_in, executor, operator, citizen
):
    t0 = datetime(2025, 6, 2, 9, 0, tzinfo=MSK)
    held = appeal_in(Status.IN_PROGRESS, now=t0)  # a page opened before the postponement
    services.request_postponement(
        appeal=Appeal.objects.get(pk=held.pk),
        actor=executor,
        new_due_date=date(2025, 7, 25),
        reason="Асфальтовый завод на ремонте до середины июля.",
        now=t0 + timedelta(days=1),
    )
    services.decide_postponement(
        postponement=Postponement.objects.get(),
        actor=operator,
        approve=True,
        now=t0 + timedelta(days=2),
    )
    postponed = datetime(2025, 7, 25, 23, 59, 59, tzinfo=MSK)
    services.redirect_appeal(
        appeal=held, actor=executor, reason="Не наша.", now=t0 + timedelta(days=3)
    )
    services.request_clarification(
        appeal=held, actor=operator, question="Чья дорога?", now=t0 + timedelta(days=3, hours=1)
    )
    services.provide_clarification(
        appeal=held, actor=citizen, text="Городская.", now=t0 + timedelta(days=4, hours=1)
    )
    held.refresh_from_db()
    assert held.due_at == postponed + timedelta(days=1)


def test_an_old_copy_does_not_reset_the_first_answer_time(
    appeal_in, operator, executor, leadership
):
    t0 = datetime(2025, 6, 2, 9, 0, tzinfo=MSK)
    appeal = appeal_in(Status.ANSWERED, now=t0)
    first_answer = appeal.answered_at
    services.reopen_appeal(
        appeal=appeal, actor=leadership, reason="Яма снова.", now=t0 + timedelta(days=9)
    )
    old_copy = Appeal.objects.get(pk=appeal.pk)
    old_copy.answered_at = None  # as read by a request that started before the first answer
    answer = services.submit_answer(
        appeal=old_copy,
        actor=executor,
        text="Повторный ремонт выполнен, фото приложены.",
        now=t0 + timedelta(days=10),
    )
    answer.appeal.answered_at = None
    services.publish_answer(answer=answer, actor=operator, now=t0 + timedelta(days=11))
    appeal.refresh_from_db()
    assert appeal.answered_at == first_answer
