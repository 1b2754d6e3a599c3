"""The appeal page: plain status, public timeline, deadline kept or not, evidence, no leaks."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from otklik.appeals import services
from otklik.appeals.workflow import Status
from tests.factories import UserFactory


def url(appeal):
    return reverse("portal:appeal", args=[appeal.number])


def test_applicant_sees_plain_status_deadline_and_timeline(client, appeal_in, citizen):
    appeal = appeal_in(Status.IN_PROGRESS)
    client.force_login(citizen)
    html = client.get(url(appeal)).content.decode()
    assert "Исполнитель работает над обращением" in html
    assert "Направлено исполнителю" in html or "направлено исполнителю" in html
    assert "Осталось" in html
    assert str(appeal.executor) in html


def test_moved_deadline_shows_old_date_and_reason(client, appeal_in, citizen, executor, operator):
    appeal = appeal_in(Status.IN_PROGRESS)
    old_due = appeal.due_at
    postponement = services.request_postponement(
        appeal=appeal,
        actor=executor,
        new_due_date=timezone.localdate(appeal.due_at) + timedelta(days=10),
        reason="Асфальтовые заводы закрыты до весны.",
    )
    services.decide_postponement(postponement=postponement, actor=operator, approve=True)
    client.force_login(citizen)
    html = client.get(url(appeal)).content.decode()
    assert "срок перенесён" in html
    assert "Асфальтовые заводы закрыты до весны." in html
    assert timezone.localtime(old_due).strftime("%d.%m.%Y") in html


def test_overdue_appeal_says_the_deadline_was_missed(client, appeal_in, citizen, time_machine):
    appeal = appeal_in(Status.IN_PROGRESS)
    time_machine.move_to(appeal.due_at + timedelta(days=3))
    client.force_login(citizen)
    html = client.get(url(appeal)).content.decode()
    assert "Срок нарушен" in html
    assert 'data-kept="False"' in html


def test_answer_on_time_is_said_so_with_evidence(client, appeal_in, citizen):
    appeal = appeal_in(Status.ANSWERED)
    client.force_login(citizen)
    html = client.get(url(appeal)).content.decode()
    assert "Ответ дан в срок" in html
    assert "Оцените ответ" in html


def test_public_visitor_sees_no_applicant_data_and_no_rating_form(client, appeal_in, citizen):
    appeal = appeal_in(Status.ANSWERED)
    html = client.get(url(appeal)).content.decode()
    assert citizen.email not in html
    assert citizen.full_name not in html
    assert citizen.phone not in html
    assert "Оцените ответ" not in html


def test_other_citizen_cannot_rate_someone_elses_appeal(client, appeal_in):
    appeal = appeal_in(Status.ANSWERED)
    stranger = UserFactory()
    client.force_login(stranger)
    response = client.post(
        reverse("portal:rate", args=[appeal.number]), {"score": 1, "solved": "no"}
    )
    assert response.status_code == 404
    assert appeal.ratings.count() == 0


def test_unknown_number_is_404_not_500(client, db):
    assert client.get("/appeals/нет-такого/").status_code == 404


def test_my_appeals_lists_own_and_supported_with_constant_queries(
    client, appeal_in, citizen, django_assert_max_num_queries
):
    other = UserFactory()
    for _ in range(3):
        appeal_in(Status.IN_PROGRESS)
    supported = appeal_in(Status.REGISTERED, applicant=other)
    services.support_appeal(appeal=supported, actor=citizen)
    client.force_login(citizen)
    with django_assert_max_num_queries(8):
        html = client.get(reverse("portal:my_appeals")).content.decode()
    assert html.count('class="card"') == 4
    assert "Вы поддержали это обращение" in html
    for _ in range(5):
        appeal_in(Status.NEW)
    with django_assert_max_num_queries(8):
        html = client.get(reverse("portal:my_appeals")).content.decode()
    assert html.count('class="card"') == 9


def test_applicant_answers_a_clarification_from_the_page(client, appeal_in, citizen, operator):
    appeal = appeal_in(Status.NEW)
    services.request_clarification(appeal=appeal, actor=operator, question="Уточните номер дома.")
    client.force_login(citizen)
    page = client.get(url(appeal)).content.decode()
    assert "Уточните номер дома." in page
    empty = client.post(reverse("portal:clarify", args=[appeal.number]), {"text": ""})
    assert empty.status_code == 400
    response = client.post(
        reverse("portal:clarify", args=[appeal.number]), {"text": "Дом 12, корпус 2"}
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.NEW


@pytest.mark.parametrize("score", ["", "0", "6", "abc", "3.5"])
def test_bad_scores_are_refused_in_russian_and_keep_the_comment(client, appeal_in, citizen, score):
    appeal = appeal_in(Status.ANSWERED)
    client.force_login(citizen)
    response = client.post(
        reverse("portal:rate", args=[appeal.number]),
        {"score": score, "solved": "yes", "comment": "Сделали наполовину"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Сделали наполовину" in html
    assert "от 1 до 5" in html or "Выберите" in html
    assert appeal.ratings.count() == 0
