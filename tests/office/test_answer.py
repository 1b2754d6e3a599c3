"""The executor's answer: templates, the live formal-reply check, drafts kept across a flagged
send, evidence photos and PDF documents, and no server error on any input."""

import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter

from otklik.appeals import services
from otklik.appeals.models import Answer, Attachment, DraftPhoto
from otklik.appeals.workflow import Status
from otklik.directory.models import AnswerTemplate
from tests.factories import CategoryFactory

FORMAL = "Ваше обращение рассмотрено. Вопрос будет рассмотрен в установленном порядке."
GOOD = "Яма заделана горячим асфальтом 12.03.2026, мастер участка проверил работу на месте."


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def appeal(appeal_in):
    return appeal_in(Status.IN_PROGRESS)


def url(appeal, tail="answer/"):
    return f"/office/appeals/{appeal.number}/{tail}"


def jpeg(name="result.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 90, 90)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def pdf(name="act.pdf") -> SimpleUploadedFile:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/pdf")


def post(client, appeal, **fields):
    data = {"form_key": str(uuid.uuid4()), "text": GOOD, "resolution": "solved"}
    data.update(fields)
    return client.post(url(appeal), data)


def test_form_offers_templates_of_the_category_first_and_prefills_without_js(
    client, executor, organization, appeal, roads
):
    other = CategoryFactory(code="lights", name="Освещение")
    AnswerTemplate.objects.create(
        organization=organization, title="А: общий", text="Общий текст ответа для всех случаев."
    )
    AnswerTemplate.objects.create(
        organization=organization, category=other, title="Б: свет", text="Фонарь заменён."
    )
    pothole = AnswerTemplate.objects.create(
        organization=organization,
        category=appeal.category,
        title="В: яма",
        text="Яма заделана ДАТА, фото прилагается.",
    )
    AnswerTemplate.objects.create(
        organization=organization, title="Г: старый", text="Старый текст.", is_active=False
    )
    client.force_login(executor)
    html = client.get(url(appeal)).content.decode()
    assert html.index("В: яма") < html.index("А: общий") < html.index("Б: свет")
    assert "Г: старый" not in html
    assert 'accept="image/*,application/pdf"' in html
    response = client.get(url(appeal) + f"?template={pothole.pk}")
    assert "Яма заделана ДАТА, фото прилагается.</textarea>" in response.content.decode()
    for garbage in ("abc", "999999", "-1", "1" * 30):
        assert client.get(url(appeal) + f"?template={garbage}").status_code == 200


def test_another_orgs_templates_are_never_offered(client, executor, other_organization, appeal):
    foreign = AnswerTemplate.objects.create(
        organization=other_organization, title="Чужой", text="Чужой текст ответа."
    )
    client.force_login(executor)
    html = client.get(url(appeal) + f"?template={foreign.pk}").content.decode()
    assert "Чужой" not in html


def test_check_fragment_lists_the_reasons(client, executor, appeal):
    client.force_login(executor)
    response = client.post(
        url(appeal, "answer/check/"), {"text": FORMAL, "resolution": "solved", "evidence": "0"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'data-code="no_action"' in html
    assert 'data-code="no_date"' in html
    assert "Я видел(а) замечания и всё равно отправляю" in html


def test_check_fragment_says_no_remarks_for_a_good_answer(client, executor, appeal):
    client.force_login(executor)
    response = client.post(
        url(appeal, "answer/check/"), {"text": GOOD, "resolution": "solved", "evidence": "1"}
    )
    assert "Замечаний нет" in response.content.decode()


def test_check_counts_evidence_where_the_category_needs_it(client, executor, appeal):
    appeal.category.needs_evidence = True
    appeal.category.save(update_fields=["needs_evidence"])
    client.force_login(executor)
    check = url(appeal, "answer/check/")
    without = client.post(check, {"text": GOOD, "resolution": "solved", "evidence": "0"})
    assert 'data-code="no_evidence"' in without.content.decode()
    with_photo = client.post(check, {"text": GOOD, "resolution": "solved", "evidence": "2"})
    assert 'data-code="no_evidence"' not in with_photo.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"text": "", "resolution": "", "evidence": ""},
        {"text": "x" * 20000, "resolution": "nonsense", "evidence": "-5"},
        {"text": FORMAL, "evidence": "99999999999999999999"},
    ],
)
def test_check_never_fails_on_garbage(client, executor, appeal, data):
    client.force_login(executor)
    assert client.post(url(appeal, "answer/check/"), data).status_code == 200


def test_check_is_only_for_the_executor(client, operator, other_org_executor, appeal):
    client.force_login(operator)
    assert client.post(url(appeal, "answer/check/"), {"text": FORMAL}).status_code == 403
    client.force_login(other_org_executor)
    assert client.post(url(appeal, "answer/check/"), {"text": FORMAL}).status_code == 404


def test_a_clean_answer_goes_straight_through(client, executor, appeal):
    client.force_login(executor)
    response = post(client, appeal, files=[jpeg()])
    assert response.status_code == 302
    assert response["Location"] == f"/office/appeals/{appeal.number}/"
    answer = Answer.objects.get(appeal=appeal)
    assert answer.text == GOOD
    assert not answer.is_formal_reply
    assert answer.attachments.get().kind == Attachment.Kind.PHOTO
    appeal.refresh_from_db()
    assert appeal.status == Status.ANSWER_REVIEW
    assert not DraftPhoto.objects.exists()


def test_flagged_answer_is_reshown_with_drafts_then_sent_with_the_acknowledgement(
    client, executor, appeal
):
    client.force_login(executor)
    key = str(uuid.uuid4())
    response = client.post(
        url(appeal),
        {
            "form_key": key,
            "text": FORMAL,
            "resolution": "explained",
            "files": [jpeg("one.jpg"), pdf("act.pdf")],
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert not Answer.objects.exists()
    assert "Проверка нашла признаки отписки" in html
    assert FORMAL in html
    assert 'value="explained" id="id_resolution_1" checked' in html or (
        'value="explained"' in html and "checked" in html
    )
    drafts = list(DraftPhoto.objects.filter(owner=executor, form_key=key))
    assert len(drafts) == 2
    assert {d.content_type for d in drafts} == {"image/jpeg", "application/pdf"}
    for draft in drafts:
        assert f'name="draft" value="{draft.pk}"' in html
    assert "убрать" in html
    # Sent again with the acknowledgement: the drafts become the answer's attachments.
    response = client.post(
        url(appeal),
        {
            "form_key": key,
            "text": FORMAL,
            "resolution": "explained",
            "draft": [str(d.pk) for d in drafts],
            "acknowledged": "on",
        },
    )
    assert response.status_code == 302
    answer = Answer.objects.get(appeal=appeal)
    assert answer.is_formal_reply
    assert answer.resolution == "explained"
    assert sorted(a.kind for a in answer.attachments.all()) == ["document", "photo"]
    assert not DraftPhoto.objects.exists()


def test_a_removed_draft_is_not_attached(client, executor, appeal):
    client.force_login(executor)
    key = str(uuid.uuid4())
    client.post(url(appeal), {"form_key": key, "text": FORMAL, "files": [jpeg(), jpeg("b.jpg")]})
    first, second = DraftPhoto.objects.filter(form_key=key).order_by("pk")
    response = client.post(
        url(appeal),
        {
            "form_key": key,
            "text": GOOD,
            "resolution": "solved",
            "draft": [str(first.pk), str(second.pk)],
            "remove_draft": [str(second.pk)],
        },
    )
    assert response.status_code == 302
    assert Answer.objects.get().attachments.count() == 1


def test_a_pdf_is_stored_as_a_document(client, executor, appeal):
    client.force_login(executor)
    response = post(client, appeal, files=[pdf("akt-vypolnennyh-rabot.pdf")])
    assert response.status_code == 302
    attachment = Answer.objects.get().attachments.get()
    assert attachment.kind == Attachment.Kind.DOCUMENT
    assert attachment.content_type == "application/pdf"
    html = client.get(f"/office/appeals/{appeal.number}/").content.decode()
    assert "akt-vypolnennyh-rabot.pdf" in html


def test_someone_elses_drafts_are_ignored(client, executor, appeal, organization):
    client.force_login(executor)
    key = str(uuid.uuid4())
    foreign, _ = services.keep_draft_photos(owner=appeal.applicant, form_key=key, uploads=[jpeg()])
    response = post(client, appeal, form_key=key, draft=[str(foreign[0].pk)], acknowledged="on")
    assert response.status_code == 302
    assert Answer.objects.get().attachments.count() == 0
    assert DraftPhoto.objects.filter(pk=foreign[0].pk).exists()


def test_a_fake_image_is_an_error_and_keeps_the_text(client, executor, appeal):
    client.force_login(executor)
    fake = SimpleUploadedFile("fake.jpg", b"not an image at all", content_type="image/jpeg")
    response = post(client, appeal, files=[fake])
    assert response.status_code == 400
    assert GOOD in response.content.decode()
    assert not Answer.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"text": ""},
        {"text": "коротко", "acknowledged": "on"},
        {"resolution": "duplicate"},
        {"resolution": ""},
        {"form_key": "not-a-uuid", "draft": ["x", "-1", "9" * 30]},
        {"text": "я" * 6000},
    ],
)
def test_garbage_input_is_an_error_not_a_500(client, executor, appeal, fields):
    client.force_login(executor)
    response = post(client, appeal, **fields)
    assert response.status_code in (200, 302, 400)
    if response.status_code != 302:
        assert not Answer.objects.exists()


def test_previous_returned_answer_shows_the_reasons_on_top(client, executor, operator, appeal):
    answer = services.submit_answer(appeal=appeal, actor=executor, text=FORMAL)
    services.return_answer(
        answer=answer, actor=operator, reasons=["no_date", "no_evidence"], comment="Нужны сроки"
    )
    client.force_login(executor)
    html = client.get(url(appeal)).content.decode()
    assert "Предыдущий ответ возвращён на доработку" in html
    assert "Нужны сроки" in html
    assert "нет даты или срока" in html or "no date" not in html


def test_answer_page_is_refused_when_not_in_progress_or_not_the_executor(
    client, executor, operator, appeal_in
):
    in_review = appeal_in(Status.ANSWER_REVIEW)
    client.force_login(executor)
    response = client.get(url(in_review), follow=True)
    assert "уже недоступно" in response.content.decode()
    assert post(client, in_review).status_code == 302
    assert in_review.answers.count() == 1
    client.force_login(operator)
    assert client.get(url(in_review)).status_code == 403
