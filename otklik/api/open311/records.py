"""What Open311 shows of a service, a request and an update: the spec's records.

Never any personal data: no applicant, no caller's contacts. An appeal the public may not see
(a private category, or the applicant did not allow it) reaches staff keys without its text,
address, point and photos.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Prefetch
from django.utils.translation import gettext as _

from otklik.appeals.answer_signature import signature_of, signature_text
from otklik.appeals.models import Answer, Appeal, AppealEvent, Attachment
from otklik.appeals.public_copy import ensure_answer_public_copy, ensure_public_copy
from otklik.appeals.workflow import OPEN_STATUSES, Action, Status
from otklik.directory.models import Category, CategoryAttribute

# The spec's fields, in its order.
REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)
# Events a citizen would call an update; comments, ratings and questions to the applicant
# are between the applicant and the staff.
UPDATE_ACTIONS = (
    Action.SUBMIT,
    Action.REGISTER,
    Action.REJECT,
    Action.MERGE,
    Action.ASSIGN,
    Action.REDIRECT,
    Action.APPROVE_POSTPONEMENT,
    Action.PUBLISH_ANSWER,
    Action.CLOSE,
    Action.REOPEN,
)
# Whether a category has a service definition (Open311's `metadata`).
HAS_METADATA = Exists(CategoryAttribute.objects.filter(category=OuterRef("pk"), is_active=True))
APPEAL_RELATED = ("category", "category__parent", "executor", "rejection_reason")


def open_or_closed(status: str) -> str:
    return "open" if status in OPEN_STATUSES else "closed"


def statuses_for(names: list[str]) -> set[str]:
    """Our statuses behind the spec's `open` and `closed`."""
    found: set[str] = set()
    for name in names:
        found |= {status for status in Status if open_or_closed(status) == name}
    return found


def when(moment: datetime | None, tz: ZoneInfo) -> str | None:
    return moment.astimezone(tz).isoformat(timespec="seconds") if moment else None


def is_shown_publicly(appeal: Appeal) -> bool:
    return appeal.is_public and (appeal.category is None or appeal.category.is_public)


def service_notice(category: Category | None) -> str:
    if category is None:
        return ""
    return _("Answer deadline: %(days)s %(unit)s.") % {
        "days": category.answer_days,
        "unit": category.get_answer_days_unit_display(),
    }


# ---------------------------------------------------------------------------- services


def services_queryset():
    """Active categories one can file in (those without active subcategories)."""
    return (
        Category.objects.filter(is_active=True)
        .exclude(Exists(Category.objects.filter(parent=OuterRef("pk"), is_active=True)))
        .select_related("parent")
        .annotate(has_metadata=HAS_METADATA)
        .order_by("parent__position", "parent__name", "position", "name")
    )


def service_record(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.hint,
        "metadata": category.has_metadata,
        "type": "realtime",
        "keywords": "",
        "group": category.parent.name if category.parent_id else "",
    }


def definition(category: Category) -> list[CategoryAttribute]:
    return list(category.attributes.filter(is_active=True).order_by("order", "pk"))


def attribute_record(attribute: CategoryAttribute) -> dict:
    record = {
        "variable": attribute.variable,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "datatype_description": attribute.datatype_description,
        "order": attribute.order,
        "description": attribute.description,
    }
    if attribute.datatype in (
        CategoryAttribute.DataType.SINGLEVALUELIST,
        CategoryAttribute.DataType.MULTIVALUELIST,
    ):
        record["values"] = [
            {"key": str(item.get("key", "")), "name": str(item.get("name", ""))}
            for item in attribute.values
            if isinstance(item, dict)
        ]
    return record


# ---------------------------------------------------------------------------- requests


def with_details(queryset):
    """The queryset with everything request_record reads, in three queries for any length."""
    return queryset.select_related(*APPEAL_RELATED).prefetch_related(
        Prefetch(
            "answers",
            queryset=Answer.objects.filter(state=Answer.State.PUBLISHED).order_by(
                "-reviewed_at", "-pk"
            ),
            to_attr="published_answers",
        ),
        Prefetch(
            "attachments",
            queryset=Attachment.objects.filter(
                answer__isnull=True, kind=Attachment.Kind.PHOTO
            ).order_by("pk"),
            to_attr="photos",
        ),
    )


def _status_notes(appeal: Appeal) -> str:
    if appeal.status == Status.REJECTED and appeal.rejection_reason_id:
        return appeal.rejection_reason.public_text
    if appeal.duplicate_of_id:
        return ""
    answers = getattr(appeal, "published_answers", None)
    if answers is None:
        answers = list(appeal.answers.filter(state=Answer.State.PUBLISHED).order_by("-pk")[:1])
    if not answers:
        return ""
    signature = signature_text(signature_of(answers[0]))
    # The public copy: a greeting by the applicant's name is masked.
    text = ensure_answer_public_copy(answers[0])
    return f"{text}\n\n{signature}" if signature else text


def request_record(appeal: Appeal, *, tz: ZoneInfo, absolute) -> dict:
    """`absolute(path)` makes a full URL of a stored photo's path."""
    shown = is_shown_publicly(appeal)
    category = appeal.category
    media = ""
    if shown:
        media = appeal.media_url
        photos = getattr(appeal, "photos", None)
        if not media and photos:
            media = absolute(photos[0].file.url)
    executor = appeal.executor
    return {
        "service_request_id": appeal.number,
        "status": open_or_closed(appeal.status),
        "status_notes": _status_notes(appeal) if shown else "",
        "service_name": category.name if category else "",
        "service_code": category.code if category else "",
        "description": ensure_public_copy(appeal) if shown else "",
        "agency_responsible": (executor.short_name or executor.name) if executor else "",
        "service_notice": service_notice(category),
        "requested_datetime": when(appeal.created_at, tz),
        "updated_datetime": when(appeal.updated_at, tz),
        "expected_datetime": when(appeal.due_at, tz),
        "address": appeal.address if shown else "",
        "address_id": "",
        "zipcode": "",
        "lat": appeal.latitude if shown else None,
        "long": appeal.longitude if shown else None,
        "media_url": media,
    }


# ---------------------------------------------------------------------------- updates


UPDATE_FIELDS = (
    "update_id",
    "service_request_id",
    "status",
    "updated_datetime",
    "description",
    "media_url",
    "external_status_code",
)


def updates_queryset(appeals):
    return (
        AppealEvent.objects.public()
        .filter(action__in=UPDATE_ACTIONS, appeal__in=appeals)
        .select_related("appeal", "appeal__category")
        .order_by("created_at", "pk")
    )


def published_answers(events: list[AppealEvent]) -> dict[int, Answer]:
    """The answers the page's «answer published» events point at, with their photos."""
    ids = [
        event.data.get("answer_id")
        for event in events
        if event.action == Action.PUBLISH_ANSWER and isinstance(event.data.get("answer_id"), int)
    ]
    if not ids:
        return {}
    answers = Answer.objects.filter(pk__in=ids).prefetch_related(
        Prefetch(
            "attachments",
            queryset=Attachment.objects.filter(kind=Attachment.Kind.PHOTO).order_by("pk"),
            to_attr="photos",
        )
    )
    return {answer.pk: answer for answer in answers}


def update_record(event: AppealEvent, *, answers: dict[int, Answer], tz: ZoneInfo, absolute):
    appeal = event.appeal
    shown = is_shown_publicly(appeal)
    description = str(event.get_action_display())
    media = ""
    data = event.data or {}
    if shown and event.action == Action.PUBLISH_ANSWER:
        answer = answers.get(data.get("answer_id"))
        if answer is not None:
            description = ensure_answer_public_copy(answer)
            if answer.photos:
                media = absolute(answer.photos[0].file.url)
    elif shown and event.action == Action.REJECT and data.get("reason_text"):
        description = f"{description}: {data['reason_text']}"
    elif event.action == Action.ASSIGN and data.get("executor"):
        description = f"{description}: {data['executor']}"
    return {
        "update_id": str(event.pk),
        "service_request_id": appeal.number,
        "status": open_or_closed(event.to_status),
        "updated_datetime": when(event.created_at, tz),
        "description": description,
        "media_url": media,
        "external_status_code": event.to_status,
    }
