"""The public copy of an appeal's text and of a published answer: personal data masked.

Citizens type phones, e-mails, passport numbers and names into the text; the public pages, the
public API and Open311 show only `Appeal.public_text` / `Answer.public_text`, computed here by
`otklik/lib/masking.py` with the NER model of `lib/person_names.py`. The copy is computed off
the filing request (the outbox, after SUBMIT), at moderation, or when a public page first needs
it; a public page never falls back to the original. Staff pages show the original.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from otklik.lib import masking, person_names

from . import access
from .models import Answer, Appeal, AppealEvent
from .workflow import Action

PLACEHOLDERS = {
    masking.PHONE: _("[phone hidden]"),
    masking.EMAIL: _("[e-mail hidden]"),
    masking.PASSPORT: _("[passport hidden]"),
    masking.SNILS: _("[SNILS hidden]"),
    masking.INN: _("[INN hidden]"),
    masking.FLAT: _("[flat hidden]"),
    masking.NAME: _("[name hidden]"),
}
KIND_NAMES = {
    masking.PHONE: _("phone"),
    masking.EMAIL: _("e-mail"),
    masking.PASSPORT: _("passport"),
    masking.SNILS: _("SNILS"),
    masking.INN: _("INN"),
    masking.FLAT: _("flat number"),
    masking.NAME: _("person's name"),
}
MAX_PUBLIC_TEXT = 5000


def _placeholders() -> dict[str, str]:
    with translation.override(settings.LANGUAGE_CODE):
        return {kind: str(label) for kind, label in PLACEHOLDERS.items()}


def mask_texts(texts: list[str]) -> list[masking.Masked]:
    """`texts` with personal data masked, placeholders in the product's language."""
    return masking.mask_many(texts, names=person_names.find_names, placeholders=_placeholders())


def mask_text(text: str) -> masking.Masked:
    return mask_texts([text])[0]


def _masks(found: Iterable[masking.Found]) -> list[dict]:
    return [{"kind": item.kind, "text": item.text} for item in found]


def ensure_public_copy(appeal: Appeal) -> str:
    """The appeal's public text; computed and stored first if it is not yet. Derived data
    like a cache (no event): an operator's correction is `correct_public_text`."""
    if appeal.public_text is not None:
        return appeal.public_text
    masked = mask_text(appeal.text)
    # Only where still NULL: a correction made meanwhile wins.
    Appeal.objects.filter(pk=appeal.pk, public_text__isnull=True).update(
        public_text=masked.text, public_masks=_masks(masked.found)
    )
    appeal.public_text, appeal.public_masks = masked.text, _masks(masked.found)
    return appeal.public_text


def ensure_public_copies(appeals: Iterable[Appeal]) -> None:
    """`ensure_public_copy` for each appeal of a page; a query only for those without one."""
    for appeal in appeals:
        if appeal.public_text is None:
            ensure_public_copy(appeal)


def ensure_answer_public_copy(answer: Answer) -> str:
    """The answer's public text (a greeting by name masked), computed and stored if missing."""
    if answer.public_text is not None:
        return answer.public_text
    text = mask_text(answer.text).text
    Answer.objects.filter(pk=answer.pk, public_text__isnull=True).update(public_text=text)
    answer.public_text = text
    return text


def ensure_answer_public_copies(answers: Iterable[Answer]) -> None:
    for answer in answers:
        if answer.public_text is None:
            ensure_answer_public_copy(answer)


def correct_public_text(*, appeal: Appeal, actor, text: str, now=None) -> Appeal:
    """The operator's correction of the public copy (a mask added or removed by hand); kept
    over any recomputation, and written to the appeal's history (not public)."""
    access.require(access.can_moderate(actor, appeal))
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("The public text cannot be empty."))
    if len(text) > MAX_PUBLIC_TEXT:
        raise ValidationError(_("The public text is too long."))
    now = now or timezone.now()
    with transaction.atomic():
        appeal.refresh_from_db(from_queryset=Appeal.objects.select_for_update())
        previous = appeal.public_text
        appeal.public_text, appeal.public_text_corrected = text, True
        appeal.save(update_fields=["public_text", "public_text_corrected", "updated_at"])
        with translation.override(settings.LANGUAGE_CODE):
            comment = str(_("The public text was corrected at moderation."))
        AppealEvent.objects.create(
            appeal=appeal,
            action=Action.COMMENT,
            actor=actor,
            created_at=now,
            from_status=appeal.status,
            to_status=appeal.status,
            comment=comment,
            data={"kind": "public_text_corrected", "previous": previous or "", "text": text},
            is_public=False,
        )
    return appeal


def recompute_public_copies(*, appeals=None, batch: int = 500, progress=None) -> dict:
    """Public copies for appeals and published answers that have none (or all, with
    `appeals`): the regex rules for every text, the NER model only where a name may be."""
    counts = {"appeals": 0, "answers": 0}
    rows = appeals if appeals is not None else Appeal.objects.filter(public_text__isnull=True)
    rows = rows.filter(public_text_corrected=False).order_by("pk").only("pk", "text")
    last = 0
    while chunk := list(rows.filter(pk__gt=last)[:batch]):
        for appeal, masked in zip(chunk, mask_texts([a.text for a in chunk]), strict=True):
            appeal.public_text, appeal.public_masks = masked.text, _masks(masked.found)
        with transaction.atomic():
            Appeal.objects.bulk_update(chunk, ["public_text", "public_masks"])
        counts["appeals"] += len(chunk)
        last = chunk[-1].pk
        if progress:
            progress(len(chunk))
    answers = Answer.objects.filter(public_text__isnull=True, state=Answer.State.PUBLISHED)
    last = 0
    while chunk := list(answers.filter(pk__gt=last).order_by("pk").only("pk", "text")[:batch]):
        for answer, masked in zip(chunk, mask_texts([a.text for a in chunk]), strict=True):
            answer.public_text = masked.text
        with transaction.atomic():
            Answer.objects.bulk_update(chunk, ["public_text"])
        counts["answers"] += len(chunk)
        last = chunk[-1].pk
    return counts


def ensure_published_answer_copy(event: AppealEvent) -> None:
    """The outbox's hook for PUBLISH_ANSWER: the answer's public copy made at once."""
    answer_id = (event.data or {}).get("answer_id")
    answer = Answer.objects.filter(pk=answer_id).only("pk", "text", "public_text").first()
    if answer is not None:
        ensure_answer_public_copy(answer)


def dress_for_page(appeal: Appeal, answers: Iterable[Answer], *, own: bool) -> None:
    """Set `shown_text` on the appeal and its answers: the original for the applicant, the
    public copy for everyone else."""
    appeal.shown_text = appeal.text if own else ensure_public_copy(appeal)
    for answer in answers:
        answer.shown_text = answer.text if own else ensure_answer_public_copy(answer)


# A placeholder in a stored public text, whichever language it was made in.
_PLACEHOLDER = re.compile(r"\[[^\[\]\n]{1,40}?(?:скрыт[аоы]?|hidden)\]")


@dataclass(frozen=True)
class ModerationView:
    """The public copy as the operator sees it: parts (text, is a mask) to highlight, and
    what was masked (kind name, original fragment)."""

    text: str
    parts: list[tuple[str, bool]]
    masks: list[tuple[str, str]]
    corrected: bool


def for_moderation(appeal: Appeal) -> ModerationView:
    text = ensure_public_copy(appeal)
    parts, last = [], 0
    for m in _PLACEHOLDER.finditer(text):
        parts += [(text[last : m.start()], False), (m.group(), True)]
        last = m.end()
    parts.append((text[last:], False))
    masks = [
        (str(KIND_NAMES.get(item.get("kind"), item.get("kind"))), item.get("text", ""))
        for item in appeal.public_masks or []
        if isinstance(item, dict)
    ]
    return ModerationView(text, [p for p in parts if p[0]], masks, appeal.public_text_corrected)
