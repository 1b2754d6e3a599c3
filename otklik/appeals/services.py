"""Every write to an appeal: one named function per action of the workflow.

Each runs in a transaction, locks the appeal row, checks the transition table
(`workflow.py`), applies its change and writes the AppealEvent in the same transaction.
Bad input raises ValidationError with a message for people; a forbidden action raises
PermissionDenied; an action the workflow does not allow raises IllegalTransition.
`actor=None` means the system itself (periodic jobs).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Role
from otklik.directory.models import (
    Category,
    Municipality,
    Organization,
    Region,
    RejectionReason,
)
from otklik.directory.production_calendar import work_calendar
from otklik.directory.services import find_municipality, route_executor
from otklik.lib.documents import is_pdf, rewrite_pdf
from otklik.lib.file_writes import delete_unless_committed
from otklik.lib.images import ProcessedImage, reencode_image
from otklik.lib.plaintext import clean_text

from . import access, answer_signature, public_copy, repeats, sla
from .models import (
    Answer,
    Appeal,
    AppealEvent,
    AppealNumberSequence,
    Attachment,
    Channel,
    DraftPhoto,
    Postponement,
    Rating,
    Support,
)
from .workflow import Action, IllegalTransition, Resolution, Status, next_status

MAX_TEXT = 5000
MIN_ANSWER_TEXT = 20
MIN_POSTPONEMENT_REASON = 10
MIN_REPEATED_POSTPONEMENT_REASON = 50


# ---------------------------------------------------------------------------- internals


def _deadline_context(region: Region) -> tuple:
    return work_calendar(region), ZoneInfo(region.time_zone)


def _lock(appeal: Appeal) -> Appeal:
    """Lock the appeal's row and bring the caller's object up to date with it, so that changes
    are computed from the row as it is now, not from a copy read earlier."""
    appeal.refresh_from_db(from_queryset=Appeal.objects.select_for_update())
    return appeal


# Moderation steps that make no sense once an answer has reached the applicant: a rejected
# appeal is never answered (a constraint), and a reopened one is not moderated again.
_BEFORE_ANSWER_ONLY = frozenset({Action.REQUEST_CLARIFICATION, Action.REJECT, Action.MERGE})


def _check_allowed(appeal: Appeal, action: Action) -> None:
    """Raise IllegalTransition if the workflow does not allow `action` on the appeal now."""
    next_status(appeal.status, action)
    if action in _BEFORE_ANSWER_ONLY and appeal.answered_at is not None:
        raise IllegalTransition(action, appeal.status)


def _transition(
    appeal: Appeal,
    action: Action,
    *,
    actor,
    now: datetime,
    comment: str = "",
    data: dict | None = None,
    is_public: bool = True,
    **changes,
) -> AppealEvent:
    """Apply `action` to the locked appeal row, save `changes` and write the event."""
    _lock(appeal)
    _check_allowed(appeal, action)
    from_status = appeal.status
    changes["status"] = next_status(from_status, action)
    for field, value in changes.items():
        setattr(appeal, field, value)
    appeal.save(update_fields=[*changes, "updated_at"])
    return AppealEvent.objects.create(
        appeal=appeal,
        action=action,
        actor=actor,
        created_at=now,
        from_status=from_status,
        to_status=changes["status"],
        comment=comment,
        data=data or {},
        is_public=is_public,
    )


def _on_commit_process_outbox() -> None:
    from .tasks import process_outbox

    transaction.on_commit(lambda: process_outbox.enqueue())


def _increment_number(region: Region, year: int) -> int | None:
    # UPDATE … RETURNING: one round trip instead of two while holding the row lock, which every
    # intake of the region waits on until the transaction commits (bench/intake.py).
    table = connection.ops.quote_name(AppealNumberSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_value = last_value + 1 "  # noqa: S608 (a model's table)
            "WHERE region_id = %s AND year = %s RETURNING last_value",
            [region.pk, year],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _next_number(region: Region, year: int) -> str:
    """The next public number of the region's year, e.g. 48-2026-000123 (row-locked)."""
    value = _increment_number(region, year)
    if value is None:
        try:
            with transaction.atomic():
                AppealNumberSequence.objects.create(region=region, year=year, last_value=1)
            value = 1
        except IntegrityError:
            value = _increment_number(region, year)
    return f"{region.code}-{year}-{value:06d}"


def process_photos(
    photos: Sequence, *, already: int = 0, documents: bool = False
) -> list[ProcessedImage]:
    """Check and re-encode uploads before anything is written; raises ValidationError.
    With `documents`, PDF files are accepted too (evidence of an answer: acts, letters)."""
    if already + len(photos) > settings.UPLOAD_MAX_FILES:
        raise ValidationError(_too_many(documents), code="too_many_files")
    return [_reencode(photo, documents=documents) for photo in photos]


def _format(message, params: dict) -> str:
    return str(message) % params


# A formatted message that stays lazy: translated when shown, so an API error can carry it in
# Russian and in English (messages are gettext_lazy throughout this module).
_formatted = lazy(_format, str)


def _too_many(documents: bool) -> str:
    limit = {"limit": settings.UPLOAD_MAX_FILES}
    if documents:
        return _formatted(_("You can attach at most %(limit)s files."), limit)
    return _formatted(_("You can attach at most %(limit)s photos."), limit)


def _reencode(upload, *, documents: bool = False) -> ProcessedImage:
    if documents and is_pdf(upload):
        return rewrite_pdf(upload, max_bytes=settings.UPLOAD_MAX_BYTES)
    return reencode_image(
        upload, max_bytes=settings.UPLOAD_MAX_BYTES, max_pixels=settings.UPLOAD_MAX_PIXELS
    )


def _is_document(content_type: str) -> bool:
    return content_type == "application/pdf"


def _store_photos(
    appeal: Appeal, photos: Sequence[ProcessedImage], *, uploaded_by, answer=None
) -> list[Attachment]:
    stored = []
    for photo in photos:
        document = _is_document(photo.content_type)
        attachment = Attachment(
            appeal=appeal,
            answer=answer,
            kind=Attachment.Kind.DOCUMENT if document else Attachment.Kind.PHOTO,
            original_name=photo.original_name,
            content_type=photo.content_type,
            size=photo.size,
            width=None if document else photo.width,
            height=None if document else photo.height,
            sha256=photo.sha256,
            uploaded_by=uploaded_by,
        )
        attachment.file.save(photo.sha256, ContentFile(photo.content), save=False)
        delete_unless_committed(attachment.file)
        attachment.save()
        stored.append(attachment)
    return stored


def required_text(value: str, *, minimum: int, message: str) -> str:
    # NFC, no bidi overrides or zero-width characters (otklik/lib/plaintext.py): every text
    # from outside (appeals, answers, clarifications, comments) passes here.
    value = clean_text(value).strip()
    if len(value) < minimum:
        raise ValidationError(message, code="required")
    if len(value) > MAX_TEXT:
        raise ValidationError(
            _formatted(
                _("The text is too long: at most %(limit)s characters."), {"limit": MAX_TEXT}
            ),
            code="too_long",
        )
    return value


# ---------------------------------------------------------------------------- intake


def _from_source(region: Region, source: str, external_id: str) -> Appeal | None:
    return Appeal.objects.filter(
        region=region, external_source=source, external_id=external_id
    ).first()


def _owned_key(idempotency_key: str, *, applicant=None, created_by=None) -> str:
    owner = applicant.pk if applicant else (created_by.pk if created_by else "anon")
    return f"{owner}:{idempotency_key}"[:80]


def filed_with_key(idempotency_key: str, *, applicant=None, created_by=None) -> Appeal | None:
    """The appeal an earlier request with this idempotency key made, if any: submit_appeal
    would return it again (a retry, a double click), so it is not a new filing."""
    key = _owned_key(idempotency_key, applicant=applicant, created_by=created_by)
    return Appeal.objects.filter(idempotency_key=key).first()


def submit_appeal(
    *,
    region: Region,
    text: str,
    applicant=None,
    channel: str = Channel.PORTAL,
    category: Category | None = None,
    municipality: Municipality | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    address: str = "",
    photos: Sequence = (),
    draft_photos: Sequence[DraftPhoto] = (),
    created_by=None,
    idempotency_key: str | None = None,
    is_public: bool = True,
    repeat_of: Appeal | None = None,
    external_id: str = "",
    external_source: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    media_url: str = "",
    attributes: dict | None = None,
    now: datetime | None = None,
) -> Appeal:
    """Take in a new appeal from any channel; a retried request with the same key returns the
    appeal the first one made instead of a second one. `draft_photos` (kept by
    `keep_draft_photos`) become the appeal's attachments. An appeal from another system
    (`external_source` and `external_id`) is taken in once: a second time returns the first."""
    text = required_text(text, minimum=1, message=_("Describe the problem."))
    key = None
    if idempotency_key:
        key = _owned_key(idempotency_key, applicant=applicant, created_by=created_by)
        existing = Appeal.objects.filter(idempotency_key=key).first()
        if existing:
            return existing
    if external_source and not external_id:
        raise ValidationError(_("An appeal from another system needs its id there."), code="id")
    if external_source and (existing := _from_source(region, external_source, external_id)):
        return existing
    if (latitude is None) != (longitude is None):
        raise ValidationError(_("A point needs both latitude and longitude."), code="point")
    if latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValidationError(_("The point is outside the map."), code="point")
    if category is not None and not category.is_active:
        raise ValidationError(_("This category is no longer used; choose another."))
    processed = process_photos(photos, already=len(draft_photos))
    uploader = created_by or applicant
    if any(draft.owner_id != getattr(uploader, "pk", None) for draft in draft_photos):
        raise PermissionDenied
    if municipality is None and latitude is not None:
        municipality = find_municipality(region=region, lat=latitude, lon=longitude)
    now = now or timezone.now()
    calendar, tz = _deadline_context(region)
    with transaction.atomic():
        appeal = Appeal(
            number=_next_number(region, now.astimezone(tz).year),
            region=region,
            municipality=municipality,
            category=category,
            applicant=applicant,
            created_by=created_by,
            channel=channel,
            text=text,
            address=clean_text(address).strip()[:500],
            latitude=latitude,
            longitude=longitude,
            is_public=is_public,
            repeat_of=repeat_of,
            idempotency_key=key,
            external_id=external_id,
            external_source=external_source,
            contact_name=clean_text(contact_name).strip()[:200],
            contact_phone=(contact_phone or "").strip()[:32],
            contact_email=(contact_email or "").strip()[:254],
            media_url=media_url or "",
            attributes=attributes or {},
            created_at=now,
            registration_due_at=sla.registration_due(now, calendar, tz),
        )
        try:
            # A savepoint only where a retry can collide (a key or a source id): one round
            # trip less for every other filing, while the region's number row is locked.
            with transaction.atomic() if key or external_source else nullcontext():
                appeal.save()
        except IntegrityError:
            if key and (existing := Appeal.objects.filter(idempotency_key=key).first()):
                return existing
            if external_source and (existing := _from_source(region, external_source, external_id)):
                return existing
            raise
        _store_photos(appeal, processed, uploaded_by=uploader)
        _adopt_draft_photos(appeal, draft_photos, uploaded_by=uploader)
        data = {"channel": channel, "photos": len(processed) + len(draft_photos)}
        if repeat_of is not None:
            data["repeat_of"] = repeat_of.number
        AppealEvent.objects.create(
            appeal=appeal,
            action=Action.SUBMIT,
            actor=created_by or applicant,
            created_at=now,
            from_status="",
            to_status=Status.NEW,
            data=data,
        )
        _on_commit_process_outbox()
    return appeal


def support_appeal(*, appeal: Appeal, actor, now: datetime | None = None) -> Support:
    """«У меня та же проблема»: join an open appeal instead of filing a duplicate. Supporting
    twice returns the first support; the applicant cannot support their own appeal."""
    if not actor.is_authenticated:
        raise PermissionDenied
    if appeal.applicant_id == actor.pk:
        raise ValidationError(_("This is your own appeal."), code="own")
    now = now or timezone.now()
    with transaction.atomic():
        _lock(appeal)
        existing = appeal.supports.filter(user=actor).first()
        if existing:
            return existing
        support = Support.objects.create(appeal=appeal, user=actor, created_at=now)
        _transition(
            appeal,
            Action.SUPPORT,
            actor=actor,
            now=now,
            data={"supporters": appeal.supports.count()},
        )
    return support


def keep_draft_photos(
    *, owner, form_key: str, uploads: Sequence, already: int = 0, documents: bool = False, now=None
) -> tuple[list[DraftPhoto], list[str]]:
    """Check each upload of a form and keep those that pass as drafts, so that nobody uploads
    them again after an error; returns the kept drafts and a message per refused file.
    With `documents`, PDF files are kept too (answer evidence)."""
    if already + len(uploads) > settings.UPLOAD_MAX_FILES:
        return [], [_too_many(documents)]
    kept: list[DraftPhoto] = []
    errors: list[str] = []
    for upload in uploads:
        try:
            photo = _reencode(upload, documents=documents)
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        draft = DraftPhoto(
            owner=owner,
            form_key=form_key[:64],
            content_type=photo.content_type,
            original_name=photo.original_name[:255],
            size=photo.size,
            width=photo.width,
            height=photo.height,
            sha256=photo.sha256,
            created_at=now or timezone.now(),
        )
        with transaction.atomic():
            draft.file.save(photo.sha256, ContentFile(photo.content), save=False)
            delete_unless_committed(draft.file)
            draft.save()
        kept.append(draft)
    return kept, errors


def _delete_files_on_commit(names: list[str], storage) -> None:
    def delete() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete)


def _adopt_draft_photos(
    appeal: Appeal, drafts: Sequence[DraftPhoto], *, uploaded_by, answer=None
) -> None:
    """Store checked drafts as the appeal's (or the answer's) attachments; the drafts go once
    committed."""
    photos = []
    for draft in drafts:
        with draft.file.open("rb") as source:
            photos.append(
                ProcessedImage(
                    content=source.read(),
                    width=draft.width,
                    height=draft.height,
                    sha256=draft.sha256,
                    original_name=draft.original_name,
                    content_type=draft.content_type,
                )
            )
    _store_photos(appeal, photos, uploaded_by=uploaded_by, answer=answer)
    _forget_drafts(drafts)


def _forget_drafts(drafts: Sequence[DraftPhoto]) -> None:
    """Delete draft rows now and their files once the transaction commits."""
    if drafts:
        DraftPhoto.objects.filter(pk__in=[draft.pk for draft in drafts]).delete()
        _delete_files_on_commit([draft.file.name for draft in drafts], drafts[0].file.storage)


def discard_draft_photos(*, owner, form_key: str, ids: Sequence[int] | None = None) -> int:
    """Remove the owner's draft photos of a form (all of them, or those in `ids`)."""
    drafts = DraftPhoto.objects.filter(owner=owner, form_key=form_key)
    if ids is not None:
        drafts = drafts.filter(pk__in=ids)
    return _delete_drafts(drafts)


def purge_draft_photos(*, older_than: timedelta = timedelta(days=1), now=None) -> int:
    """Remove draft photos of forms abandoned for longer than `older_than` (periodic job)."""
    now = now or timezone.now()
    return _delete_drafts(DraftPhoto.objects.filter(created_at__lt=now - older_than))


def _delete_drafts(drafts) -> int:
    with transaction.atomic():
        found = list(drafts.select_for_update())
        _forget_drafts(found)
    return len(found)


# ---------------------------------------------------------------------------- moderation


def request_clarification(*, appeal: Appeal, actor, question: str, now=None) -> Appeal:
    """Ask the applicant to clarify; the registration clock stops until they answer."""
    access.require(access.can_moderate(actor, appeal))
    question = required_text(question, minimum=5, message=_("Write what must be clarified."))
    now = now or timezone.now()
    tz = ZoneInfo(appeal.region.time_zone)
    with transaction.atomic():
        _transition(
            appeal,
            Action.REQUEST_CLARIFICATION,
            actor=actor,
            now=now,
            comment=question,
            clarification_due_at=sla.clarification_due(now, tz),
        )
        _on_commit_process_outbox()
    return appeal


def provide_clarification(*, appeal: Appeal, actor, text: str, now=None) -> Appeal:
    """The applicant's clarification: back to moderation, deadlines moved by the pause."""
    access.require(access.is_applicant(actor, appeal) or access.can_moderate(actor, appeal))
    text = required_text(text, minimum=2, message=_("Write your clarification."))
    now = now or timezone.now()
    with transaction.atomic():
        _lock(appeal)
        _check_allowed(appeal, Action.PROVIDE_CLARIFICATION)
        asked = (
            appeal.events.filter(action=Action.REQUEST_CLARIFICATION)
            .order_by("-created_at", "-pk")
            .values_list("created_at", flat=True)
            .first()
        ) or now
        changes = {"clarification_due_at": None}
        if appeal.registration_due_at:
            changes["registration_due_at"] = sla.paused(appeal.registration_due_at, asked, now)
        if appeal.due_at:
            changes["due_at"] = sla.paused(appeal.due_at, asked, now)
        _transition(
            appeal, Action.PROVIDE_CLARIFICATION, actor=actor, now=now, comment=text, **changes
        )
        _on_commit_process_outbox()
    return appeal


def register_appeal(
    *,
    appeal: Appeal,
    actor,
    category: Category | None = None,
    municipality: Municipality | None = None,
    executor: Organization | None = None,
    comment: str = "",
    now=None,
) -> Appeal:
    """Accept an appeal at moderation; with `executor`, also send it there at once."""
    if actor is not None:  # None: the system (auto-routing by the text models)
        access.require(access.can_moderate(actor, appeal))
    category = category or appeal.category
    if category is None:
        raise ValidationError(_("Choose a category before registering the appeal."))
    now = now or timezone.now()
    # Accepted means public: the public copy (personal data masked) exists from now on.
    public_copy.ensure_public_copy(appeal)
    with transaction.atomic():
        _lock(appeal)
        _transition(
            appeal,
            Action.REGISTER,
            actor=actor,
            now=now,
            comment=comment,
            category=category,
            municipality=municipality or appeal.municipality,
            registered_at=appeal.registered_at or now,
            clarification_due_at=None,
            data={"category": category.name},
        )
        if executor is not None:
            assign_appeal(appeal=appeal, actor=actor, executor=executor, now=now)
        _on_commit_process_outbox()
    return appeal


def reject_appeal(
    *, appeal: Appeal, actor, reason: RejectionReason, comment: str = "", now=None
) -> Appeal:
    """Reject at moderation with a managed reason the applicant sees."""
    if actor is not None:
        access.require(access.can_moderate(actor, appeal))
    if reason is None:
        raise ValidationError(_("Choose a reason for rejection."))
    now = now or timezone.now()
    with transaction.atomic():
        _transition(
            appeal,
            Action.REJECT,
            actor=actor,
            now=now,
            comment=comment,
            rejection_reason=reason,
            resolution=Resolution.WITHOUT_CONSIDERATION,
            clarification_due_at=None,
            data={"reason": reason.code, "reason_text": reason.public_text},
        )
        _on_commit_process_outbox()
    return appeal


def merge_appeal(*, appeal: Appeal, actor, into: Appeal, now=None) -> Appeal:
    """Merge a duplicate into an existing appeal; its applicant follows the original."""
    access.require(access.can_moderate(actor, appeal))
    while into.duplicate_of_id:
        into = into.duplicate_of
    # The merge writes to `into` as well: it must be within the actor's scope too.
    access.require(access.can_moderate(actor, into))
    if into.pk == appeal.pk:
        raise ValidationError(_("An appeal cannot be merged into itself."))
    if into.status == Status.REJECTED or into.region_id != appeal.region_id:
        raise ValidationError(_("Merge only into a live appeal of the same region."))
    now = now or timezone.now()
    reason = RejectionReason.objects.filter(code="duplicate").first()
    with transaction.atomic():
        _transition(
            appeal,
            Action.MERGE,
            actor=actor,
            now=now,
            duplicate_of=into,
            rejection_reason=reason,
            resolution=Resolution.DUPLICATE,
            data={"into": into.number},
        )
        _transition(
            into,
            Action.COMMENT,
            actor=actor,
            now=now,
            is_public=False,
            comment=_("Appeal %(number)s merged into this one.") % {"number": appeal.number},
            data={"merged": appeal.number},
        )
        _on_commit_process_outbox()
    return appeal


def expire_clarifications(*, now=None) -> int:
    """Reject appeals whose applicants did not clarify in time; returns how many."""
    now = now or timezone.now()
    reason = RejectionReason.objects.get(code="no_clarification")
    expired = Appeal.objects.filter(status=Status.CLARIFICATION, clarification_due_at__lt=now)
    count = 0
    for appeal in expired.select_related("region"):
        reject_appeal(appeal=appeal, actor=None, reason=reason, now=now)
        count += 1
    return count


# ---------------------------------------------------------------------------- routing


def assign_appeal(
    *, appeal: Appeal, actor, executor: Organization | None = None, now=None
) -> Appeal:
    """Send a registered appeal to its executor (the routing rule's choice by default).

    The first assignment fixes the answer deadline from the registration date on the
    production calendar; a later one (after a redirect) keeps it.
    """
    if actor is not None:  # None: the system (auto-routing by the text models)
        access.require(access.can_moderate(actor, appeal))
    now = now or timezone.now()
    with transaction.atomic():
        _lock(appeal)
        _check_allowed(appeal, Action.ASSIGN)
        category = appeal.category
        executor = executor or route_executor(category=category, municipality=appeal.municipality)
        if executor is None:
            raise ValidationError(_("No routing rule matches: choose the executor."))
        if not executor.is_active:
            raise ValidationError(_("This organization no longer works appeals."))
        changes: dict = {"executor": executor, "redirection_due_at": None, "assignee": None}
        if appeal.original_due_at is None:
            calendar, tz = _deadline_context(appeal.region)
            due = sla.answer_due(
                appeal.registered_at, category.answer_days, category.answer_days_unit, calendar, tz
            )
            changes.update(due_at=due, original_due_at=due)
        _transition(
            appeal,
            Action.ASSIGN,
            actor=actor,
            now=now,
            data={
                "executor_id": executor.pk,
                "executor": str(executor),
                "due_at": (changes.get("due_at") or appeal.due_at).isoformat(),
            },
            **changes,
        )
        _on_commit_process_outbox()
    return appeal


def redirect_appeal(
    *,
    appeal: Appeal,
    actor,
    reason: str,
    to_executor: Organization | None = None,
    now=None,
) -> Appeal:
    """Take the appeal back from its executor (not their competence) and, if the operator names
    one, hand it to another body; otherwise it waits for routing within the redirect term."""
    access.require(access.can_work(actor, appeal) or access.can_moderate(actor, appeal))
    reason = required_text(reason, minimum=5, message=_("Write why the appeal is redirected."))
    now = now or timezone.now()
    calendar, tz = _deadline_context(appeal.region)
    with transaction.atomic():
        previous = appeal.executor
        _transition(
            appeal,
            Action.REDIRECT,
            actor=actor,
            now=now,
            comment=reason,
            executor=None,
            assignee=None,
            redirection_due_at=sla.redirection_due(now, calendar, tz),
            data={"from_executor": str(previous) if previous else ""},
        )
        if to_executor is not None:
            assign_appeal(appeal=appeal, actor=actor, executor=to_executor, now=now)
        _on_commit_process_outbox()
    return appeal


# ---------------------------------------------------------------------------- deadlines


def request_postponement(
    *, appeal: Appeal, actor, new_due_date: date, reason: str, now=None
) -> Postponement:
    """The executor asks to move the deadline; a second request needs a fuller reason and is
    flagged as a repeated postponement."""
    access.require(access.can_work(actor, appeal) or access.can_moderate(actor, appeal))
    now = now or timezone.now()
    tz = ZoneInfo(appeal.region.time_zone)
    with transaction.atomic():
        _lock(appeal)
        _check_allowed(appeal, Action.REQUEST_POSTPONEMENT)
        approved = appeal.postponements.filter(state=Postponement.State.APPROVED).count()
        repeated = approved >= sla.DEFAULT_POLICY.executor_postponements
        minimum = MIN_REPEATED_POSTPONEMENT_REASON if repeated else MIN_POSTPONEMENT_REASON
        reason = required_text(
            reason,
            minimum=minimum,
            message=_formatted(
                _("Explain the reason in at least %(count)s characters."), {"count": minimum}
            ),
        )
        if appeal.due_at is None:
            raise ValidationError(_("The appeal has no deadline to move."))
        if now > appeal.due_at:
            # 59-ФЗ extends a term before it runs out; a late request would also hide an
            # overdue appeal from the KPIs (the overdue share is taken on the current deadline).
            raise ValidationError(
                _("The deadline has already passed: a postponement must be asked before it.")
            )
        requested = sla.end_of_day(new_due_date, tz)
        latest = sla.latest_postponed_due(appeal.due_at, tz)
        if requested <= appeal.due_at:
            raise ValidationError(_("The new deadline must be later than the current one."))
        if requested > latest:
            raise ValidationError(
                _formatted(
                    _(
                        "A deadline can be moved by at most %(days)s days, "
                        "to %(date)s at the latest."
                    ),
                    {
                        "days": sla.DEFAULT_POLICY.max_postponement_days,
                        "date": latest.astimezone(tz).strftime("%d.%m.%Y"),
                    },
                )
            )
        if appeal.postponements.filter(state=Postponement.State.PENDING).exists():
            raise ValidationError(_("A postponement request is already waiting for a decision."))
        postponement = Postponement.objects.create(
            appeal=appeal,
            requested_by=actor,
            requested_at=now,
            previous_due_at=appeal.due_at,
            requested_due_at=requested,
            reason=reason,
            is_repeated=repeated,
        )
        _transition(
            appeal,
            Action.REQUEST_POSTPONEMENT,
            actor=actor,
            now=now,
            comment=reason,
            is_public=False,
            data={
                "postponement_id": postponement.pk,
                "requested_due_at": requested.isoformat(),
                "repeated": repeated,
            },
        )
    return postponement


def decide_postponement(
    *, postponement: Postponement, actor, approve: bool, comment: str = "", now=None
) -> Postponement:
    """An operator approves (the deadline moves, the applicant is told) or refuses."""
    appeal = postponement.appeal
    access.require(access.can_moderate(actor, appeal))
    now = now or timezone.now()
    with transaction.atomic():
        postponement = Postponement.objects.select_for_update().get(pk=postponement.pk)
        if postponement.state != Postponement.State.PENDING:
            raise ValidationError(_("This request has already been decided."))
        _lock(appeal)
        if approve and postponement.requested_due_at <= appeal.due_at:
            # The deadline moved on since the request (a clarification pause): approving it now
            # would move the deadline back.
            raise ValidationError(_("The new deadline must be later than the current one."))
        if approve:
            repeated = appeal.postponements.filter(state=Postponement.State.APPROVED).exists()
            _transition(
                appeal,
                Action.APPROVE_POSTPONEMENT,
                actor=actor,
                now=now,
                comment=postponement.reason,
                due_at=postponement.requested_due_at,
                data={
                    "postponement_id": postponement.pk,
                    "from": postponement.previous_due_at.isoformat(),
                    "to": postponement.requested_due_at.isoformat(),
                    "repeated": repeated,
                },
            )
            postponement.is_repeated = repeated
        else:
            _transition(
                appeal,
                Action.REFUSE_POSTPONEMENT,
                actor=actor,
                now=now,
                comment=comment,
                is_public=False,
                data={"postponement_id": postponement.pk},
            )
        postponement.state = Postponement.State.APPROVED if approve else Postponement.State.REFUSED
        postponement.decided_by = actor
        postponement.decided_at = now
        postponement.decision_comment = comment
        postponement.save(
            update_fields=["state", "decided_by", "decided_at", "decision_comment", "is_repeated"]
        )
        _on_commit_process_outbox()
    return postponement


# ---------------------------------------------------------------------------- answers


def submit_answer(
    *,
    appeal: Appeal,
    actor,
    text: str,
    resolution: str = Resolution.SOLVED,
    photos: Sequence = (),
    draft_photos: Sequence[DraftPhoto] = (),
    now=None,
) -> Answer:
    """The executor's answer with evidence (photos and PDF documents), sent to the control
    centre for review. The formal-reply check runs here and its verdict is kept on the answer,
    so the operator sees the same reasons the executor saw before sending."""
    from otklik.intelligence.formal_reply import fingerprint
    from otklik.intelligence.services import check_appeal_answer

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
        check = check_appeal_answer(appeal, text, resolution=resolution, evidence=evidence, now=now)
        answer = Answer.objects.create(
            appeal=appeal,
            organization=appeal.executor,
            author=actor,
            text=text,
            resolution=resolution,
            submitted_at=now,
            is_formal_reply=check.is_formal,
            formal_reply_reasons=[finding.as_dict() for finding in check.findings],
            formal_reply_score=check.score,
            fingerprint=fingerprint(text),
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
                "formal_reply": check.codes,
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
        _on_commit_process_outbox()
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
        _on_commit_process_outbox()
    return answer


# ---------------------------------------------------------------------------- after the answer


@dataclass(frozen=True)
class RatingOutcome:
    rating: Rating
    repeat: Appeal | None


def rate_answer(
    *, appeal: Appeal, actor, score: int, is_solved: bool, comment: str = "", now=None
) -> RatingOutcome:
    """The applicant rates the answer. «Not solved» opens a repeat appeal linked to this one."""
    access.require(access.is_applicant(actor, appeal))
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationError(_("Choose a score from 1 to 5."))
    comment = (comment or "").strip()[:MAX_TEXT]
    now = now or timezone.now()
    with transaction.atomic():
        _lock(appeal)
        if appeal.ratings.filter(applicant=actor).exists():
            raise ValidationError(_("You have already rated this answer."))
        rating = Rating.objects.create(
            appeal=appeal,
            applicant=actor,
            score=score,
            is_solved=is_solved,
            comment=comment,
            created_at=now,
        )
        _transition(
            appeal,
            Action.RATE,
            actor=actor,
            now=now,
            comment=comment,
            data={"score": score, "is_solved": is_solved},
        )
        if appeal.status == Status.ANSWERED:
            close_appeal(appeal=appeal, actor=None, now=now)
        repeat = None
        if not is_solved:
            repeat = create_repeat_appeal(original=appeal, actor=actor, text=comment, now=now)
        _on_commit_process_outbox()
    return RatingOutcome(rating, repeat)


def record_follow_up(
    *, appeal: Appeal, fix_lasted: bool, comment: str = "", now=None
) -> Appeal | None:
    """The applicant's answer to the follow-up questionnaire (through a signed link, so the
    actor is the applicant without a login). «It did not last» opens a repeat appeal; returns it."""
    comment = (comment or "").strip()[:MAX_TEXT]
    now = now or timezone.now()
    with transaction.atomic():
        _transition(
            appeal,
            Action.FOLLOW_UP,
            actor=appeal.applicant,
            now=now,
            comment=comment,
            data={"fix_lasted": fix_lasted},
        )
        repeat = None
        if not fix_lasted:
            text = comment or _(
                "The problem of appeal %(number)s came back after it was solved."
            ) % {"number": appeal.number}
            repeat = create_repeat_appeal(
                original=appeal, actor=None, text=text, via=repeats.Via.FOLLOW_UP, now=now
            )
        _on_commit_process_outbox()
    return repeat


def create_repeat_appeal(
    *,
    original: Appeal,
    actor,
    text: str = "",
    channel: str = Channel.PORTAL,
    via: str = repeats.Via.RATING,
    now=None,
) -> Appeal:
    """A new appeal on the same problem, linked to the earlier one and carrying its context;
    when the applicant already has an open repeat of `original`, that one is returned with the
    new report in its history (one open repeat per original and applicant)."""
    body = text.strip() or _("The problem of appeal %(number)s is not solved.") % {
        "number": original.number
    }
    with transaction.atomic():
        _lock(original)  # serialises the paths that open repeats of the same original
        if existing := repeats.open_repeat(original):
            repeats.join_repeat(
                repeat=existing, original=original, actor=actor, text=body, via=via, now=now
            )
            return existing
        return submit_appeal(
            region=original.region,
            text=body,
            applicant=original.applicant,
            channel=channel,
            category=original.category,
            municipality=original.municipality,
            latitude=original.latitude,
            longitude=original.longitude,
            address=original.address,
            repeat_of=original,
            created_by=actor if actor is not None and actor != original.applicant else None,
            is_public=original.is_public,
            now=now,
        )


def close_appeal(*, appeal: Appeal, actor=None, now=None) -> Appeal:
    """Close an answered appeal (after the rating, or when the rating window has passed)."""
    if actor is not None:
        access.require(access.can_moderate(actor, appeal))
    now = now or timezone.now()
    with transaction.atomic():
        _transition(appeal, Action.CLOSE, actor=actor, now=now, closed_at=now)
    return appeal


def reopen_appeal(*, appeal: Appeal, actor, reason: str, now=None) -> Appeal:
    """Return an answered or closed appeal to its executor (e.g. a failed check)."""
    access.require(access.can_direct(actor, appeal))
    reason = required_text(reason, minimum=5, message=_("Write why the appeal is reopened."))
    if appeal.executor_id is None:
        raise ValidationError(_("The appeal has no executor to return it to."))
    now = now or timezone.now()
    with transaction.atomic():
        _transition(appeal, Action.REOPEN, actor=actor, now=now, comment=reason, closed_at=None)
        _on_commit_process_outbox()
    return appeal


def delegate_appeal(*, appeal: Appeal, actor, assignee, now=None) -> Appeal:
    """Give the appeal to an employee of its executor (or take it back: `assignee=None`)."""
    access.require(access.can_work(actor, appeal) or access.can_direct(actor, appeal))
    if (
        assignee is not None
        and not assignee.memberships.filter(
            role=Role.EXECUTOR, organization_id=appeal.executor_id
        ).exists()
    ):
        raise ValidationError(_("Choose an employee of the executor."))
    if assignee is not None and not assignee.is_active:
        raise ValidationError(_("This employee's account is blocked."))
    now = now or timezone.now()
    with transaction.atomic():
        _transition(
            appeal,
            Action.DELEGATE,
            actor=actor,
            now=now,
            is_public=False,
            assignee=assignee,
            data={
                "assignee_id": assignee.pk if assignee else None,
                "assignee": str(assignee) if assignee else "",
            },
        )
    return appeal


def record_instruction(*, appeal: Appeal, actor, instruction, now=None) -> AppealEvent:
    """Write into the appeal's history that an instruction about it was issued (the control
    app's services call this inside their own transaction)."""
    now = now or timezone.now()
    return _transition(
        appeal,
        Action.INSTRUCT,
        actor=actor,
        now=now,
        is_public=False,
        comment=instruction.text[:500],
        data={
            "instruction_id": instruction.pk,
            "organization": str(instruction.organization),
            "due_at": instruction.due_at.isoformat(),
        },
    )


def record_escalation(*, appeal: Appeal, kind: str, recipients: Sequence[str], now=None):
    """Write a deadline reminder or an overdue notice into the appeal's history."""
    now = now or timezone.now()
    with transaction.atomic():
        return _transition(
            appeal,
            Action.ESCALATE,
            actor=None,
            now=now,
            is_public=False,
            data={"kind": kind, "recipients": list(recipients)},
        )


def record_control_call(*, appeal: Appeal, actor, data: dict, comment: str = "", now=None):
    """Write one attempt of a control call (reached or not) into the appeal's history; the
    control app's services call this inside their own transaction."""
    now = now or timezone.now()
    return _transition(
        appeal,
        Action.CONTROL_CALL,
        actor=actor,
        now=now,
        comment=comment,
        is_public=False,
        data=data,
    )


def add_comment(*, appeal: Appeal, actor, text: str, is_public: bool = False, now=None):
    """An internal note on the appeal (or a public one, from staff)."""
    staff = access.can_direct(actor, appeal) or access.can_work(actor, appeal)
    access.require(staff)
    text = required_text(text, minimum=1, message=_("Write the comment."))
    now = now or timezone.now()
    with transaction.atomic():
        return _transition(
            appeal, Action.COMMENT, actor=actor, now=now, comment=text, is_public=is_public
        )


def close_unrated_answers(*, older_than_days: int = 14, now=None) -> int:
    """Close answered appeals the applicant did not rate within the window; returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=older_than_days)
    count = 0
    for appeal in Appeal.objects.filter(status=Status.ANSWERED, answered_at__lt=cutoff):
        close_appeal(appeal=appeal, now=now)
        count += 1
    return count


def forget_applicant_contacts(*, appeal: Appeal, now=None) -> AppealEvent:
    """152-ФЗ retention: blank the caller's name, phone and e-mail kept on the appeal, and say
    so in its history (by the system, without the data). The text, the place and the history
    stay: the appeal goes on counting in the figures."""
    now = now or timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        comment = str(_("The applicant's personal data was removed: the retention period ended."))
    with transaction.atomic():
        return _transition(
            appeal,
            Action.COMMENT,
            actor=None,
            now=now,
            comment=comment,
            is_public=False,
            data={"kind": "personal_data_removed"},
            contact_name="",
            contact_phone="",
            contact_email="",
        )
