"""A task worker whose outbox processing stops half-way, for the killed-worker test: it files
one appeal (so that its outbox task is queued; one Django start less for the test), then runs
`manage.py db_worker` with the given arguments, and in the outbox task, once the first event's
letters are written (inside the batch's transaction), waits on a PostgreSQL advisory lock the
test holds."""

# ruff: noqa: E402 (Django is set up before the task module is imported)
import sys

import django

django.setup()

from django.core.management import call_command
from django.db import connection

from otklik.appeals import outbox

HOLD = 0x70726F63  # the test's lock: pg_advisory_lock(bigint)

_letters = next(e for e in outbox.event_handlers.entries() if e.name == "notifications.letters")


def _notify_then_wait(event):
    _letters.func(event)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [HOLD])


def file_appeal() -> None:
    from django.db import transaction

    from otklik.accounts.models import User
    from otklik.appeals import services
    from otklik.directory.models import Category, Region

    with transaction.atomic():
        services.submit_appeal(
            region=Region.objects.get(),
            category=Category.objects.get(code="potholes"),
            applicant=User.objects.get(email="citizen0@example.ru"),
            text="Яма у подъезда",
        )


if __name__ == "__main__":
    # Only in the worker's own process: the test imports HOLD from here.
    outbox.event_handlers.register(
        _letters.name, _notify_then_wait, order=_letters.order, when=_letters.when
    )
    file_appeal()
    call_command("db_worker", *sys.argv[1:])
