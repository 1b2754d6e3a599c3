"""The read-replica router (otklik/lib/db_router.py): analytics reads go to "replica", writes and
everything else to default, reads stay on default after a write in the same request, and
nothing changes without a replica.

The replica here is a test mirror of default (another connection to the same test database),
added for these tests only; queries are captured per connection to show which one ran what."""

from __future__ import annotations

import uuid

import pytest
from django.core.signals import request_started
from django.db import connections, router, transaction
from django.test.utils import CaptureQueriesContext

from otklik.analytics import rollups
from otklik.analytics.models import KpiDay, RankingSettings
from otklik.analytics.ranking import settings_for
from otklik.appeals.models import Appeal
from otklik.appeals.workflow import Status
from otklik.lib.db_router import REPLICA, ReplicaRouter, forget_writes, primary_reads
from tests.factories import refresh_rollups
from tests.lib.fresh_settings import settings_in_subprocess

TWELVE_MONTHS = {"period": "twelve_months"}


@pytest.fixture(scope="module")
def _replica_alias(django_db_setup, django_db_blocker):
    """A "replica" database that is the default test database seen through a connection of its
    own (what DATABASES["replica"]["TEST"] = {"MIRROR": "default"} gives a test run), for the
    tests of this module only. Module-scoped, so that it exists before a test's database setup
    checks the aliases the test asks for."""
    default = connections["default"].settings_dict
    connections.settings[REPLICA] = {
        **default,
        "TEST": {**default.get("TEST", {}), "MIRROR": "default"},
    }
    yield
    with django_db_blocker.unblock():
        connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


@pytest.fixture
def replica(_replica_alias):
    forget_writes()
    return connections[REPLICA]


@pytest.fixture
def no_replica():
    """The replica alias out of the way, as in a deployment without DATABASE_REPLICA_URL."""
    saved = connections.settings.pop(REPLICA, None)
    yield
    if saved is not None:
        connections.settings[REPLICA] = saved


# The replica reads what default committed: transactional tests, both aliases allowed.
with_replica = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])


def tables(context: CaptureQueriesContext) -> str:
    return "\n".join(query["sql"] for query in context.captured_queries)


def test_the_replica_comes_from_database_replica_url_only(tmp_path):
    expression = "[sorted(s.DATABASES), s.DATABASES.get('replica', {}).get('TEST')]"
    url = "postgres://reader@replica.internal:5432/otklik"
    assert settings_in_subprocess({"DATABASE_REPLICA_URL": url}, expression, tmp_path) == [
        ["default", "replica"],
        {"MIRROR": "default"},
    ]
    assert settings_in_subprocess({}, expression, tmp_path) == [["default"], None]


@pytest.mark.django_db
def test_without_a_replica_the_router_leaves_everything_to_django(no_replica):
    ours = ReplicaRouter()
    assert REPLICA not in connections.settings
    assert ours.db_for_read(KpiDay) is None
    assert ours.db_for_write(KpiDay) is None
    assert ours.allow_migrate("default", "analytics") is None
    assert router.db_for_read(KpiDay) == "default"
    assert KpiDay.objects.all().db == "default"


def test_migrations_never_run_on_the_replica(_replica_alias):
    assert router.allow_migrate(REPLICA, "analytics", model_name="kpiday") is False
    assert router.allow_migrate("default", "analytics", model_name="kpiday") is True


@with_replica
def test_analytics_pages_read_the_rollups_from_the_replica_and_filing_an_appeal_does_not(
    replica, client, leadership, citizen, municipality, category, appeal_in
):
    for status in (Status.IN_PROGRESS, Status.ANSWERED, Status.IN_PROGRESS):
        appeal_in(status)
    refresh_rollups()
    client.force_login(leadership)
    for url in ("/office/ranking/", "/office/kpi/", "/office/weekly/"):
        with (
            CaptureQueriesContext(connections[REPLICA]) as on_replica,
            CaptureQueriesContext(connections["default"]) as on_default,
        ):
            response = client.get(url, TWELVE_MONTHS)
        assert response.status_code == 200
        assert "analytics_kpiday" in tables(on_replica)
        assert "analytics_kpiday" not in tables(on_default)
        # The session and the user are read from the primary.
        assert "django_session" in tables(on_default)
        assert "django_session" not in tables(on_replica)
    # The weekly review reads the appeals behind it from the replica too.
    assert "appeals_appeal" in tables(on_replica)

    client.force_login(citizen)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = client.post(
            "/report/",
            {
                "form_key": str(uuid.uuid4()),
                "category": str(category.pk),
                "latitude": str(municipality.center_lat),
                "longitude": str(municipality.center_lon),
                "address": "г. Липецк, ул. Московская, 12",
                "text": "Глубокая яма на проезжей части у дома 12 по улице Московской.",
                "confirm_new": "1",  # not one of the similar appeals above
            },
        )
    assert response.status_code == 302
    assert Appeal.objects.using("default").count() == 4
    assert on_replica.captured_queries == []


@with_replica
def test_reads_stay_on_the_primary_after_a_write_in_a_transaction_and_for_settings(replica, region):
    request_started.send(sender=None)  # a new request that has written nothing
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        KpiDay.objects.count()
    assert len(on_replica.captured_queries) == 1
    with transaction.atomic():
        assert KpiDay.objects.all().db == "default"
    with primary_reads():
        assert KpiDay.objects.all().db == "default"

    RankingSettings.objects.create(region=region, minimum_appeals=7)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        KpiDay.objects.count()
        assert KpiDay.objects.all().db == "default"
    assert on_replica.captured_queries == []

    # The next request starts afresh, but reads the settings someone saved from the primary.
    request_started.send(sender=None)
    assert KpiDay.objects.all().db == REPLICA
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert settings_for(region.pk).minimum == 7
    assert on_replica.captured_queries == []


@with_replica
def test_the_rollup_refresh_and_rebuild_read_the_primary_and_replica_rows_save_there(
    replica, appeal_in
):
    appeal = appeal_in(Status.IN_PROGRESS)
    request_started.send(sender=None)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        rollups.refresh_appeals([appeal.pk])
        report = rollups.rebuild()
    assert on_replica.captured_queries == []
    assert report.rows == KpiDay.objects.using("default").count() > 0

    request_started.send(sender=None)
    row = KpiDay.objects.order_by("pk").first()
    assert row._state.db == REPLICA
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        row.save(update_fields=["received"])
    assert on_replica.captured_queries == []
    assert row._state.db == "default"
