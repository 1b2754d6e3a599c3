"""REST API, the directory: the category tree with deadlines and questions, municipalities and
executor organizations, public and without personal data."""

import pytest
from django.test import Client

from otklik.directory.models import CategoryAttribute
from tests.factories import CategoryFactory, OrganizationFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/directory/"


def test_categories_come_as_a_tree_with_deadlines_and_questions(category, fast_category):
    CategoryAttribute.objects.create(
        category=category,
        code="depth",
        description="Глубина ямы",
        datatype=CategoryAttribute.DataType.SINGLEVALUELIST,
        required=True,
        values=[{"key": "small", "name": "до 5 см"}, {"key": "deep", "name": "глубже"}],
    )
    CategoryAttribute.objects.create(
        category=category, code="old", description="Снято", datatype="string", is_active=False
    )
    CategoryFactory(code="retired", name="Старая", parent=category.parent, is_active=False)
    response = Client().get(URL + "categories")
    assert response.status_code == 200
    [roads] = response.json()
    assert roads["code"] == "roads"
    children = {child["code"]: child for child in roads["children"]}
    assert set(children) == {"potholes", "traffic-lights"}
    assert children["traffic-lights"]["answer_days"] == 10
    assert children["traffic-lights"]["answer_days_unit"] == "working"
    [depth] = children["potholes"]["attributes"]
    assert depth["code"] == "depth" and depth["required"] is True
    assert depth["values"][1] == {"key": "deep", "name": "глубже"}


def test_the_category_tree_takes_a_fixed_number_of_queries(
    category, fast_category, private_category, django_assert_max_num_queries
):
    for n in range(5):
        CategoryFactory(parent=private_category, code=f"aid-{n}")
    with django_assert_max_num_queries(4):
        response = Client().get(URL + "categories")
    assert len(response.json()) == 2


def test_municipalities_and_organizations_are_listed_with_public_fields(
    organization, other_organization, municipality, executor
):
    municipalities = Client().get(URL + "municipalities").json()
    assert {m["name"] for m in municipalities} == {"Липецк", "Елец"}
    assert municipalities[0]["region"] == "48"
    organizations = Client().get(URL + "organizations").json()
    assert {o["short_name"] for o in organizations} == {"УДХ Липецка", "ОДХ Ельца"}
    assert executor.email not in str(organizations)
    only = Client().get(f"{URL}organizations?municipality={municipality.pk}").json()
    assert [o["id"] for o in only] == [organization.pk]
    assert Client().get(f"{URL}organizations?region=36").json() == []


def test_inactive_organizations_are_not_listed(organization):
    OrganizationFactory(region=organization.region, name="Закрытая", is_active=False)
    names = [o["name"] for o in Client().get(URL + "organizations").json()]
    assert names == [organization.name]


def test_bad_directory_filters_are_refused(region):
    for query in ("region=4%008", "region=abc", "municipality=-1", "municipality=1e99"):
        assert Client().get(f"{URL}organizations?{query}").status_code == 422, query
