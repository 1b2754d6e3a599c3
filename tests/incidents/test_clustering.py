"""Clustering of appeals into incidents by place, topic and time; merging; the rebuild that
gives the same incidents as the appeals arriving one by one."""

from datetime import timedelta

from django.core.management import call_command

from otklik.incidents import services
from otklik.incidents.models import ClusterRule, Incident, IncidentAppeal
from tests.factories import CategoryFactory
from tests.incidents.helpers import MORNING, snapshot


def test_fourteen_buildings_in_one_place_make_one_incident(file_appeal):
    for house in range(14):
        # Within 300 m of each other, a few minutes apart.
        file_appeal(MORNING + timedelta(minutes=7 * house), east=20 * house, north=-10 * house)
    incident = Incident.objects.get()
    assert incident.state == Incident.State.ACTIVE
    assert incident.appeal_count == 14
    assert incident.address_count == 14
    assert incident.members.count() == 14
    assert incident.first_appeal_at == MORNING
    assert incident.title == "Ямы: 14 домов, Липецк, с 07:40"
    assert incident.municipality.name == "Липецк"


def test_flats_of_one_building_count_as_one_address(file_appeal):
    for minutes in (0, 5, 10, 15):
        file_appeal(MORNING + timedelta(minutes=minutes), east=minutes, house=12)
    incident = Incident.objects.get()
    assert (incident.appeal_count, incident.address_count) == (4, 1)
    assert incident.title.startswith("Ямы: 1 дом, ")


def test_two_appeals_are_not_an_incident_the_third_makes_one(file_appeal):
    first = file_appeal(MORNING)
    second = file_appeal(MORNING + timedelta(hours=1), east=100)
    assert not Incident.objects.exists()
    third = file_appeal(MORNING + timedelta(hours=2), north=100)
    incident = Incident.objects.get()
    assert set(incident.members.values_list("appeal_id", flat=True)) == {
        first.pk,
        second.pk,
        third.pk,
    }


def test_far_away_other_category_and_too_old_stay_out(file_appeal, fast_category):
    for minutes in (0, 10, 20):
        file_appeal(MORNING + timedelta(minutes=minutes), east=minutes)
    incident = Incident.objects.get()
    far = file_appeal(MORNING + timedelta(minutes=30), east=2000)
    other_topic = file_appeal(MORNING + timedelta(minutes=40), cat=fast_category)
    # The incident's last appeal was at 08:00; three days later it takes no more.
    late = file_appeal(MORNING + timedelta(days=3))
    for appeal in (far, other_topic, late):
        assert not IncidentAppeal.objects.filter(appeal=appeal).exists()
    incident.refresh_from_db()
    assert incident.appeal_count == 3


def test_an_appeal_within_the_window_of_the_last_one_still_joins(file_appeal):
    for hours in (0, 1, 2):
        file_appeal(MORNING + timedelta(hours=hours), north=hours * 50)
    # 47 hours after the last appeal: still inside the 48-hour window.
    file_appeal(MORNING + timedelta(hours=49), east=100)
    assert Incident.objects.get().appeal_count == 4


def test_a_new_group_after_the_window_forms_a_second_incident(file_appeal):
    for hours in (0, 1, 2):
        file_appeal(MORNING + timedelta(hours=hours))
    for hours in (60, 61, 62):
        file_appeal(MORNING + timedelta(hours=hours), east=30)
    incidents = list(Incident.objects.order_by("first_appeal_at"))
    assert [i.appeal_count for i in incidents] == [3, 3]


def test_appeals_without_a_point_or_category_are_left_alone(file_appeal, region, citizen):
    from otklik.appeals import services as appeals

    appeal = appeals.submit_appeal(region=region, text="Нет света", applicant=citizen)
    assert services.on_new_appeal(appeal) is None
    assert not Incident.objects.exists()


def test_clustering_is_idempotent(file_appeal):
    appeals = [file_appeal(MORNING + timedelta(minutes=m), east=m) for m in (0, 1, 2)]
    incident = Incident.objects.get()
    assert services.on_new_appeal(appeals[-1]) == incident
    incident.refresh_from_db()
    assert incident.appeal_count == 3


def test_radius_is_configurable_per_category(file_appeal, category):
    ClusterRule.objects.create(category=category, radius_m=100, window_hours=48, min_appeals=3)
    for minutes, east in ((0, 0), (5, 150), (10, 300)):
        file_appeal(MORNING + timedelta(minutes=minutes), east=east)
    assert not Incident.objects.exists()
    for minutes, east in ((15, 20), (20, 40)):
        file_appeal(MORNING + timedelta(minutes=minutes), east=east)
    assert Incident.objects.get().appeal_count == 3


def test_a_whole_topic_group_can_gather_together(file_appeal, roads, category, fast_category):
    ClusterRule.objects.create(category=roads, whole_group=True)
    file_appeal(MORNING, cat=category)
    file_appeal(MORNING + timedelta(minutes=5), east=50, cat=fast_category)
    file_appeal(MORNING + timedelta(minutes=9), north=50, cat=category)
    incident = Incident.objects.get()
    assert incident.category == roads
    assert incident.appeal_count == 3


def test_incidents_that_come_close_merge_into_the_older(file_appeal):
    # Two groups 600 m apart: two incidents (the radius is 500 m).
    for minutes in (0, 1, 2):
        file_appeal(MORNING + timedelta(minutes=minutes))
    for minutes in (10, 11, 12):
        file_appeal(MORNING + timedelta(minutes=minutes), east=600)
    older, newer = Incident.objects.order_by("first_appeal_at")
    assert (older.appeal_count, newer.appeal_count) == (3, 3)
    # Appeals in between pull the older centre east until the centres are within 500 m.
    file_appeal(MORNING + timedelta(minutes=20), east=290)
    file_appeal(MORNING + timedelta(minutes=21), east=310)
    older.refresh_from_db()
    newer.refresh_from_db()
    assert older.state == Incident.State.ACTIVE
    assert older.appeal_count == 8
    assert newer.state == Incident.State.MERGED
    assert newer.merged_into == older
    assert not newer.members.exists()


def test_a_closed_incident_takes_no_more_appeals(file_appeal, operator):
    for minutes in (0, 1, 2):
        file_appeal(MORNING + timedelta(minutes=minutes))
    closed = services.close_incident(
        incident=Incident.objects.get(), actor=operator, now=MORNING + timedelta(hours=1)
    )
    late = file_appeal(MORNING + timedelta(hours=2), east=10)
    assert not IncidentAppeal.objects.filter(appeal=late).exists()
    closed.refresh_from_db()
    assert closed.appeal_count == 3


def _story(file_appeal, fast_category):
    """A day of appeals: a big incident, a merge, another topic, a far group, a lone appeal."""
    steps = [
        (0, 0, 0, None),
        (3, 40, 0, None),
        (5, 0, 60, None),
        (9, 600, 0, None),
        (12, 640, 30, None),
        (14, 610, 60, None),
        (20, 290, 0, None),
        (21, 310, 10, None),
        (25, 5000, 0, None),
        (26, 5050, 0, None),
        (27, 5000, 40, None),
        (30, 100, 0, fast_category),
        (31, 120, 20, fast_category),
        (40, 8000, 8000, None),
    ]
    steps += [(minutes, 20 + minutes, 10, None) for minutes in range(45, 60)]
    for minutes, east, north, cat in steps:
        file_appeal(MORNING + timedelta(minutes=minutes), east=east, north=north, cat=cat)


def test_rebuild_gives_the_same_incidents_as_the_incremental_path(file_appeal, fast_category):
    _story(file_appeal, fast_category)
    live = snapshot()
    assert sum(1 for row in live if row[1] == Incident.State.MERGED) == 1
    assert any(row[11] for row in live), "the story has a growth alert"
    result = services.rebuild_incidents(since=MORNING - timedelta(days=1))
    assert result.removed == len(live)
    assert snapshot() == live


def test_rebuild_command_over_a_window(file_appeal, fast_category):
    import time_machine
    from django.utils import timezone

    _story(file_appeal, fast_category)
    live = snapshot()
    with time_machine.travel(MORNING + timedelta(days=1), tick=False):
        assert timezone.now() > MORNING
        call_command("rebuild_incidents", "--since", "2", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert snapshot() == live


def test_rebuild_reclusters_appeals_that_were_never_clustered(file_appeal):
    for minutes in (0, 1, 2, 3):
        file_appeal(MORNING + timedelta(minutes=minutes), east=minutes * 10, cluster=False)
    assert not Incident.objects.exists()
    services.rebuild_incidents(since=MORNING - timedelta(hours=1))
    assert Incident.objects.get().appeal_count == 4


def test_rebuild_keeps_closed_incidents(file_appeal, operator):
    for minutes in (0, 1, 2):
        file_appeal(MORNING + timedelta(minutes=minutes))
    incident = Incident.objects.get()
    services.close_incident(incident=incident, actor=operator)
    services.rebuild_incidents(since=MORNING - timedelta(hours=1))
    assert list(Incident.objects.values_list("pk", "state")) == [
        (incident.pk, Incident.State.CLOSED)
    ]


def test_lookup_uses_a_bounded_number_of_queries(file_appeal, django_assert_max_num_queries):
    other = CategoryFactory()
    for minutes in range(12):
        file_appeal(MORNING + timedelta(minutes=minutes), east=minutes * 5)
    for minutes in range(12):
        file_appeal(MORNING + timedelta(minutes=minutes), east=3000, cat=other)
    appeal = file_appeal(MORNING + timedelta(minutes=30), east=15, cluster=False)
    with django_assert_max_num_queries(20):
        services.on_new_appeal(appeal)
    assert Incident.objects.get(category=appeal.category).appeal_count == 13


def test_quiet_incidents_are_closed_by_the_periodic_job(file_appeal):
    for minutes in (0, 1, 2):
        file_appeal(MORNING + timedelta(minutes=minutes))
    assert services.close_quiet_incidents(now=MORNING + timedelta(days=6)) == 0
    assert services.close_quiet_incidents(now=MORNING + timedelta(days=8)) == 1
    incident = Incident.objects.get()
    assert (incident.state, incident.closed_by) == (Incident.State.CLOSED, None)


def test_the_outbox_hook_never_fails(file_appeal, monkeypatch):
    appeal = file_appeal(MORNING, cluster=False)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "cluster_appeal", broken)
    assert services.on_new_appeal(appeal) is None
