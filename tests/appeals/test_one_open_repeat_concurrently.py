"""Three paths reporting the same problem unsolved at the same moment open one repeat appeal:
real threads, each on its own connection (the original's row lock serialises them)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from otklik.appeals import services
from otklik.appeals.models import Appeal
from otklik.appeals.repeats import Via
from otklik.appeals.workflow import Action, Status

pytestmark = pytest.mark.django_db(transaction=True)
PATHS = (Via.RATING, Via.FOLLOW_UP, Via.CONTROL_CALL)


def test_simultaneous_reports_make_one_repeat_and_join_it(appeal_in):
    original = appeal_in(Status.CLOSED)
    barrier = threading.Barrier(len(PATHS))
    results, errors = {}, []

    def report(via):
        try:
            barrier.wait()
            first = Appeal.objects.get(pk=original.pk)
            results[via] = services.create_repeat_appeal(
                original=first, actor=None, text=f"Не решено ({via})", via=via
            ).pk
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=report, args=(via,)) for via in PATHS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(results.values())) == 1
    repeat = Appeal.objects.get(repeat_of=original)
    assert repeat.events.filter(action=Action.JOIN_REPEAT).count() == len(PATHS) - 1
