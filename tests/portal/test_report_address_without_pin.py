"""A report sent without a pin (no script, no map) is placed at the house of the register its
address names; an address the register does not know still asks for the pin."""

import uuid

import pytest

from otklik.appeals.models import Appeal
from tests.address_register import seed_register

URL = "/report/"


@pytest.fixture
def register(region, municipality, other_municipality):
    seed_register(region)
    return region


def post(client, category, address):
    return client.post(
        URL,
        {
            "form_key": str(uuid.uuid4()),
            "category": str(category.pk),
            "latitude": "",
            "longitude": "",
            "address": address,
            "text": "Глубокая яма на проезжей части.",
        },
    )


def test_the_address_of_a_house_of_the_register_places_the_report(
    client, citizen, register, municipality, category
):
    client.force_login(citizen)
    response = post(client, category, "Московская улица, дом 12")
    appeal = Appeal.objects.get()
    assert response.status_code == 302
    assert (appeal.latitude, appeal.longitude) == (52.6101, 39.5901)
    assert appeal.municipality == municipality
    assert appeal.address == "Московская улица, дом 12"


@pytest.mark.parametrize(
    "address", ["у магазина «Пятёрочка»", "ул. Московская, д. 77", "ул. Ленина, 5"]
)
def test_an_address_the_register_cannot_place_asks_for_the_pin(
    client, citizen, register, category, address
):
    client.force_login(citizen)
    response = post(client, category, address)
    assert response.status_code == 200
    assert "Отметьте место на карте" in response.content.decode()
    assert not Appeal.objects.exists()
