"""The public REST endpoints and Open311 give the public copy of an appeal's text and answer,
never the personal data typed into them."""

import pytest
from django.test import Client

from otklik.appeals.models import Answer
from otklik.appeals.workflow import Status
from tests.api.test_open311_services import FORMATS, body, get
from tests.lib.masking_cases import ANSWER_TEXT, PLANTED_TEXT, assert_no_planted


@pytest.fixture
def planted(appeal_in):
    appeal = appeal_in(Status.ANSWERED, text=PLANTED_TEXT)
    Answer.objects.filter(appeal=appeal).update(text=ANSWER_TEXT, public_text=None)
    return appeal


def test_the_public_rest_list_and_appeal_give_the_masked_text(client, planted):
    listed = client.get("/api/v1/appeals/public/")
    one = client.get(f"/api/v1/appeals/public/{planted.number}")
    assert listed.status_code == one.status_code == 200
    for response in (listed, one):
        assert_no_planted(response.content.decode())
    assert "[телефон скрыт]" in one.json()["text"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_open311_description_status_notes_and_updates_are_masked(fmt, planted):
    for path in ("requests", f"requests/{planted.number}", "servicerequestupdates"):
        assert_no_planted(get(Client(), path, fmt).content.decode())
    record = body(get(Client(), f"requests/{planted.number}", fmt), fmt)[0]
    assert "[телефон скрыт]" in record["description"]
    assert record["status_notes"].startswith("Уважаемый [имя скрыто]!")
