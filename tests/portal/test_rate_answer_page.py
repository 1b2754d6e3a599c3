"""Judging the answer on the portal: «not solved» opens a linked repeat appeal, said so."""

from django.urls import reverse

from otklik.appeals.models import Appeal
from otklik.appeals.workflow import Status


def rate(client, appeal, **data):
    return client.post(reverse("portal:rate", args=[appeal.number]), data, follow=True)


def test_solved_rating_closes_and_thanks(client, appeal_in, citizen):
    appeal = appeal_in(Status.ANSWERED)
    client.force_login(citizen)
    response = rate(client, appeal, score=5, solved="yes")
    assert "Спасибо за оценку" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED
    assert appeal.ratings.get().score == 5
    assert not appeal.repeats.exists()


def test_not_solved_opens_repeat_appeal_and_shows_it(client, appeal_in, citizen):
    appeal = appeal_in(Status.ANSWERED)
    client.force_login(citizen)
    response = rate(client, appeal, score=2, solved="no", comment="Яму засыпали песком, снова яма")
    repeat = Appeal.objects.get(repeat_of=appeal)
    assert response.redirect_chain[-1][0] == reverse("portal:appeal", args=[repeat.number])
    html = response.content.decode()
    assert f"повторное обращение {repeat.number}" in html
    assert appeal.number in html
    assert repeat.text.startswith("Яму засыпали песком")
    assert repeat.category_id == appeal.category_id
    assert (repeat.latitude, repeat.longitude) == (appeal.latitude, appeal.longitude)
    assert repeat.applicant_id == citizen.pk
    first = client.get(reverse("portal:appeal", args=[appeal.number])).content.decode()
    assert repeat.number in first


def test_rating_twice_makes_one_rating_and_one_repeat(client, appeal_in, citizen):
    appeal = appeal_in(Status.ANSWERED)
    client.force_login(citizen)
    rate(client, appeal, score=1, solved="no")
    second = rate(client, appeal, score=1, solved="no")
    assert second.status_code == 200
    assert appeal.ratings.count() == 1
    assert Appeal.objects.filter(repeat_of=appeal).count() == 1


def test_appeal_without_an_answer_cannot_be_rated(client, appeal_in, citizen):
    appeal = appeal_in(Status.IN_PROGRESS)
    client.force_login(citizen)
    rate(client, appeal, score=5, solved="yes")
    assert appeal.ratings.count() == 0
