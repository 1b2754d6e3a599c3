"""AppealEvent is the audit log: never edited, never deleted; only the outbox mark is written."""

import pytest
from django.utils import timezone

from otklik.appeals.models import AppealEvent
from otklik.appeals.workflow import Status


@pytest.fixture
def event(appeal_in):
    return appeal_in(Status.NEW).events.get()


def test_an_event_cannot_be_edited(event):
    event.comment = "Подправим историю"
    with pytest.raises(TypeError, match="never edited"):
        event.save()
    with pytest.raises(TypeError, match="never edited"):
        event.save(update_fields=["comment"])
    assert AppealEvent.objects.get(pk=event.pk).comment == ""


def test_events_cannot_be_edited_in_bulk(event):
    with pytest.raises(TypeError, match="never edited"):
        AppealEvent.objects.filter(pk=event.pk).update(comment="Подправим")
    with pytest.raises(TypeError, match="never edited"):
        AppealEvent.objects.update(is_public=False)


def test_an_event_cannot_be_deleted(event):
    with pytest.raises(TypeError, match="never deleted"):
        event.delete()
    with pytest.raises(TypeError, match="never deleted"):
        AppealEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(TypeError, match="never deleted"):
        AppealEvent.objects.all().delete()
    assert AppealEvent.objects.filter(pk=event.pk).exists()


def test_only_the_outbox_mark_may_be_written(event):
    event.processed_at = timezone.now()
    event.save(update_fields=["processed_at"])
    assert AppealEvent.objects.get(pk=event.pk).processed_at == event.processed_at
