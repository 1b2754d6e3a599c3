"""The REST API's KPIs and ranking are kept in the cache until the rollups change: the outbox's
batch, a rebuild, new ranking settings leave them behind; access is checked before any is read."""

import pytest

from otklik.analytics import figures_cache, rollups
from otklik.analytics.ranking import save_settings
from otklik.appeals import outbox
from otklik.appeals.models import Appeal
from otklik.appeals.workflow import Status
from tests.api.test_rest_analytics import auth, figures_made  # noqa: F401 (a fixture)

# Three Lipetsk appeals and one of Elets this month, in the rollups (test_rest_analytics.py).
pytestmark = pytest.mark.usefixtures("figures_made")

KPIS = "/api/v1/analytics/kpis"
RANKING = "/api/v1/analytics/ranking?period=year"


def received(client, headers) -> int:
    response = client.get(KPIS, **headers)
    assert response.status_code == 200, response.content
    return response.json()["kpis"]["received"]


def test_kpis_are_kept_until_the_outbox_hands_a_batch_over(
    client, operator, appeal_in, settings, django_capture_on_commit_callbacks
):
    settings.ANALYTICS_FIGURES_MAX_STALE = 0  # exact: no stale figure served
    headers = auth(operator)
    assert received(client, headers) == 3
    appeal = appeal_in(Status.IN_PROGRESS)
    # The rollups alone, as a half-done batch would leave them: the kept figures still show.
    rollups.refresh_appeals([appeal.pk])
    assert received(client, headers) == 3
    with django_capture_on_commit_callbacks(execute=True):
        while outbox.process_outbox_batch():  # the batch handler: rollups, then a bump
            pass
        assert received(client, headers) == 3  # the new version comes with the commit
    assert received(client, headers) == 4


def test_during_a_storm_a_stale_figure_is_served_until_it_is_too_old(
    client, operator, appeal_in, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.ANALYTICS_FIGURES_MAX_STALE = 30
    now = [10**18]
    monkeypatch.setattr(figures_cache, "clock", lambda: now[0])
    headers = auth(operator)
    assert received(client, headers) == 3
    appeal_in(Status.IN_PROGRESS)
    with django_capture_on_commit_callbacks(execute=True):
        while outbox.process_outbox_batch():
            pass
    now[0] += 29 * 10**9
    assert received(client, headers) == 3  # stale, 29 s old: still served
    now[0] += 2 * 10**9
    assert received(client, headers) == 4  # 31 s old: made anew


def test_a_rebuild_of_the_rollups_leaves_the_kept_kpis_behind(
    client, operator, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    headers = auth(operator)
    assert received(client, headers) == 3
    Appeal.objects.filter(status=Status.NEW).update(status=Status.REJECTED)
    version = figures_cache.version()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("rebuild_rollups", verbosity=0)
    assert figures_cache.version() != version


def test_new_ranking_settings_leave_the_kept_ranking_behind(
    client, leadership, region, settings, django_capture_on_commit_callbacks
):
    settings.ANALYTICS_FIGURES_MAX_STALE = 0
    headers = auth(leadership)
    assert client.get(RANKING, **headers).json()["minimum_appeals"] == 30
    with django_capture_on_commit_callbacks(execute=True):
        save_settings(region.pk, {"on_time": 1.0}, 1)
    body = client.get(RANKING, **headers).json()
    assert body["minimum_appeals"] == 1
    assert body["weights"]["on_time"] == 1.0


def test_a_municipal_operator_never_reads_the_regions_kept_kpis(
    client, operator, municipal_operator, other_municipality
):
    assert received(client, auth(operator)) == 3  # the region's, now kept
    body = client.get(KPIS, **auth(municipal_operator)).json()
    assert body["scope"]["municipality_id"] == other_municipality.pk
    assert body["kpis"]["received"] == 1
    assert client.get(RANKING, **auth(municipal_operator)).status_code in (403, 404)


@pytest.mark.parametrize("url", [KPIS, RANKING])
def test_kept_figures_are_read_in_a_few_queries(
    client, leadership, url, django_assert_max_num_queries
):
    headers = auth(leadership)
    assert client.get(url, **headers).status_code == 200
    # The token, the grants and the region's day; the version and the figures come from the
    # cache (24 queries for the KPIs and 18 for the ranking when computed).
    with django_assert_max_num_queries(3):
        assert client.get(url, **headers).status_code == 200
