"""REST API: review by the control centre (scope `appeals:moderate`), under /moderation/ beside
moderation.py: answers waiting to be published or returned for rework, and postponement requests
waiting for a decision. The same actions as the office's review pages (office/review.py) with the
same forms for the input (appeals/forms.py), limited to the operator's scope.

Each operation names its id: the one moderation.py gave it before review moved out, so clients
generated from the schema keep their method names.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from otklik.appeals import services
from otklik.appeals.forms import DecisionForm, PublishForm, ReturnForm
from otklik.appeals.models import Answer, Postponement
from otklik.appeals.workflow import WITH_EXECUTOR, Status

from .base import Page, api_user
from .moderation import operator, scoped_appeals
from .schemas import APPEAL_RELATED, AppealOut, Ref, appeal_out
from .work import ERRORS, WRITE_ERRORS, PostponementOut, form_errors, paged, postponement_out

router = Router(tags=["Moderation"])


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
        Answer.objects.filter(appeal__in=scoped_appeals(user))
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
    operation_id="otklik_api_rest_moderation_answers",
    response={200: ReviewAnswerPage, **ERRORS},
    summary="Answers waiting for review",
    description=(
        "Executors' answers in the operator's scope waiting to be published or returned, "
        "oldest first, with the formal-reply check's verdict."
    ),
)
def answers(request, pagination: Query[Page.Input]):
    user = operator(request)
    waiting = (
        _answers(user)
        .filter(state=Answer.State.REVIEW, appeal__status=Status.ANSWER_REVIEW)
        .order_by("submitted_at", "pk")
    )
    now = timezone.now()
    return paged(waiting, pagination, lambda answer: _answer_out(answer, now))


def _answer_for(request, pk: int) -> Answer:
    user = operator(request)
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
    operation_id="otklik_api_rest_moderation_publish",
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
    operation_id="otklik_api_rest_moderation_return_for_rework",
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
        Postponement.objects.filter(appeal__in=scoped_appeals(user))
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
    operation_id="otklik_api_rest_moderation_postponements",
    response={200: PostponementPage, **ERRORS},
    summary="Postponement requests waiting for a decision",
    description="Pending requests of the operator's scope, oldest first.",
)
def postponements(request, pagination: Query[Page.Input]):
    user = operator(request)
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
    operation_id="otklik_api_rest_moderation_decide",
    response={200: PendingPostponementOut, **WRITE_ERRORS},
    summary="Decide a postponement request",
    description="Approve (the deadline moves, the applicant is told) or refuse.",
)
def decide(request, postponement_id: int, data: DecisionIn):
    user = operator(request)
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
