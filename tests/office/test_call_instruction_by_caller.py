"""The caller who heard «not solved» raises an instruction from the call card, with its own
text, addressee and deadline; bad input gets a Russian error and loses nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from otklik.appeals.workflow import Status
from otklik.control import calls
from otklik.control.models import Instruction
from tests.factories import OrganizationFactory


@pytest.fixture
def failed_call(appeal_in, caller, operator):
    appeal = appeal_in(Status.CLOSED)
    call = calls.draw_call_list(region=appeal.region, size=5, actor=operator).calls.get()
    return calls.record_attempt(
        call=call, actor=caller, result="reached", is_solved=False, speed_score=1,
        work_score=1, answer_score=1, comment="Яма на месте",
    )  # fmt: skip


def _post(client, call, **data):
    return client.post(reverse("office:call_instruct", args=[call.pk]), data)


def test_the_caller_instructs_a_regional_body_with_own_text_and_deadline(
    client, failed_call, caller, region
):
    regional = OrganizationFactory(region=region, name="Управление дорог и транспорта области")
    client.force_login(caller)
    page = client.get(reverse("office:call", args=[failed_call.pk])).text
    assert "Проверка не пройдена: выдайте поручение" in page
    due = timezone.localdate() + timedelta(days=3)
    response = _post(
        client, failed_call, organization=regional.pk,
        text="Проверить покрытие на Московской, 12 и устранить яму.", due_date=due.isoformat(),
    )  # fmt: skip
    assert response.status_code == 302
    instruction = Instruction.objects.get()
    assert instruction.organization == regional
    assert instruction.text == "Проверить покрытие на Московской, 12 и устранить яму."
    assert timezone.localtime(instruction.due_at).date() == due
    assert instruction.issued_by == caller
    assert set(instruction.appeals.all()) == {failed_call.appeal, failed_call.repeat}
    assert client.get(reverse("office:instruction", args=[instruction.pk])).status_code == 200
    listing = client.get(reverse("office:instructions")).text
    assert reverse("office:instruction", args=[instruction.pk]) in listing


def test_bad_input_is_refused_in_russian_and_kept(client, failed_call, caller, organization):
    client.force_login(caller)
    response = _post(
        client, failed_call, organization=organization.pk, text="Срочно исправить яму!",
        due_date="2001-01-01",
    )  # fmt: skip
    assert response.status_code == 400
    assert "Срок не может быть в прошлом." in response.text
    assert "Срочно исправить яму!" in response.text
    response = _post(client, failed_call, organization="x", text="", due_date="завтра")
    assert response.status_code == 400
    assert not Instruction.objects.exists()


def test_a_body_outside_the_territory_is_not_offered_nor_accepted(
    client, failed_call, caller, other_organization
):
    elsewhere = other_organization  # another municipality's body
    client.force_login(caller)
    page = client.get(reverse("office:call", args=[failed_call.pk])).text
    assert elsewhere.name not in page
    response = _post(
        client, failed_call, organization=elsewhere.pk, text="Исправить яму у дома 12.",
        due_date=(timezone.localdate() + timedelta(days=3)).isoformat(),
    )  # fmt: skip
    assert response.status_code == 400
    assert not Instruction.objects.exists()
