"""The demo's category tree, executors and routing rules cover the whole region."""

import re

from otklik.directory.models import Category, Municipality, Organization, RoutingRule
from otklik.directory.services import route_executor


def test_category_tree_has_about_25_roots_and_150_topics(built):
    roots = Category.objects.filter(parent=None)
    children = Category.objects.exclude(parent=None)
    assert 22 <= roots.count() <= 28
    assert 130 <= children.count() <= 170
    for category in Category.objects.all():
        assert re.fullmatch(r"[a-z0-9-]+", category.code)
    assert children.filter(is_public=False).count() >= 5
    assert children.filter(answer_days=10, answer_days_unit="working").exists()
    assert children.filter(answer_days=30, answer_days_unit="calendar").count() > 80
    assert children.filter(hint__contains="112").exists()


def test_every_topic_routes_somewhere_in_every_municipality(built):
    municipalities = list(Municipality.objects.filter(region=built.region))
    topics = list(Category.objects.exclude(parent=None))
    assert RoutingRule.objects.count() == len(municipalities) * len(topics)
    lipetsk = next(m for m in municipalities if m.name == "Липецк")
    for topic in topics[::7]:
        for municipality in municipalities:
            assert route_executor(category=topic, municipality=municipality) is not None
    potholes = Category.objects.get(code="roads-potholes")
    assert route_executor(category=potholes, municipality=lipetsk).kind == "road_service"


def test_executors_are_municipal_and_regional(built):
    orgs = Organization.objects.filter(region=built.region)
    assert orgs.filter(municipality=None, kind="regional_body").count() >= 10
    assert orgs.filter(kind="management_company").count() >= 8
    assert orgs.filter(name="Государственная жилищная инспекция Липецкой области").exists()
    for municipality in Municipality.objects.filter(region=built.region):
        assert orgs.filter(municipality=municipality, kind="administration").count() == 1
    assert orgs.exclude(parent=None).exists()


def test_two_demo_topics_ask_open311_attributes(built):
    from otklik.directory.models import CategoryAttribute

    asked = {
        (a.category.code, a.code, a.datatype, a.required)
        for a in CategoryAttribute.objects.select_related("category")
    }
    assert asked == {
        ("roads-potholes", "size", "singlevaluelist", True),
        ("roads-potholes", "lane", "multivaluelist", False),
        ("street-lighting", "poles", "number", False),
    }
