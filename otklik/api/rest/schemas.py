"""Shapes of an appeal in the REST API, shared by every router.

`appeal_out` is the only way an appeal becomes JSON here. Personal data (the applicant and the
caller's contacts) appear only in `AppealDetail` and only for the applicant or the moderators and
executor whose scope covers the appeal (access.can_see_personal_data), each showing logged;
never in lists.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from ninja import Schema

from otklik.appeals import access, personal_data, public_copy
from otklik.appeals.models import Appeal

# For querysets that feed appeal_out (no N+1).
APPEAL_RELATED = (
    "region",
    "municipality",
    "category",
    "category__parent",
    "executor",
    "repeat_of",
)


class Ref(Schema):
    id: int
    name: str


class CategoryRef(Schema):
    code: str
    name: str


class AppealOut(Schema):
    number: str
    status: str
    status_name: str
    resolution: str
    region: str
    municipality: Ref | None
    category: CategoryRef | None
    executor: Ref | None
    channel: str
    text: str
    address: str
    latitude: float | None
    longitude: float | None
    is_public: bool
    is_overdue: bool
    created_at: datetime
    registered_at: datetime | None
    due_at: datetime | None
    answered_at: datetime | None
    closed_at: datetime | None
    repeat_of: str | None
    external_source: str
    external_id: str


class PersonalData(Schema):
    applicant_name: str
    applicant_email: str
    applicant_phone: str
    contact_name: str
    contact_phone: str
    contact_email: str


class AppealDetail(AppealOut):
    attributes: dict
    media_url: str
    personal: PersonalData | None


def _ref(obj) -> dict | None:
    if obj is None:
        return None
    return {"id": obj.pk, "name": getattr(obj, "short_name", "") or obj.name}


def appeal_out(appeal: Appeal, *, now: datetime | None = None, public: bool = False) -> dict:
    """The list shape: what anyone allowed to see the appeal may see; `public`: for anyone at
    all, with the public copy of the text (personal data masked)."""
    now = now or timezone.now()
    category = appeal.category
    return {
        "number": appeal.number,
        "status": appeal.status,
        "status_name": str(appeal.get_status_display()),
        "resolution": appeal.resolution,
        "region": appeal.region.code,
        "municipality": _ref(appeal.municipality),
        "category": {"code": category.code, "name": str(category)} if category else None,
        "executor": _ref(appeal.executor),
        "channel": appeal.channel,
        "text": public_copy.ensure_public_copy(appeal) if public else appeal.text,
        "address": appeal.address,
        "latitude": appeal.latitude,
        "longitude": appeal.longitude,
        "is_public": appeal.is_public,
        "is_overdue": appeal.is_overdue(now),
        "created_at": appeal.created_at,
        "registered_at": appeal.registered_at,
        "due_at": appeal.due_at,
        "answered_at": appeal.answered_at,
        "closed_at": appeal.closed_at,
        "repeat_of": appeal.repeat_of.number if appeal.repeat_of_id else None,
        "external_source": appeal.external_source,
        "external_id": appeal.external_id,
    }


def may_see_personal_data(user, appeal: Appeal) -> bool:
    """The applicant, or the moderators and the executor whose scope covers the appeal (the
    same rule as the office's pages: access.can_see_personal_data)."""
    return access.can_see_personal_data(user, appeal)


def appeal_detail(appeal: Appeal, *, user, request=None, now: datetime | None = None) -> dict:
    """The detail shape; with personal data for who may see it, each showing to staff logged
    (personal_data.record_access) with the request's client address."""
    data = appeal_out(appeal, now=now)
    data["attributes"] = appeal.attributes
    data["media_url"] = appeal.media_url
    data["personal"] = None
    # A client system's key (ApiToken.is_client) is never shown personal data.
    client = getattr(getattr(request, "auth", None), "is_client", False)
    if not client and may_see_personal_data(user, appeal):
        applicant = appeal.applicant
        data["personal"] = {
            "applicant_name": applicant.full_name if applicant else "",
            "applicant_email": applicant.email if applicant else "",
            "applicant_phone": applicant.phone if applicant else "",
            "contact_name": appeal.contact_name,
            "contact_phone": appeal.contact_phone,
            "contact_email": appeal.contact_email,
        }
        personal_data.record_access(
            viewer=user, appeals=[appeal], shown=personal_data.Shown.API_APPEAL, request=request
        )
    return data
