"""The report form's address suggestions: JSON of the region's register for a signed-in
citizen, limited per minute, an answer (never a 500) for any input."""

import pytest

from tests.address_register import seed_register

URL = "/report/addresses/"


@pytest.fixture
def register(region, municipality, other_municipality):
    seed_register(region)
    return region


def test_suggestions_carry_the_point_and_the_municipality(client, citizen, register):
    client.force_login(citizen)
    response = client.get(URL, {"q": "ул. московская 12"})
    assert response.status_code == 200
    first = response.json()["results"][0]
    assert first == {
        "label": "ул. Московская, д. 12, г. Липецк",
        "address": "Липецкая область, г. Липецк, ул. Московская, д. 12",
        "lat": 52.6101,
        "lon": 39.5901,
        "municipality": "Липецк",
        "municipality_id": first["municipality_id"],
    }


def test_only_signed_in_citizens_ask(client, register):
    assert client.get(URL, {"q": "московская"}).status_code == 302


@pytest.mark.parametrize("query", ["", "м", "\x00", "%", "' OR 1=1 --", "я" * 10_000, "12"])
def test_any_input_gets_an_answer(client, citizen, register, query):
    client.force_login(citizen)
    response = client.get(URL, {"q": query})
    assert response.status_code == 200
    assert response.json() == {"results": []}


def test_too_many_lookups_a_minute_are_refused(client, citizen, register, settings):
    settings.ADDRESS_SEARCH_RATE_PER_MINUTE = 3
    client.force_login(citizen)
    codes = [client.get(URL, {"q": "московская"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
