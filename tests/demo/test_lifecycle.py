"""Every generated appeal has a history the workflow allows, with the fields services set."""

from collections import defaultdict

from django.db.models import F

from otklik.appeals import workflow
from otklik.appeals.models import Answer, Appeal, AppealEvent, Postponement, Rating
from otklik.appeals.workflow import Action, Resolution, Status


def _events_by_appeal():
    events = defaultdict(list)
    for e in AppealEvent.objects.order_by("appeal_id", "created_at", "pk"):
        events[e.appeal_id].append(e)
    return events


def test_every_appeals_events_replay_to_its_status(built):
    events = _events_by_appeal()
    appeals = list(Appeal.objects.all())
    assert len(appeals) == 600
    for appeal in appeals:
        history = events[appeal.pk]
        assert history[0].action == Action.SUBMIT
        assert workflow.replay(e.action for e in history) == appeal.status, appeal.number
        status = ""
        for e in history:
            assert e.from_status == status, (appeal.number, e.action)
            status = workflow.next_status(status, e.action)
            assert e.to_status == status
        assert [e.created_at for e in history] == sorted(e.created_at for e in history)
        assert history[0].created_at == appeal.created_at
        assert appeal.updated_at == history[-1].created_at


def test_generated_events_are_marked_processed_for_the_outbox(built):
    assert not AppealEvent.objects.unprocessed().exists()


def test_fields_are_set_as_the_services_set_them(built):
    events = _events_by_appeal()
    for appeal in Appeal.objects.all():
        actions = [e.action for e in events[appeal.pk]]
        assert (appeal.registered_at is not None) == (Action.REGISTER in actions)
        assert (appeal.original_due_at is not None) == (Action.ASSIGN in actions)
        assert (appeal.answered_at is not None) == (Action.PUBLISH_ANSWER in actions)
        if appeal.answered_at:
            first = next(e for e in events[appeal.pk] if e.action == Action.PUBLISH_ANSWER)
            assert appeal.answered_at == first.created_at
        assert (appeal.closed_at is not None) == (appeal.status == Status.CLOSED)
        assert (appeal.executor_id is not None) == (
            appeal.status in (Status.IN_PROGRESS, Status.ANSWER_REVIEW, Status.ANSWERED,
                              Status.CLOSED)
        )  # fmt: skip
        if appeal.status == Status.REJECTED:
            assert appeal.rejection_reason_id is not None
            assert appeal.resolution in (Resolution.WITHOUT_CONSIDERATION, Resolution.DUPLICATE)
            assert (appeal.duplicate_of_id is not None) == (Action.MERGE in actions)
        if appeal.status == Status.CLARIFICATION:
            assert appeal.clarification_due_at is not None
        if (
            appeal.original_due_at
            and not Postponement.objects.filter(
                appeal=appeal, state=Postponement.State.APPROVED
            ).exists()
        ):
            assert appeal.due_at == appeal.original_due_at


def test_answers_postponements_and_ratings_match_the_events(built):
    data = defaultdict(set)
    for e in AppealEvent.objects.all():
        for key in ("answer_id", "postponement_id"):
            if key in e.data:
                data[(e.action, key)].add(e.data[key])
    answers = set(Answer.objects.values_list("pk", flat=True))
    assert data[(Action.SUBMIT_ANSWER, "answer_id")] == answers
    assert data[(Action.PUBLISH_ANSWER, "answer_id")] == set(
        Answer.objects.filter(state=Answer.State.PUBLISHED).values_list("pk", flat=True)
    )
    assert data[(Action.RETURN_FOR_REWORK, "answer_id")] == set(
        Answer.objects.filter(state=Answer.State.RETURNED).values_list("pk", flat=True)
    )
    assert data[(Action.REQUEST_POSTPONEMENT, "postponement_id")] == set(
        Postponement.objects.values_list("pk", flat=True)
    )
    assert Rating.objects.count() == AppealEvent.objects.filter(action=Action.RATE).count()
    for answer in Answer.objects.filter(state=Answer.State.RETURNED):
        assert answer.rework_reasons
        assert set(answer.rework_reasons) <= set(Answer.ReworkReason.values)


def test_history_has_every_kind_of_case(built):
    appeals = Appeal.objects.all()
    assert appeals.filter(status=Status.REJECTED).exclude(duplicate_of=None).exists()
    assert appeals.exclude(repeat_of=None).exists()
    assert AppealEvent.objects.filter(action=Action.REQUEST_CLARIFICATION).exists()
    assert AppealEvent.objects.filter(action=Action.REDIRECT).exists()
    assert Postponement.objects.filter(state=Postponement.State.APPROVED).exists()
    assert Postponement.objects.filter(state=Postponement.State.REFUSED).exists()
    assert Postponement.objects.filter(is_repeated=True).exists()
    assert Answer.objects.filter(state=Answer.State.RETURNED).exists()
    assert Rating.objects.filter(is_solved=False).exists()
    rated = set(Rating.objects.values_list("score", flat=True))
    assert rated == {1, 2, 3, 4, 5}
    assert appeals.filter(answered_at__gt=F("due_at")).exists()
    reasons = set(appeals.values_list("rejection_reason__code", flat=True))
    assert {"duplicate", "spam", "not_competent"} <= reasons


def test_recent_appeals_are_still_open(built):
    recent = list(Appeal.objects.order_by("-created_at")[:30])
    statuses = [a.status for a in recent]
    assert {Status.IN_PROGRESS, Status.ANSWERED} <= set(statuses)
    assert statuses.count(Status.CLOSED) < len(recent) / 2
    assert recent[0].status in (Status.NEW, Status.REGISTERED, Status.IN_PROGRESS)
