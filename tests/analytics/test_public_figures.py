"""The public figures are computed once per refresh and read from the cache by the pages."""

from django.urls import reverse
from django.utils import timezone

from otklik.analytics import public_figures
from otklik.appeals.workflow import Status


def test_refresh_runs_once_per_interval_unless_forced(appeal_in, municipality):
    appeal_in(Status.ANSWERED)
    now = timezone.now()
    assert public_figures.refresh(now=now) >= 1
    assert public_figures.refresh(now=now) == 0
    assert public_figures.refresh(now=now, force=True) >= 1


def test_pages_read_refreshed_figures_without_aggregating(
    client, appeal_in, municipality, django_assert_max_num_queries
):
    appeal_in(Status.ANSWERED)
    public_figures.refresh(force=True)
    with django_assert_max_num_queries(3):
        assert client.get(reverse("portal:municipality", args=[municipality.pk])).status_code == 200
    with django_assert_max_num_queries(3):
        assert client.get(reverse("portal:municipalities")).status_code == 200


def test_a_refresh_brings_new_appeals_into_the_figures(appeal_in, municipality):
    now = timezone.now()
    public_figures.refresh(now=now, force=True)
    [(_, before)] = public_figures.municipality_kpis(municipality.pk, now)[:1]
    appeal_in(Status.REGISTERED)
    [(_, stale)] = public_figures.municipality_kpis(municipality.pk, now)[:1]
    assert stale.received == before.received
    public_figures.refresh(now=now, force=True)
    [(_, fresh)] = public_figures.municipality_kpis(municipality.pk, now)[:1]
    assert fresh.received == before.received + 1
