"""The demo region built once for the whole package: 600 appeals up to a fixed moment.

It is built twice with the same seed — the first build rolled back after its digest is taken,
the second kept in an open transaction until the package's last test — so determinism is
tested on real builds. (`tests/demo` is a package so that this fixture ends with it.)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from otklik.appeals.models import Answer, Appeal, AppealEvent, Postponement, Rating
from otklik.directory.models import Region
from otklik.inspections.models import FieldTeam, InspectionPoint, PlanStop

NOW = "2026-11-20T12:00:00+03:00"
SEED = 48
APPEALS = 600
ARGS = [f"--appeals={APPEALS}", f"--seed={SEED}", f"--now={NOW}", "--no-progress"]


@dataclass
class BuiltDemo:
    region: Region
    output: str
    digest: str
    first_digest: str


def demo_digest() -> str:
    """A fingerprint of everything generated that does not depend on database ids."""
    h = hashlib.sha256()
    for row in Appeal.objects.order_by("number").values_list(
        "number", "status", "resolution", "channel", "text", "address", "latitude",
        "longitude", "category__code", "municipality__oktmo", "executor__name",
        "applicant__email", "created_at", "registered_at", "due_at", "original_due_at",
        "answered_at", "closed_at", "repeat_of__number", "duplicate_of__number",
    ):  # fmt: skip
        h.update(repr(row).encode())
    for model, fields in (
        (AppealEvent, ("appeal__number", "action", "from_status", "to_status", "created_at",
                       "comment", "actor__email")),
        (Answer, ("appeal__number", "state", "resolution", "text", "submitted_at")),
        (Postponement, ("appeal__number", "state", "requested_due_at", "is_repeated")),
        (Rating, ("appeal__number", "score", "is_solved", "comment", "created_at")),
    ):  # fmt: skip
        for row in sorted(repr(r) for r in model.objects.values_list(*fields)):
            h.update(row.encode())
    # The inspections: teams, every point and the season's routes; today's routes are left
    # out, the solver stops on a time limit.
    for model, fields, where in (
        (FieldTeam, ("name", "base_lat", "base_lon", "shift_start", "members__email"), {}),
        (InspectionPoint, ("day", "municipality__oktmo", "latitude", "longitude", "score",
                           "reasons", "result_appeal__number", "checked_at",
                           "checked_by__email"), {"checked_at__isnull": False}),
        # Today's reasons name incidents and instructions by id, which PostgreSQL does not
        # give again after a rollback.
        (InspectionPoint, ("day", "municipality__oktmo", "latitude", "longitude", "score"),
         {"checked_at__isnull": True}),
        (PlanStop, ("plan__day", "point__address", "team__name", "sequence", "eta"),
         {"point__status__in": ["checked_found", "checked_ok", "no_access"]}),
    ):  # fmt: skip
        rows = model.objects.filter(**where).values_list(*fields)
        for row in sorted(repr(r) for r in rows):
            h.update(row.encode())
    return h.hexdigest()


@pytest.fixture(scope="package")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            call_command("build_demo", *ARGS, verbosity=0)
            first_digest = demo_digest()
            transaction.set_rollback(True)
        kept = transaction.atomic()
        kept.__enter__()
        try:
            out = StringIO()
            call_command("build_demo", *ARGS, stdout=out)
            yield BuiltDemo(Region.objects.get(code="48"), out.getvalue(), demo_digest(),
                            first_digest)  # fmt: skip
        finally:
            transaction.set_rollback(True)
            kept.__exit__(None, None, None)


@pytest.fixture
def built(demo, db) -> BuiltDemo:
    """The demo region, inside the test's own transaction."""
    return demo
