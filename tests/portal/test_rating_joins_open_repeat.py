"""Rating «not solved» after a control call opened a repeat appeal joins that repeat, and the
page says so instead of «we have opened»."""

from __future__ import annotations

from django.urls import reverse

from otklik.appeals.models import Appeal
from otklik.appeals.workflow import Action, Status
from otklik.control import calls


def test_the_rating_joins_the_repeat_the_control_call_opened(
    client, appeal_in, citizen, caller, operator
):
    closed = appeal_in(Status.CLOSED)
    call = calls.draw_call_list(region=closed.region, size=5, actor=operator).calls.get()
    repeat = calls.record_attempt(
        call=call, actor=caller, result="reached", is_solved=False, speed_score=1,
        work_score=1, answer_score=1,
    ).repeat  # fmt: skip
    client.force_login(citizen)
    response = client.post(
        reverse("portal:rate", args=[closed.number]),
        {"score": "1", "solved": "no", "comment": "Так и не заделали"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("portal:appeal", args=[repeat.number])
    assert "добавлены к повторному обращению" in response.text
    assert Appeal.objects.filter(repeat_of=closed).count() == 1
    assert repeat.events.filter(action=Action.JOIN_REPEAT, comment="Так и не заделали").exists()
