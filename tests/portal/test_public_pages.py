"""The public list, map data, municipalities' figures and the rules: no personal data shown."""

import pytest
from django.urls import reverse

from otklik.appeals.models import Support
from otklik.appeals.workflow import Status
from tests.factories import refresh_rollups


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()


def _personal(citizen):
    return [citizen.email, citizen.full_name, citizen.phone]


def test_public_list_shows_public_appeals_without_applicant_data(client, appeal_in, citizen):
    shown = appeal_in(Status.IN_PROGRESS)
    response = client.get(reverse("portal:appeals"))
    body = response.content.decode()
    assert shown.number in body
    assert "в работе" in body
    assert "ул. Московская, 12" in body
    for value in _personal(citizen):
        assert value not in body


def test_new_rejected_and_private_category_appeals_are_not_public(
    client, appeal_in, private_category
):
    hidden = [
        appeal_in(Status.NEW),
        appeal_in(Status.REJECTED),
        appeal_in(Status.IN_PROGRESS, category=private_category),
    ]
    list_body = client.get(reverse("portal:appeals")).content.decode()
    geo = client.get(reverse("portal:appeals_geojson")).json()
    numbers = {f["properties"]["number"] for f in geo["features"]}
    for appeal in hidden:
        assert appeal.number not in list_body
        assert appeal.number not in numbers


def test_geojson_has_points_and_no_personal_data(client, appeal_in, citizen):
    appeal = appeal_in(Status.ANSWERED)
    response = client.get(reverse("portal:appeals_geojson"), {"bbox": "39,52,40,53"})
    data = response.json()
    assert data["type"] == "FeatureCollection"
    assert data["truncated"] is False
    [feature] = data["features"]
    assert feature["geometry"]["coordinates"] == [appeal.longitude, appeal.latitude]
    assert feature["properties"]["number"] == appeal.number
    assert feature["properties"]["url"] == reverse("portal:appeal", args=[appeal.number])
    assert feature["properties"]["status"] == "дан ответ"
    for value in _personal(citizen):
        assert value not in response.content.decode()
    outside = client.get(reverse("portal:appeals_geojson"), {"bbox": "10,10,11,11"}).json()
    assert outside["features"] == []


def test_filters_by_status_municipality_and_parent_category(
    client, appeal_in, other_municipality, roads, fast_category
):
    closed = appeal_in(Status.CLOSED)
    working = appeal_in(Status.IN_PROGRESS, category=fast_category)
    url = reverse("portal:appeals")
    body = client.get(url, {"status": "closed"}).content.decode()
    assert closed.number in body and working.number not in body
    body = client.get(url, {"category": roads.pk}).content.decode()
    assert closed.number in body and working.number in body
    body = client.get(url, {"category": fast_category.pk}).content.decode()
    assert closed.number not in body and working.number in body
    body = client.get(url, {"municipality": other_municipality.pk}).content.decode()
    assert closed.number not in body
    geo = client.get(reverse("portal:appeals_geojson"), {"status": "in_work"}).json()
    assert [f["properties"]["number"] for f in geo["features"]] == [working.number]


@pytest.mark.parametrize(
    "params",
    [
        {"category": "abc", "status": "nope", "municipality": "-1", "page": "zzz"},
        {"date_from": "2026-13-45", "date_to": "вчера", "bbox": "1,2,3"},
        {"date_from": "2026-05-01", "date_to": "2026-01-01", "page": "99999"},
        {"bbox": "nan,nan,nan,nan", "category": "99999999999999999999"},
    ],
)
def test_garbage_parameters_never_break_pages(client, appeal_in, params):
    appeal = appeal_in(Status.IN_PROGRESS)
    for name in ("portal:appeals", "portal:map", "portal:appeals_geojson"):
        response = client.get(reverse(name), params)
        assert response.status_code == 200
    body = client.get(reverse("portal:appeals"), params).content.decode()
    assert 'role="alert"' in body
    assert appeal.number in body


def test_list_query_count_does_not_grow_with_rows(
    client, appeal_in, other_citizen, django_assert_max_num_queries
):
    first = appeal_in(Status.IN_PROGRESS)
    Support.objects.create(appeal=first, user=other_citizen)
    with django_assert_max_num_queries(6):
        body = client.get(reverse("portal:appeals")).content.decode()
    assert "Та же проблема у 1 жителя" in body
    for _ in range(29):
        appeal_in(Status.REGISTERED)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("portal:appeals"))
    assert len(response.context["page"].object_list) == 20


def test_overdue_flag_on_list(client, appeal_in):
    from datetime import timedelta

    from django.utils import timezone

    from otklik.appeals.models import Appeal

    appeal = appeal_in(Status.IN_PROGRESS)
    now = timezone.now()
    Appeal.objects.filter(pk=appeal.pk).update(
        created_at=now - timedelta(days=40),
        registered_at=now - timedelta(days=39),
        due_at=now - timedelta(days=1),
    )
    assert "просрочено" in client.get(reverse("portal:appeals")).content.decode()


def test_municipality_page_shows_figures_with_counts(client, appeal_in, municipality, citizen):
    appeal_in(Status.ANSWERED)
    appeal_in(Status.IN_PROGRESS)
    refresh_rollups()  # the figures come from the rollups, which the outbox keeps current
    response = client.get(reverse("portal:municipality", args=[municipality.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Липецк" in body
    year = response.context["periods"][0]["figures"]
    assert year[0]["value"] == "2"
    assert "Дороги" in body
    assert f"?municipality={municipality.pk}" in body
    for value in _personal(citizen):
        assert value not in body
    assert client.get(reverse("portal:municipality", args=[999999])).status_code == 404


def test_municipalities_index_in_constant_queries(
    client, appeal_in, municipality, other_municipality, django_assert_max_num_queries
):
    appeal_in(Status.ANSWERED)
    refresh_rollups()
    with django_assert_max_num_queries(4):
        response = client.get(reverse("portal:municipalities"))
    rows = dict(response.context["rows"])
    assert rows[municipality].received == 1
    assert rows[other_municipality].received == 0
    assert "Елец" in response.content.decode()


def test_rules_page_lists_rejection_reasons_and_deadlines(client, db):
    body = client.get(reverse("portal:rules")).content.decode()
    assert "Спам или реклама" in body
    assert "Нецензурные или оскорбительные выражения" in body
    assert "59-ФЗ" in body
    assert "30 дней" in body


def test_geojson_keeps_newest_and_says_when_truncated(client, appeal_in, monkeypatch):
    from otklik.portal import public

    appeals = [appeal_in(Status.IN_PROGRESS) for _ in range(3)]
    monkeypatch.setattr(public, "MAP_LIMIT", 2)
    data = client.get(reverse("portal:appeals_geojson")).json()
    assert data["truncated"] is True
    assert "последние 2" in data["note"]
    assert [f["properties"]["number"] for f in data["features"]] == [
        appeals[2].number,
        appeals[1].number,
    ]


def test_map_page_passes_tile_url_and_filters_to_the_script(client, municipality, settings):
    settings.MAP_TILE_URL = "https://tiles.example.ru/{z}/{x}/{y}.png"
    body = client.get(reverse("portal:map"), {"municipality": municipality.pk}).content.decode()
    assert 'data-tile-url="https://tiles.example.ru/{z}/{x}/{y}.png"' in body
    assert f"appeals.geojson?municipality={municipality.pk}" in body
    assert "<script>" not in body and "style=" not in body


def test_period_filter_uses_local_dates(client, appeal_in):
    from datetime import timedelta

    from django.utils import timezone

    appeal = appeal_in(Status.IN_PROGRESS)
    today = timezone.localdate(appeal.created_at)
    url = reverse("portal:appeals")
    same_day = {"date_from": today.isoformat(), "date_to": today.isoformat()}
    assert appeal.number in client.get(url, same_day).content.decode()
    later = {"date_from": (today + timedelta(days=1)).isoformat()}
    assert appeal.number not in client.get(url, later).content.decode()
