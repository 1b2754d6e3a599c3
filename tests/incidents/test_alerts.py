"""Alerts on fast growth of an incident: to the operators and supervisors of its territory,
once per growth step, written down."""

from datetime import timedelta

import pytest

from otklik.incidents import clustering
from otklik.incidents.models import Incident, IncidentAlert
from otklik.notifications.models import Notification
from tests.incidents.helpers import MORNING


@pytest.fixture
def people(operator, supervisor, municipal_operator, executor, leadership):
    return {
        "operator": operator,
        "supervisor": supervisor,
        "elets": municipal_operator,
        "executor": executor,
        "leadership": leadership,
    }


def letters(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, event__isnull=True))


def test_five_appeals_within_an_hour_alert_operators_and_supervisors_once(file_appeal, people):
    for minutes in range(0, 50, 10):
        file_appeal(MORNING + timedelta(minutes=minutes), east=minutes)
    alert = IncidentAlert.objects.get()
    assert (alert.step, alert.reason, alert.appeal_count) == (0, "burst", 5)
    assert alert.recipients == 2
    [letter] = letters(people["operator"])
    assert letter.subject.startswith("Инцидент растёт: Ямы: 5 домов, Липецк")
    assert "/office/incidents/" in letter.body
    assert len(letters(people["supervisor"])) == 1
    # The operator of another municipality, executors and leadership get nothing.
    for name in ("elets", "executor", "leadership"):
        assert letters(people[name]) == []
    # More appeals in the same step: no second alert.
    for minutes in (51, 53, 55, 57):
        file_appeal(MORNING + timedelta(minutes=minutes), north=minutes)
    assert IncidentAlert.objects.count() == 1
    assert len(letters(people["operator"])) == 1


def test_the_next_step_alerts_again(file_appeal, people):
    for minutes in range(10):
        file_appeal(MORNING + timedelta(minutes=5 * minutes), east=10 * minutes)
    steps = list(IncidentAlert.objects.values_list("step", "appeal_count"))
    assert steps == [(0, 5), (1, 10)]
    assert len(letters(people["operator"])) == 2


def test_slow_growth_does_not_alert(file_appeal, people):
    for n in range(6):
        file_appeal(MORNING + timedelta(hours=10 * n), east=20 * n)
    assert Incident.objects.get().appeal_count == 6
    assert not IncidentAlert.objects.exists()
    assert letters(people["operator"]) == []


def test_doubling_within_hours_alerts(file_appeal, people):
    # Three appeals on one day, then four more within three hours the next morning.
    for n in range(3):
        file_appeal(MORNING + timedelta(hours=3 * n), east=20 * n)
    for n in range(4):
        file_appeal(MORNING + timedelta(hours=24 + n), north=20 * n)
    alert = IncidentAlert.objects.get()
    assert (alert.step, alert.reason) == (0, "doubling")


@pytest.mark.parametrize(
    ("count", "step"), [(1, None), (4, None), (5, 0), (9, 0), (10, 1), (19, 1), (20, 2), (41, 3)]
)
def test_growth_steps_double(count, step):
    assert clustering.growth_step(count) == step
