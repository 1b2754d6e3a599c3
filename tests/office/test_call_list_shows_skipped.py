"""The call list's page shows which closed appeals were left out and why (no phone, anonymised,
…), by number, instead of skipping them silently."""

from __future__ import annotations

from django.urls import reverse

from otklik.appeals.workflow import Status
from otklik.control import calls
from tests.factories import UserFactory


def test_the_list_page_shows_who_was_skipped_and_why(client, appeal_in, caller, operator):
    reachable = appeal_in(Status.CLOSED)
    no_phone = appeal_in(Status.CLOSED, applicant=UserFactory(phone=""))
    call_list = calls.draw_call_list(region=reachable.region, size=10, actor=operator)
    assert call_list.plan["skipped"] == {"no_phone": [no_phone.number]}
    client.force_login(caller)
    page = client.get(reverse("office:call_list", args=[call_list.pk])).text
    assert "Кто не вошёл в список и почему" in page
    assert "нет телефона ни в профиле, ни в обращении" in page
    assert f'href="/office/appeals/{no_phone.number}/"' in page
    assert no_phone.applicant.email not in page


def test_nothing_to_call_says_why_every_appeal_was_left_out(client, appeal_in, operator):
    appeal_in(Status.CLOSED, applicant=UserFactory(phone=""))
    client.force_login(operator)
    response = client.post(
        reverse("office:calls"), {"size": "5", "purpose": "call_centre", "days": "7"}
    )
    assert response.status_code == 400
    assert "Не вошли: нет телефона ни в профиле, ни в обращении — 1." in response.text
