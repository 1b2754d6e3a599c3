"""The statements of one filing on each path, counted exactly so that they cannot creep back
(bench/profile_filing.py shows them in production form). The second filing of a test is
counted: the first makes the year's number sequence and loads the reference snapshot.

Counted as in production's default set-up, the rate limits on the database
(accounts/rate_counters.py, one upsert each); the reference version is read from the tests'
local-memory cache (production's database cache adds one SELECT, at most once a second per
process: directory/reference.py). Inside a test's transaction
every transaction of the request is a savepoint and is counted; on PostgreSQL the number
sequence made in the test's own transaction is looked up again on each filing (one more).
"""

import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from otklik.accounts import rate_counters
from otklik.accounts.models import ApiScope
from otklik.accounts.tokens import issue_token
from otklik.appeals.models import Appeal

pytestmark = pytest.mark.django_db

# path → statements of one filing by a citizen's key or session on SQLite (PostgreSQL: one more,
# see above). Before issue 19 (production form, bench/profile_filing.py): 27, 32 and 45.
EXPECTED = {"open311": 11, "rest": 16, "portal": 16}


@pytest.fixture(autouse=True)
def counters_on_the_database(monkeypatch, settings):
    monkeypatch.setattr(rate_counters, "in_database", lambda: True)
    settings.API_ANON_RATE_PER_MINUTE = 10**6
    settings.FILING_RATE_PER_HOUR = 10**6
    settings.FILING_RATE_PER_HOUR_PER_IP = 10**6


def expected(path: str) -> int:
    return EXPECTED[path] + (connection.vendor == "postgresql")


def counted(send) -> list[str]:
    """The statements of the second filing (the first warms up)."""
    send(0)
    with CaptureQueriesContext(connection) as captured:
        send(1)
    return [query["sql"][:120] for query in captured.captured_queries]


def test_an_open311_filing(region, municipality, category, citizen):
    _token, key = issue_token(
        user=citizen, name="gateway", scopes=[ApiScope.OPEN311], region=region
    )
    client = Client()

    def send(n):
        response = client.post(
            "/open311/v2/requests.json",
            {
                "api_key": key,
                "service_code": category.code,
                "lat": "52.61",
                "long": "39.59",
                "description": f"Яма на дороге №{n}",
                "email": "someone@example.ru",
            },
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        )
        assert response.status_code == 201, response.content

    statements = counted(send)
    assert len(statements) == expected("open311"), statements


def test_a_rest_filing_with_an_idempotency_key(region, municipality, category, citizen):
    _token, key = issue_token(
        user=citizen, name="gateway", scopes=[ApiScope.APPEALS_FILE], region=region
    )
    client = Client()

    def send(n):
        response = client.post(
            "/api/v1/appeals/",
            {"category": category.code, "text": f"Яма №{n}", "latitude": 52.61, "longitude": 39.59},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        )
        assert response.status_code == 201, response.content

    statements = counted(send)
    assert len(statements) == expected("rest"), statements


def test_a_portal_filing_without_a_photo(region, municipality, category, citizen):
    client = Client()
    client.force_login(citizen)

    def send(n):
        response = client.post(
            "/report/",
            {
                "form_key": str(uuid.uuid4()),
                "category": str(category.pk),
                "latitude": "52.61",
                "longitude": "39.59",
                "address": "г. Липецк, ул. Московская, 12",
                "text": f"Яма на проезжей части №{n}",
                "confirm_new": "1",
            },
        )
        assert response.status_code == 302, response.content[:500]

    statements = counted(send)
    assert len(statements) == expected("portal"), statements
    assert Appeal.objects.count() == 2
