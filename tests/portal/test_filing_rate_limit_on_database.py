"""The portal's hourly filing limits again, counted on the database (RateCounter upserts, the
default shared cache in production) instead of the tests' local-memory cache."""

import pytest

from otklik.accounts import rate_counters

# Collected again here, with their fixtures.
from .test_filing_rate_limit import (  # noqa: F401
    clock,
    limits,
    test_a_citizens_api_key_has_the_same_limit_and_a_staff_key_does_not,
    test_a_double_submit_of_a_filing_already_made_returns_it_and_is_not_counted,
    test_a_forged_forwarded_for_does_not_make_a_new_address,
    test_one_address_is_limited_across_people_and_another_address_is_not,
    test_past_the_limit_the_form_comes_back_with_everything_and_a_429,
    test_the_next_hour_files_again,
)


@pytest.fixture(autouse=True)
def on_the_database(monkeypatch):
    monkeypatch.setattr(rate_counters, "in_database", lambda: True)
