"""Answers: the executor's answer with its evidence and formal-reply verdict, its return for
rework and its publication to the applicant."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from otklik.lib.hooks import Hooks

from .. import access, answer_signature
from ..models import Answer, Appeal, DraftPhoto
from ..outbox import wake_on_commit
from ..workflow import Action, Resolution
from .base import (
    MIN_ANSWER_TEXT,
    _check_allowed,
    _formatted,
    _lock,
    _transition,
    required_text,
)
from .photos import _adopt_draft_photos, _store_photos, process_photos


@dataclass(frozen=True)
class AnswerVerdict:
    """The formal-reply verdict kept on an answer: flagged or not, each finding as
    {"code", "message"}, the score, the finding codes (into the event) and the text's
    fingerprint (to find the same text sent elsewhere). The defaults mean "not checked"."""

    is_formal: bool = False
    findings: tuple[dict, ...] = ()
    score: float = 0.0
    codes: tuple[str, ...] = ()
    fingerprint: str = ""


# The formal-reply check: func(appeal, text, *, resolution, evidence, now) -> AnswerVerdict.
# intelligence registers it (IntelligenceConfig.ready); one checker at most, none = not checked.
answer_checkers = Hooks("answer checker")


def _check(appeal: Appeal, text: str, *, resolution: str, evidence: int, now: datetime):
    checkers = answer_checkers.entries()
    if len(checkers) > 1:
        raise ImproperlyConfigured(f"One answer checker expected, found {answer_checkers!r}")
    if not checkers:
        return AnswerVerdict()
    return checkers[0].func(appeal, text, resolution=resolution, evidence=evidence, now=now)


def submit_answer(
    *,
    appeal: Appeal,
    actor,
    text: str,
    resolution: str = Resolution.SOLVED,
    photos: Sequence = (),
    draft_photos: Sequence[DraftPhoto] = (),
    now=None,
    verdict: AnswerVerdict | None = None,
) -> Answer:
    """The executor's answer with evidence (photos and PDF documents), sent to the control
    centre for review. The formal-reply check (the registered checker) runs here, under the
    lock, and its verdict is kept on the answer, so the operator sees the same reasons the
    executor saw before sending; a caller that already has the verdict passes it."""
    access.require(access.can_work(actor, appeal))
    text = required_text(
        text,
        minimum=MIN_ANSWER_TEXT,
        message=_formatted(
            _("Write what was done: at least %(count)s characters."), {"count": MIN_ANSWER_TEXT}
        ),
    )
    if resolution not in Resolution.values or resolution == Resolution.DUPLICATE:
        raise ValidationError(_("Choose the outcome of the appeal."))
    # Refuse before the files are processed and stored; the locked check below decides.
    _check_allowed(appeal, Action.SUBMIT_ANSWER)
    if any(draft.owner_id != actor.pk for draft in draft_photos):
        raise PermissionDenied
    processed = process_photos(photos, already=len(draft_photos), documents=True)
    now = now or timezone.now()
    evidence = len(processed) + len(draft_photos)
    with transaction.atomic():
        _lock(appeal)
        _check_allowed(appeal, Action.SUBMIT_ANSWER)
        if verdict is None:
            verdict = _check(appeal, text, resolution=resolution, evidence=evidence, now=now)
        answer = Answer.objects.create(
            appeal=appeal,
            organization=appeal.executor,
            author=actor,
            text=text,
            resolution=resolution,
            submitted_at=now,
            is_formal_reply=verdict.is_formal,
            formal_reply_reasons=list(verdict.findings),
            formal_reply_score=verdict.score,
            fingerprint=verdict.fingerprint,
        )
        _store_photos(appeal, processed, uploaded_by=actor, answer=answer)
        _adopt_draft_photos(appeal, draft_photos, uploaded_by=actor, answer=answer)
        _transition(
            appeal,
            Action.SUBMIT_ANSWER,
            actor=actor,
            now=now,
            is_public=False,
            data={
                "answer_id": answer.pk,
                "photos": evidence,
                "formal_reply": list(verdict.codes),
            },
        )
    return answer


def return_answer(
    *, answer: Answer, actor, reasons: Sequence[str], comment: str = "", now=None
) -> Answer:
    """Send an answer back to the executor for rework, naming the criteria it failed."""
    appeal = answer.appeal
    access.require(access.can_moderate(actor, appeal))
    reasons = list(dict.fromkeys(reasons))
    if not reasons or any(r not in Answer.ReworkReason.values for r in reasons):
        raise ValidationError(_("Choose at least one reason for rework."))
    now = now or timezone.now()
    with transaction.atomic():
        if Answer.objects.select_for_update().get(pk=answer.pk).state != Answer.State.REVIEW:
            raise ValidationError(_("This answer has already been reviewed."))
        _transition(
            appeal,
            Action.RETURN_FOR_REWORK,
            actor=actor,
            now=now,
            comment=comment,
            is_public=False,
            data={"answer_id": answer.pk, "reasons": reasons},
        )
        answer.state = Answer.State.RETURNED
        answer.reviewed_by, answer.reviewed_at = actor, now
        answer.review_comment, answer.rework_reasons = comment, reasons
        answer.save(
            update_fields=[
                "state",
                "reviewed_by",
                "reviewed_at",
                "review_comment",
                "rework_reasons",
            ]
        )
        wake_on_commit()
    return answer


def publish_answer(*, answer: Answer, actor, comment: str = "", now=None) -> Answer:
    """Publish a reviewed answer to the applicant; the first one sets `answered_at`."""
    appeal = answer.appeal
    access.require(access.can_moderate(actor, appeal))
    now = now or timezone.now()
    with transaction.atomic():
        if Answer.objects.select_for_update().get(pk=answer.pk).state != Answer.State.REVIEW:
            raise ValidationError(_("This answer has already been reviewed."))
        _lock(appeal)
        signed = answer_signature.sign_answer(answer)
        _transition(
            appeal,
            Action.PUBLISH_ANSWER,
            actor=actor,
            now=now,
            comment=comment,
            answered_at=appeal.answered_at or now,
            resolution=answer.resolution,
            data={"answer_id": answer.pk, **answer_signature.signature_of(answer).as_data()},
        )
        answer.state = Answer.State.PUBLISHED
        answer.reviewed_by, answer.reviewed_at, answer.review_comment = actor, now, comment
        answer.save(
            update_fields=["state", "reviewed_by", "reviewed_at", "review_comment", *signed]
        )
        wake_on_commit()
    return answer
