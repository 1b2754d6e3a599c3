"""Similar appeals near the pin: open public appeals of the same category within 300 m, ranked
by the duplicate search (nearer first at the same age), at most five, without the applicants'
data; shown before a duplicate is filed."""

import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from otklik.appeals.models import Appeal
from otklik.appeals.workflow import Status
from otklik.portal.report import similar_appeals

LAT, LON = 52.61, 39.59
URL = "/report/similar/"


@pytest.fixture
def near(appeal_in, other_citizen):
    """`near(status, dlat, dlon)`: another resident's appeal at an offset from the pin."""

    def make(status=Status.IN_PROGRESS, dlat=0.0, dlon=0.0, **overrides):
        return appeal_in(
            status,
            applicant=overrides.pop("applicant", other_citizen),
            latitude=LAT + dlat,
            longitude=LON + dlon,
            **overrides,
        )

    return make


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 20, 30)).save(out, "JPEG")
    return SimpleUploadedFile("yama.jpg", out.getvalue(), content_type="image/jpeg")


def numbers(found):
    return [appeal.number for appeal in found]


def test_open_public_appeals_within_300_m_nearer_first(near, citizen, category):
    close = near(dlat=0.001)  # about 110 m
    closer = near(dlat=-0.002)  # about 220 m, filed later
    near(dlat=0.0035)  # about 390 m: outside the square
    near(dlat=0.0022, dlon=0.0036)  # inside the square, about 345 m: outside the circle
    found = similar_appeals(category=category, lat=LAT, lon=LON, user=citizen)
    assert numbers(found) == [close.number, closer.number]
    assert [a.distance for a in found] == [111, 222]
    assert found[0].reasons.startswith("в 111 м, та же категория")


def test_only_the_same_category(near, citizen, category, fast_category, organization):
    near(category=fast_category)
    assert similar_appeals(category=category, lat=LAT, lon=LON, user=citizen) == []
    assert len(similar_appeals(category=fast_category, lat=LAT, lon=LON, user=citizen)) == 1


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        (Status.NEW, False),  # not moderated yet: not public
        (Status.REGISTERED, True),
        (Status.IN_PROGRESS, True),
        (Status.ANSWER_REVIEW, True),
        (Status.ANSWERED, False),
        (Status.CLOSED, False),
        (Status.REJECTED, False),
    ],
)
def test_only_open_public_statuses(near, citizen, category, status, shown, db):
    from tests.factories import RejectionReasonFactory

    RejectionReasonFactory(code="spam")
    near(status)
    assert bool(similar_appeals(category=category, lat=LAT, lon=LON, user=citizen)) is shown


def test_private_appeals_are_not_shown(near, citizen, category):
    near(is_public=False)
    assert similar_appeals(category=category, lat=LAT, lon=LON, user=citizen) == []


def test_at_most_five(near, citizen, category):
    made = [near(dlat=i * 0.0001) for i in range(7)]
    found = similar_appeals(category=category, lat=LAT, lon=LON, user=citizen)
    assert numbers(found) == [a.number for a in made][:5]


def test_fragment_lists_appeals_without_applicant_data(
    client, near, citizen, other_citizen, category, django_assert_max_num_queries
):
    for i in range(4):
        near(dlat=i * 0.0002)
    client.force_login(citizen)
    with django_assert_max_num_queries(8):
        response = client.get(URL, {"lat": LAT, "lon": LON, "category": category.pk})
    html = response.content.decode()
    assert html.count('class="similar-item"') == 4
    assert html.count("У меня та же проблема") == 4
    assert 'name="confirm_new" value="1"' in html
    for secret in (other_citizen.email, other_citizen.full_name, other_citizen.phone):
        assert secret not in html


def test_own_appeal_has_no_support_button(client, near, citizen, category):
    near(applicant=citizen)
    client.force_login(citizen)
    html = client.get(URL, {"lat": LAT, "lon": LON, "category": category.pk}).content.decode()
    assert "Это ваше обращение" in html
    assert "У меня та же проблема" not in html


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"lat": "nan", "lon": "inf", "category": "1"},
        {"lat": "abc", "lon": "1", "category": "1"},
        {"lat": "95", "lon": "1", "category": "1"},
        {"lat": "52.61", "lon": "39.59", "category": "x"},
        {"lat": "52.61", "lon": "39.59", "category": "99999999999999999999999"},
        {"lat": "52.61", "lon": "39.59", "category": "-1"},
    ],
)
def test_garbage_gives_an_empty_fragment(client, near, citizen, params):
    near()
    client.force_login(citizen)
    response = client.get(URL, params)
    assert response.status_code == 200
    assert "similar-item" not in response.content.decode()


def test_fragment_needs_login(client, region):
    assert client.get(URL, {"lat": LAT, "lon": LON, "category": 1}).status_code == 302


def test_first_post_stops_at_similar_appeals_and_confirm_sends(
    client, near, citizen, region, municipality, category
):
    existing = near(dlat=0.001)
    client.force_login(citizen)
    values = {
        "form_key": str(uuid.uuid4()),
        "category": category.pk,
        "latitude": LAT,
        "longitude": LON,
        "text": "Яма на дороге у дома 12.",
    }
    response = client.post("/report/", {**values, "photos": [jpeg()]})
    html = response.content.decode()
    assert response.status_code == 200
    assert existing.number in html
    assert "Всё равно отправить новое сообщение" in html
    assert Appeal.objects.count() == 1
    (draft,) = response.context["drafts"]
    response = client.post("/report/", {**values, "confirm_new": "1", "draft_photo": draft.pk})
    assert response.status_code == 302
    assert Appeal.objects.count() == 2
    assert Appeal.objects.exclude(pk=existing.pk).get().attachments.count() == 1


def test_no_similar_appeals_sends_at_once(client, near, citizen, region, municipality, category):
    near(status=Status.CLOSED)
    client.force_login(citizen)
    response = client.post(
        "/report/",
        {
            "form_key": str(uuid.uuid4()),
            "category": category.pk,
            "latitude": LAT,
            "longitude": LON,
            "text": "Яма на дороге у дома 12.",
        },
    )
    assert response.status_code == 302
    assert Appeal.objects.count() == 2
