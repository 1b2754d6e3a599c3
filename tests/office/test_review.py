"""Review pages of the control centre: the queue, an answer published or returned, a
postponement approved or refused — and no input that breaks them."""

import re
from datetime import date, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from otklik.appeals import services, tasks
from otklik.appeals.models import Answer, AppealEvent, Postponement
from otklik.appeals.workflow import Action, Status
from otklik.notifications.models import Notification

MSK = ZoneInfo("Europe/Moscow")
GOOD = "Яма заделана горячим асфальтом 12.03.2026, участок проверен мастером."
FORMAL = "Ваше обращение рассмотрено. Информация принята к сведению."
REASON = "Нужен асфальтобетонный завод, он откроется в апреле."
LONG_REASON = "Подрядчик расторг контракт, новый аукцион завершится через три недели, затем ремонт."


def review_url(answer):
    return reverse("office:review_answer", args=[answer.pk])


def postponement_url(postponement):
    return reverse("office:review_postponement", args=[postponement.pk])


@pytest.fixture
def formal_answer(appeal_in, executor):
    appeal = appeal_in(Status.IN_PROGRESS)
    answer = services.submit_answer(appeal=appeal, actor=executor, text=FORMAL)
    assert answer.is_formal_reply
    return answer


def jpeg(name="result.jpg"):
    buffer = BytesIO()
    Image.new("RGB", (64, 48), (90, 90, 90)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def good_answer(appeal_in, executor):
    appeal = appeal_in(Status.IN_PROGRESS)
    answer = services.submit_answer(appeal=appeal, actor=executor, text=GOOD, photos=[jpeg()])
    assert not answer.is_formal_reply
    return answer


@pytest.fixture
def working(appeal_in):
    return appeal_in(Status.IN_PROGRESS, now=datetime(2025, 6, 2, 9, 0, tzinfo=MSK))


def ask(appeal, executor, day=date(2025, 7, 20), reason=REASON):
    # Asked before the first deadline (2 July 2025); decided whenever the operator gets to it.
    return services.request_postponement(
        appeal=appeal,
        actor=executor,
        new_due_date=day,
        reason=reason,
        now=datetime(2025, 6, 20, 10, 0, tzinfo=MSK),
    )


# ---------------------------------------------------------------------------- the queue


def test_queue_is_for_operators_only(client, executor, supervisor):
    for user in (executor, supervisor):
        client.force_login(user)
        assert client.get(reverse("office:review")).status_code == 403


def test_queue_lists_answers_oldest_first_within_scope_with_flags(
    client,
    operator,
    municipal_operator,
    appeal_in,
    executor,
    formal_answer,
    django_assert_max_num_queries,
):
    later = appeal_in(Status.ANSWER_REVIEW, now=timezone.now()).answers.get()
    assert later.submitted_at > formal_answer.submitted_at
    client.force_login(operator)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("office:review"))
    html = response.content.decode()
    assert html.index(formal_answer.appeal.number) < html.index(later.appeal.number)
    assert "отписка?" in html
    labels = dict(Answer.ReworkReason.choices)
    for finding in formal_answer.formal_reply_reasons:
        assert str(labels[finding["code"]]) in html
    # A municipal operator of Yelets sees none of Lipetsk's answers.
    client.force_login(municipal_operator)
    html = client.get(reverse("office:review")).content.decode()
    assert formal_answer.appeal.number not in html


def test_queue_query_count_does_not_grow(
    client, operator, appeal_in, executor, django_assert_max_num_queries
):
    for _ in range(3):
        appeal_in(Status.ANSWER_REVIEW)
    appeal = appeal_in(Status.IN_PROGRESS, now=datetime(2025, 6, 2, 9, 0, tzinfo=MSK))
    ask(appeal, executor)
    client.force_login(operator)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("office:review"))
    for _ in range(5):
        appeal_in(Status.ANSWER_REVIEW)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("office:review"))


def test_queue_counts_earlier_returns_and_flags_repeated_postponements(
    client, operator, executor, working, formal_answer
):
    services.return_answer(answer=formal_answer, actor=operator, reasons=["no_action"])
    services.submit_answer(appeal=formal_answer.appeal, actor=executor, text=FORMAL + " Ещё раз.")
    first = ask(working, executor)
    services.decide_postponement(postponement=first, actor=operator, approve=True)
    working.refresh_from_db()
    second = ask(working, executor, day=date(2025, 8, 10), reason=LONG_REASON)
    assert second.is_repeated
    client.force_login(operator)
    response = client.get(reverse("office:review"))
    answers = list(response.context["answers"].object_list)
    assert [a.returned_before for a in answers] == [1]
    html = response.content.decode()
    assert 'class="repeated"' in html
    assert "повторный" in html


# ---------------------------------------------------------------------------- an answer


def test_return_form_comes_prechecked_from_the_findings(client, operator, formal_answer):
    client.force_login(operator)
    response = client.get(review_url(formal_answer))
    assert response.status_code == 200
    codes = [f["code"] for f in formal_answer.formal_reply_reasons]
    assert codes
    assert response.context["return_form"].initial["reasons"] == codes
    html = response.content.decode()
    checked = set(re.findall(r'name="return-reasons" value="(\w+)"[^>]*checked', html))
    assert checked == set(codes)


def test_return_is_recorded_and_goes_to_the_next_answer(
    client, operator, formal_answer, good_answer
):
    client.force_login(operator)
    response = client.post(
        review_url(formal_answer),
        {"action": "return", "return-reasons": ["no_action", "no_date"], "return-comment": ""},
    )
    assert response.status_code == 302
    assert response["Location"] == review_url(good_answer)
    formal_answer.refresh_from_db()
    assert formal_answer.state == Answer.State.RETURNED
    assert formal_answer.rework_reasons == ["no_action", "no_date"]
    event = AppealEvent.objects.filter(
        appeal=formal_answer.appeal, action=Action.RETURN_FOR_REWORK
    ).get()
    assert event.data["reasons"] == ["no_action", "no_date"]
    formal_answer.appeal.refresh_from_db()
    assert formal_answer.appeal.status == Status.IN_PROGRESS


def test_return_needs_a_reason_and_other_needs_a_comment(client, operator, formal_answer):
    client.force_login(operator)
    response = client.post(review_url(formal_answer), {"action": "return"})
    assert response.status_code == 200
    assert "Выберите хотя бы одну причину" in response.content.decode()
    response = client.post(
        review_url(formal_answer),
        {"action": "return", "return-reasons": ["other"], "return-comment": "  "},
    )
    assert response.status_code == 200
    assert "Опишите причину «другое»" in response.content.decode()
    formal_answer.refresh_from_db()
    assert formal_answer.state == Answer.State.REVIEW


def test_publishing_a_flagged_answer_needs_a_comment(client, operator, formal_answer):
    client.force_login(operator)
    response = client.post(review_url(formal_answer), {"action": "publish"})
    assert response.status_code == 200
    assert "объясните, почему вы его публикуете" in response.content.decode()
    formal_answer.refresh_from_db()
    assert formal_answer.state == Answer.State.REVIEW
    response = client.post(
        review_url(formal_answer),
        {"action": "publish", "publish-comment": "Работы выполнены, заявитель подтвердил."},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("office:review")
    formal_answer.refresh_from_db()
    assert formal_answer.state == Answer.State.PUBLISHED
    assert formal_answer.review_comment == "Работы выполнены, заявитель подтвердил."


def test_a_clean_answer_is_published_without_comment_and_twice_is_harmless(
    client, operator, good_answer
):
    client.force_login(operator)
    first = client.post(review_url(good_answer), {"action": "publish"})
    second = client.post(review_url(good_answer), {"action": "publish"}, follow=True)
    assert first.status_code == 302
    assert second.status_code == 200
    assert "Этот ответ уже проверен" in second.content.decode()
    good_answer.refresh_from_db()
    assert good_answer.state == Answer.State.PUBLISHED
    assert (
        AppealEvent.objects.filter(appeal=good_answer.appeal, action=Action.PUBLISH_ANSWER).count()
        == 1
    )


def test_a_reviewed_answer_shows_its_outcome_and_no_buttons(client, operator, formal_answer):
    services.return_answer(
        answer=formal_answer, actor=operator, reasons=["no_date"], comment="Укажите срок."
    )
    client.force_login(operator)
    html = client.get(review_url(formal_answer)).content.decode()
    assert "Итог проверки" in html
    assert "Укажите срок." in html
    assert 'name="action"' not in html


def test_earlier_answers_are_shown_with_their_rework_reasons(
    client, operator, executor, formal_answer
):
    services.return_answer(answer=formal_answer, actor=operator, reasons=["no_evidence"])
    second = services.submit_answer(
        appeal=formal_answer.appeal,
        actor=executor,
        text="Яма заделана 12.03.2026 горячим асфальтом, фото прилагается.",
    )
    client.force_login(operator)
    response = client.get(review_url(second))
    assert [a.pk for a in response.context["earlier"]] == [formal_answer.pk]
    label = str(Answer.ReworkReason.NO_EVIDENCE.label)
    assert response.context["earlier"][0].reason_labels == [label]
    assert label in response.content.decode()


def test_answers_out_of_scope_and_garbage_ids_are_404(
    client, municipal_operator, operator, formal_answer
):
    client.force_login(municipal_operator)
    assert client.get(review_url(formal_answer)).status_code == 404
    assert client.post(review_url(formal_answer), {"action": "publish"}).status_code == 404
    client.force_login(operator)
    for pk in ("0", "999999", "99999999999999999999999"):
        assert client.get(f"/office/review/answers/{pk}/").status_code == 404
        assert client.get(f"/office/review/postponements/{pk}/").status_code == 404
    assert client.get("/office/review/answers/abc/").status_code == 404


def test_garbage_posts_do_not_break_the_answer_page(client, operator, formal_answer):
    client.force_login(operator)
    url = review_url(formal_answer)
    for data in (
        {},
        {"action": "nonsense"},
        {"action": "return", "return-reasons": ["not-a-reason"]},
        {"action": "publish", "publish-comment": "x" * 6000},
    ):
        assert client.post(url, data).status_code in (200, 302)
    formal_answer.refresh_from_db()
    assert formal_answer.state == Answer.State.REVIEW


# ---------------------------------------------------------------------------- postponements


def test_approval_moves_the_deadline_and_queues_the_applicants_letter(
    client, operator, executor, citizen, working
):
    postponement = ask(working, executor)
    tasks.process_outbox.call()
    client.force_login(operator)
    page = client.get(postponement_url(postponement))
    assert page.status_code == 200
    assert "повторный перенос" not in page.content.decode().lower()
    response = client.post(postponement_url(postponement), {"decision": "approve"})
    assert response.status_code == 302
    working.refresh_from_db()
    assert working.due_at == datetime(2025, 7, 20, 23, 59, 59, tzinfo=MSK)
    postponement.refresh_from_db()
    assert postponement.state == Postponement.State.APPROVED
    tasks.process_outbox.call()
    letter = Notification.objects.get(recipient=citizen, event__action=Action.APPROVE_POSTPONEMENT)
    assert "20.07.2025" in letter.body


def test_refusal_needs_a_comment(client, operator, executor, working):
    postponement = ask(working, executor)
    client.force_login(operator)
    response = client.post(postponement_url(postponement), {"decision": "refuse"})
    assert response.status_code == 200
    assert "Напишите, почему в переносе отказано" in response.content.decode()
    postponement.refresh_from_db()
    assert postponement.state == Postponement.State.PENDING
    response = client.post(
        postponement_url(postponement),
        {"decision": "refuse", "comment": "Срок достаточен для ямочного ремонта."},
    )
    assert response.status_code == 302
    postponement.refresh_from_db()
    assert postponement.state == Postponement.State.REFUSED
    working.refresh_from_db()
    assert working.due_at == postponement.previous_due_at


def test_a_repeated_postponement_is_flagged_and_needs_a_comment(
    client, operator, executor, working
):
    services.decide_postponement(postponement=ask(working, executor), actor=operator, approve=True)
    working.refresh_from_db()
    second = ask(working, executor, day=date(2025, 8, 10), reason=LONG_REASON)
    client.force_login(operator)
    page = client.get(postponement_url(second))
    html = page.content.decode()
    assert "Повторный перенос — учитывается в рейтинге" in html
    assert page.context["approved_before"] == 1
    response = client.post(postponement_url(second), {"decision": "approve"})
    assert response.status_code == 200
    assert "Повторный перенос требует комментария" in response.content.decode()
    response = client.post(
        postponement_url(second),
        {"decision": "approve", "comment": "Согласовано с заместителем главы."},
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.state == Postponement.State.APPROVED
    assert second.is_repeated


def test_a_decided_request_shows_the_decision_and_a_second_post_is_harmless(
    client, operator, executor, working
):
    postponement = ask(working, executor)
    client.force_login(operator)
    client.post(postponement_url(postponement), {"decision": "approve"})
    again = client.post(
        postponement_url(postponement), {"decision": "refuse", "comment": "Передумал."}
    )
    assert again.status_code == 302
    postponement.refresh_from_db()
    assert postponement.state == Postponement.State.APPROVED
    html = client.get(postponement_url(postponement)).content.decode()
    assert 'name="decision"' not in html


def test_garbage_decisions_and_out_of_scope_requests(
    client, operator, municipal_operator, executor, working
):
    postponement = ask(working, executor)
    client.force_login(municipal_operator)
    assert client.get(postponement_url(postponement)).status_code == 404
    client.force_login(operator)
    for data in ({}, {"decision": "maybe"}, {"decision": "approve", "comment": "x" * 6000}):
        assert client.post(postponement_url(postponement), data).status_code == 200
    postponement.refresh_from_db()
    assert postponement.state == Postponement.State.PENDING


def test_a_stale_request_shows_the_services_message(client, operator, executor, working):
    postponement = ask(working, executor)
    # The clock moved the deadline beyond the requested date meanwhile (a clarification pause).
    type(working).objects.filter(pk=working.pk).update(
        due_at=postponement.requested_due_at + timedelta(days=1)
    )
    client.force_login(operator)
    response = client.post(postponement_url(postponement), {"decision": "approve"})
    assert response.status_code == 200
    assert "должен быть позже текущего" in response.content.decode()
