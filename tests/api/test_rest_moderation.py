"""REST API for the control centre: the moderation queue and its actions, answers under review,
postponement decisions — and the full story of an appeal through the API."""

import re
from datetime import timedelta

import pytest

from otklik.accounts.models import ApiScope
from otklik.accounts.tokens import issue_token
from otklik.appeals import services
from otklik.appeals.models import Answer, Appeal, Postponement
from otklik.appeals.workflow import Action, Resolution, Status
from tests.factories import ANSWER_TEXT

CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)
GOOD = "Яма заделана горячим асфальтом 12.03.2026, участок проверен мастером, фото прилагается."
FORMAL = "Ваше обращение рассмотрено. Информация принята к сведению."
REASON = "Нужен асфальтобетонный завод, он откроется в апреле."


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def auth(user, *scopes):
    scopes = scopes or [ApiScope.APPEALS_MODERATE]
    _token, key = issue_token(user=user, name="test", scopes=scopes)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def post(client, path, data, headers):
    return client.post(f"/api/v1/{path}", data, content_type="application/json", **headers)


def assert_error(response, status):
    """A bilingual error: the message in Russian and in English."""
    assert response.status_code == status, response.content
    body = response.json()
    assert CYRILLIC.search(body["message_ru"])
    assert not CYRILLIC.search(body["message_en"])
    return body


# ---------------------------------------------------------------------------- the queue


def test_queue_lists_new_appeals_oldest_first_with_the_routing_suggestion(
    client, appeal_in, operator, django_assert_max_num_queries
):
    first = appeal_in(Status.NEW)
    second = appeal_in(Status.NEW)
    waiting = appeal_in(Status.CLARIFICATION)
    appeal_in(Status.IN_PROGRESS)
    headers = auth(operator)
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/moderation/queue", **headers)
    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert [i["number"] for i in items] == [first.number, second.number]
    assert items[0]["suggested_executor"]["name"] == "УДХ Липецка"
    assert items[0]["registration_due_at"]
    response = client.get("/api/v1/moderation/queue?status=clarification", **headers)
    assert [i["number"] for i in response.json()["items"]] == [waiting.number]
    response = client.get("/api/v1/moderation/queue?channel=phone", **headers)
    assert response.json()["items"] == []


# ---------------------------------------------------------------------------- moderation


def test_register_with_an_executor_sends_the_appeal_there_with_a_deadline(
    client, appeal_in, operator, organization
):
    appeal = appeal_in(Status.NEW)
    response = post(
        client,
        f"moderation/{appeal.number}/register",
        {"category": "potholes", "executor_id": organization.pk, "comment": "Проверено"},
        auth(operator),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == Status.IN_PROGRESS
    assert body["executor"]["id"] == organization.pk
    assert body["due_at"]
    actions = list(appeal.events.order_by("pk").values_list("action", "actor"))
    assert actions[-2:] == [(Action.REGISTER, operator.pk), (Action.ASSIGN, operator.pk)]


def test_register_refuses_unknown_category_and_foreign_executor_and_a_second_time(
    client, appeal_in, operator, organization, region
):
    from tests.factories import OrganizationFactory, RegionFactory

    elsewhere = OrganizationFactory(region=RegionFactory(code="36", name="Воронежская область"))
    appeal = appeal_in(Status.NEW)
    headers = auth(operator)
    path = f"moderation/{appeal.number}/register"
    body = assert_error(post(client, path, {"category": "no-such"}, headers), 400)
    assert "category" in body["fields"]
    body = assert_error(post(client, path, {"executor_id": elsewhere.pk}, headers), 400)
    assert "executor" in body["fields"]
    appeal.refresh_from_db()
    assert appeal.status == Status.NEW
    assert post(client, path, {}, headers).status_code == 200
    body = assert_error(post(client, path, {}, headers), 409)
    assert body["error"] == "conflict"


def test_reject_with_a_reason_code(client, appeal_in, operator):
    appeal = appeal_in(Status.NEW)
    headers = auth(operator)
    path = f"moderation/{appeal.number}/reject"
    reasons = client.get("/api/v1/moderation/rejection-reasons", **headers).json()
    codes = {r["code"] for r in reasons}
    assert "spam" in codes and "duplicate" not in codes
    assert "reason" in assert_error(post(client, path, {"reason": "nope"}, headers), 400)["fields"]
    body = assert_error(post(client, path, {"reason": "not_competent"}, headers), 400)
    assert "comment" in body["fields"]
    response = post(client, path, {"reason": "spam"}, headers)
    assert response.status_code == 200, response.content
    appeal.refresh_from_db()
    assert (appeal.status, appeal.resolution) == (
        Status.REJECTED,
        Resolution.WITHOUT_CONSIDERATION,
    )
    assert appeal.events.filter(action=Action.REJECT, actor=operator).exists()


def test_clarification_and_merge(client, appeal_in, operator):
    original = appeal_in(Status.IN_PROGRESS)
    duplicate = appeal_in(Status.NEW)
    unclear = appeal_in(Status.NEW)
    headers = auth(operator)
    response = post(
        client, f"moderation/{unclear.number}/clarification", {"question": "Номер дома?"}, headers
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == Status.CLARIFICATION
    path = f"moderation/{duplicate.number}/merge"
    body = assert_error(post(client, path, {"into": "48-1999-999999"}, headers), 400)
    assert "into" in body["fields"]
    response = post(client, path, {"into": original.number}, headers)
    assert response.status_code == 200, response.content
    duplicate.refresh_from_db()
    assert duplicate.duplicate_of == original
    assert duplicate.resolution == Resolution.DUPLICATE


def test_redirect_hands_the_appeal_to_another_executor(
    client, appeal_in, operator, other_organization
):
    appeal = appeal_in(Status.IN_PROGRESS)
    response = post(
        client,
        f"moderation/{appeal.number}/redirect",
        {"reason": "Участок обслуживает Елец.", "to_executor_id": other_organization.pk},
        auth(operator),
    )
    assert response.status_code == 200, response.content
    appeal.refresh_from_db()
    assert (appeal.status, appeal.executor) == (Status.IN_PROGRESS, other_organization)


def test_suggestions_answer_without_trained_models(client, appeal_in, operator):
    appeal = appeal_in(Status.NEW)
    response = client.get(f"/api/v1/moderation/{appeal.number}/suggestions", **auth(operator))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["routing_rule"]["name"] == "УДХ Липецка"
    assert body["categories"] == [] and body["category_problem"]


# ---------------------------------------------------------------------------- answers


def test_answers_waiting_for_review_publish_and_return(client, appeal_in, operator, executor):
    to_publish = appeal_in(Status.ANSWER_REVIEW)
    to_return = appeal_in(Status.ANSWER_REVIEW)
    headers = auth(operator)
    response = client.get("/api/v1/moderation/answers", **headers)
    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert [i["appeal"]["number"] for i in items] == [to_publish.number, to_return.number]
    first, second = (Answer.objects.get(appeal=a) for a in (to_publish, to_return))
    comment = {} if not first.is_formal_reply else {"comment": "Проверено выездом на место."}
    response = post(client, f"moderation/answers/{first.pk}/publish", comment, headers)
    assert response.status_code == 200, response.content
    assert response.json()["state"] == Answer.State.PUBLISHED
    to_publish.refresh_from_db()
    assert to_publish.status == Status.ANSWERED
    path = f"moderation/answers/{second.pk}/return"
    body = assert_error(post(client, path, {"reasons": ["other"]}, headers), 400)
    assert "comment" in body["fields"]
    assert_error(post(client, path, {"reasons": ["bogus"]}, headers), 400)
    response = post(client, path, {"reasons": ["no_date", "no_evidence"]}, headers)
    assert response.status_code == 200, response.content
    second.refresh_from_db()
    assert second.state == Answer.State.RETURNED
    assert second.rework_reasons == ["no_date", "no_evidence"]
    # Reviewed already: refused, nothing changes.
    assert_error(post(client, path, {"reasons": ["no_date"]}, headers), 400)
    assert_error(post(client, f"moderation/answers/{second.pk}/publish", {}, headers), 400)
    assert client.get("/api/v1/moderation/answers", **headers).json()["count"] == 0


def test_a_flagged_answer_is_published_only_with_a_comment(client, appeal_in, operator, executor):
    appeal = appeal_in(Status.IN_PROGRESS)
    answer = services.submit_answer(appeal=appeal, actor=executor, text=FORMAL)
    assert answer.is_formal_reply
    headers = auth(operator)
    path = f"moderation/answers/{answer.pk}/publish"
    assert "comment" in assert_error(post(client, path, {}, headers), 400)["fields"]
    response = post(client, path, {"comment": "Заявитель просил только справку."}, headers)
    assert response.status_code == 200, response.content


# ---------------------------------------------------------------------------- postponements


def test_postponement_requests_are_listed_and_decided(client, appeal_in, operator, executor):
    appeal = appeal_in(Status.IN_PROGRESS)
    postponement = services.request_postponement(
        appeal=appeal,
        actor=executor,
        new_due_date=(appeal.due_at + timedelta(days=10)).date(),
        reason=REASON,
    )
    other = appeal_in(Status.IN_PROGRESS)
    refused = services.request_postponement(
        appeal=other,
        actor=executor,
        new_due_date=(other.due_at + timedelta(days=10)).date(),
        reason=REASON,
    )
    headers = auth(operator)
    items = client.get("/api/v1/moderation/postponements", **headers).json()["items"]
    assert [i["id"] for i in items] == [postponement.pk, refused.pk]
    assert items[0]["executor"]["name"] == "УДХ Липецка"
    path = f"moderation/postponements/{refused.pk}/decide"
    assert (
        "comment"
        in assert_error(post(client, path, {"decision": "refuse"}, headers), 400)["fields"]
    )
    assert_error(post(client, path, {"decision": "maybe"}, headers), 422)
    response = post(client, path, {"decision": "refuse", "comment": "Срок достаточен."}, headers)
    assert response.json()["state"] == Postponement.State.REFUSED
    response = post(
        client,
        f"moderation/postponements/{postponement.pk}/decide",
        {"decision": "approve"},
        headers,
    )
    assert response.status_code == 200, response.content
    appeal.refresh_from_db()
    assert appeal.due_at == postponement.requested_due_at
    assert appeal.events.filter(action=Action.APPROVE_POSTPONEMENT, actor=operator).exists()
    # Decided already.
    assert_error(post(client, path, {"decision": "approve"}, headers), 400)


# ---------------------------------------------------------------------------- the full story


def test_an_appeal_filed_registered_answered_and_published_through_the_api(
    client, region, municipality, category, organization, citizen, operator, executor
):
    appeal = services.submit_appeal(
        region=region,
        text="Яма на дороге у дома 12 по улице Московской, объехать нельзя.",
        applicant=citizen,
        category=category,
        municipality=municipality,
        latitude=municipality.center_lat,
        longitude=municipality.center_lon,
        address="г. Липецк, ул. Московская, 12",
    )
    moderator = auth(operator)
    worker = auth(executor, ApiScope.APPEALS_WORK)
    response = post(
        client,
        f"moderation/{appeal.number}/register",
        {"executor_id": organization.pk},
        moderator,
    )
    assert response.status_code == 200, response.content
    inbox = client.get("/api/v1/work/inbox", **worker).json()
    assert [i["number"] for i in inbox["items"]] == [appeal.number]
    response = client.post(
        f"/api/v1/work/{appeal.number}/answer", {"text": ANSWER_TEXT + " " + GOOD}, **worker
    )
    assert response.status_code == 201, response.content
    answer_id = response.json()["id"]
    response = post(client, f"moderation/answers/{answer_id}/publish", {}, moderator)
    assert response.status_code == 200, response.content
    appeal = Appeal.objects.get(pk=appeal.pk)
    assert appeal.status == Status.ANSWERED
    assert appeal.answered_at is not None
    history = list(appeal.events.order_by("created_at", "pk").values_list("action", "actor"))
    assert history == [
        (Action.SUBMIT, citizen.pk),
        (Action.REGISTER, operator.pk),
        (Action.ASSIGN, operator.pk),
        (Action.SUBMIT_ANSWER, executor.pk),
        (Action.PUBLISH_ANSWER, operator.pk),
    ]
