"""Intake: a new appeal from any channel (idempotent per key and per external id), and the
support of an open appeal."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from otklik.directory.models import Category, Municipality, Region
from otklik.directory.services import find_municipality
from otklik.lib.plaintext import clean_text

from .. import sla
from ..models import Appeal, AppealEvent, Channel, DraftPhoto, Support
from ..outbox import wake_on_commit
from ..workflow import Action, Status
from .base import (
    _deadline_context,
    _lock,
    _next_number,
    _transition,
    required_text,
)
from .photos import _adopt_draft_photos, _store_photos, process_photos


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
        wake_on_commit()
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
