"""Every public page shows the public copy of an appeal's text and answer, never the personal
data typed into them; the applicant sees their own original."""

import pytest
from django.urls import reverse

from otklik.appeals.models import Answer, Appeal
from otklik.appeals.search import search_appeals
from otklik.appeals.workflow import Status
from tests.lib.masking_cases import ANSWER_TEXT, PLANTED_TEXT, assert_no_planted


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def planted(appeal_in):
    """An answered appeal whose text and published answer carry personal data."""
    appeal = appeal_in(Status.ANSWERED, text=PLANTED_TEXT)
    Answer.objects.filter(appeal=appeal).update(text=ANSWER_TEXT, public_text=None)
    return appeal


def test_the_public_appeal_page_shows_the_masked_text_and_answer(client, planted):
    body = client.get(reverse("portal:appeal", args=[planted.number])).content.decode()
    assert_no_planted(body)
    assert "[телефон скрыт]" in body
    assert "Уважаемый [имя скрыто]!" in body


def test_the_applicant_sees_the_original_of_their_own_appeal(client, planted, citizen):
    client.force_login(citizen)
    body = client.get(reverse("portal:appeal", args=[planted.number])).content.decode()
    assert "+7 903 123-45-67" in body
    assert "Уважаемый Никита Дмитриевич!" in body


def test_the_public_list_map_and_municipality_pages_show_no_personal_data(
    client, planted, municipality
):
    pages = [
        reverse("portal:appeals"),
        reverse("portal:appeals_geojson"),
        reverse("portal:municipality", args=[municipality.pk]),
    ]
    for url in pages:
        body = client.get(url).content.decode()
        assert_no_planted(body)
    assert "[телефон скрыт]" in client.get(reverse("portal:appeals")).content.decode()


def test_the_public_search_does_not_find_by_a_masked_phone_but_staff_search_does(client, planted):
    url = reverse("portal:appeals")
    assert planted.number not in client.get(url, {"q": "903"}).content.decode()
    assert planted.number in client.get(url, {"q": "подъезда"}).content.decode()
    assert planted in search_appeals(Appeal.objects.all(), "903")
    assert planted not in search_appeals(Appeal.objects.all(), "903", public=True)


def test_the_similar_appeals_block_shows_the_masked_text(
    client, appeal_in, other_citizen, category, municipality
):
    near = appeal_in(Status.IN_PROGRESS, text=PLANTED_TEXT)
    client.force_login(other_citizen)
    response = client.get(
        reverse("portal:similar"),
        {"lat": municipality.center_lat, "lon": municipality.center_lon, "category": category.pk},
    )
    body = response.content.decode()
    assert near.number in body
    assert_no_planted(body)


def test_the_report_form_warns_that_personal_data_is_hidden(client, citizen, region):
    client.force_login(citizen)
    body = client.get(reverse("portal:report")).content.decode()
    assert "Текст публикуется без ваших персональных данных" in body
