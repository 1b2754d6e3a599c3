"""REST API: moderation and routing by the control centre (scope `appeals:moderate`).

The same actions as the office pages (office/moderation.py) with the same forms for the input
(appeals/forms.py): the queue of new appeals, registering with the executor, rejecting, asking
to clarify, merging, redirecting. The review of answers and postponement requests is in
review.py, under the same /moderation/ prefix. Everything is limited to the operator's scope
(`scope_q` with the moderator roles); an appeal outside it answers 404.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from otklik.accounts.models import ApiScope
from otklik.appeals import access, services
from otklik.appeals.forms import (
    AcceptForm,
    ClarifyForm,
    RedirectForm,
    RejectForm,
    rejection_reasons,
)
from otklik.appeals.models import Appeal, Channel, scope_q
from otklik.appeals.workflow import Status
from otklik.directory.models import Category, Organization, RejectionReason
from otklik.directory.services import Router as RoutingRules

from .base import Page, api_user, require_scope
from .schemas import APPEAL_RELATED, AppealDetail, AppealOut, Ref, appeal_detail, appeal_out
from .work import ERRORS, WRITE_ERRORS, form_errors, paged, staff_appeal

router = Router(tags=["Moderation"])
logger = logging.getLogger(__name__)
QUEUE_STATUSES = (Status.NEW, Status.CLARIFICATION)


def operator(request):
    """The token's user if the token may moderate and the user is an operator somewhere."""
    require_scope(request, ApiScope.APPEALS_MODERATE)
    user = api_user(request)
    if not (user.is_superuser or user.has_role(*access.MODERATORS)):
        raise PermissionDenied
    return user


def scoped_appeals(user):
    return Appeal.objects.filter(scope_q(user, access.MODERATORS))


def _moderated_appeal(request, number: str) -> Appeal:
    operator(request)
    return staff_appeal(request, number, access.can_moderate)


def _detail(request, appeal: Appeal) -> dict:
    user = api_user(request)
    return appeal_detail(access.get_appeal_for(user, pk=appeal.pk), user=user, request=request)


# ---------------------------------------------------------------------------- the queue


class QueueFilters(Schema):
    status: str = Field(
        Status.NEW,
        description="`new` (default) or `clarification` (waiting for the applicant).",
        pattern="^(new|clarification)$",
    )
    municipality: int | None = Field(None, ge=1, le=2**31 - 1, description="Municipality id.")
    category: str = Field("", max_length=64, description="Category code (its subtopics too).")
    channel: str = Field("", description="Channel: " + ", ".join(Channel.values))


class QueueItem(AppealOut):
    registration_due_at: datetime | None
    clarification_due_at: datetime | None
    photos: int
    suggested_executor: Ref | None


class QueuePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[QueueItem]


@router.get(
    "/queue",
    response={200: QueuePage, **ERRORS},
    summary="The moderation queue",
    description=(
        "New appeals (or those waiting for a clarification) in the operator's scope, oldest "
        "first, with the executor the routing rules suggest."
    ),
)
def queue(request, filters: Query[QueueFilters], pagination: Query[Page.Input]):
    user = operator(request)
    appeals = scoped_appeals(user).filter(status=filters.status)
    if filters.municipality:
        appeals = appeals.filter(municipality_id=filters.municipality)
    if filters.category:
        appeals = appeals.filter(
            Q(category__code=filters.category) | Q(category__parent__code=filters.category)
        )
    if filters.channel:
        appeals = appeals.filter(channel=filters.channel)
    appeals = (
        appeals.select_related(*APPEAL_RELATED)
        .annotate(photo_count=Count("attachments", filter=Q(attachments__answer__isnull=True)))
        .order_by("created_at", "pk")
    )
    now = timezone.now()
    result = paged(appeals, pagination, lambda appeal: appeal)
    rules = RoutingRules([a.category for a in result["items"] if a.category_id])
    items = []
    for appeal in result["items"]:
        suggested = rules.suggest(appeal.category, appeal.municipality_id)
        items.append(
            {
                **appeal_out(appeal, now=now),
                "registration_due_at": appeal.registration_due_at,
                "clarification_due_at": appeal.clarification_due_at,
                "photos": appeal.photo_count,
                "suggested_executor": (
                    {"id": suggested.pk, "name": suggested.short_name or suggested.name}
                    if suggested
                    else None
                ),
            }
        )
    result["items"] = items
    return result


# ---------------------------------------------------------------------------- one appeal


class SuggestionOut(Schema):
    id: int
    code: str
    name: str
    confidence: float
    reasons: list[str]


class SuggestionsOut(Schema):
    routing_rule: Ref | None
    categories: list[SuggestionOut]
    executors: list[SuggestionOut]
    category_problem: str
    executor_problem: str


@router.get(
    "/{number}/suggestions",
    response={200: SuggestionsOut, **ERRORS},
    summary="Suggested category and executor",
    description=(
        "The executor of the routing rules and the text models' top categories and executors "
        "with their reasons; empty with a `*_problem` code when a model is missing or fails."
    ),
)
def suggestions(request, number: str):
    from otklik.intelligence.suggestions import Suggestions, suggest

    appeal = _moderated_appeal(request, number)
    rule = RoutingRules([appeal.category] if appeal.category_id else []).suggest(
        appeal.category, appeal.municipality_id
    )
    try:
        found = suggest(appeal, appeal.region)
    except Exception:  # the models are advice: the answer works without them
        logger.exception("suggestions for %s failed", appeal.number)
        found = Suggestions(category_problem="failed", executor_problem="failed")

    def shape(item) -> dict:
        obj = item.obj
        return {
            "id": obj.pk,
            "code": getattr(obj, "code", "") or "",
            "name": str(obj),
            "confidence": item.confidence,
            "reasons": [str(reason) for reason in item.reasons],
        }

    return {
        "routing_rule": {"id": rule.pk, "name": rule.short_name or rule.name} if rule else None,
        "categories": [shape(s) for s in found.categories],
        "executors": [shape(s) for s in found.executors],
        "category_problem": found.category_problem,
        "executor_problem": found.executor_problem,
    }


class RegisterIn(Schema):
    category: str | None = Field(
        None, max_length=64, description="Category code; default: the appeal's own."
    )
    municipality_id: int | None = Field(None, ge=1, le=2**31 - 1)
    executor_id: int | None = Field(
        None,
        ge=1,
        le=2**31 - 1,
        description="Send it to this organization at once (an active one of the region).",
    )
    comment: str = Field("", max_length=services.MAX_TEXT)


@router.post(
    "/{number}/register",
    response={200: AppealDetail, **WRITE_ERRORS},
    summary="Register (accept) an appeal",
    description=(
        "Accept a new appeal with its category and municipality; with `executor_id` it is sent "
        "to the executor at once and gets its answer deadline on the production calendar."
    ),
)
def register(request, number: str, data: RegisterIn):
    appeal = _moderated_appeal(request, number)
    category = appeal.category_id
    if data.category is not None:
        found = Category.objects.filter(code=data.category).values_list("pk", flat=True).first()
        category = found if found is not None else "0"
    form = AcceptForm(
        {
            "category": category or "",
            "municipality": data.municipality_id or appeal.municipality_id or "",
            "executor": data.executor_id or "",
            "comment": data.comment,
        },
        region=appeal.region,
    )
    if not form.is_valid():
        raise form_errors(form)
    services.register_appeal(
        appeal=appeal,
        actor=api_user(request),
        category=form.cleaned_data["category"],
        municipality=form.cleaned_data["municipality"],
        executor=form.cleaned_data["executor"],
        comment=form.cleaned_data["comment"],
    )
    return _detail(request, appeal)


class RejectIn(Schema):
    reason: str = Field(..., max_length=64, description="Rejection reason code.")
    comment: str = Field("", max_length=services.MAX_TEXT, description="For the applicant.")


class ReasonOut(Schema):
    code: str
    name: str
    public_text: str


@router.get(
    "/rejection-reasons",
    response={200: list[ReasonOut], **ERRORS},
    summary="Rejection reasons",
    description="The reason codes an operator may reject with.",
)
def reasons(request):
    operator(request)
    return [
        {"code": r.code, "name": r.name, "public_text": r.public_text}
        for r in rejection_reasons().order_by("name")
    ]


@router.post(
    "/{number}/reject",
    response={200: AppealDetail, **WRITE_ERRORS},
    summary="Reject an appeal",
    description=(
        "Reject at moderation with a reason code (see /moderation/rejection-reasons); "
        "`not_competent` needs a comment naming the competent body."
    ),
)
def reject(request, number: str, data: RejectIn):
    appeal = _moderated_appeal(request, number)
    reason = RejectionReason.objects.filter(code=data.reason).values_list("pk", flat=True).first()
    form = RejectForm({"reason": reason or "0", "comment": data.comment})
    if not form.is_valid():
        raise form_errors(form)
    services.reject_appeal(
        appeal=appeal,
        actor=api_user(request),
        reason=form.cleaned_data["reason"],
        comment=form.cleaned_data["comment"],
    )
    return _detail(request, appeal)


class ClarificationIn(Schema):
    question: str = Field(..., max_length=services.MAX_TEXT)


@router.post(
    "/{number}/clarification",
    response={200: AppealDetail, **WRITE_ERRORS},
    summary="Ask the applicant to clarify",
    description="The registration clock stops until the applicant answers (3 days).",
)
def clarification(request, number: str, data: ClarificationIn):
    appeal = _moderated_appeal(request, number)
    form = ClarifyForm({"question": data.question})
    if not form.is_valid():
        raise form_errors(form)
    services.request_clarification(
        appeal=appeal, actor=api_user(request), question=form.cleaned_data["question"]
    )
    return _detail(request, appeal)


class MergeIn(Schema):
    into: str = Field(..., max_length=32, description="Number of the original appeal.")


@router.post(
    "/{number}/merge",
    response={200: AppealDetail, **WRITE_ERRORS},
    summary="Merge a duplicate",
    description="Merge the appeal into an original in the operator's scope.",
)
def merge(request, number: str, data: MergeIn):
    appeal = _moderated_appeal(request, number)
    user = api_user(request)
    not_found = ValidationError({"into": [_("No appeal with this number was found.")]})
    try:
        into = access.get_appeal_for(user, number=data.into.strip())
    except Http404:
        raise not_found from None
    try:
        services.merge_appeal(appeal=appeal, actor=user, into=into)
    except PermissionDenied:
        # The original is outside the operator's scope: do not tell it exists.
        raise not_found from None
    return _detail(request, appeal)


class RedirectIn(Schema):
    reason: str = Field(..., max_length=services.MAX_TEXT)
    to_executor_id: int | None = Field(
        None, ge=1, le=2**31 - 1, description="Hand it to this organization; null: re-route."
    )


@router.post(
    "/{number}/redirect",
    response={200: AppealDetail, **WRITE_ERRORS},
    summary="Redirect an appeal",
    description="Take the appeal from its executor and hand it to another one (or re-route).",
)
def redirect(request, number: str, data: RedirectIn):
    appeal = _moderated_appeal(request, number)
    organizations = Organization.objects.filter(region_id=appeal.region_id, is_active=True).exclude(
        pk=appeal.executor_id
    )
    form = RedirectForm(
        {"reason": data.reason, "to_executor": data.to_executor_id or ""},
        organizations=organizations,
    )
    if not form.is_valid():
        raise form_errors(form)
    services.redirect_appeal(
        appeal=appeal,
        actor=api_user(request),
        reason=form.cleaned_data["reason"],
        to_executor=form.cleaned_data.get("to_executor"),
    )
    return _detail(request, appeal)
