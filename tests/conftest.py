"""The fixed cast of the test suite: one region, two municipalities, two executor bodies, and a
person for every role and scope. The test database carries the real production calendar."""

from __future__ import annotations

import pytest
from django.test import override_settings

from otklik.accounts.models import Role
from otklik.directory.models import Category, Municipality, Organization
from otklik.directory.production_calendar import seed_calendar
from tests.factories import (
    CategoryFactory,
    MunicipalityFactory,
    OrganizationFactory,
    RegionFactory,
    RoutingRuleFactory,
    UserFactory,
    make_appeal,
    square,
    staff,
)

CALENDAR_YEARS = (2020, 2030)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """SQLite tests run on a file, as the embedded mode does: WAL, and real concurrent writers
    (an in-memory database shares one cache and cannot show either)."""
    from django.db import connections

    settings_dict = connections["default"].settings_dict
    if settings_dict["ENGINE"].endswith("sqlite3"):
        settings_dict["TEST"]["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database with the real Russian production calendar in it."""
    with django_db_blocker.unblock():
        seed_calendar(*CALENDAR_YEARS)


@pytest.fixture(scope="session", autouse=True)
def _test_settings(tmp_path_factory):
    """Fast password hashing, media in a temporary directory, static files without a manifest
    (tests do not run collectstatic)."""
    from django.conf import settings

    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=str(tmp_path_factory.mktemp("media")),
        PRIVATE_ROOT=str(tmp_path_factory.mktemp("private")),
        STATIC_ROOT=str(tmp_path_factory.mktemp("static")),
        STORAGES=storages,
        # The database cache survives the flush of transactional tests; a local one is emptied
        # before each test below.
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        # The suite logs staff in with force_login and the password form alone; the second
        # factor's own tests turn it on (tests/accounts/test_two_factor.py).
        STAFF_TWO_FACTOR=False,
    ):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """An empty cache, and no reference data kept from an earlier test (the process checks
    the reference version only once a second)."""
    from django.core.cache import cache

    from otklik.directory import reference

    cache.clear()
    reference.forget()


@pytest.fixture(autouse=True)
def _no_files_pending_from_earlier_tests():
    """A test's transaction is rolled back after its last request: the files it left pending
    (lib/file_writes.py) must not be deleted by the next test's request, whose media directory
    may hold a file of the same name."""
    from otklik.lib import file_writes

    file_writes._pending.__dict__.pop("files", None)


# ---------------------------------------------------------------------------- directory


@pytest.fixture
def region(db):
    return RegionFactory(
        code="48",
        name="Липецкая область",
        time_zone="Europe/Moscow",
        center_lat=52.61,
        center_lon=39.59,
    )


@pytest.fixture
def municipality(region):
    return MunicipalityFactory(
        region=region,
        name="Липецк",
        kind=Municipality.Kind.CITY_DISTRICT,
        oktmo="42701000",
        center_lat=52.61,
        center_lon=39.59,
        boundary=square(52.61, 39.59),
    )


@pytest.fixture
def other_municipality(region):
    return MunicipalityFactory(
        region=region,
        name="Елец",
        kind=Municipality.Kind.CITY_DISTRICT,
        oktmo="42715000",
        center_lat=52.62,
        center_lon=38.50,
        boundary=square(52.62, 38.50),
    )


@pytest.fixture
def roads(db):
    return CategoryFactory(code="roads", name="Дороги", position=1)


@pytest.fixture
def category(roads):
    """Дороги / Ямы: 30 calendar days to answer."""
    return CategoryFactory(
        code="potholes",
        name="Ямы",
        parent=roads,
        answer_days=30,
        answer_days_unit=Category.DeadlineUnit.CALENDAR,
    )


@pytest.fixture
def fast_category(roads):
    """Дороги / Светофоры: the fast track, 10 working days."""
    return CategoryFactory(
        code="traffic-lights",
        name="Светофоры",
        parent=roads,
        answer_days=10,
        answer_days_unit=Category.DeadlineUnit.WORKING,
    )


@pytest.fixture
def private_category(db):
    """Социальная помощь: appeals never shown to the public."""
    return CategoryFactory(code="social-aid", name="Социальная помощь", is_public=False)


@pytest.fixture
def organization(region, municipality, category):
    org = OrganizationFactory(
        region=region,
        municipality=municipality,
        name="Управление дорожного хозяйства администрации г. Липецка",
        short_name="УДХ Липецка",
        kind=Organization.Kind.ROAD_SERVICE,
    )
    RoutingRuleFactory(category=category, municipality=municipality, organization=org)
    return org


@pytest.fixture
def other_organization(region, other_municipality, category):
    org = OrganizationFactory(
        region=region,
        municipality=other_municipality,
        name="Отдел дорожного хозяйства администрации г. Ельца",
        short_name="ОДХ Ельца",
        kind=Organization.Kind.ROAD_SERVICE,
    )
    RoutingRuleFactory(category=category, municipality=other_municipality, organization=org)
    return org


# ---------------------------------------------------------------------------- people


@pytest.fixture
def citizen(db):
    return UserFactory(
        email="ivan.petrov@example.ru", full_name="Иван Петров", phone="+7 900 123-45-67"
    )


@pytest.fixture
def other_citizen(db):
    return UserFactory(
        email="maria.sidorova@example.ru", full_name="Мария Сидорова", phone="+7 900 765-43-21"
    )


@pytest.fixture
def operator(region):
    return staff(Role.OPERATOR, region, email="operator@example.ru", full_name="Ольга Операторова")


@pytest.fixture
def municipal_operator(other_municipality):
    return staff(Role.OPERATOR, other_municipality, email="operator.elets@example.ru")


@pytest.fixture
def executor(organization):
    return staff(Role.EXECUTOR, organization, email="executor@example.ru", full_name="Пётр Дорогин")


@pytest.fixture
def other_org_executor(other_organization):
    return staff(Role.EXECUTOR, other_organization, email="executor.elets@example.ru")


@pytest.fixture
def supervisor(municipality):
    return staff(Role.SUPERVISOR, municipality, email="supervisor@example.ru")


@pytest.fixture
def leadership(region):
    return staff(Role.LEADERSHIP, region, email="governor@example.ru")


@pytest.fixture
def caller(region):
    return staff(Role.CALLER, region, email="caller@example.ru")


@pytest.fixture
def admin_user(db):
    return UserFactory(email="admin@example.ru", is_staff=True, is_superuser=True)


# ---------------------------------------------------------------------------- appeals


@pytest.fixture
def appeal_in(region, municipality, category, organization, citizen, operator, executor):
    """`appeal_in(status, **overrides)`: a Lipetsk pothole appeal brought to `status` through
    the services by the cast (citizen files, operator moderates, executor answers)."""

    def make(status, **overrides):
        options = {
            "region": region,
            "applicant": citizen,
            "operator": operator,
            "executor_user": executor,
            "organization": organization,
            "category": category,
            "municipality": municipality,
            "latitude": municipality.center_lat,
            "longitude": municipality.center_lon,
            "address": "г. Липецк, ул. Московская, 12",
        }
        options.update(overrides)
        return make_appeal(status, **options)

    return make
