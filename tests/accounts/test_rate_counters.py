"""Rate counters on the database (the default shared cache): one upsert per hit that counts only
under the limit, a new window starts again, a hit can be given back, and old windows are purged.
The portal's filing limits are run again here on the database counters."""

from __future__ import annotations

import pytest

from otklik.accounts import rate_counters
from otklik.accounts.models import RateCounter

pytestmark = pytest.mark.django_db
T = 1_800_000_000.0  # a moment at the start of a minute and of an hour


@pytest.fixture(autouse=True)
def on_the_database(monkeypatch):
    monkeypatch.setattr(rate_counters, "in_database", lambda: True)


def test_hits_are_counted_up_to_the_limit_and_no_further(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert rate_counters.take("k", limit=2, window=60, now=T)
    assert rate_counters.take("k", limit=2, window=60, now=T + 1)
    assert not rate_counters.take("k", limit=2, window=60, now=T + 2)
    assert rate_counters.hits("k", window=60, now=T + 3) == 2


def test_the_next_window_starts_again_on_the_same_row():
    for second in range(3):
        rate_counters.take("k", limit=3, window=60, now=T + second)
    assert rate_counters.take("k", limit=3, window=60, now=T + 60)
    assert rate_counters.hits("k", window=60, now=T + 61) == 1
    assert RateCounter.objects.count() == 1


def test_keys_are_counted_apart():
    assert rate_counters.take("a", limit=1, window=60, now=T)
    assert rate_counters.take("b", limit=1, window=60, now=T)
    assert not rate_counters.take("a", limit=1, window=60, now=T)


def test_a_hit_given_back_makes_room_again():
    assert rate_counters.take("k", limit=1, window=60, now=T)
    rate_counters.give_back("k", window=60, now=T)
    assert rate_counters.take("k", limit=1, window=60, now=T)


def test_purge_deletes_only_windows_long_past():
    rate_counters.take("old", limit=5, window=60, now=T)
    rate_counters.take("new", limit=5, window=60, now=T + 600)
    assert rate_counters.purge(now=T + 300) == 1
    assert list(RateCounter.objects.values_list("key", flat=True)) == ["new"]
