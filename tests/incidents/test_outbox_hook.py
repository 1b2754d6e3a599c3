"""The outbox hands every new appeal to the clustering: incidents form without anyone asking."""

import time_machine

from otklik.appeals.tasks import process_outbox_batch
from otklik.incidents.models import Incident
from tests.incidents.helpers import MORNING


def test_appeals_handed_over_by_the_outbox_form_one_incident(file_appeal):
    with time_machine.travel(MORNING, tick=False):
        filed = [file_appeal(MORNING, east=40 * i, house=10 + i, cluster=False) for i in range(4)]
        assert not Incident.objects.exists()
        process_outbox_batch()
        # A second pass over nothing new changes nothing (the hook is safe to repeat).
        process_outbox_batch()
    incident = Incident.objects.get()
    members = set(incident.members.values_list("appeal_id", flat=True))
    assert members == {appeal.pk for appeal in filed}
