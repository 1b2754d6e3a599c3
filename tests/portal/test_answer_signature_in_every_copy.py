"""Every copy of an answer the citizen gets (appeal page, letter, REST, Open311 status_notes)
names the responsible person, the organization's full official name and a phone to call back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from otklik.accounts.models import ApiScope, Membership
from otklik.accounts.tokens import issue_token
from otklik.appeals import services, tasks
from otklik.appeals.models import Answer
from otklik.appeals.workflow import Status
from otklik.notifications import delivery as notifications

FULL_NAME = "Управление дорожного хозяйства администрации г. Липецка"
WORK_PHONE = "+7 (4742) 23-45-67"
ORG_PHONE = "+7 (4742) 23-45-00"


@pytest.fixture
def answered(appeal_in, executor, operator, organization):
    Membership.objects.filter(user=executor, organization=organization).update(
        position="ведущий специалист", phone=WORK_PHONE
    )
    organization.phone = ORG_PHONE
    organization.save(update_fields=["phone"])
    appeal = appeal_in(Status.ANSWER_REVIEW)
    tasks.process_outbox.call()
    mail.outbox.clear()
    answer = appeal.answers.get(state=Answer.State.REVIEW)
    services.publish_answer(answer=answer, actor=operator)
    return appeal


def _signed(text: str) -> None:
    for part in ("Пётр Дорогин", "ведущий специалист", WORK_PHONE, FULL_NAME, ORG_PHONE):
        assert part in text, part


def test_the_appeal_page_names_who_answers_for_it(client, answered, citizen):
    public = client.get(reverse("portal:appeal", args=[answered.number])).text
    _signed(public)
    assert citizen.full_name not in public
    client.force_login(citizen)
    _signed(client.get(reverse("portal:appeal", args=[answered.number])).text)


def test_the_letter_about_the_answer_names_who_answers_for_it(answered, citizen):
    tasks.process_outbox.call()
    notifications.retry_due(now=timezone.now() + timedelta(seconds=1))
    [letter] = [m for m in mail.outbox if m.to == [citizen.email] and "опубликован" in m.subject]
    _signed(letter.body)


def test_rest_gives_the_answers_signature(answered, citizen):
    _token, key = issue_token(user=citizen, name="test", scopes=[ApiScope.APPEALS_READ])
    body = (
        Client()
        .get(f"/api/v1/appeals/{answered.number}", HTTP_AUTHORIZATION=f"Bearer {key}")
        .json()
    )
    answer = body["answer"]
    assert answer["responsible_name"] == "Пётр Дорогин"
    assert answer["responsible_position"] == "ведущий специалист"
    assert answer["responsible_phone"] == WORK_PHONE
    assert answer["organization_name"] == FULL_NAME
    assert answer["organization_phone"] == ORG_PHONE


def test_open311_status_notes_end_with_the_signature(answered):
    body = Client().get(f"/open311/v2/requests/{answered.number}.json").json()
    notes = body[0]["status_notes"]
    assert notes.startswith(answered.answers.get().text)
    _signed(notes)
