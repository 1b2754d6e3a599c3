"""REST API for executors: the inbox, taking and delegating, the answer with evidence,
postponement requests and redirects — through the services, with bilingual errors."""

import io
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from otklik.accounts.models import ApiScope, Role
from otklik.accounts.tokens import issue_token
from otklik.appeals import services
from otklik.appeals.models import Answer, AppealEvent, Postponement
from otklik.appeals.workflow import Action, Status
from tests.factories import staff

GOOD = "Яма заделана горячим асфальтом 12.03.2026, участок проверен мастером, фото прилагается."
FORMAL = "Ваше обращение рассмотрено. Информация принята к сведению."


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def auth(user, *scopes):
    _token, key = issue_token(user=user, name="test", scopes=scopes or [ApiScope.APPEALS_WORK])
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def jpeg(name="result.jpg"):
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 90, 90)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def url(appeal, action):
    return f"/api/v1/work/{appeal.number}/{action}"


CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def assert_bilingual(response, status):
    """The error's code and message in Russian and English."""
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"]
    assert CYRILLIC.search(body["message_ru"])
    assert body["message_en"]
    assert not CYRILLIC.search(body["message_en"])
    return body


# ---------------------------------------------------------------------------- the inbox


def test_inbox_lists_the_organizations_appeals_in_work_nearest_deadline_first(
    client, appeal_in, executor, category, fast_category, django_assert_max_num_queries
):
    slow = appeal_in(Status.IN_PROGRESS)
    fast = appeal_in(Status.IN_PROGRESS, category=fast_category)
    on_review = appeal_in(Status.ANSWER_REVIEW)
    appeal_in(Status.ANSWERED)
    appeal_in(Status.NEW)
    headers = auth(executor)
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/work/inbox", **headers)
    assert response.status_code == 200
    body = response.json()
    numbers = [item["number"] for item in body["items"]]
    assert sorted(numbers) == sorted([slow.number, fast.number, on_review.number])
    due = [item["due_at"] for item in body["items"]]
    assert due == sorted(due)
    assert body["count"] == 3
    item = next(i for i in body["items"] if i["number"] == slow.number)
    assert item["executor"]["name"] == "УДХ Липецка"
    assert item["category"]["code"] == "potholes"
    assert "personal" not in item and "applicant" not in str(item)


def test_inbox_query_count_does_not_grow_with_the_page(
    client, appeal_in, executor, django_assert_max_num_queries
):
    for _ in range(6):
        appeal_in(Status.IN_PROGRESS)
    headers = auth(executor)
    with django_assert_max_num_queries(12) as few:
        client.get("/api/v1/work/inbox?page_size=2", **headers)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/api/v1/work/inbox?page_size=6", **headers)
    assert len(response.json()["items"]) == 6


def test_inbox_filters_by_status_overdue_deadline_and_category(
    client, appeal_in, executor, operator, fast_category
):
    returned = appeal_in(Status.ANSWER_REVIEW)
    services.return_answer(
        answer=returned.answers.get(), actor=operator, reasons=[Answer.ReworkReason.NO_DATE]
    )
    fresh = appeal_in(Status.IN_PROGRESS, category=fast_category)
    late = appeal_in(Status.IN_PROGRESS, now=timezone.now() - timedelta(days=90))
    headers = auth(executor)

    def numbers(query):
        response = client.get(f"/api/v1/work/inbox?{query}", **headers)
        assert response.status_code == 200, response.content
        return {item["number"] for item in response.json()["items"]}

    assert numbers("status=returned") == {returned.number}
    assert numbers("overdue=true") == {late.number}
    assert late.number not in numbers("overdue=false")
    assert numbers("category=traffic-lights") == {fresh.number}
    assert numbers("category=roads") == {returned.number, fresh.number, late.number}
    before = (late.due_at + timedelta(days=1)).date().isoformat()
    assert numbers(f"due_before={before}") == {late.number}
    returned_item = client.get("/api/v1/work/inbox?status=returned", **headers).json()["items"][0]
    assert returned_item["returned_for_rework"] is True


def test_inbox_refuses_bad_filters_with_422_not_500(client, executor):
    headers = auth(executor)
    for query in ("status=nonsense", "due_before=31.02.2026", "page=0", "page_size=1000"):
        response = client.get(f"/api/v1/work/inbox?{query}", **headers)
        assert_bilingual(response, 422)


# ---------------------------------------------------------------------------- take, delegate


def test_take_makes_the_caller_responsible_and_writes_the_event(client, appeal_in, executor):
    appeal = appeal_in(Status.IN_PROGRESS)
    response = client.post(url(appeal, "take"), **auth(executor))
    assert response.status_code == 200, response.content
    appeal.refresh_from_db()
    assert appeal.assignee == executor
    event = appeal.events.order_by("-pk").first()
    assert (event.action, event.actor) == (Action.DELEGATE, executor)
    # The executor in scope sees the applicant's contacts in the detail.
    assert response.json()["personal"]["applicant_email"] == "ivan.petrov@example.ru"


def test_delegate_to_a_colleague_and_not_to_an_outsider(
    client, appeal_in, executor, organization, other_org_executor
):
    appeal = appeal_in(Status.IN_PROGRESS)
    colleague = staff(Role.EXECUTOR, organization, email="colleague@example.ru")
    headers = auth(executor)
    response = client.post(
        url(appeal, "delegate"),
        {"assignee_id": colleague.pk},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200, response.content
    appeal.refresh_from_db()
    assert appeal.assignee == colleague
    response = client.post(
        url(appeal, "delegate"),
        {"assignee_id": other_org_executor.pk},
        content_type="application/json",
        **headers,
    )
    assert_bilingual(response, 400)
    response = client.post(
        url(appeal, "delegate"), {"assignee_id": 999999}, content_type="application/json", **headers
    )
    assert "assignee_id" in assert_bilingual(response, 400)["fields"]
    appeal.refresh_from_db()
    assert appeal.assignee == colleague


# ---------------------------------------------------------------------------- the answer


def test_answer_with_a_photo_goes_to_review(client, appeal_in, executor):
    appeal = appeal_in(Status.IN_PROGRESS)
    response = client.post(
        url(appeal, "answer"),
        {"text": GOOD, "resolution": "solved", "files": [jpeg(), jpeg("second.jpg")]},
        **auth(executor),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == Answer.State.REVIEW
    assert body["evidence"] == 2
    assert body["appeal"]["status"] == Status.ANSWER_REVIEW
    answer = Answer.objects.get(pk=body["id"])
    assert answer.author == executor
    assert answer.attachments.count() == 2
    assert appeal.events.filter(action=Action.SUBMIT_ANSWER, actor=executor).exists()


def test_formal_answer_is_refused_with_findings_until_acknowledged(client, appeal_in, executor):
    appeal = appeal_in(Status.IN_PROGRESS)
    headers = auth(executor)
    response = client.post(url(appeal, "answer"), {"text": FORMAL}, **headers)
    body = assert_bilingual(response, 409)
    assert body["error"] == "formal_reply"
    assert body["findings"] and all(f["message_ru"] for f in body["findings"])
    assert not Answer.objects.filter(appeal=appeal).exists()
    response = client.post(
        url(appeal, "answer"), {"text": FORMAL, "acknowledged": "true"}, **headers
    )
    assert response.status_code == 201, response.content
    assert response.json()["is_formal_reply"] is True


def test_answer_errors_are_bilingual_and_keep_the_appeal_as_it_was(client, appeal_in, executor):
    appeal = appeal_in(Status.IN_PROGRESS)
    headers = auth(executor)
    response = client.post(
        url(appeal, "answer"), {"text": "Сделано.", "acknowledged": "true"}, **headers
    )
    assert_bilingual(response, 400)
    response = client.post(
        url(appeal, "answer"), {"text": GOOD, "resolution": "duplicate"}, **headers
    )
    assert_bilingual(response, 422)
    bad_file = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = client.post(url(appeal, "answer"), {"text": GOOD, "files": [bad_file]}, **headers)
    assert_bilingual(response, 400)
    appeal.refresh_from_db()
    assert appeal.status == Status.IN_PROGRESS
    assert not appeal.answers.exists()


def test_answer_in_the_wrong_status_is_a_409_conflict(client, appeal_in, executor):
    appeal = appeal_in(Status.ANSWER_REVIEW)
    response = client.post(url(appeal, "answer"), {"text": GOOD}, **auth(executor))
    body = assert_bilingual(response, 409)
    assert body["appeal_status"] == Status.ANSWER_REVIEW
    assert appeal.answers.count() == 1


# ---------------------------------------------------------------------------- postponements


def test_postponement_request_and_its_errors(client, appeal_in, executor):
    appeal = appeal_in(Status.IN_PROGRESS)
    headers = auth(executor)
    new_date = (appeal.due_at + timedelta(days=10)).date().isoformat()
    body = {"new_due_date": new_date, "reason": "Нужен асфальтобетонный завод, откроется в апреле."}
    response = client.post(
        url(appeal, "postponement"), body, content_type="application/json", **headers
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["state"] == Postponement.State.PENDING
    assert created["is_repeated"] is False
    assert appeal.events.filter(action=Action.REQUEST_POSTPONEMENT, actor=executor).exists()
    # A second request while the first waits: refused by the service, in both languages.
    response = client.post(
        url(appeal, "postponement"), body, content_type="application/json", **headers
    )
    assert_bilingual(response, 400)
    too_far = (appeal.due_at + timedelta(days=120)).date().isoformat()
    response = client.post(
        url(appeal, "postponement"),
        {**body, "new_due_date": too_far},
        content_type="application/json",
        **headers,
    )
    assert_bilingual(response, 400)
    response = client.post(
        url(appeal, "postponement"),
        {**body, "new_due_date": "2026-13-45"},
        content_type="application/json",
        **headers,
    )
    assert_bilingual(response, 422)
    assert appeal.postponements.count() == 1


def test_short_postponement_reason_is_a_field_error(client, appeal_in, executor):
    appeal = appeal_in(Status.IN_PROGRESS)
    new_date = (appeal.due_at + timedelta(days=5)).date().isoformat()
    response = client.post(
        url(appeal, "postponement"),
        {"new_due_date": new_date, "reason": "  "},
        content_type="application/json",
        **auth(executor),
    )
    assert "reason" in assert_bilingual(response, 400)["fields"]


# ---------------------------------------------------------------------------- redirect


def test_redirect_gives_the_appeal_back_and_the_executor_loses_it(client, appeal_in, executor):
    appeal = appeal_in(Status.IN_PROGRESS)
    headers = auth(executor)
    response = client.post(
        url(appeal, "redirect"),
        {"reason": "Это вопрос управляющей компании."},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == Status.REGISTERED
    assert AppealEvent.objects.filter(appeal=appeal, action=Action.REDIRECT).exists()
    response = client.post(url(appeal, "take"), **headers)
    assert_bilingual(response, 404)
