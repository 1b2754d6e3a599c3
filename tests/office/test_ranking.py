"""The ranking page (municipalities and organizations on the composite index, minimum N, Wilson
ranges, year on year) and its settings, which only administrators may change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from otklik.accounts.models import Role
from otklik.analytics.models import RankingSettings
from otklik.appeals.workflow import Status
from tests.factories import MunicipalityFactory, make_appeal, refresh_rollups, staff

TWELVE_MONTHS = {"period": "twelve_months"}


@pytest.fixture
def admin(region):
    return staff(Role.ADMIN, region, email="admin.region@example.ru")


@pytest.fixture
def two_years(
    appeal_in,
    region,
    other_municipality,
    other_organization,
    other_org_executor,
    category,
    other_citizen,
    operator,
):
    """Lipetsk got better (all late a year ago, one in three now), Yelets worse (one in two
    late a year ago, both now)."""
    now = timezone.now()

    def ago(days):
        return now - timedelta(days=days)

    def yelets(status, when):
        return make_appeal(
            status,
            region=region,
            applicant=other_citizen,
            operator=operator,
            executor_user=other_org_executor,
            organization=other_organization,
            category=category,
            municipality=other_municipality,
            latitude=other_municipality.center_lat,
            longitude=other_municipality.center_lon,
            now=when,
        )

    for _ in range(2):
        appeal_in(Status.IN_PROGRESS, now=ago(400))
    appeal_in(Status.IN_PROGRESS, now=ago(70))
    for _ in range(2):
        appeal_in(Status.ANSWERED, now=ago(70))
    yelets(Status.IN_PROGRESS, ago(400))
    yelets(Status.ANSWERED, ago(400))
    for _ in range(2):
        yelets(Status.IN_PROGRESS, ago(70))
    MunicipalityFactory(region=region, name="Грязинский район")
    RankingSettings.objects.create(region=region, minimum_appeals=2)
    refresh_rollups()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["leadership", "operator", "admin", "admin_user"])
def test_ranking_page_is_for_those_who_watch_the_region(client, request, who, two_years):
    client.force_login(request.getfixturevalue(who))
    response = client.get("/office/ranking/", TWELVE_MONTHS)
    assert response.status_code == 200
    assert "Рейтинг" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who", ["supervisor", "executor", "caller", "municipal_operator", "citizen"]
)
def test_others_get_403_on_the_ranking(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/office/ranking/").status_code == 403


@pytest.mark.django_db
def test_ranking_orders_by_the_index_and_puts_small_units_below(
    client, leadership, municipality, other_municipality, two_years
):
    client.force_login(leadership)
    response = client.get("/office/ranking/", TWELVE_MONTHS)
    ranked = [r["row"] for r in response.context["ranked"]]
    unranked = [r["row"] for r in response.context["unranked"]]
    assert [r.name for r in ranked] == ["Липецк", "Елец"]
    assert [r.rank for r in ranked] == [1, 2]
    assert [r.name for r in unranked] == ["Грязинский район"]
    html = response.content.decode()
    assert html.index("Елец") < html.index("Грязинский район")
    assert "мало обращений" in html


@pytest.mark.django_db
def test_year_on_year_overdue_is_a_ratio_in_words(client, leadership, two_years):
    client.force_login(leadership)
    response = client.get("/office/ranking/", TWELVE_MONTHS)
    html = response.content.decode()
    assert "улучшение в 3,0 раза" in html
    assert "ухудшение в 2,0 раза" in html
    lipetsk = response.context["ranked"][0]
    assert lipetsk["range"] and "–" in lipetsk["range"]
    # Each component share carries its Wilson interval.
    assert any("95-процентный интервал" in c["title"] for c in lipetsk["components"])


@pytest.mark.django_db
def test_below_the_default_minimum_nobody_is_ranked(client, leadership, region, two_years):
    RankingSettings.objects.filter(region=region).delete()
    client.force_login(leadership)
    response = client.get("/office/ranking/", TWELVE_MONTHS)
    assert response.context["ranked"] == []
    assert len(response.context["unranked"]) == 3


@pytest.mark.django_db
def test_organizations_tab(client, leadership, organization, other_organization, two_years):
    client.force_login(leadership)
    response = client.get("/office/ranking/", {**TWELVE_MONTHS, "kind": "organization"})
    assert response.status_code == 200
    names = [r["row"].name for r in response.context["ranked"]]
    assert names[0] == organization.name
    assert client.get("/office/ranking/", {"kind": "planets"}).status_code == 404


@pytest.mark.django_db
def test_default_weights_are_documented_on_the_page(client, leadership, two_years):
    client.force_login(leadership)
    html = client.get("/office/ranking/").content.decode()
    assert "Как считается индекс" in html
    assert "Вес по умолчанию" in html


@pytest.mark.django_db
def test_ranking_query_count_is_bounded(
    client, leadership, appeal_in, django_assert_max_num_queries, two_years
):
    client.force_login(leadership)
    with django_assert_max_num_queries(15):
        client.get("/office/ranking/", TWELVE_MONTHS)
    for _ in range(5):
        appeal_in(Status.ANSWERED)
    MunicipalityFactory.create_batch(5, region=leadership.memberships.get().region)
    refresh_rollups()
    with django_assert_max_num_queries(15):
        client.get("/office/ranking/", TWELVE_MONTHS)


# ---------------------------------------------------------------------------- settings


def _post(client, region, **changes):
    data = {
        "weight_on_time": "3",
        "weight_repeat": "2",
        "weight_repeated_postponement": "1",
        "weight_formal_reply": "1",
        "weight_satisfaction": "2",
        "weight_verified": "2",
        "weight_durability": "1",
        "minimum_appeals": "30",
    }
    data.update(changes)
    return client.post(f"/office/ranking/settings/?region={region.pk}", data)


@pytest.mark.django_db
def test_admin_changes_weights_and_minimum(client, admin, region):
    client.force_login(admin)
    assert client.get("/office/ranking/settings/").status_code == 200
    response = _post(client, region, weight_on_time="5,5", minimum_appeals="10")
    assert response.status_code == 302
    stored = RankingSettings.objects.get(region=region)
    assert stored.weights["on_time"] == 5.5
    assert stored.minimum_appeals == 10
    # A double submit leaves one row with the same values.
    _post(client, region, weight_on_time="5,5", minimum_appeals="10")
    assert RankingSettings.objects.filter(region=region).count() == 1
    page = client.get(response.url)
    assert "Настройки рейтинга сохранены" in page.content.decode()
    assert 'value="5,5"' in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"weight_on_time": "11"}, "не больше 10"),
        ({"weight_on_time": "-1"}, "не может быть отрицательным"),
        ({"weight_on_time": "много"}, "Введите число от 0 до 10"),
        ({"weight_on_time": ""}, "Укажите вес"),
        ({"minimum_appeals": "0"}, "не меньше 1"),
        ({"minimum_appeals": "1,5"}, "целое число"),
        (
            {
                f"weight_{name}": "0"
                for name in (
                    "on_time",
                    "repeat",
                    "repeated_postponement",
                    "formal_reply",
                    "satisfaction",
                    "verified",
                    "durability",
                )
            },
            "Хотя бы один вес",
        ),
    ],
)
def test_settings_validation(client, admin, region, changes, message):
    client.force_login(admin)
    response = _post(client, region, **changes)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not RankingSettings.objects.filter(region=region).exists()
    for value in changes.values():
        if value:
            assert f'value="{value}"' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["leadership", "operator", "supervisor", "executor"])
def test_only_administrators_change_the_settings(client, request, region, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/office/ranking/settings/").status_code == 403
    assert _post(client, region).status_code == 403
    assert not RankingSettings.objects.exists()


@pytest.mark.django_db
def test_superuser_changes_the_settings(client, admin_user, region):
    client.force_login(admin_user)
    assert _post(client, region, minimum_appeals="12").status_code == 302
    assert RankingSettings.objects.get(region=region).minimum_appeals == 12


@pytest.mark.django_db
def test_admin_of_another_region_cannot_touch_this_one(client, region):
    from tests.factories import RegionFactory

    elsewhere = RegionFactory(code="36", name="Воронежская область")
    other_admin = staff(Role.ADMIN, elsewhere)
    client.force_login(other_admin)
    assert _post(client, region).status_code == 403
    assert client.get(f"/office/ranking/settings/?region={region.pk}").status_code == 403
    assert client.get("/office/ranking/settings/?region=%00").status_code == 404
