"""The office appeal page and the executor's work on it: internal comments, delegation,
postponements, redirects, and who sees the applicant's personal data."""

from datetime import timedelta

import pytest
from django.utils import timezone

from otklik.accounts.models import Role
from otklik.appeals import services
from otklik.appeals.models import AppealEvent, Postponement
from otklik.appeals.workflow import Action, Status
from tests.factories import staff


@pytest.fixture
def appeal(appeal_in):
    return appeal_in(Status.IN_PROGRESS)


def url(appeal, action=""):
    return f"/office/appeals/{appeal.number}/{action + '/' if action else ''}"


def due_date(appeal, days):
    return (timezone.localtime(appeal.due_at) + timedelta(days=days)).date()


# ---------------------------------------------------------------------------- the page


def test_executor_sees_facts_deadline_history_and_work_panels(client, executor, appeal):
    client.force_login(executor)
    response = client.get(url(appeal))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Обращение {appeal.number}" in html
    assert "Яма на дороге у дома 12" in html
    assert "раб. д" in html  # working days left
    assert "Ответить" in html or "Написать ответ" in html
    assert "Взять себе" in html
    assert "Запросить перенос срока" in html
    assert "Не наша компетенция" in html
    assert "Дать поручение" not in html  # executors do not issue instructions
    assert 'class="timeline"' in html


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("operator", True),
        ("admin_user", True),
        ("executor", True),
        ("leadership", False),
        ("supervisor", False),
    ],
)
def test_personal_data_only_for_roles_that_need_it(client, request, appeal, citizen, role, shown):
    client.force_login(request.getfixturevalue(role))
    html = client.get(url(appeal)).content.decode()
    assert (citizen.full_name in html) is shown
    assert (citizen.phone in html) is shown
    assert (citizen.email in html) is shown


def test_caller_and_field_never_see_personal_data(client, appeal_in, region, citizen, caller):
    closed = appeal_in(Status.CLOSED)
    client.force_login(caller)
    html = client.get(url(closed)).content.decode()
    assert citizen.full_name not in html
    assert citizen.phone not in html
    field = staff(Role.FIELD, region)
    client.force_login(field)
    assert client.get(url(closed)).status_code == 404


def test_phone_appeal_contact_shown_to_operator_hidden_from_leadership(
    client, appeal_in, operator, leadership
):
    appeal = appeal_in(
        Status.IN_PROGRESS,
        applicant=None,
        channel="phone",
        contact_name="Зинаида Звонкова",
        contact_phone="+7 900 555-44-33",
        created_by=operator,
    )
    client.force_login(operator)
    assert "Зинаида Звонкова" in client.get(url(appeal)).content.decode()
    client.force_login(leadership)
    html = client.get(url(appeal)).content.decode()
    assert "Зинаида Звонкова" not in html
    assert "555-44-33" not in html
    assert "Дать поручение" in html
    assert f"/office/instructions/new/?appeal={appeal.number}" in html


def test_other_org_executor_gets_404_and_garbage_numbers_too(client, other_org_executor, appeal):
    client.force_login(other_org_executor)
    assert client.get(url(appeal)).status_code == 404
    for number in ("nope", "48-2026-999999", "%00", "1' OR '1'='1"):
        assert client.get(f"/office/appeals/{number}/").status_code == 404
        assert client.post(f"/office/appeals/{number}/comment/", {"text": "x"}).status_code == 404


def test_operator_sees_review_link_for_an_answer_in_review(client, operator, appeal_in):
    appeal = appeal_in(Status.ANSWER_REVIEW)
    answer = appeal.answers.get()
    client.force_login(operator)
    html = client.get(url(appeal)).content.decode()
    assert f"/office/review/answers/{answer.pk}/" in html
    assert "Взять себе" not in html


def test_operator_sees_moderation_link_for_a_new_appeal(client, operator, appeal_in):
    appeal = appeal_in(Status.NEW)
    client.force_login(operator)
    assert f"/office/moderation/{appeal.number}/" in client.get(url(appeal)).content.decode()


# ---------------------------------------------------------------------------- comments


def test_internal_comment_is_saved_and_never_reaches_the_portal(client, executor, citizen, appeal):
    client.force_login(executor)
    response = client.post(url(appeal, "comment"), {"text": "Бригада выйдет в четверг"})
    assert response.status_code == 302
    assert response["Location"] == url(appeal)
    event = AppealEvent.objects.get(appeal=appeal, action=Action.COMMENT)
    assert not event.is_public
    assert event.actor == executor
    html = client.get(url(appeal)).content.decode()
    assert "Бригада выйдет в четверг" in html
    assert "внутреннее" in html
    client.force_login(citizen)
    assert (
        "Бригада выйдет в четверг" not in client.get(f"/appeals/{appeal.number}/").content.decode()
    )
    client.logout()
    assert (
        "Бригада выйдет в четверг" not in client.get(f"/appeals/{appeal.number}/").content.decode()
    )


def test_empty_comment_is_an_error_not_a_write(client, executor, appeal):
    client.force_login(executor)
    response = client.post(url(appeal, "comment"), {"text": "   "})
    assert response.status_code == 400
    assert "Напишите комментарий" in response.content.decode()
    assert not AppealEvent.objects.filter(appeal=appeal, action=Action.COMMENT).exists()


def test_caller_cannot_comment(client, appeal_in, caller):
    closed = appeal_in(Status.CLOSED)
    client.force_login(caller)
    assert client.post(url(closed, "comment"), {"text": "Пометка"}).status_code == 403


def test_get_on_an_action_is_not_allowed(client, executor, appeal):
    client.force_login(executor)
    for action in ("comment", "delegate", "postpone", "redirect"):
        assert client.get(url(appeal, action)).status_code == 405


# ---------------------------------------------------------------------------- delegation


def test_executor_takes_the_appeal_then_gives_it_to_a_colleague(
    client, executor, organization, appeal
):
    colleague = staff(Role.EXECUTOR, organization, full_name="Анна Коллегова")
    client.force_login(executor)
    response = client.post(url(appeal, "delegate"), {"take": "1"}, follow=True)
    appeal.refresh_from_db()
    assert appeal.assignee == executor
    assert "Теперь вы отвечаете" in response.content.decode()
    html = client.get(url(appeal)).content.decode()
    assert "Анна Коллегова" in html
    client.post(url(appeal, "delegate"), {"assignee": str(colleague.pk)})
    appeal.refresh_from_db()
    assert appeal.assignee == colleague
    event = AppealEvent.objects.filter(appeal=appeal, action=Action.DELEGATE).last()
    assert not event.is_public


def test_delegation_to_another_orgs_employee_is_refused(
    client, executor, other_org_executor, appeal
):
    client.force_login(executor)
    response = client.post(url(appeal, "delegate"), {"assignee": str(other_org_executor.pk)})
    assert response.status_code == 400
    appeal.refresh_from_db()
    assert appeal.assignee is None
    for garbage in ("abc", "-1", "99999999999999999999999", ""):
        response = client.post(url(appeal, "delegate"), {"assignee": garbage})
        assert response.status_code in (302, 400)


def test_delegate_on_an_answered_appeal_says_it_is_no_longer_available(client, executor, appeal_in):
    answered = appeal_in(Status.ANSWERED)
    client.force_login(executor)
    response = client.post(url(answered, "delegate"), {"take": "1"}, follow=True)
    assert "уже недоступно" in response.content.decode()


# ---------------------------------------------------------------------------- postponements


def test_executor_requests_a_postponement(client, executor, appeal):
    client.force_login(executor)
    response = client.post(
        url(appeal, "postpone"),
        {"new_due_date": due_date(appeal, 10).isoformat(), "reason": "Нужна экспертиза покрытия"},
    )
    assert response.status_code == 302
    postponement = Postponement.objects.get(appeal=appeal)
    assert postponement.state == Postponement.State.PENDING
    assert not postponement.is_repeated
    html = client.get(url(appeal)).content.decode()
    assert "ожидает решения" in html


def test_second_postponement_is_flagged_and_needs_the_long_reason(
    client, executor, operator, appeal
):
    first = services.request_postponement(
        appeal=appeal,
        actor=executor,
        new_due_date=due_date(appeal, 5),
        reason="Нужна экспертиза покрытия",
    )
    services.decide_postponement(postponement=first, actor=operator, approve=True)
    appeal.refresh_from_db()
    client.force_login(executor)
    html = client.get(url(appeal)).content.decode()
    assert "повторный перенос" in html
    assert "не менее чем в 50 символах" in html
    short = {"new_due_date": due_date(appeal, 5).strftime("%d.%m.%Y"), "reason": "Дожди идут"}
    response = client.post(url(appeal, "postpone"), short)
    assert response.status_code == 400
    assert "не короче 50 символов" in response.content.decode()
    assert "Дожди идут" in response.content.decode()
    long_reason = "Подрядчик не может уложить асфальт в дождь, ближайшее окно погоды через неделю."
    response = client.post(url(appeal, "postpone"), {**short, "reason": long_reason})
    assert response.status_code == 302
    second = Postponement.objects.get(appeal=appeal, state=Postponement.State.PENDING)
    assert second.is_repeated


@pytest.mark.parametrize(
    "date", ["", "вчера", "31.02.2026", "2026-13-01", "0001-01-01", "9999-12-31", "1" * 40]
)
def test_bad_postponement_dates_are_errors_not_500(client, executor, appeal, date):
    client.force_login(executor)
    response = client.post(
        url(appeal, "postpone"), {"new_due_date": date, "reason": "Нужна экспертиза покрытия"}
    )
    assert response.status_code == 400
    assert not Postponement.objects.exists()


def test_postponement_before_the_deadline_is_refused(client, executor, appeal):
    client.force_login(executor)
    response = client.post(
        url(appeal, "postpone"),
        {"new_due_date": due_date(appeal, -1).isoformat(), "reason": "Нужна экспертиза покрытия"},
    )
    assert response.status_code == 400
    assert "позже текущего" in response.content.decode()


# ---------------------------------------------------------------------------- redirects


def test_executor_redirects_not_our_competence_and_goes_back_to_the_inbox(client, executor, appeal):
    client.force_login(executor)
    response = client.post(url(appeal, "redirect"), {"reason": "Это дорога областного значения"})
    assert response.status_code == 302
    assert response["Location"] == "/office/inbox/"
    appeal.refresh_from_db()
    assert appeal.status == Status.REGISTERED
    assert appeal.executor is None
    assert client.get(url(appeal)).status_code == 404


def test_executor_cannot_choose_another_organization(client, executor, other_organization, appeal):
    client.force_login(executor)
    client.post(
        url(appeal, "redirect"),
        {"reason": "Это дорога областного значения", "to_executor": str(other_organization.pk)},
    )
    appeal.refresh_from_db()
    assert appeal.executor is None  # back to routing, the choice was ignored


def test_operator_redirects_to_another_organization(
    client, operator, other_organization, other_org_executor, appeal
):
    client.force_login(operator)
    response = client.post(
        url(appeal, "redirect"),
        {"reason": "Участок обслуживает Елец", "to_executor": str(other_organization.pk)},
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.executor == other_organization
    assert appeal.status == Status.IN_PROGRESS


def test_redirect_without_reason_keeps_the_form(client, executor, appeal):
    client.force_login(executor)
    response = client.post(url(appeal, "redirect"), {"reason": ""})
    assert response.status_code == 400
    appeal.refresh_from_db()
    assert appeal.status == Status.IN_PROGRESS
