"""REST API, citizens' side: file, list, read, rate, clarify and support appeals."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from otklik.accounts.models import ApiScope
from otklik.accounts.tokens import issue_token
from otklik.appeals.models import Appeal, AppealEvent, Channel, Rating, Support
from otklik.appeals.workflow import Action, Status
from tests.factories import RegionFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/appeals/"
ALL = list(ApiScope.values)


def bearer(user, *scopes, **options):
    _token, key = issue_token(user=user, name="test", scopes=scopes or ALL, **options)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def post(auth, url=URL, body=None, **headers):
    return Client().post(url, body or {}, content_type="application/json", **auth, **headers)


POTHOLE = {
    "text": "Яма на дороге у дома 5",
    "category": "potholes",
    "latitude": 52.61,
    "longitude": 39.59,
}


def test_a_citizen_files_an_appeal_as_its_applicant_through_the_api(
    citizen, category, municipality
):
    response = post(bearer(citizen), body={**POTHOLE, "address": "ул. Московская, 5"})
    assert response.status_code == 201, response.content
    body = response.json()
    appeal = Appeal.objects.get(number=body["number"])
    assert appeal.applicant == citizen and appeal.created_by is None
    assert appeal.channel == Channel.API
    assert appeal.category == category
    assert appeal.municipality == municipality  # found from the point
    assert response["Location"] == f"/api/v1/appeals/{appeal.number}"
    assert body["status"] == Status.NEW
    assert body["personal"]["applicant_email"] == citizen.email
    assert [event["action"] for event in body["history"]] == [Action.SUBMIT]


def test_the_region_defaults_to_the_only_one_and_must_be_named_when_there_are_several(
    citizen, region
):
    assert post(bearer(citizen), body={"text": "Нет света"}).status_code == 201
    RegionFactory(code="36", name="Воронежская область")
    response = post(bearer(citizen), body={"text": "Нет света"})
    assert response.status_code == 400
    assert "region" in response.json()["fields"]
    assert response.json()["message_en"] == "Name the region: this server serves several."
    assert response.json()["message_ru"].startswith("Укажите регион")
    assert post(bearer(citizen), body={"text": "Нет света", "region": "36"}).status_code == 201
    assert Appeal.objects.filter(region__code="36").count() == 1


def test_the_tokens_region_is_the_default(citizen, region):
    other = RegionFactory(code="36", name="Воронежская область")
    response = post(bearer(citizen, region=other), body={"text": "Нет света"})
    assert response.status_code == 201
    assert response.json()["region"] == "36"


def test_staff_file_on_a_callers_behalf_with_contacts_and_an_external_id_once(operator, region):
    body = {
        "text": "Звонок: не вывозят мусор",
        "contact_name": "Анна Звонкова",
        "contact_phone": "+7 900 555-44-33",
        "contact_email": "anna@example.ru",
        "external_source": "crm",
        "external_id": "A-17",
    }
    first = post(bearer(operator), body=body)
    assert first.status_code == 201, first.content
    appeal = Appeal.objects.get(number=first.json()["number"])
    assert appeal.applicant is None and appeal.created_by == operator
    assert appeal.contact_email == "anna@example.ru"
    assert first.json()["personal"]["contact_name"] == "Анна Звонкова"
    again = post(bearer(operator), body=body)
    assert again.status_code == 200
    assert again.json()["number"] == appeal.number
    assert Appeal.objects.count() == 1


def test_a_citizen_cannot_file_on_someone_elses_behalf(citizen, region):
    response = post(bearer(citizen), body={"text": "Яма", "contact_name": "Кто-то другой"})
    assert response.status_code == 400
    assert Appeal.objects.count() == 0


def test_staff_cannot_file_in_a_region_outside_their_memberships(operator, region):
    RegionFactory(code="36", name="Воронежская область")
    response = post(bearer(operator), body={"text": "Яма", "region": "36"})
    assert response.status_code == 400
    assert "region" in response.json()["fields"]


@pytest.mark.parametrize(
    "body",
    [
        {"text": ""},
        {"text": "Яма", "latitude": 91, "longitude": 39},
        {"text": "Яма", "latitude": 52.6},
        {"text": "Яма\x00"},
        {"text": "Яма", "category": "no-such-category"},
        {"text": "Яма", "region": "99"},
        {"text": "x" * 5001},
    ],
)
def test_bad_input_is_refused_in_both_languages_and_files_nothing(citizen, region, body):
    response = post(bearer(citizen), body=body)
    assert response.status_code in (400, 422)
    error = response.json()
    assert error["message_ru"] and error["message_en"]
    assert Appeal.objects.count() == 0


def test_an_inactive_category_cannot_be_chosen(citizen, region, category):
    category.is_active = False
    category.save(update_fields=["is_active"])
    response = post(bearer(citizen), body={"text": "Яма", "category": category.code})
    assert response.status_code == 400


def test_a_retried_post_with_an_idempotency_key_files_one_appeal_and_answers_the_same(
    citizen, region
):
    auth = bearer(citizen)
    first = post(auth, body={"text": "Яма"}, HTTP_IDEMPOTENCY_KEY="retry-1")
    second = post(auth, body={"text": "Яма"}, HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second["Location"] == first["Location"]
    assert Appeal.objects.count() == 1


def test_the_list_filters_orders_and_paginates(appeal_in, citizen, category, fast_category):
    old = appeal_in(Status.IN_PROGRESS)
    new = appeal_in(Status.NEW, category=fast_category)
    closed = appeal_in(Status.CLOSED)
    auth = bearer(citizen)
    client = Client()

    def numbers(query=""):
        response = client.get(URL + query, **auth)
        assert response.status_code == 200, response.content
        return [item["number"] for item in response.json()["items"]]

    assert numbers() == [closed.number, new.number, old.number]
    assert numbers("?ordering=created_at") == [old.number, new.number, closed.number]
    assert numbers("?status=new&status=closed") == [closed.number, new.number]
    assert numbers("?category=traffic-lights") == [new.number]
    assert set(numbers("?category=roads")) == {old.number, new.number, closed.number}
    assert numbers(f"?number={old.number}") == [old.number]
    after = new.created_at.isoformat()
    assert numbers("?created_after=" + after.replace("+", "%2B")) == [closed.number, new.number]
    page = client.get(URL + "?page=2&page_size=2", **auth).json()
    assert page["count"] == 3 and page["page"] == 2 and len(page["items"]) == 1


def test_the_overdue_filter(appeal_in, citizen):
    late = appeal_in(Status.IN_PROGRESS, now=timezone.now() - timedelta(days=60))
    fresh = appeal_in(Status.IN_PROGRESS)
    client = Client()
    auth = bearer(citizen)
    overdue = client.get(URL + "?overdue=true", **auth).json()["items"]
    assert [item["number"] for item in overdue] == [late.number]
    assert overdue[0]["is_overdue"] is True
    on_time = client.get(URL + "?overdue=false", **auth).json()["items"]
    assert [item["number"] for item in on_time] == [fresh.number]


def test_the_list_makes_a_fixed_number_of_queries(
    appeal_in, citizen, django_assert_max_num_queries
):
    for _ in range(6):
        appeal_in(Status.IN_PROGRESS)
    auth = bearer(citizen)
    with django_assert_max_num_queries(8):
        response = Client().get(URL, **auth)
    assert len(response.json()["items"]) == 6


def test_the_list_carries_no_personal_data(appeal_in, citizen):
    appeal_in(Status.NEW)
    item = Client().get(URL, **bearer(citizen)).json()["items"][0]
    assert "personal" not in item
    assert citizen.email not in str(item) and citizen.full_name not in str(item)


def test_bad_filters_are_refused_not_crashed(citizen, region):
    client = Client()
    auth = bearer(citizen)
    for query in (
        "?status=lost",
        "?municipality=99999999999999999999",
        "?created_after=0001-01-01T00:00:00%2B14:00",
        "?page=0",
        "?page_size=1000",
        "?ordering=text",
        "?number=%00",
    ):
        response = client.get(URL + query, **auth)
        assert response.status_code == 422, query


def test_the_applicant_reads_the_public_history_and_the_published_answer(appeal_in, citizen):
    appeal = appeal_in(Status.ANSWERED)
    body = Client().get(URL + appeal.number, **bearer(citizen)).json()
    actions = [event["action"] for event in body["history"]]
    assert actions[0] == Action.SUBMIT and Action.PUBLISH_ANSWER in actions
    assert all(event["actor"] is None for event in body["history"])
    hidden = AppealEvent.objects.filter(appeal=appeal, is_public=False).values_list(
        "action", flat=True
    )
    assert len(actions) == AppealEvent.objects.filter(appeal=appeal).count() - len(hidden)
    assert body["answer"]["text"].startswith("Яма заделана")
    assert body["answer"]["organization"]["name"] == "УДХ Липецка"
    assert body["personal"]["applicant_name"] == citizen.full_name


def test_staff_in_scope_read_the_whole_history_with_actors(appeal_in, operator):
    appeal = appeal_in(Status.ANSWERED)
    body = Client().get(URL + appeal.number, **bearer(operator)).json()
    assert len(body["history"]) == AppealEvent.objects.filter(appeal=appeal).count()
    assert any(event["actor"] == str(operator) for event in body["history"])


def test_the_applicant_rates_the_answer_and_the_appeal_closes(appeal_in, citizen):
    appeal = appeal_in(Status.ANSWERED)
    url = f"{URL}{appeal.number}/rating"
    response = post(bearer(citizen), url, {"score": 5, "is_solved": True, "comment": "Спасибо"})
    assert response.status_code == 201, response.content
    assert response.json() == {
        "number": appeal.number,
        "score": 5,
        "is_solved": True,
        "repeat_appeal": None,
    }
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED
    again = post(bearer(citizen), url, {"score": 4, "is_solved": True})
    assert again.status_code in (400, 409)
    assert Rating.objects.count() == 1


def test_not_solved_opens_a_repeat_appeal(appeal_in, citizen):
    appeal = appeal_in(Status.ANSWERED)
    url = f"{URL}{appeal.number}/rating"
    response = post(
        bearer(citizen), url, {"score": 1, "is_solved": False, "comment": "Яма на месте"}
    )
    repeat = Appeal.objects.get(number=response.json()["repeat_appeal"])
    assert repeat.repeat_of == appeal and repeat.applicant == citizen


def test_a_rating_before_the_answer_is_a_conflict(appeal_in, citizen):
    appeal = appeal_in(Status.IN_PROGRESS)
    response = post(
        bearer(citizen), f"{URL}{appeal.number}/rating", {"score": 5, "is_solved": True}
    )
    assert response.status_code == 409
    assert response.json()["message_ru"]
    assert Rating.objects.count() == 0


def test_staff_cannot_rate_for_the_applicant(appeal_in, operator):
    appeal = appeal_in(Status.ANSWERED)
    response = post(
        bearer(operator), f"{URL}{appeal.number}/rating", {"score": 5, "is_solved": True}
    )
    assert response.status_code == 403


def test_the_applicant_answers_a_clarification(appeal_in, citizen):
    appeal = appeal_in(Status.CLARIFICATION)
    url = f"{URL}{appeal.number}/clarification"
    response = post(bearer(citizen), url, {"text": "Дом 12, первый подъезд"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == Status.NEW
    assert response.json()["history"][-1]["comment"] == "Дом 12, первый подъезд"
    assert post(bearer(citizen), url, {"text": "Ещё раз"}).status_code == 409


def test_another_resident_supports_a_public_appeal_once(appeal_in, other_citizen, citizen):
    appeal = appeal_in(Status.IN_PROGRESS)
    url = f"{URL}{appeal.number}/support"
    first = post(bearer(other_citizen), url)
    assert first.status_code == 201 and first.json()["supporters"] == 1
    assert post(bearer(other_citizen), url).status_code == 200
    assert Support.objects.filter(appeal=appeal).count() == 1
    assert post(bearer(citizen), url).status_code == 400  # one's own appeal


def test_a_new_appeal_cannot_be_supported_by_others(appeal_in, other_citizen):
    appeal = appeal_in(Status.NEW)
    assert post(bearer(other_citizen), f"{URL}{appeal.number}/support").status_code == 404
