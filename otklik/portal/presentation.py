"""What a citizen reads about an appeal: its status, its history and its deadline in plain words.

Kept out of the templates (which only show) and out of the domain (which does not speak to
citizens)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from otklik.appeals.models import Appeal, AppealEvent
from otklik.appeals.workflow import Action, Status
from otklik.lib.dates import short_date

CITIZEN_STATUS = {
    Status.NEW: _("Being checked by the moderator"),
    Status.CLARIFICATION: _("Your clarification is needed"),
    Status.REGISTERED: _("Registered, the executor is being chosen"),
    Status.IN_PROGRESS: _("The executor is working on it"),
    Status.ANSWER_REVIEW: _("The answer is being checked"),
    Status.ANSWERED: _("Answered: please rate the answer"),
    Status.CLOSED: _("Closed"),
    Status.REJECTED: _("Rejected"),
}


def citizen_status(appeal: Appeal) -> str:
    return str(CITIZEN_STATUS.get(appeal.status, appeal.get_status_display()))


def _days(count: int) -> str:
    return ngettext("%(count)d day", "%(count)d days", count) % {"count": count}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    title: str
    detail: str = ""


def _detail(event: AppealEvent, *, own: bool) -> str:
    data = event.data or {}
    match event.action:
        case Action.ASSIGN:
            return str(_("Executor: %(executor)s. Answer due by %(date)s.")) % {
                "executor": data.get("executor", ""),
                "date": short_date(data.get("due_at")),
            }
        case Action.APPROVE_POSTPONEMENT:
            return str(_("From %(old)s to %(new)s. Reason: %(reason)s")) % {
                "old": short_date(data.get("from")),
                "new": short_date(data.get("to")),
                "reason": event.comment,
            }
        case Action.REJECT:
            return data.get("reason_text") or event.comment
        case Action.MERGE:
            return str(_("Merged into appeal %(number)s.")) % {"number": data.get("into", "")}
        case Action.SUBMIT if data.get("repeat_of"):
            return str(_("Repeat appeal: the problem of appeal %(number)s is not solved.")) % {
                "number": data["repeat_of"]
            }
        case Action.JOIN_REPEAT:
            return str(_("The problem of appeal %(number)s was reported unsolved again.")) % {
                "number": data.get("repeat_of", "")
            }
        case Action.REQUEST_CLARIFICATION | Action.COMMENT:
            return event.comment
        case Action.RATE if own:
            return str(_("Score %(score)s of 5.")) % {"score": data.get("score", "")}
        case Action.FOLLOW_UP:
            lasted = data.get("fix_lasted")
            return str(_("The result has lasted.") if lasted else _("It did not last."))
    return event.comment if own else ""


def timeline(events, *, own: bool) -> list[TimelineEntry]:
    """The public events of an appeal as a citizen reads them; the applicant sees a little more
    (their own comments and scores)."""
    return [
        TimelineEntry(event.created_at, event.get_action_display(), _detail(event, own=own))
        for event in events
    ]


@dataclass(frozen=True)
class DeadlineState:
    text: str
    kept: bool | None  # None: still running


def deadline_state(appeal: Appeal, now: datetime) -> DeadlineState | None:
    """Whether the answer deadline is kept, in one sentence."""
    if appeal.due_at is None or appeal.status == Status.REJECTED:
        return None
    due = timezone.localtime(appeal.due_at).date()
    if appeal.answered_at is not None:
        answered = timezone.localtime(appeal.answered_at).date()
        if appeal.answered_at <= appeal.due_at:
            return DeadlineState(str(_("Answered on time.")), True)
        late = (answered - due).days or 1
        return DeadlineState(str(_("Answered late, by %(days)s.")) % {"days": _days(late)}, False)
    today = timezone.localtime(now).date()
    if now <= appeal.due_at:
        left = (due - today).days
        if left == 0:
            return DeadlineState(str(_("The deadline is today.")), None)
        return DeadlineState(str(_("%(days)s left.")) % {"days": _days(left)}, None)
    late = (today - due).days or 1
    missed = str(_("The deadline was missed %(days)s ago.")) % {"days": _days(late)}
    return DeadlineState(missed, False)
