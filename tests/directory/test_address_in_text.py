"""A house of the register found in an appeal's words, written the ways residents write it;
nothing when the text names no house or could mean several places."""

import pytest

from otklik.directory.address_text import find_address_in_text
from tests.address_register import seed_register


@pytest.fixture
def register(region, municipality, other_municipality):
    seed_register(region)
    return region


@pytest.mark.parametrize(
    "text",
    [
        "Яма на дороге по адресу ул. Московская, д. 12. Прошу отремонтировать.",
        "В квартире у дома 12 (ул. Московская) температура 15 градусов, батареи еле тёплые.",
        "Двор дома № 12 по ул. Московская в ужасном состоянии.",
        "На ул. Московская у дома 12 не горят фонари.",
        "Возле дома 12 по Московской улице разрыта траншея.",
        "Липецкая обл., г. Липецк, ул. Московская, д. 12",
    ],
)
def test_the_house_is_found_in_the_ways_residents_write(register, text):
    found = find_address_in_text(region=register, text=text)
    assert found.match.label == "ул. Московская, д. 12, г. Липецк"
    assert (found.match.latitude, found.match.longitude) == (52.6101, 39.5901)


def test_a_number_further_on_is_not_the_house(register):
    text = "У дома 14 (ул. Московская) температура 12 градусов."
    assert find_address_in_text(region=register, text=text).match.label.startswith(
        "ул. Московская, д. 14"
    )


def test_a_street_in_two_cities_needs_the_city_or_the_municipality(register, other_municipality):
    text = "Не вывозят мусор у дома 5 на ул. Ленина."
    assert find_address_in_text(region=register, text=text) is None
    in_elets = find_address_in_text(region=register, text=f"г. Елец. {text}")
    assert in_elets.match.municipality == "Елец"
    scoped = find_address_in_text(region=register, text=text, municipality=other_municipality)
    assert scoped.match.municipality == "Елец"


@pytest.mark.parametrize(
    "text",
    [
        "В МФЦ огромные очереди, работает одно окно из пяти.",
        "Светофор у школы № 57 переключается слишком быстро.",
        "Яма на ул. Московская, огромная.",  # no house
        "Яма у дома 77 по ул. Московская.",  # no such house in the register
        "Ул. Московская, д. 12 и ул. Звёздная, д. 9: нет света.",  # two places
        "",
    ],
)
def test_nothing_is_found_without_one_sure_house(register, text):
    assert find_address_in_text(region=register, text=text) is None
