"""In the office, a repeat appeal's page shows the earlier appeal's history inline: all of it
where the viewer works, what the applicant sees elsewhere."""

from __future__ import annotations

from django.urls import reverse

from otklik.appeals import services
from otklik.appeals.workflow import Status


def test_the_operator_reads_the_first_appeals_whole_history_on_the_repeat(
    client, appeal_in, citizen, operator
):
    original = appeal_in(Status.ANSWERED)
    services.add_comment(appeal=original, actor=operator, text="Внутренняя заметка ЦУР")
    repeat = services.rate_answer(appeal=original, actor=citizen, score=1, is_solved=False).repeat
    client.force_login(operator)
    page = client.get(reverse("office:appeal", args=[repeat.number])).text
    assert "История предыдущего обращения" in page
    assert original.answers.get().text in page
    assert "Внутренняя заметка ЦУР" in page
