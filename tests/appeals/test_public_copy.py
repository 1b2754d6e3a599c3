"""The public copy of an appeal's text: made off the filing request, kept, corrected by hand."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from otklik.appeals import public_copy, services, tasks
from otklik.appeals.models import Answer, Appeal, AppealEvent
from otklik.appeals.workflow import Status
from tests.lib.masking_cases import ANSWER_TEXT, PLANTED_TEXT, assert_no_planted


def test_filing_leaves_the_copy_to_the_outbox_which_masks_it(region, citizen):
    appeal = services.submit_appeal(region=region, text=PLANTED_TEXT, applicant=citizen)
    assert Appeal.objects.get(pk=appeal.pk).public_text is None
    tasks.process_outbox.call()
    appeal.refresh_from_db()
    assert_no_planted(appeal.public_text)
    assert "[телефон скрыт]" in appeal.public_text
    assert "ул. Гагарина, д. 5" in appeal.public_text
    assert {m["kind"] for m in appeal.public_masks} >= {"phone", "email", "name", "flat"}
    assert appeal.text == PLANTED_TEXT


def test_accepting_an_appeal_makes_its_public_copy(appeal_in):
    appeal = appeal_in(Status.REGISTERED, text=PLANTED_TEXT)
    assert_no_planted(appeal.public_text)


def test_an_operators_correction_is_kept_and_written_to_the_history(appeal_in, operator):
    appeal = appeal_in(Status.REGISTERED, text=PLANTED_TEXT)
    public_copy.correct_public_text(appeal=appeal, actor=operator, text="Яма у подъезда.")
    appeal.refresh_from_db()
    assert (appeal.public_text, appeal.public_text_corrected) == ("Яма у подъезда.", True)
    event = AppealEvent.objects.filter(appeal=appeal).latest("pk")
    assert event.data["kind"] == "public_text_corrected"
    assert event.actor == operator
    assert not event.is_public
    call_command("compute_public_copies", "--all", "--quiet")
    appeal.refresh_from_db()
    assert appeal.public_text == "Яма у подъезда."


def test_a_correction_must_not_be_empty_nor_come_from_outside_moderation(appeal_in, executor):
    appeal = appeal_in(Status.REGISTERED, text=PLANTED_TEXT)
    with pytest.raises(PermissionDenied):
        public_copy.correct_public_text(appeal=appeal, actor=executor, text="Яма.")
    operator = appeal.events.get(action="register").actor
    with pytest.raises(ValidationError):
        public_copy.correct_public_text(appeal=appeal, actor=operator, text="   ")


def test_the_command_fills_missing_copies_of_appeals_and_published_answers(appeal_in):
    appeal = appeal_in(Status.ANSWERED, text=PLANTED_TEXT)
    answer = appeal.answers.get()
    Answer.objects.filter(pk=answer.pk).update(text=ANSWER_TEXT, public_text=None)
    Appeal.objects.filter(pk=appeal.pk).update(public_text=None)
    call_command("compute_public_copies", "--quiet")
    appeal.refresh_from_db()
    answer.refresh_from_db()
    assert_no_planted(appeal.public_text)
    assert (
        answer.public_text == "Уважаемый [имя скрыто]! Яма у подъезда заделана, проверено мастером."
    )
