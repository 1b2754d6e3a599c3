"""Appeals without a pin are placed by the outbox after filing, from the house of the address
register their address or text names; the history says so. Nothing sure, nothing changed."""

import pytest

from otklik.appeals import services, tasks
from otklik.appeals.models import AppealEvent
from otklik.appeals.workflow import Action
from tests.address_register import seed_register


@pytest.fixture
def register(region, municipality, other_municipality):
    seed_register(region)
    return region


def file(region, operator, **fields):
    return services.submit_appeal(
        region=region, applicant=None, created_by=operator, channel="phone", **fields
    )


def located(appeal):
    return AppealEvent.objects.filter(appeal=appeal, action=Action.COMMENT, data__kind="located")


def test_a_phone_appeal_is_placed_from_its_text_after_filing(register, operator, municipality):
    appeal = file(
        register,
        operator,
        text="Обращение по телефону. Заявитель сообщает: у дома 12 (ул. Московская) "
        "температура 15 градусов, батареи еле тёплые.",
    )
    assert appeal.latitude is None  # the filing itself does not look
    tasks.process_outbox.call()
    appeal.refresh_from_db()
    assert (appeal.latitude, appeal.longitude) == (52.6101, 39.5901)
    assert appeal.municipality == municipality
    assert appeal.address == "Липецкая область, г. Липецк, ул. Московская, д. 12"
    (event,) = located(appeal)
    assert event.data["source"] == "text"
    assert event.is_public is False
    assert "ул. Московская, д. 12" in event.comment


def test_the_address_field_is_read_first(register, operator):
    appeal = file(
        register,
        operator,
        address="г. Липецк, ул. Звёздная, д. 9",
        text="Яма у дома 12 по ул. Московская.",
    )
    tasks.process_outbox.call()
    appeal.refresh_from_db()
    assert (appeal.latitude, appeal.longitude) == (52.6, 39.61)
    assert appeal.address == "г. Липецк, ул. Звёздная, д. 9"  # kept as written
    assert located(appeal).get().data["source"] == "address"


def test_the_settlement_in_the_address_settles_a_street_of_two_cities(
    register, operator, other_municipality
):
    appeal = file(
        register, operator, address="Липецкая обл., г. Елец", text="Яма у дома 5 по ул. Ленина."
    )
    tasks.process_outbox.call()
    appeal.refresh_from_db()
    assert appeal.municipality == other_municipality
    assert appeal.latitude == 52.622


def test_an_appeal_with_a_pin_or_without_a_sure_house_is_left_alone(register, operator):
    pinned = file(
        register, operator, text="Яма у дома 12 по ул. Московская.", latitude=52.7, longitude=39.7
    )
    vague = file(register, operator, text="Не вывозят мусор у дома 5 на ул. Ленина.")
    tasks.process_outbox.call()
    pinned.refresh_from_db()
    vague.refresh_from_db()
    assert (pinned.latitude, pinned.longitude) == (52.7, 39.7)
    assert vague.latitude is None
    assert not located(pinned).exists() and not located(vague).exists()
