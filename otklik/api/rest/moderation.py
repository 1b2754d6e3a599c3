"""REST API: moderation, routing and review by the control centre (scope `appeals:moderate`).

The same actions as the office pages (office/moderation.py, office/review.py) with the same
forms for the input: the queue of new appeals, registering with the executor, rejecting, asking
to clarify, merging, redirecting; answers waiting for review (publish or return for rework) and
postponement requests waiting for a decision. Everything is limited to the operator's scope
(`scope_q` with the moderator roles); an appeal outside it answers 404.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from otklik.accounts.models import ApiScope
from otklik.appeals import access, services
from otklik.appeals.models import Answer, Appeal, Channel, Postponement, scope_q
from otklik.appeals.workflow import WITH_EXECUTOR, Status
from otklik.directory.models import Category, Organization, RejectionReason
from otklik.directory.services import Router as RoutingRules
from otklik.office.moderation_forms import AcceptForm, ClarifyForm, RejectForm, rejection_reasons
from otklik.office.review_forms import DecisionForm, PublishForm, ReturnForm
from otklik.office.work_forms import RedirectForm

from .base import Page, api_user, require_scope
from .schemas import APPEAL_RELATED, AppealDetail, AppealOut, Ref, appeal_detail, appeal_out
from .work import (
    ERRORS,
    WRITE_ERRORS,
    PostponementOut,
    form_errors,
    paged,
    postponement_out,
    staff_appeal,
)

router = Router(tags=["Moderation"])
logger = logging.getLogger(__name__)
QUEUE_STATUSES = (Status.NEW, Status.CLARIFICATION)


def _operator(request):
    """The token's user if the token may moderate and the user is an operator somewhere."""
    require_scope(request, ApiScope.APPEALS_MODERATE)
    user = api_user(request)
    if not (user.is_superuser or user.has_role(*access.MODERATORS)):
        raise PermissionDenied
    return user


def _scoped(user):
    return Appeal.objects.filter(scope_q(user, access.MODERATORS))


def _moderated_appeal(request, number: str) -> Appeal:
    _operator(request)
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
    user = _operator(request)
    appeals = _scoped(user).filter(status=filters.status)
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
    _operator(request)
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


# ---------------------------------------------------------------------------- answers


class FindingOut(Schema):
    code: str
    message: str


class ReviewAnswerOut(Schema):
    id: int
    appeal: AppealOut
    organization: Ref
    state: str
    text: str
    resolution: str
    submitted_at: datetime
    is_formal_reply: bool
    formal_reply_score: float
    formal_reply_reasons: list[FindingOut]
    evidence: int
    returned_before: int
    rework_reasons: list[str]
    review_comment: str


class ReviewAnswerPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ReviewAnswerOut]


def _answers(user):
    returned_before = (
        Answer.objects.filter(
            appeal_id=OuterRef("appeal_id"),
            state=Answer.State.RETURNED,
            submitted_at__lt=OuterRef("submitted_at"),
        )
        .order_by()
        .values("appeal_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Answer.objects.filter(appeal__in=_scoped(user))
        .select_related(*(f"appeal__{name}" for name in APPEAL_RELATED), "organization")
        .annotate(
            evidence=Count("attachments"),
            returned_before=Coalesce(Subquery(returned_before), 0, output_field=IntegerField()),
        )
    )


def _answer_out(answer: Answer, now=None) -> dict:
    return {
        "id": answer.pk,
        "appeal": appeal_out(answer.appeal, now=now),
        "organization": {
            "id": answer.organization_id,
            "name": answer.organization.short_name or answer.organization.name,
        },
        "state": answer.state,
        "text": answer.text,
        "resolution": answer.resolution,
        "submitted_at": answer.submitted_at,
        "is_formal_reply": answer.is_formal_reply,
        "formal_reply_score": answer.formal_reply_score,
        "formal_reply_reasons": [
            {"code": f.get("code", ""), "message": f.get("message", "")}
            for f in answer.formal_reply_reasons
        ],
        "evidence": answer.evidence,
        "returned_before": answer.returned_before,
        "rework_reasons": list(answer.rework_reasons),
        "review_comment": answer.review_comment,
    }


@router.get(
    "/answers",
    response={200: ReviewAnswerPage, **ERRORS},
    summary="Answers waiting for review",
    description=(
        "Executors' answers in the operator's scope waiting to be published or returned, "
        "oldest first, with the formal-reply check's verdict."
    ),
)
def answers(request, pagination: Query[Page.Input]):
    user = _operator(request)
    waiting = (
        _answers(user)
        .filter(state=Answer.State.REVIEW, appeal__status=Status.ANSWER_REVIEW)
        .order_by("submitted_at", "pk")
    )
    now = timezone.now()
    return paged(waiting, pagination, lambda answer: _answer_out(answer, now))


def _answer_for(request, pk: int) -> Answer:
    user = _operator(request)
    answer = _answers(user).filter(pk=pk).first()
    if answer is None:
        raise Http404("No such answer")
    return answer


def _already_reviewed():
    return ValidationError(_("This answer has already been reviewed."))


class PublishIn(Schema):
    comment: str = Field(
        "",
        max_length=services.MAX_TEXT,
        description="Required when the answer was flagged as a formal reply: why publish it.",
    )


@router.post(
    "/answers/{int:answer_id}/publish",
    response={200: ReviewAnswerOut, **WRITE_ERRORS},
    summary="Publish an answer",
    description="The answer goes to the applicant; the appeal becomes answered.",
)
def publish(request, answer_id: int, data: PublishIn):
    answer = _answer_for(request, answer_id)
    if answer.state != Answer.State.REVIEW:
        raise _already_reviewed()
    form = PublishForm({"comment": data.comment}, flagged=answer.is_formal_reply)
    if not form.is_valid():
        raise form_errors(form)
    services.publish_answer(
        answer=answer, actor=api_user(request), comment=form.cleaned_data["comment"]
    )
    return _answer_out(_answer_for(request, answer_id))


class ReturnIn(Schema):
    reasons: list[str] = Field(
        ..., max_length=20, description="Rework reasons: " + ", ".join(Answer.ReworkReason.values)
    )
    comment: str = Field("", max_length=services.MAX_TEXT, description="Required with `other`.")


@router.post(
    "/answers/{int:answer_id}/return",
    response={200: ReviewAnswerOut, **WRITE_ERRORS},
    summary="Return an answer for rework",
    description="The answer goes back to the executor with the criteria it failed.",
)
def return_for_rework(request, answer_id: int, data: ReturnIn):
    answer = _answer_for(request, answer_id)
    if answer.state != Answer.State.REVIEW:
        raise _already_reviewed()
    form = ReturnForm({"reasons": data.reasons, "comment": data.comment})
    if not form.is_valid():
        raise form_errors(form)
    services.return_answer(
        answer=answer,
        actor=api_user(request),
        reasons=form.cleaned_data["reasons"],
        comment=form.cleaned_data["comment"].strip(),
    )
    return _answer_out(_answer_for(request, answer_id))


# ---------------------------------------------------------------------------- postponements


class PendingPostponementOut(PostponementOut):
    executor: Ref | None
    appeal_due_at: datetime | None
    approved_before: int


class PostponementPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[PendingPostponementOut]


def _postponements(user):
    return (
        Postponement.objects.filter(appeal__in=_scoped(user))
        .select_related("appeal", "appeal__executor", "requested_by")
        .annotate(
            approved_before=Count(
                "appeal__postponements",
                filter=Q(appeal__postponements__state=Postponement.State.APPROVED),
                distinct=True,
            )
        )
    )


def _pending_out(postponement: Postponement) -> dict:
    executor = postponement.appeal.executor
    return {
        **postponement_out(postponement),
        "executor": {"id": executor.pk, "name": executor.short_name or executor.name}
        if executor
        else None,
        "appeal_due_at": postponement.appeal.due_at,
        "approved_before": postponement.approved_before,
    }


@router.get(
    "/postponements",
    response={200: PostponementPage, **ERRORS},
    summary="Postponement requests waiting for a decision",
    description="Pending requests of the operator's scope, oldest first.",
)
def postponements(request, pagination: Query[Page.Input]):
    user = _operator(request)
    pending = (
        _postponements(user)
        .filter(state=Postponement.State.PENDING, appeal__status__in=WITH_EXECUTOR)
        .order_by("requested_at", "pk")
    )
    return paged(pending, pagination, _pending_out)


class DecisionIn(Schema):
    decision: str = Field(..., pattern="^(approve|refuse)$")
    comment: str = Field(
        "",
        max_length=services.MAX_TEXT,
        description="Required for a refusal and for any decision on a repeated postponement.",
    )


@router.post(
    "/postponements/{int:postponement_id}/decide",
    response={200: PendingPostponementOut, **WRITE_ERRORS},
    summary="Decide a postponement request",
    description="Approve (the deadline moves, the applicant is told) or refuse.",
)
def decide(request, postponement_id: int, data: DecisionIn):
    user = _operator(request)
    postponement = _postponements(user).filter(pk=postponement_id).first()
    if postponement is None:
        raise Http404("No such postponement request")
    if postponement.state != Postponement.State.PENDING:
        raise ValidationError(_("This request has already been decided."))
    repeated = postponement.is_repeated or postponement.approved_before > 0
    form = DecisionForm(data.dict(), repeated=repeated)
    if not form.is_valid():
        raise form_errors(form)
    services.decide_postponement(
        postponement=postponement,
        actor=user,
        approve=form.cleaned_data["decision"] == DecisionForm.APPROVE,
        comment=form.cleaned_data["comment"],
    )
    return _pending_out(_postponements(user).get(pk=postponement_id))
