"""Uploads: photos and PDF documents checked and re-encoded before anything is written, the
attachments stored with an appeal or an answer, and the draft photos a form keeps between tries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from otklik.lib.documents import is_pdf, rewrite_pdf
from otklik.lib.file_writes import delete_unless_committed
from otklik.lib.images import ProcessedImage, reencode_image

from ..models import Appeal, Attachment, DraftPhoto
from .base import _formatted


def process_photos(
    photos: Sequence, *, already: int = 0, documents: bool = False
) -> list[ProcessedImage]:
    """Check and re-encode uploads before anything is written; raises ValidationError.
    With `documents`, PDF files are accepted too (evidence of an answer: acts, letters)."""
    if already + len(photos) > settings.UPLOAD_MAX_FILES:
        raise ValidationError(_too_many(documents), code="too_many_files")
    return [_reencode(photo, documents=documents) for photo in photos]


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
    # Most forms leave no drafts behind (every filing without a photo asks): one read then,
    # instead of a transaction of three statements.
    if not drafts.exists():
        return 0
    with transaction.atomic():
        found = list(drafts.select_for_update())
        _forget_drafts(found)
    return len(found)
