"""Calling: a caller takes a call, records each attempt to reach the applicant, and what a
«not solved» sets off (a repeat appeal); the phones are blanked on retention."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from otklik.accounts import forgetting
from otklik.appeals import outbox
from otklik.appeals import services as appeal_services
from otklik.appeals.models import Channel
from otklik.appeals.repeats import Via
from otklik.appeals.workflow import IllegalTransition
from otklik.control.models import ControlCall

from .access import can_record

# Retries after «no answer» or «busy»: after the first failed attempt, after the second; the
# third makes the call unreachable.
RETRY_DELAYS = (timedelta(hours=2), timedelta(days=1))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
INSTRUCTION_WORKING_DAYS = 5

State = ControlCall.State
Attempt = ControlCall.Attempt
FAILED_ATTEMPTS = frozenset({Attempt.NO_ANSWER, Attempt.BUSY})
FINAL_BY_ATTEMPT = {Attempt.REFUSED: State.REFUSED, Attempt.WRONG_NUMBER: State.WRONG_NUMBER}

# ---------------------------------------------------------------------------- calling


def _lock(call: ControlCall) -> ControlCall:
    call.refresh_from_db(from_queryset=ControlCall.objects.select_for_update())
    return call


def _score(value, label: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ValidationError(
            _("Choose a score from 1 to 5: %(what)s.") % {"what": label}, code="score"
        )
    return value


def take_call(*, call: ControlCall, actor) -> ControlCall:
    """A caller takes a pending call into their worklist (free calls only)."""
    if not can_record(actor, call):
        raise PermissionDenied
    with transaction.atomic():
        _lock(call)
        if call.state != State.PENDING:
            raise IllegalTransition("take", call.state)
        if call.caller_id not in (None, actor.pk):
            raise ValidationError(
                _("%(caller)s has already taken this call.") % {"caller": call.caller},
                code="taken",
            )
        call.caller = actor
        call.save(update_fields=["caller"])
    return call


def record_attempt(
    *,
    call: ControlCall,
    actor,
    result: str,
    is_solved: bool | None = None,
    speed_score: int | None = None,
    work_score: int | None = None,
    answer_score: int | None = None,
    comment: str = "",
    now: datetime | None = None,
    expected_attempts: int | None = None,
) -> ControlCall:
    """Record one attempt to reach the applicant, and write it into the appeal's history.

    reached: the outcome is required (solved or not, three scores 1–5) and the call is done;
    «not solved» opens a repeat appeal linked to the first (channel phone). no answer / busy:
    the next attempt is planned (`RETRY_DELAYS`); after `MAX_ATTEMPTS` the call is unreachable.
    refused / wrong number: final. `expected_attempts` is the count the caller's form was shown
    with: a resubmitted form (the same count already recorded) changes nothing."""
    if result not in Attempt.values:
        raise ValidationError(_("Choose how the call went."), code="result")
    if not can_record(actor, call):
        raise PermissionDenied
    comment = (comment or "").strip()[: appeal_services.MAX_TEXT]
    if result == Attempt.REACHED:
        if is_solved is None:
            raise ValidationError(
                _("Say whether the applicant confirms the problem is solved."), code="is_solved"
            )
        speed_score = _score(speed_score, _("speed"))
        work_score = _score(work_score, _("quality of the work"))
        answer_score = _score(answer_score, _("quality of the answer and feedback"))
    now = now or timezone.now()
    with transaction.atomic():
        _lock(call)
        if expected_attempts is not None and call.attempts != expected_attempts:
            # The same form sent twice (or another caller was quicker): nothing more to do.
            return call
        if call.state != State.PENDING:
            raise IllegalTransition(result, call.state)
        appeal = call.appeal
        call.attempts += 1
        call.caller = call.caller or actor
        fields = ["attempts", "caller", "state", "next_attempt_at", "completed_at"]
        if result == Attempt.REACHED:
            call.state = State.DONE
            call.is_solved = bool(is_solved)
            call.speed_score, call.work_score = speed_score, work_score
            call.answer_score = answer_score
            call.comment = comment
            call.next_attempt_at, call.completed_at = None, now
            fields += ["is_solved", "speed_score", "work_score", "answer_score", "comment"]
        elif result in FAILED_ATTEMPTS:
            if call.attempts >= MAX_ATTEMPTS:
                call.state, call.next_attempt_at, call.completed_at = State.UNREACHABLE, None, now
            else:
                call.next_attempt_at = now + RETRY_DELAYS[call.attempts - 1]
        else:
            call.state = FINAL_BY_ATTEMPT[Attempt(result)]
            call.next_attempt_at, call.completed_at = None, now
        if comment and result != Attempt.REACHED:
            call.comment = comment
            fields.append("comment")
        data = {
            "call_id": call.pk,
            "call_list_id": call.call_list_id,
            "result": result,
            "attempt": call.attempts,
            "state": call.state,
        }
        if result == Attempt.REACHED:
            data.update(
                is_solved=call.is_solved,
                speed_score=speed_score,
                work_score=work_score,
                answer_score=answer_score,
            )
        if call.next_attempt_at:
            data["next_attempt_at"] = call.next_attempt_at.isoformat()
        appeal_services.record_control_call(
            appeal=appeal, actor=actor, data=data, comment=comment, now=now
        )
        if result == Attempt.REACHED and not call.is_solved:
            with translation.override(settings.LANGUAGE_CODE):
                text = _(
                    "Control call: the applicant says the problem of appeal %(number)s is not "
                    "solved."
                ) % {"number": appeal.number}
                if comment:
                    text = f"{text}\n\n{comment}"
            call.repeat = appeal_services.create_repeat_appeal(
                original=appeal,
                actor=actor,
                text=text,
                channel=Channel.PHONE,
                via=Via.CONTROL_CALL,
                now=now,
            )
            fields.append("repeat")
        call.save(update_fields=fields)
        # The outbox brings the KPI rollups up to date with the new history entry.
        outbox.wake_on_commit()
    return call


def forget_phones(*, applicant) -> int:
    """152-ФЗ retention: blank the phone numbers kept on the person's control calls (the
    outcomes stay in the figures); returns how many calls had one."""
    return ControlCall.objects.filter(applicant=applicant).exclude(phone="").update(phone="")


def forget_caller_phones(*, user, now, reason) -> int:
    """The forgetter of accounts/forgetting.py: `forget_phones` of the person."""
    return forget_phones(applicant=user)


def register_forgetters() -> None:
    """Called from ControlConfig.ready(): retention of an unused account blanks the phones on
    their control calls (deleting an account does not: accounts/forgetting.py)."""
    forgetting.register("control_calls", forget_caller_phones, order=40, reasons=["inactive"])
