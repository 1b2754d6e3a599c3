"""Address search over the region's register: Russian written any usual way, houses with their
points and municipality, the best first; nonsense finds nothing and never fails."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otklik.directory.address_keys import house_key, street_key
from otklik.directory.addresses import search_addresses
from tests.address_register import seed_register


@pytest.fixture
def register(region, municipality, other_municipality):
    seed_register(region)
    return region


def labels(region, query):
    return [m.label for m in search_addresses(region=region, query=query)]


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("ул. Московская", " московская"),
        ("улица Московская", " московская"),
        ("пр-кт 60-летия СССР", " 60 летия ссср"),
        ("ул. Звёздная", " звездная"),
        ("ул. Набережная", " набережная"),
    ],
)
def test_street_names_are_normalised(name, key):
    assert street_key(name) == key


@pytest.mark.parametrize(
    ("number", "key"),
    [("12", "12"), ("12А", "12а"), ("12 а", "12а"), ("д. 12а", "12а"), ("5, корп. 2", "5к2")],
)
def test_house_numbers_are_normalised(number, key):
    assert house_key(number) == key


@pytest.mark.parametrize(
    "query",
    [
        "Московская 12",
        "ул. Московская, д. 12",
        "улица московская дом 12",
        "12 Московская",
        "моск 12",
        "МОСКОВСКАЯ Д.12",
    ],
)
def test_a_house_is_found_however_it_is_written(register, query):
    found = search_addresses(region=register, query=query)
    assert found[0].label == "ул. Московская, д. 12, г. Липецк"
    assert (found[0].latitude, found[0].longitude) == (52.6101, 39.5901)
    assert found[0].municipality == "Липецк"


def test_house_letters_and_corpus_are_found(register):
    assert labels(register, "московская 12а")[0] == "ул. Московская, д. 12А, г. Липецк"
    assert labels(register, "московская 5 корп 2")[0] == "ул. Московская, д. 5, корп. 2, г. Липецк"


def test_yo_word_order_and_street_types(register):
    assert labels(register, "звездная 9") == ["ул. Звёздная, д. 9, г. Липецк"]
    assert labels(register, "толстого льва 7") == ["ул. Льва Толстого, д. 7, г. Липецк"]
    assert labels(register, "проспект победы 3")[0] == "пр-кт Победы, д. 3, г. Липецк"
    assert labels(register, "50 лет нлмк 3") == ["ул. 50 лет НЛМК, д. 3, г. Липецк"]


def test_the_typed_street_type_comes_first(register):
    assert labels(register, "пр-т победы 3")[0] == "пр-кт Победы, д. 3, г. Липецк"
    assert labels(register, "ул победы 3")[0] == "ул. Победы, д. 3, г. Липецк"


def test_without_a_number_streets_are_offered_at_their_middle(register):
    (street,) = search_addresses(region=register, query="московск")
    assert street.label == "ул. Московская, г. Липецк"
    assert 52.609 < street.latitude < 52.611
    assert street.house_id is None


def test_the_same_street_in_two_cities_is_told_apart_by_the_city(register):
    assert labels(register, "ленина 5") == [
        "ул. Ленина, д. 5, г. Елец",
        "ул. Ленина, д. 5, г. Липецк",
    ]
    assert labels(register, "елец ленина 5") == ["ул. Ленина, д. 5, г. Елец"]


def test_an_unknown_house_offers_the_street(register):
    assert labels(register, "московская 999") == ["ул. Московская, г. Липецк"]


@pytest.mark.parametrize("query", ["", " ", "1", "12", "zz", "%_'\"", "ул.", "д. 5", "x" * 5000])
def test_nothing_is_found_for_nonsense(register, query):
    assert search_addresses(region=register, query=query) == []


# The register is read only: one for all the examples.
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(max_size=60))
def test_any_text_gets_an_answer(register, query):
    assert isinstance(search_addresses(region=register, query=query), list)
