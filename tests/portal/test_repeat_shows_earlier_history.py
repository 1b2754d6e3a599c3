"""A repeat appeal's page shows the earlier appeal's history and answer inline, not only a link."""

from __future__ import annotations

from django.urls import reverse

from otklik.appeals import services
from otklik.appeals.workflow import Status


def test_the_applicant_and_the_public_read_the_first_appeals_history_on_the_repeat(
    client, appeal_in, citizen, operator
):
    original = appeal_in(Status.ANSWERED)
    answer_text = original.answers.get().text
    repeat = services.rate_answer(
        appeal=original, actor=citizen, score=1, is_solved=False, comment="Яму не заделали"
    ).repeat
    services.register_appeal(appeal=repeat, actor=operator)
    client.force_login(citizen)
    page = client.get(reverse("portal:appeal", args=[repeat.number])).text
    assert "История предыдущего обращения" in page
    assert answer_text in page
    assert "опубликован ответ" in page.lower()  # the first appeal's own history
    client.logout()
    public = client.get(reverse("portal:appeal", args=[repeat.number])).text
    assert answer_text in public
    assert citizen.full_name not in public


def test_the_earlier_history_is_the_applicants_own_even_when_not_public(
    client, appeal_in, citizen, private_category
):
    original = appeal_in(Status.ANSWERED, category=private_category)
    repeat = services.rate_answer(appeal=original, actor=citizen, score=1, is_solved=False).repeat
    client.force_login(citizen)
    page = client.get(reverse("portal:appeal", args=[repeat.number])).text
    assert original.answers.get().text in page
