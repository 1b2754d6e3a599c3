"""reject_appeal: rejection at moderation with a managed reason."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from otklik.appeals import services
from otklik.appeals.workflow import IllegalTransition, Resolution, Status
from otklik.directory.models import RejectionReason


@pytest.fixture
def spam(db):
    return RejectionReason.objects.get(code="spam")


def test_operator_rejects_with_a_reason_the_applicant_sees(appeal_in, operator, spam):
    appeal = appeal_in(Status.NEW)
    services.reject_appeal(appeal=appeal, actor=operator, reason=spam, comment="Реклама")
    appeal.refresh_from_db()
    assert appeal.status == Status.REJECTED
    assert appeal.resolution == Resolution.WITHOUT_CONSIDERATION
    assert appeal.rejection_reason == spam
    event = appeal.events.last()
    assert (event.action, event.actor, event.from_status, event.comment, event.is_public) == (
        "reject",
        operator,
        Status.NEW,
        "Реклама",
        True,
    )
    assert event.data == {"reason": "spam", "reason_text": spam.public_text}


def test_an_appeal_awaiting_clarification_can_be_rejected(appeal_in, operator, spam):
    appeal = appeal_in(Status.CLARIFICATION)
    services.reject_appeal(appeal=appeal, actor=operator, reason=spam)
    assert appeal.status == Status.REJECTED
    assert appeal.clarification_due_at is None


def test_a_reason_is_required(appeal_in, operator):
    appeal = appeal_in(Status.NEW)
    with pytest.raises(ValidationError) as raised:
        services.reject_appeal(appeal=appeal, actor=operator, reason=None)
    assert raised.value.messages == ["Выберите причину отклонения."]


def test_a_registered_appeal_is_not_rejected(appeal_in, operator, spam):
    appeal = appeal_in(Status.REGISTERED)
    with pytest.raises(IllegalTransition):
        services.reject_appeal(appeal=appeal, actor=operator, reason=spam)
    assert appeal.events.count() == 2


def test_the_executor_cannot_reject(appeal_in, executor, spam):
    appeal = appeal_in(Status.NEW)
    with pytest.raises(PermissionDenied):
        services.reject_appeal(appeal=appeal, actor=executor, reason=spam)
