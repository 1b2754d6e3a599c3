"""The control-call pages: who may open them, drawing a list, a list's calls, the call page with
its outcome form, and the one-click instruction; odd input never gives a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from otklik.accounts.models import Role
from otklik.appeals.workflow import Action, Status
from otklik.control import calls
from otklik.control.models import CallList, ControlCall, Instruction
from tests.factories import RegionFactory, UserFactory, staff

PASSWORD = "Test-password-2026"


@pytest.fixture
def call_list(appeal_in, region, operator, citizen, other_citizen):
    appeal_in(Status.CLOSED)
    appeal_in(Status.CLOSED, applicant=other_citizen)
    return calls.draw_call_list(region=region, size=10, actor=operator)


@pytest.fixture
def call(call_list, citizen):
    return call_list.calls.get(applicant=citizen)


def as_(client, user):
    client.force_login(user)
    return client


def pages(call_list, call):
    return [
        reverse("office:calls"),
        reverse("office:call_list", args=[call_list.pk]),
        reverse("office:call", args=[call.pk]),
    ]


# ---------------------------------------------------------------------------- who may open


@pytest.mark.parametrize("who", ["executor", "supervisor", "citizen"])
def test_executors_supervisors_and_citizens_are_turned_away(client, request, call_list, call, who):
    as_(client, request.getfixturevalue(who))
    for url in [*pages(call_list, call), reverse("office:call_instruct", args=[call.pk])]:
        assert client.get(url).status_code in (403, 405), url
    assert client.post(reverse("office:call_instruct", args=[call.pk])).status_code == 403
    assert client.post(reverse("office:calls"), {"size": 5}).status_code == 403


def test_a_field_team_member_is_turned_away(client, call_list, call, region):
    as_(client, staff(Role.FIELD, region))
    for url in pages(call_list, call):
        assert client.get(url).status_code == 403


def test_anonymous_people_are_sent_to_log_in(client, call_list, call):
    for url in pages(call_list, call):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["caller", "operator", "leadership", "admin_user"])
def test_callers_operators_and_leadership_of_the_region_open_the_pages(
    client, request, call_list, call, who
):
    as_(client, request.getfixturevalue(who))
    for url in pages(call_list, call):
        assert client.get(url).status_code == 200, url


def test_a_caller_of_another_region_sees_neither_lists_nor_calls(client, call_list, call):
    as_(client, staff(Role.CALLER, RegionFactory(code="36"), email="caller@vrn.ru"))
    response = client.get(reverse("office:calls"))
    assert call_list.title not in response.text
    assert client.get(reverse("office:call_list", args=[call_list.pk])).status_code == 404
    assert client.get(reverse("office:call", args=[call.pk])).status_code == 404


def test_the_caller_sees_the_applicant_and_the_phone_leadership_not_on_a_call_centre_list(
    client, caller, leadership, call, citizen
):
    url = reverse("office:call", args=[call.pk])
    page = as_(client, caller).get(url).text
    assert citizen.full_name in page and "+7 900 123-45-67" in page
    assert 'name="result"' in page
    page = as_(client, leadership).get(url).text
    assert "+7 900 123-45-67" not in page
    assert 'name="result"' not in page


# ---------------------------------------------------------------------------- drawing


def test_an_operator_draws_a_list_and_a_double_submit_makes_one(client, operator, appeal_in):
    appeal_in(Status.CLOSED)
    as_(client, operator)
    data = {"size": "5", "purpose": "leadership", "municipality": "", "days": "7"}
    first = client.post(reverse("office:calls"), data)
    second = client.post(reverse("office:calls"), data)
    call_list = CallList.objects.get()
    assert first.status_code == second.status_code == 302
    assert (
        first["Location"] == second["Location"] == reverse("office:call_list", args=[call_list.pk])
    )
    assert call_list.purpose == CallList.Purpose.LEADERSHIP
    assert call_list.calls.count() == 1
    page = client.get(first["Location"]).text
    assert call_list.title in page


@pytest.mark.parametrize(
    "size", ["", "0", "501", "999999999999999999999", "пять", "5\x00", "-3", "2.5"]
)
def test_a_bad_size_is_refused_in_russian_and_the_form_keeps_the_rest(
    client, operator, appeal_in, size
):
    appeal_in(Status.CLOSED)
    as_(client, operator)
    response = client.post(
        reverse("office:calls"), {"size": size, "purpose": "leadership", "days": "14"}
    )
    assert response.status_code == 400
    assert "Введите" in response.text
    assert 'value="14"' in response.text
    assert not CallList.objects.exists()


def test_odd_draw_parameters_never_give_a_500(client, operator, appeal_in):
    appeal_in(Status.CLOSED)
    as_(client, operator)
    for data in (
        {"size": "5", "purpose": "x\x00", "days": "7"},
        {"size": "5", "purpose": "call_centre", "days": "7", "municipality": "999999999999"},
        {"size": "5", "purpose": "call_centre", "days": "7", "municipality": "\x00"},
        {"size": "5", "purpose": "call_centre", "days": "1000"},
        {},
    ):
        assert client.post(reverse("office:calls"), data).status_code == 400
    assert not CallList.objects.exists()


def test_nothing_to_call_is_said_in_russian(client, operator, region):
    as_(client, operator)
    response = client.post(
        reverse("office:calls"), {"size": "5", "purpose": "call_centre", "days": "7"}
    )
    assert response.status_code == 400
    assert "Ни одно обращение не подходит" in response.text


def test_a_caller_sees_no_draw_form_and_cannot_draw(client, caller, appeal_in):
    appeal_in(Status.CLOSED)
    as_(client, caller)
    assert 'name="size"' not in client.get(reverse("office:calls")).text
    response = client.post(reverse("office:calls"), {"size": "5", "purpose": "call_centre"})
    assert response.status_code == 403
    assert not CallList.objects.exists()


# ---------------------------------------------------------------------------- the list


def test_the_list_shows_progress_and_filters_by_state(client, caller, call_list, call):
    calls.record_attempt(call=call, actor=caller, result="refused")
    as_(client, caller)
    url = reverse("office:call_list", args=[call_list.pk])
    page = client.get(url).text
    assert "50 %" in page  # one of two calls finished
    refused = client.get(url, {"state": "refused"}).text
    pending = client.get(url, {"state": "pending"}).text
    assert call.appeal.number in refused and call.appeal.number not in pending


@pytest.mark.parametrize(
    "query",
    [
        {"state": "bogus"},
        {"state": "\x00"},
        {"page": "abc"},
        {"page": "99999999999999999999"},
        {"mine": "\x00"},
        {"state": "done", "mine": "on", "page": "-1"},
    ],
)
def test_odd_list_queries_never_give_a_500(client, caller, call_list, query):
    as_(client, caller)
    assert client.get(reverse("office:call_list", args=[call_list.pk]), query).status_code == 200
    assert client.get(reverse("office:calls"), query).status_code == 200


def test_unknown_and_huge_ids_are_not_found(client, caller):
    as_(client, caller)
    for url in (
        "/office/calls/lists/999999/",
        "/office/calls/lists/99999999999999999999999/",
        "/office/calls/999999/",
        "/office/calls/99999999999999999999999/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post("/office/calls/99999999999999999999999/instruct/").status_code == 404


def test_the_list_page_reads_a_fixed_number_of_queries(
    client, caller, call_list, django_assert_max_num_queries
):
    as_(client, caller)
    with django_assert_max_num_queries(14):
        client.get(reverse("office:call_list", args=[call_list.pk]))
    with django_assert_max_num_queries(14):
        client.get(reverse("office:calls"))


# ---------------------------------------------------------------------------- the call


def record(client, call, **data):
    call.refresh_from_db()
    payload = {"action": "record", "attempt": str(call.attempts), **data}
    return client.post(reverse("office:call", args=[call.pk]), payload)


def test_a_caller_takes_the_call_and_records_a_retry(client, caller, call):
    as_(client, caller)
    url = reverse("office:call", args=[call.pk])
    assert client.post(url, {"action": "take"}).status_code == 302
    call.refresh_from_db()
    assert call.caller == caller
    response = record(client, call, result="no_answer")
    assert response.status_code == 302
    call.refresh_from_db()
    assert (call.state, call.attempts) == ("pending", 1)
    page = client.get(url).text
    assert "Повторить звонок после" in page or "позвоните ещё раз после" in page.lower()
    assert "1 из 3" in page


def test_the_same_form_sent_twice_records_one_attempt(client, caller, call):
    as_(client, caller)
    payload = {"action": "record", "attempt": "0", "result": "busy"}
    url = reverse("office:call", args=[call.pk])
    client.post(url, payload)
    client.post(url, payload)
    call.refresh_from_db()
    assert call.attempts == 1
    assert call.appeal.events.filter(action=Action.CONTROL_CALL).count() == 1


def test_reached_without_the_outcome_shows_errors_and_keeps_the_comment(client, caller, call):
    as_(client, caller)
    response = record(client, call, result="reached", comment="Говорит, что частично")
    assert response.status_code == 400
    assert "Выберите оценку от 1 до 5" in response.text
    assert "Говорит, что частично" in response.text
    call.refresh_from_db()
    assert call.attempts == 0


@pytest.mark.parametrize(
    "data",
    [
        {"result": "xyz"},
        {"result": "reached", "is_solved": "maybe", "speed_score": "9"},
        {"result": "reached", "is_solved": "yes", "speed_score": "\x00"},
        {"attempt": "abc", "result": "busy"},
        {"attempt": "99999999999999999999", "result": "busy"},
        {"action": "explode"},
        {},
    ],
)
def test_odd_outcome_input_never_gives_a_500(client, caller, call, data):
    as_(client, caller)
    payload = {"action": "record", "attempt": "0", **data}
    response = client.post(reverse("office:call", args=[call.pk]), payload)
    assert response.status_code in (302, 400)
    call.refresh_from_db()
    assert call.attempts == 0


def test_a_failed_check_then_an_instruction_from_the_card_by_the_operator(
    client, caller, operator, call, organization
):
    as_(client, caller)
    response = record(
        client, call, result="reached", is_solved="no", speed_score="2", work_score="1",
        answer_score="2", comment="Яма снова появилась",
    )  # fmt: skip
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.repeat.repeat_of == call.appeal
    as_(client, operator)
    page = client.get(reverse("office:call", args=[call.pk])).text
    assert call.repeat.number in page
    assert "Выдать поручение" in page
    url = reverse("office:call_instruct", args=[call.pk])
    assert client.get(url).status_code == 405
    data = {
        "organization": organization.pk,
        "text": "Устранить яму и ответить заявителю по существу.",
        "due_date": (timezone.localdate() + timedelta(days=5)).isoformat(),
    }
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    instruction = Instruction.objects.get()
    assert instruction.organization == organization
    call.refresh_from_db()
    assert call.instruction == instruction
    page = client.get(reverse("office:call", args=[call.pk])).text
    assert f"/office/instructions/{instruction.pk}/" in page


def test_a_finished_call_has_no_form_and_refuses_more_attempts(client, caller, call):
    calls.record_attempt(call=call, actor=caller, result="wrong_number")
    as_(client, caller)
    page = client.get(reverse("office:call", args=[call.pk])).text
    assert 'name="result"' not in page
    response = client.post(
        reverse("office:call", args=[call.pk]),
        {"action": "record", "attempt": "1", "result": "busy"},
    )
    assert response.status_code == 302
    call.refresh_from_db()
    assert (call.state, call.attempts) == ("wrong_number", 1)


def test_the_page_is_in_russian(client, caller, call):
    as_(client, caller)
    page = client.get(reverse("office:call", args=[call.pk])).text
    assert "Контрольный звонок" in page
    assert "Сценарий разговора" in page


def test_a_citizen_account_cannot_post_an_outcome(client, call):
    as_(client, UserFactory())
    response = client.post(
        reverse("office:call", args=[call.pk]), {"action": "record", "result": "busy"}
    )
    assert response.status_code == 403
    assert ControlCall.objects.get(pk=call.pk).attempts == 0
