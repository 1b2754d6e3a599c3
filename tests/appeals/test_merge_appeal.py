"""merge_appeal: a duplicate is merged into the appeal it repeats, following merge chains."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from otklik.appeals import services
from otklik.appeals.workflow import IllegalTransition, Resolution, Status
from tests.factories import RegionFactory


def test_a_duplicate_is_merged_and_the_original_gets_an_internal_note(appeal_in, operator):
    original = appeal_in(Status.IN_PROGRESS)
    duplicate = appeal_in(Status.NEW)
    services.merge_appeal(appeal=duplicate, actor=operator, into=original)
    duplicate.refresh_from_db()
    assert duplicate.status == Status.REJECTED
    assert duplicate.duplicate_of == original
    assert duplicate.resolution == Resolution.DUPLICATE
    assert duplicate.rejection_reason.code == "duplicate"
    merge = duplicate.events.last()
    assert (merge.action, merge.actor, merge.from_status, merge.to_status) == (
        "merge",
        operator,
        Status.NEW,
        Status.REJECTED,
    )
    assert merge.data == {"into": original.number}
    note = original.events.last()
    assert (note.action, note.from_status, note.to_status, note.is_public) == (
        "comment",
        Status.IN_PROGRESS,
        Status.IN_PROGRESS,
        False,
    )
    assert duplicate.number in note.comment
    assert note.data == {"merged": duplicate.number}


def test_merging_into_a_merged_appeal_follows_the_chain_to_its_root(appeal_in, operator):
    root = appeal_in(Status.REGISTERED)
    middle = appeal_in(Status.NEW)
    services.merge_appeal(appeal=middle, actor=operator, into=root)
    latest = appeal_in(Status.NEW)
    services.merge_appeal(appeal=latest, actor=operator, into=middle)
    latest.refresh_from_db()
    assert latest.duplicate_of == root
    assert latest.events.last().data == {"into": root.number}


def test_an_appeal_is_not_merged_into_itself_even_through_a_chain(appeal_in, operator):
    a = appeal_in(Status.NEW)
    with pytest.raises(ValidationError) as raised:
        services.merge_appeal(appeal=a, actor=operator, into=a)
    assert raised.value.messages == ["Обращение нельзя объединить с самим собой."]
    b = appeal_in(Status.REGISTERED)
    services.merge_appeal(appeal=a, actor=operator, into=b)
    with pytest.raises((ValidationError, IllegalTransition)):
        services.merge_appeal(appeal=b, actor=operator, into=a)
    assert b.events.count() == 3  # submit, register, the note about a


def test_nothing_is_merged_into_a_rejected_appeal(appeal_in, operator):
    rejected = appeal_in(Status.REJECTED)
    duplicate = appeal_in(Status.NEW)
    with pytest.raises(ValidationError) as raised:
        services.merge_appeal(appeal=duplicate, actor=operator, into=rejected)
    assert "действующим обращением того же региона" in raised.value.messages[0]
    assert duplicate.events.count() == 1


def test_nothing_is_merged_across_regions(appeal_in, region, admin_user, operator, citizen):
    other_region = RegionFactory(code="36", name="Воронежская область")
    foreign = services.submit_appeal(region=other_region, text="Яма", applicant=citizen)
    duplicate = appeal_in(Status.NEW)
    with pytest.raises(ValidationError) as raised:
        services.merge_appeal(appeal=duplicate, actor=admin_user, into=foreign)
    assert "того же региона" in raised.value.messages[0]
    # The region's operator has no scope over the other region's appeal at all.
    with pytest.raises(PermissionDenied):
        services.merge_appeal(appeal=duplicate, actor=operator, into=foreign)
    assert foreign.events.count() == 1


def test_a_municipal_operator_cannot_merge_into_an_appeal_outside_their_scope(
    appeal_in, municipal_operator, other_municipality
):
    in_lipetsk = appeal_in(Status.REGISTERED)
    in_elets = appeal_in(
        Status.NEW,
        municipality=other_municipality,
        latitude=other_municipality.center_lat,
        longitude=other_municipality.center_lon,
    )
    with pytest.raises(PermissionDenied):
        services.merge_appeal(appeal=in_elets, actor=municipal_operator, into=in_lipetsk)
    assert in_lipetsk.events.count() == 2
    assert in_elets.events.count() == 1


def test_an_appeal_in_progress_is_not_merged(appeal_in, operator):
    original = appeal_in(Status.REGISTERED)
    working = appeal_in(Status.IN_PROGRESS)
    with pytest.raises(IllegalTransition):
        services.merge_appeal(appeal=working, actor=operator, into=original)
    assert original.events.count() == 2


def test_an_appeal_answered_once_is_never_merged_away(appeal_in, operator, leadership, executor):
    answered = appeal_in(Status.CLOSED)
    services.reopen_appeal(appeal=answered, actor=leadership, reason="Яма на месте.")
    services.redirect_appeal(appeal=answered, actor=executor, reason="Не наша дорога.")
    original = appeal_in(Status.REGISTERED)
    with pytest.raises(IllegalTransition):
        services.merge_appeal(appeal=answered, actor=operator, into=original)
    answered.refresh_from_db()
    assert (answered.status, answered.duplicate_of) == (Status.REGISTERED, None)
