"""submit_appeal: taking in a new appeal from any channel."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from otklik.appeals import services
from otklik.appeals.models import Appeal, AppealEvent, Channel
from otklik.appeals.workflow import Status
from tests.factories import CategoryFactory, MunicipalityFactory, RegionFactory

MSK = ZoneInfo("Europe/Moscow")
TEXT = "Глубокая яма на проезжей части у дома 12 по улице Московской."


def submit(region, citizen, **kwargs):
    return services.submit_appeal(region=region, text=TEXT, applicant=citizen, **kwargs)


def test_new_appeal_gets_a_number_a_registration_deadline_and_a_submit_event(
    region, municipality, category, citizen
):
    now = datetime(2025, 6, 10, 9, 30, tzinfo=MSK)
    appeal = submit(
        region,
        citizen,
        category=category,
        latitude=52.60,
        longitude=39.60,
        address="  г. Липецк, ул. Московская, 12  ",
        now=now,
    )
    appeal.refresh_from_db()
    assert appeal.number == "48-2025-000001"
    assert appeal.status == Status.NEW
    assert appeal.created_at == now
    assert appeal.municipality == municipality
    assert appeal.address == "г. Липецк, ул. Московская, 12"
    assert appeal.channel == Channel.PORTAL
    # 10 June + 3 days = 13 June, a moved day off; the weekend follows: Monday 16 June.
    assert appeal.registration_due_at == datetime(2025, 6, 16, 23, 59, 59, tzinfo=MSK)
    [event] = appeal.events.all()
    assert (event.action, event.from_status, event.to_status) == ("submit", "", Status.NEW)
    assert event.actor == citizen
    assert event.created_at == now
    assert event.is_public
    assert event.data == {"channel": "portal", "photos": 0}


def test_numbers_run_in_sequence_within_a_region_and_year(region, citizen):
    now = datetime(2026, 3, 2, 12, 0, tzinfo=MSK)
    numbers = [submit(region, citizen, now=now).number for _ in range(3)]
    assert numbers == ["48-2026-000001", "48-2026-000002", "48-2026-000003"]


def test_each_region_and_year_has_its_own_sequence(region, citizen):
    other = RegionFactory(code="36", name="Воронежская область")
    assert submit(region, citizen, now=datetime(2025, 5, 5, tzinfo=MSK)).number == "48-2025-000001"
    assert submit(other, citizen, now=datetime(2025, 5, 5, tzinfo=MSK)).number == "36-2025-000001"
    assert submit(region, citizen, now=datetime(2026, 5, 5, tzinfo=MSK)).number == "48-2026-000001"
    assert submit(region, citizen, now=datetime(2025, 5, 6, tzinfo=MSK)).number == "48-2025-000002"


def test_the_year_of_the_number_is_the_regions_local_year(region, citizen):
    # 21:30 UTC on 31 December is already 1 January in Moscow.
    appeal = submit(region, citizen, now=datetime(2025, 12, 31, 21, 30, tzinfo=UTC))
    assert appeal.number == "48-2026-000001"


def test_the_point_chooses_the_municipality_by_its_boundary(
    region, municipality, other_municipality, citizen
):
    in_elets = submit(region, citizen, latitude=52.63, longitude=38.52)
    assert in_elets.municipality == other_municipality


def test_a_point_outside_every_boundary_leaves_the_municipality_empty(
    region, municipality, other_municipality, citizen
):
    appeal = submit(region, citizen, latitude=55.75, longitude=37.62)  # Moscow
    assert appeal.municipality is None


def test_without_boundaries_the_nearest_centre_is_chosen(citizen):
    region = RegionFactory(code="57", name="Орловская область")
    near = MunicipalityFactory(region=region, name="Орёл", center_lat=52.97, center_lon=36.06)
    MunicipalityFactory(region=region, name="Ливны", center_lat=52.42, center_lon=37.60)
    appeal = submit(region, citizen, latitude=52.95, longitude=36.10)
    assert appeal.municipality == near


def test_staff_entering_a_phone_appeal_is_the_events_actor(region, citizen, operator):
    appeal = services.submit_appeal(
        region=region, text=TEXT, applicant=citizen, created_by=operator, channel=Channel.PHONE
    )
    assert appeal.created_by == operator
    assert appeal.events.get().actor == operator
    assert appeal.events.get().data["channel"] == "phone"


@pytest.mark.parametrize("text", ["", "   ", None])
def test_an_empty_text_is_refused_in_russian(region, citizen, text):
    with pytest.raises(ValidationError) as raised:
        services.submit_appeal(region=region, text=text, applicant=citizen)
    assert raised.value.messages == ["Опишите проблему."]
    assert not Appeal.objects.exists()


def test_a_text_over_five_thousand_characters_is_refused(region, citizen):
    with pytest.raises(ValidationError) as raised:
        services.submit_appeal(region=region, text="я" * 5001, applicant=citizen)
    assert "не более 5000 символов" in raised.value.messages[0]
    assert not Appeal.objects.exists()


def test_half_a_point_is_refused(region, citizen):
    with pytest.raises(ValidationError) as raised:
        submit(region, citizen, latitude=52.6)
    assert "широта" in raised.value.messages[0]
    assert not Appeal.objects.exists()


@pytest.mark.parametrize(("lat", "lon"), [(91, 39.6), (52.6, 181), (-90.5, 0)])
def test_a_point_off_the_map_is_refused(region, citizen, lat, lon):
    with pytest.raises(ValidationError) as raised:
        submit(region, citizen, latitude=lat, longitude=lon)
    assert "за пределами карты" in raised.value.messages[0]
    assert not Appeal.objects.exists()


def test_an_inactive_category_is_refused(region, citizen):
    retired = CategoryFactory(name="Старая рубрика", is_active=False)
    with pytest.raises(ValidationError) as raised:
        submit(region, citizen, category=retired)
    assert "рубрика больше не используется" in raised.value.messages[0]
    assert not AppealEvent.objects.exists()


def test_the_same_idempotency_key_twice_makes_one_appeal(region, citizen):
    first = submit(region, citizen, idempotency_key="form-7f3a")
    again = submit(region, citizen, idempotency_key="form-7f3a")
    assert again.pk == first.pk
    assert Appeal.objects.count() == 1
    assert AppealEvent.objects.count() == 1


def test_the_same_key_from_two_applicants_makes_two_appeals(region, citizen, other_citizen):
    first = submit(region, citizen, idempotency_key="retry-1")
    second = submit(region, other_citizen, idempotency_key="retry-1")
    assert first.pk != second.pk


def test_a_repeat_appeal_carries_the_number_of_the_first(appeal_in, region, citizen):
    first = appeal_in(Status.CLOSED)
    repeat = submit(region, citizen, repeat_of=first)
    assert repeat.repeat_of == first
    assert repeat.events.get().data["repeat_of"] == first.number


def test_an_appeal_from_another_system_is_taken_in_once(region):
    first = services.submit_appeal(
        region=region, text="Яма", channel="import", external_source="pos", external_id="77"
    )
    again = services.submit_appeal(
        region=region, text="Яма", channel="import", external_source="pos", external_id="77"
    )
    other = services.submit_appeal(
        region=region, text="Яма", channel="import", external_source="other", external_id="77"
    )
    assert again == first and other != first


def test_an_appeal_from_another_system_needs_its_id(region):
    with pytest.raises(ValidationError):
        services.submit_appeal(region=region, text="Яма", external_source="pos")
