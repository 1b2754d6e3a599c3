"""Duplicate and «me too» candidates: ranked by place, category, time and text, with reasons;
only the box, the window and the scope asked for; the (latitude, longitude) index used."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from otklik.appeals import services
from otklik.appeals.models import Appeal
from otklik.appeals.workflow import Status
from otklik.intelligence import duplicates
from otklik.intelligence.duplicates import DuplicateWeights, candidate_rows, find_candidates
from otklik.intelligence.models import ModelKind, TrainedModel
from otklik.office.moderation import merge_candidates
from tests.factories import RegionFactory

LAT, LON = 52.61, 39.59
NOW = datetime(2026, 3, 20, 9, tzinfo=UTC)
POTHOLE = "Глубокая яма на проезжей части у дома 12, машины бьют колёса."


@pytest.fixture
def filed(region, citizen, category):
    """`filed(text, dlat, dlon, days_before, **kwargs)`: a new appeal near the point."""

    def make(text=POTHOLE, dlat=0.0, dlon=0.0, days=1.0, **kwargs):
        options = {"region": region, "applicant": citizen, "category": category, **kwargs}
        return services.submit_appeal(
            text=text,
            latitude=LAT + dlat,
            longitude=LON + dlon,
            now=NOW - timedelta(days=days),
            **options,
        )

    return make


def numbers(found):
    return [c.appeal.number for c in found]


def search(region, category, text=POTHOLE, **kwargs):
    return find_candidates(region, category, LAT, LON, text, at=NOW, **kwargs)


def test_nearer_wins(filed, region, category):
    far = filed(dlat=0.002)  # about 220 m
    near = filed(dlat=0.0003)  # about 33 m
    found = search(region, category)
    assert numbers(found) == [near.number, far.number]
    assert found[0].distance == 33 and found[1].distance == 222
    assert found[0].score > found[1].score


def test_the_same_category_wins_and_the_group_counts(filed, region, category, fast_category):
    other = other_category()
    group = filed(category=fast_category)
    same = filed(dlat=0.001)
    unrelated = filed(category=other)
    found = search(region, category)
    assert numbers(found) == [same.number, group.number, unrelated.number]
    assert found[0].same_category and not found[1].same_category and found[1].same_group
    assert not found[2].same_group
    assert "та же группа рубрик" in found[1].reason_text


def other_category():
    from tests.factories import CategoryFactory

    return CategoryFactory(code="dogs", name="Безнадзорные собаки")


def test_similar_text_wins(filed, region, category):
    other_text = filed("Во дворе сломана скамейка и качели, прошу починить.", dlat=-0.0002)
    same_text = filed("Яма на проезжей части у дома 12, бьют колёса, объехать нельзя.", dlat=0.0005)
    found = search(region, category)
    assert numbers(found) == [same_text.number, other_text.number]
    assert found[0].similarity > 0.3 > found[1].similarity
    assert found[0].score > found[1].score


def test_fresher_wins(filed, region, category):
    old = filed(days=40)
    fresh = filed(days=2)
    assert numbers(search(region, category)) == [fresh.number, old.number]


def test_far_other_region_old_rejected_and_excluded_are_left_out(
    filed, region, category, citizen, operator, db
):
    from tests.factories import RejectionReasonFactory

    RejectionReasonFactory(code="spam")
    kept = filed()
    filed(dlat=0.004)  # about 440 m: outside the box
    filed(dlat=0.0022, dlon=0.0036)  # in the box, 345 m: outside the circle
    filed(days=duplicates.WINDOW_DAYS + 1)  # too old
    rejected = filed(dlat=0.0001)
    services.reject_appeal(
        appeal=rejected, actor=operator, reason=_spam(), now=NOW - timedelta(hours=20)
    )
    elsewhere = RegionFactory(code="36", name="Воронежская область")
    services.submit_appeal(
        region=elsewhere, text=POTHOLE, applicant=citizen, category=category,
        latitude=LAT, longitude=LON, now=NOW - timedelta(days=1),
    )  # fmt: skip
    itself = filed(days=0)
    found = search(region, category, exclude=itself)
    assert numbers(found) == [kept.number]
    assert search(region, category, exclude=[itself, kept]) == []


def _spam():
    from otklik.directory.models import RejectionReason

    return RejectionReason.objects.get(code="spam")


def test_recently_closed_counts_long_closed_does_not(appeal_in, region, category):
    closed = appeal_in(Status.CLOSED, now=NOW - timedelta(days=10), latitude=LAT, longitude=LON)
    assert numbers(search(region, category)) == [closed.number]
    Appeal.objects.filter(pk=closed.pk).update(
        closed_at=NOW - timedelta(days=duplicates.RECENT_CLOSED_DAYS + 1),
        answered_at=NOW - timedelta(days=duplicates.RECENT_CLOSED_DAYS + 2),
    )
    assert search(region, category) == []


def test_reasons_read_as_a_sentence(region, citizen, category):
    from django.utils import timezone

    services.submit_appeal(
        region=region, text=POTHOLE, applicant=citizen, category=category,
        latitude=LAT + 0.00036, longitude=LON, now=timezone.now() - timedelta(days=2, hours=1),
    )  # fmt: skip
    # Without `at`: the days are counted back from now.
    (candidate,) = find_candidates(region, category, LAT, LON, POTHOLE)
    assert candidate.reason_text == "в 40 м, та же категория, 2 дня назад, текст похож на 100 %"
    # Between two appeals, and without a text yet.
    (apart,) = find_candidates(
        region, category, LAT, LON, "", at=timezone.now() + timedelta(days=3)
    )
    assert apart.reason_text == "в 40 м, та же категория, с разницей в 5 дней"
    assert apart.similarity is None


def test_no_point_no_candidates(filed, region, category):
    filed()
    assert find_candidates(region, category, None, None, POTHOLE) == []


def test_calibrated_weights_of_the_region_are_used(filed, region, category):
    filed(dlat=0.002)
    assert search(region, category)[0].is_likely
    strict = DuplicateWeights(threshold=0.999)
    TrainedModel.objects.create(
        region=region,
        kind=ModelKind.DUPLICATES,
        version=1,
        parameters=strict.as_parameters(),
        is_active=True,
    )
    assert not search(region, category)[0].is_likely


def test_moderation_candidates_are_scoped_and_carry_reasons(
    filed, operator, municipal_operator, municipality, other_municipality
):
    original = filed(municipality=municipality, days=3)
    new = filed(municipality=municipality, days=0)
    found = merge_candidates(new, operator)
    assert [a.number for a in found] == [original.number]
    assert found[0].is_likely and "та же категория" in found[0].reasons
    # An operator of Елец does not see Lipetsk's appeals.
    assert merge_candidates(new, municipal_operator) == []


def test_portal_list_shows_reasons_and_no_personal_data(client, filed, citizen, other_citizen):
    filed(applicant=other_citizen, contact_name="Сидорова М.", contact_phone="+7 900 000-11-22")
    appeal = Appeal.objects.get()
    Appeal.objects.filter(pk=appeal.pk).update(status=Status.REGISTERED)
    client.force_login(citizen)
    html = client.get(
        "/report/similar/", {"lat": LAT, "lon": LON, "category": appeal.category_id}
    ).content.decode()
    assert 'class="similar-item"' in html and "та же категория" in html
    for secret in (other_citizen.email, other_citizen.full_name, "Сидорова", "000-11-22"):
        assert secret not in html


def test_the_box_is_read_through_the_latitude_longitude_index(filed, region):
    rows = candidate_rows(region, LAT, LON, at=NOW)
    sql, params = rows.query.sql_with_params()
    assert '"latitude" BETWEEN' in sql and '"longitude" BETWEEN' in sql
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET enable_seqscan = off")  # the test table is tiny
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute("RESET enable_seqscan")
            assert "Seq Scan on appeals_appeal" not in plan
            assert "latitude" in plan and "Index" in plan
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "SCAN appeals_appeal" not in plan.replace("USING INDEX", "")
            assert "INDEX" in plan
