"""Appeal statuses and the transition table: pure data and functions, no database.

Status is the position in the workflow. The outcome (solved, explained, refused…) is a separate
Resolution, and "overdue" is never a status: it is derived from the deadline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    NEW = "new", _("new")
    CLARIFICATION = "clarification", _("awaiting clarification")
    REGISTERED = "registered", _("registered")
    IN_PROGRESS = "in_progress", _("in progress")
    ANSWER_REVIEW = "answer_review", _("answer under review")
    ANSWERED = "answered", _("answered")
    CLOSED = "closed", _("closed")
    REJECTED = "rejected", _("rejected")


class Resolution(models.TextChoices):
    SOLVED = "solved", _("solved")
    EXPLAINED = "explained", _("explained")
    REFUSED = "refused", _("refused")
    WITHOUT_CONSIDERATION = "without_consideration", _("left without consideration")
    DUPLICATE = "duplicate", _("merged as a duplicate")


class Action(models.TextChoices):
    SUBMIT = "submit", _("appeal submitted")
    REQUEST_CLARIFICATION = "request_clarification", _("clarification requested")
    PROVIDE_CLARIFICATION = "provide_clarification", _("clarification provided")
    REGISTER = "register", _("registered")
    REJECT = "reject", _("rejected")
    MERGE = "merge", _("merged as a duplicate")
    ASSIGN = "assign", _("sent to the executor")
    REDIRECT = "redirect", _("redirected")
    REQUEST_POSTPONEMENT = "request_postponement", _("postponement requested")
    APPROVE_POSTPONEMENT = "approve_postponement", _("deadline moved")
    REFUSE_POSTPONEMENT = "refuse_postponement", _("postponement refused")
    SUBMIT_ANSWER = "submit_answer", _("answer submitted for review")
    RETURN_FOR_REWORK = "return_for_rework", _("answer returned for rework")
    PUBLISH_ANSWER = "publish_answer", _("answer published")
    RATE = "rate", _("answer rated")
    CLOSE = "close", _("closed")
    REOPEN = "reopen", _("reopened")
    COMMENT = "comment", _("comment")
    SUPPORT = "support", _("supported by another resident")
    FOLLOW_UP = "follow_up", _("follow-up questionnaire answered")
    DELEGATE = "delegate", _("given to an employee")
    INSTRUCT = "instruct", _("instruction issued")
    ESCALATE = "escalate", _("deadline reminder")
    CONTROL_CALL = "control_call", _("control call")
    # A second «not solved» on the same original joins its open repeat appeal (repeats.py).
    JOIN_REPEAT = "join_repeat", _("the applicant says again it is not solved")


OPEN_STATUSES = frozenset(
    {
        Status.NEW,
        Status.CLARIFICATION,
        Status.REGISTERED,
        Status.IN_PROGRESS,
        Status.ANSWER_REVIEW,
    }
)
FINISHED_STATUSES = frozenset({Status.ANSWERED, Status.CLOSED, Status.REJECTED})
# Statuses in which the executor holds the appeal and the answer deadline runs.
WITH_EXECUTOR = frozenset({Status.IN_PROGRESS, Status.ANSWER_REVIEW})
ANY = frozenset(Status)


@dataclass(frozen=True)
class Transition:
    sources: frozenset[Status]
    target: Status | None  # None: the status does not change


# The whole workflow on one screen: action → (from which statuses, to which status).
TRANSITIONS: dict[Action, Transition] = {
    Action.REQUEST_CLARIFICATION: Transition(
        frozenset({Status.NEW, Status.REGISTERED}), Status.CLARIFICATION
    ),
    Action.PROVIDE_CLARIFICATION: Transition(frozenset({Status.CLARIFICATION}), Status.NEW),
    Action.REGISTER: Transition(frozenset({Status.NEW}), Status.REGISTERED),
    Action.REJECT: Transition(frozenset({Status.NEW, Status.CLARIFICATION}), Status.REJECTED),
    Action.MERGE: Transition(frozenset({Status.NEW, Status.REGISTERED}), Status.REJECTED),
    Action.ASSIGN: Transition(frozenset({Status.REGISTERED}), Status.IN_PROGRESS),
    Action.REDIRECT: Transition(frozenset({Status.IN_PROGRESS}), Status.REGISTERED),
    Action.REQUEST_POSTPONEMENT: Transition(frozenset({Status.IN_PROGRESS}), None),
    Action.APPROVE_POSTPONEMENT: Transition(WITH_EXECUTOR, None),
    Action.REFUSE_POSTPONEMENT: Transition(WITH_EXECUTOR, None),
    Action.SUBMIT_ANSWER: Transition(frozenset({Status.IN_PROGRESS}), Status.ANSWER_REVIEW),
    Action.RETURN_FOR_REWORK: Transition(frozenset({Status.ANSWER_REVIEW}), Status.IN_PROGRESS),
    Action.PUBLISH_ANSWER: Transition(frozenset({Status.ANSWER_REVIEW}), Status.ANSWERED),
    Action.RATE: Transition(frozenset({Status.ANSWERED, Status.CLOSED}), None),
    Action.CLOSE: Transition(frozenset({Status.ANSWERED}), Status.CLOSED),
    Action.REOPEN: Transition(frozenset({Status.ANSWERED, Status.CLOSED}), Status.IN_PROGRESS),
    Action.COMMENT: Transition(ANY, None),
    Action.SUPPORT: Transition(OPEN_STATUSES - {Status.CLARIFICATION}, None),
    Action.FOLLOW_UP: Transition(frozenset({Status.ANSWERED, Status.CLOSED}), None),
    Action.DELEGATE: Transition(WITH_EXECUTOR, None),
    Action.INSTRUCT: Transition(ANY, None),
    Action.ESCALATE: Transition(OPEN_STATUSES, None),
    Action.CONTROL_CALL: Transition(frozenset({Status.ANSWERED, Status.CLOSED}), None),
    Action.JOIN_REPEAT: Transition(OPEN_STATUSES, None),
}


class IllegalTransition(Exception):
    """An action that the workflow does not allow from the appeal's current status."""

    def __init__(self, action: str, status: str):
        self.action = action
        self.status = status
        super().__init__(f"Action «{action}» is not allowed for an appeal in status «{status}»")


def is_allowed(status: str, action: str) -> bool:
    transition = TRANSITIONS.get(Action(action))
    return transition is not None and Status(status) in transition.sources


def next_status(status: str, action: str) -> Status:
    """The status after `action`; raises IllegalTransition if the table does not allow it."""
    if action == Action.SUBMIT:
        if status:
            raise IllegalTransition(action, status)
        return Status.NEW
    if not status or not is_allowed(status, action):
        raise IllegalTransition(action, status)
    target = TRANSITIONS[Action(action)].target
    return target if target is not None else Status(status)


def allowed_actions(status: str) -> list[Action]:
    return [action for action, t in TRANSITIONS.items() if Status(status) in t.sources]


def replay(actions: Iterable[str]) -> Status:
    """The status reached by applying a history of actions from the start."""
    status: str = ""
    for action in actions:
        status = next_status(status, action)
    return Status(status)
