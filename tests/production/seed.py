"""The schema and the minimal region the production tests run on, written into a fresh
database by `python -m tests.production.seed` (DJANGO_SETTINGS_MODULE and DATABASE_URL from the
environment); prints what the tests need (API keys, ids, logins) as one JSON line."""

# ruff: noqa: E402 (Django is set up before the models are imported)
import importlib
import json

import django

django.setup()

from django.apps import apps
from django.core.management import call_command

from otklik.accounts.models import ApiScope, Role
from otklik.accounts.tokens import issue_token
from otklik.directory.models import Category
from otklik.directory.production_calendar import seed_calendar
from otklik.notifications.models import WebhookSubscription
from tests.factories import (
    CategoryFactory,
    MunicipalityFactory,
    OrganizationFactory,
    RegionFactory,
    RoutingRuleFactory,
    UserFactory,
    square,
    staff,
)

PASSWORD = "Test-password-2026"
UNLIMITED = 10_000_000


def seed() -> dict:
    seed_calendar(2025, 2030)
    # The data the migrations write (the schema came from the models, without them).
    importlib.import_module("otklik.directory.migrations.0002_rejection_reasons").add_reasons(
        apps, None
    )
    region = RegionFactory(
        code="48",
        name="Липецкая область",
        time_zone="Europe/Moscow",
        center_lat=52.61,
        center_lon=39.59,
    )
    city = MunicipalityFactory(
        region=region,
        name="Липецк",
        oktmo="42701000",
        center_lat=52.61,
        center_lon=39.59,
        boundary=square(52.61, 39.59),
    )
    roads = CategoryFactory(code="roads", name="Дороги", position=1)
    pits = CategoryFactory(
        code="potholes",
        name="Ямы",
        parent=roads,
        answer_days=30,
        answer_days_unit=Category.DeadlineUnit.CALENDAR,
    )
    org = OrganizationFactory(region=region, municipality=city, name="УДХ Липецка")
    RoutingRuleFactory(category=pits, municipality=city, organization=org)
    operator = staff(Role.OPERATOR, region, email="operator@example.ru")
    executor = staff(Role.EXECUTOR, org, email="executor@example.ru")
    citizens = [UserFactory(email=f"citizen{n}@example.ru") for n in range(4)]
    # Another system (a call centre's CRM) files on residents' behalf: a member of staff.
    gateway = staff(Role.OPERATOR, region, email="gateway@example.ru")

    def key(user, *scopes, rate=UNLIMITED):
        return issue_token(
            user=user, name="test", scopes=scopes, region=region, rate_per_minute=rate
        )[1]

    # Every event of the region, to a receiver the test starts (its URL is set there).
    WebhookSubscription.objects.create(
        owner=operator, name="test", url="http://127.0.0.1:9/", secret="s" * 32
    )
    return {
        "region": region.pk,
        "category": pits.pk,
        "municipality": city.pk,
        "organization": org.pk,
        "executor_id": executor.pk,
        "password": PASSWORD,
        "citizens": [c.email for c in citizens],
        "gateway_key": key(gateway, ApiScope.OPEN311, ApiScope.APPEALS_FILE),
        "citizen_keys": [key(c, ApiScope.APPEALS_READ, ApiScope.APPEALS_FILE) for c in citizens],
        "operator_key": key(operator, ApiScope.APPEALS_MODERATE, ApiScope.APPEALS_READ),
        "executor_key": key(executor, ApiScope.APPEALS_WORK),
        "limited_key": key(gateway, ApiScope.OPEN311, ApiScope.APPEALS_FILE, rate=3),
    }


def main() -> None:
    """Schema (from the models), cache table and region, in one process: each start of Django
    costs seconds."""
    call_command("migrate", run_syncdb=True, interactive=False, verbosity=0)
    call_command("createcachetable")
    print("SEED " + json.dumps(seed()))


if __name__ == "__main__":
    main()
