"""What a control call found and what followed, in words for the call card and its messages.

The checked appeal stays closed with the executor's resolution (its history is never rewritten),
so the card must not let «closed — solved» stand alone after the applicant said «not solved»:
these sentences say what the applicant said, which repeat appeal carries the problem on (a new
one or the open one it joined) and whether an instruction was raised.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from otklik.appeals.workflow import OPEN_STATUSES

from .models import ControlCall

State = ControlCall.State


def joined_open_repeat(call: ControlCall) -> bool:
    """Whether the call's «not solved» joined a repeat appeal opened before it."""
    repeat = call.repeat if call.repeat_id else None
    return bool(repeat and call.completed_at and repeat.created_at < call.completed_at)


def repeat_sentence(call: ControlCall) -> str:
    if not call.repeat_id:
        return ""
    repeat = call.repeat
    values = {"number": repeat.number, "status": repeat.get_status_display()}
    if joined_open_repeat(call):
        return (
            _("Added to the repeat appeal %(number)s already open on this problem (%(status)s).")
            % values
        )
    if repeat.status in OPEN_STATUSES:
        return _("Repeat appeal %(number)s is opened (%(status)s).") % values
    return _("Repeat appeal %(number)s was opened; now %(status)s.") % values


def outcome_lines(call: ControlCall) -> list[str]:
    """What the check found and what followed, one sentence each."""
    if call.state == State.PENDING:
        return [_("Not checked yet.")]
    if call.state != State.DONE:
        return [_("Not checked: %(state)s.") % {"state": call.get_state_display()}]
    if call.is_solved:
        return [_("The applicant confirms the problem is solved.")]
    lines = [_("The applicant says the problem is NOT solved.")]
    if sentence := repeat_sentence(call):
        lines.append(sentence)
    if call.instruction_id:
        lines.append(
            _("Instruction No. %(number)s to %(organization)s.")
            % {"number": call.instruction_id, "organization": call.instruction.organization}
        )
    else:
        lines.append(_("No instruction has been raised yet."))
    return lines
