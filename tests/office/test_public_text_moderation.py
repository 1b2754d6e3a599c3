"""At moderation the operator sees the public copy with its masks next to the original, and
corrects it before or after accepting the appeal."""

from django.urls import reverse

from otklik.appeals import services
from otklik.appeals.models import AppealEvent
from otklik.appeals.workflow import Status
from tests.lib.masking_cases import PLANTED_TEXT


def _new(region, citizen, category):
    return services.submit_appeal(
        region=region, text=PLANTED_TEXT, applicant=citizen, category=category
    )


def test_the_moderation_page_shows_the_original_and_the_highlighted_masks(
    client, operator, region, citizen, category
):
    appeal = _new(region, citizen, category)
    client.force_login(operator)
    body = client.get(reverse("office:moderate", args=[appeal.number])).content.decode()
    assert "+7 903 123-45-67" in body  # the original, for staff
    assert '<mark class="mask">[телефон скрыт]</mark>' in body
    assert '<mark class="mask">[имя скрыто]</mark>' in body
    assert "телефон «+7 903 123-45-67»" in body  # what was hidden


def test_the_operator_corrects_the_public_text_after_accepting(client, operator, appeal_in):
    appeal = appeal_in(Status.REGISTERED, text=PLANTED_TEXT)
    client.force_login(operator)
    response = client.post(
        reverse("office:correct_public_text", args=[appeal.number]),
        {"text": "Яма у подъезда, ул. Гагарина, д. 5."},
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.public_text == "Яма у подъезда, ул. Гагарина, д. 5."
    event = AppealEvent.objects.filter(appeal=appeal).latest("pk")
    assert (event.actor, event.data["kind"]) == (operator, "public_text_corrected")
    public = client.get(reverse("portal:appeal", args=[appeal.number])).content.decode()
    assert "Яма у подъезда, ул. Гагарина, д. 5." in public


def test_an_empty_correction_is_refused_with_a_message_and_changes_nothing(
    client, operator, appeal_in
):
    appeal = appeal_in(Status.REGISTERED, text=PLANTED_TEXT)
    before = appeal.public_text
    client.force_login(operator)
    response = client.post(
        reverse("office:correct_public_text", args=[appeal.number]), {"text": " "}, follow=True
    )
    assert "Публичный текст не может быть пустым." in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.public_text == before


def test_others_than_moderators_cannot_correct_the_public_text(client, executor, appeal_in):
    appeal = appeal_in(Status.IN_PROGRESS, text=PLANTED_TEXT)
    client.force_login(executor)
    response = client.post(
        reverse("office:correct_public_text", args=[appeal.number]), {"text": "Другое."}
    )
    assert response.status_code in (403, 404)
    appeal.refresh_from_db()
    assert appeal.public_text != "Другое."
