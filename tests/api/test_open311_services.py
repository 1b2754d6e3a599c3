"""Open311 discovery, service list and service definitions, the formats and the error format.

The helpers here are shared by the other test_open311_* files."""

import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from otklik.accounts.models import ApiScope
from otklik.accounts.tokens import issue_token
from otklik.directory.models import CategoryAttribute
from tests.factories import CategoryFactory, RegionFactory

pytestmark = pytest.mark.django_db

BASE = "/open311/v2/"
FORMATS = ["xml", "json"]
CONTENT_TYPES = {"xml": "text/xml", "json": "application/json"}

# The spec's field lists (GeoReport v2 and its service discovery), in the spec's order.
SPEC_DISCOVERY = ["changeset", "contact", "key_service", "endpoints"]
SPEC_ENDPOINT = ["specification", "url", "changeset", "type", "formats"]
SPEC_SERVICE = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]
SPEC_DEFINITION = ["service_code", "attributes"]
SPEC_ATTRIBUTE = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
]
SPEC_VALUE = ["key", "name"]
SPEC_ERROR = ["code", "description"]


# ---------------------------------------------------------------------------- helpers


def get(client, path, fmt, data=None, **extra):
    return client.get(f"{BASE}{path}.{fmt}", data or {}, **extra)


def post(client, path, fmt, data=None, **extra):
    return client.post(f"{BASE}{path}.{fmt}", data or {}, **extra)


def xml_value(element):
    """An element as Python: text, a dict of its children, or a list of its children."""
    children = list(element)
    if not children:
        return element.text or ""
    tags = [child.tag for child in children]
    if (len(set(tags)) == 1 and len(tags) > 1) or element.tag in LIST_ELEMENTS:
        return [xml_value(child) for child in children]
    return {child.tag: xml_value(child) for child in children}


LIST_ELEMENTS = {
    "services",
    "service_requests",
    "attributes",
    "values",
    "endpoints",
    "formats",
    "errors",
    "service_request_updates",
}


def body(response, fmt):
    """The answer parsed: JSON as it is; XML as dicts and lists of text (after checking that
    the XML is well formed and declared UTF-8)."""
    assert response["Content-Type"] == CONTENT_TYPES[fmt]
    if fmt == "json":
        return response.json()
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(response.content)  # noqa: S314 (our own output)
    if root.tag in LIST_ELEMENTS:
        return [xml_value(child) for child in root]
    return xml_value(root)


def xml_root(response):
    return ET.fromstring(response.content)  # noqa: S314 (our own output)


def fields(response, fmt) -> list[list[str]]:
    """The field names of every record of a list answer, in order."""
    if fmt == "json":
        return [list(record) for record in response.json()]
    return [[child.tag for child in item] for item in xml_root(response)]


def error_of(response, fmt) -> tuple[int, str]:
    """(code, description) of the spec's error list, checking its shape."""
    data = body(response, fmt)
    assert isinstance(data, list)
    assert len(data) == 1
    if fmt == "xml":
        root = xml_root(response)
        assert root.tag == "errors"
        assert [item.tag for item in root] == ["error"]
        assert [child.tag for child in root[0]] == SPEC_ERROR
        return int(data[0]["code"]), data[0]["description"]
    assert list(data[0]) == SPEC_ERROR
    return data[0]["code"], data[0]["description"]


def assert_error(response, fmt, status, *, en: str = "", ru: str = ""):
    assert response.status_code == status
    code, description = error_of(response, fmt)
    assert code == status
    assert en in description
    assert ru in description


def open311_key(user, **kwargs) -> str:
    return issue_token(user=user, name="Городской портал", scopes=[ApiScope.OPEN311], **kwargs)[1]


def truthy(value) -> bool:
    """A boolean as JSON or XML gives it."""
    return value is True or value == "true"


# ---------------------------------------------------------------------------- discovery


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_lists_the_endpoint_with_the_spec_fields(fmt, region):
    response = get(Client(), "discovery", fmt)
    assert response.status_code == 200
    data = body(response, fmt)
    assert list(data) == SPEC_DISCOVERY
    endpoint = data["endpoints"][0]
    assert list(endpoint) == SPEC_ENDPOINT
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["type"] == "production"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert "GeoReport_v2" in endpoint["specification"]


# ---------------------------------------------------------------------------- services


@pytest.fixture
def attributes(category):
    return make_attributes(category)


def make_attributes(category):
    """Ямы asks for the depth (required, one of a list), hazards (several), the width (a
    number), when it was noticed and a note."""
    kind = CategoryAttribute.DataType
    rows = [
        ("depth", kind.SINGLEVALUELIST, True, 1, [("small", "Мелкая"), ("deep", "Глубокая")]),
        ("hazards", kind.MULTIVALUELIST, False, 2, [("water", "Вода"), ("edge", "Острый край")]),
        ("width", kind.NUMBER, False, 3, []),
        ("noticed", kind.DATETIME, False, 4, []),
        ("note", kind.STRING, False, 5, []),
    ]
    return [
        CategoryAttribute.objects.create(
            category=category,
            code=code,
            description=f"Вопрос {code}",
            datatype=datatype,
            datatype_description=f"Подсказка {code}",
            required=required,
            order=order,
            values=[{"key": key, "name": name} for key, name in values],
        )
        for code, datatype, required, order, values in rows
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_are_the_active_leaf_categories_with_the_spec_fields(
    fmt, region, category, fast_category, private_category, attributes
):
    CategoryFactory(code="old", name="Старая", is_active=False)
    response = get(Client(), "services", fmt)
    assert response.status_code == 200
    assert all(names == SPEC_SERVICE for names in fields(response, fmt))
    services = {s["service_code"]: s for s in body(response, fmt)}
    # «Дороги» has subcategories: one files in those, not in the group itself.
    assert set(services) == {"potholes", "traffic-lights", "social-aid"}
    potholes = services["potholes"]
    assert potholes["service_name"] == "Ямы"
    assert potholes["group"] == "Дороги"
    assert potholes["type"] == "realtime"
    assert truthy(potholes["metadata"])
    assert not truthy(services["traffic-lights"]["metadata"])
    assert services["social-aid"]["group"] == ""


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_lists_the_attributes_with_the_spec_fields(
    fmt, region, category, attributes
):
    attributes[-1].is_active = False
    attributes[-1].save(update_fields=["is_active"])
    response = get(Client(), "services/potholes", fmt)
    assert response.status_code == 200
    data = body(response, fmt)
    assert list(data) == SPEC_DEFINITION
    assert data["service_code"] == "potholes"
    listed = data["attributes"]
    assert [a["code"] for a in listed] == ["depth", "hazards", "width", "noticed"]
    for attribute in listed:
        assert list(attribute)[: len(SPEC_ATTRIBUTE)] == SPEC_ATTRIBUTE
    depth = listed[0]
    assert depth["datatype"] == "singlevaluelist"
    assert truthy(depth["required"])
    assert truthy(depth["variable"])
    assert str(depth["order"]) == "1"
    assert depth["description"] == "Вопрос depth"
    assert depth["datatype_description"] == "Подсказка depth"
    assert [list(v) for v in depth["values"]] == [SPEC_VALUE, SPEC_VALUE]
    assert depth["values"][1] == {"key": "deep", "name": "Глубокая"}
    assert "values" not in listed[2]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_service_is_404(fmt, region, category):
    response = get(Client(), "services/no-such-service", fmt)
    assert_error(response, fmt, 404, en="Unknown service_code", ru="Неизвестный service_code")


# ---------------------------------------------------------------------------- formats, errors


@pytest.mark.parametrize("path", ["services", "discovery", "requests", "servicerequestupdates"])
def test_an_unknown_format_is_404_in_the_spec_xml(path, region):
    response = get(Client(), path, "csv")
    assert_error(response, "xml", 404, en="Unknown format", ru="Неизвестный формат")


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_method_is_404_in_the_spec_format(fmt, region):
    response = get(Client(), "nothing/here", fmt)
    assert_error(response, fmt, 404, en="Not found")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_wrong_http_method_is_405(fmt, region):
    response = post(Client(), "services", fmt)
    assert_error(response, fmt, 405, en="Method not allowed")
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.parametrize("fmt", FORMATS)
def test_with_several_regions_jurisdiction_id_is_required(fmt, region, category):
    RegionFactory(code="36", name="Воронежская область")
    response = get(Client(), "services", fmt)
    assert_error(response, fmt, 400, en="jurisdiction_id is required")
    assert get(Client(), "services", fmt, {"jurisdiction_id": "36"}).status_code == 200


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_jurisdiction_is_404(fmt, region, category):
    response = get(Client(), "services", fmt, {"jurisdiction_id": "99"})
    assert_error(response, fmt, 404, en="Unknown jurisdiction_id")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_bad_api_key_on_a_get_is_403(fmt, region, category):
    response = get(Client(), "services", fmt, {"api_key": "otk_nonsense"})
    assert_error(response, fmt, 403, en="Invalid api_key", ru="api_key")


@pytest.mark.parametrize("fmt", FORMATS)
def test_requests_beyond_the_keys_rate_are_429(fmt, region, category, operator):
    key = open311_key(operator, rate_per_minute=2)
    client = Client()
    assert get(client, "services", fmt, {"api_key": key}).status_code == 200
    assert get(client, "services", fmt, {"api_key": key}).status_code == 200
    response = get(client, "services", fmt, {"api_key": key})
    assert_error(response, fmt, 429, en="Too many requests")
    assert int(response["Retry-After"]) >= 1


def test_a_forged_forwarded_for_header_of_any_length_is_no_error(region, category):
    response = get(Client(), "services", "json", HTTP_X_FORWARDED_FOR="1.2.3.4," * 5000)
    assert response.status_code == 200


def test_the_error_description_is_russian_and_english(region, category):
    response = get(Client(), "services/nope", "json")
    description = response.json()[0]["description"]
    ru, en = description.split(" / ")
    assert ru.startswith("Неизвестный service_code")
    assert en.startswith("Unknown service_code")


def test_the_category_admin_edits_the_service_definition(admin_user, category, attributes):
    client = Client()
    client.force_login(admin_user)
    response = client.get(f"/admin/directory/category/{category.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="attributes-TOTAL_FORMS" value="5"' in page
    assert 'value="depth"' in page
