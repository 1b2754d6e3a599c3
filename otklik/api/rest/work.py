"""REST API: the executor's work (scope `appeals:work`) — the inbox of the user's organizations,
taking an appeal, delegating it, the answer with evidence, postponement requests and redirects.

The same actions as the office pages (office/inbox.py, office/work.py): each operation checks
the token's scope, fetches the appeal through `access.get_appeal_for` (404 outside the user's
scope, no hint it exists) and calls one service; the services decide.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from ninja import Field, File, Form, Query, Router, Schema, UploadedFile
from ninja import Status as HttpStatus

from otklik.accounts.models import ApiScope, User
from otklik.api.errors import bilingual, error
from otklik.appeals import access, services
from otklik.appeals.forms import ANSWER_RESOLUTIONS, PostponeForm, RedirectForm
from otklik.appeals.models import Answer, Appeal, Postponement, scope_q
from otklik.appeals.workflow import WITH_EXECUTOR, Status
from otklik.intelligence.services import check_appeal_answer

from .base import Page, api_user, require_scope
from .schemas import APPEAL_RELATED, AppealDetail, AppealOut, appeal_detail, appeal_out

router = Router(tags=["Executors"])


# ---------------------------------------------------------------------------- shared shapes


class ErrorOut(Schema):
    """Every error: a stable code and the message in Russian and English."""

    error: str
    message_ru: str
    message_en: str


class FieldErrorOut(ErrorOut):
    fields: dict[str, list[str]] | None = None


# The errors every staff operation may answer with, for the OpenAPI schema.
ERRORS = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}
WRITE_ERRORS = {**ERRORS, 400: FieldErrorOut, 409: ErrorOut}


def form_errors(form) -> ValidationError:
    """A form's errors as the ValidationError the API renders as a bilingual 400."""
    return ValidationError(form.errors.as_data())


def staff_appeal(request, number: str, check) -> Appeal:
    """The appeal if the token's user sees it and `check(user, appeal)` holds; 404 otherwise."""
    user = api_user(request)
    appeal = access.get_appeal_for(user, number=number)
    if not check(user, appeal):
        raise Http404("No such appeal")
    return appeal


# ---------------------------------------------------------------------------- the inbox


class InboxFilters(Schema):
    status: str = Field(
        "",
        description=(
            "`in_progress`, `answer_review`, `returned` (answer returned for rework) or `all` "
            "(answered ones too); default: in work and on review."
        ),
        pattern=r"^(|in_progress|answer_review|returned|all)$",
    )
    overdue: bool | None = Field(None, description="Only appeals past their deadline (or not).")
    due_before: date | None = Field(None, description="Deadline before this day (YYYY-MM-DD).")
    category: str = Field("", max_length=64, description="Category code (its subtopics too).")


class InboxItem(AppealOut):
    assignee: str
    returned_for_rework: bool
    pending_postponement: bool


class InboxPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[InboxItem]


def _require_role(user, roles) -> None:
    if not (user.is_superuser or user.has_role(*roles)):
        raise PermissionDenied


def paged(queryset, pagination: Page.Input, shape) -> dict:
    """One page of `queryset` in the base.Page envelope, each item through `shape`."""
    result = Page(pass_parameter=None).paginate_queryset(queryset, pagination)
    result["items"] = [shape(item) for item in result["items"]]
    return result


@router.get(
    "/inbox",
    response={200: InboxPage, **ERRORS},
    summary="The executor's inbox",
    description=(
        "Appeals of the user's organizations in work (and on review), nearest deadline first. "
        "Filters: status, overdue, due_before, category. Needs `appeals:work` and an executor "
        "membership."
    ),
)
def inbox(request, filters: Query[InboxFilters], pagination: Query[Page.Input]):
    require_scope(request, ApiScope.APPEALS_WORK)
    user = api_user(request)
    _require_role(user, access.WORKERS)
    now = timezone.now()
    last_answer = Answer.objects.filter(appeal=OuterRef("pk")).order_by("-submitted_at", "-pk")
    appeals = Appeal.objects.filter(scope_q(user, access.WORKERS)).annotate(
        last_answer_state=Subquery(last_answer.values("state")[:1]),
        has_pending=Exists(
            Postponement.objects.filter(appeal=OuterRef("pk"), state=Postponement.State.PENDING)
        ),
    )
    if filters.status == "returned":
        appeals = appeals.filter(status=Status.IN_PROGRESS, last_answer_state=Answer.State.RETURNED)
    elif filters.status in (Status.IN_PROGRESS, Status.ANSWER_REVIEW):
        appeals = appeals.filter(status=filters.status)
    elif filters.status != "all":
        appeals = appeals.filter(status__in=WITH_EXECUTOR)
    late = Q(answered_at__isnull=True, due_at__lt=now) | Q(answered_at__gt=F("due_at"))
    if filters.overdue is True:
        appeals = appeals.filter(late)
    elif filters.overdue is False:
        appeals = appeals.exclude(late)
    if filters.due_before:
        tz = timezone.get_current_timezone()
        limit = datetime.combine(filters.due_before, datetime.min.time(), tzinfo=tz)
        appeals = appeals.filter(due_at__lt=limit)
    if filters.category:
        appeals = appeals.filter(
            Q(category__code=filters.category) | Q(category__parent__code=filters.category)
        )
    appeals = appeals.select_related(*APPEAL_RELATED, "assignee").order_by(
        F("due_at").asc(nulls_last=True), "pk"
    )

    def shape(appeal):
        return {
            **appeal_out(appeal, now=now),
            "assignee": str(appeal.assignee) if appeal.assignee_id else "",
            "returned_for_rework": appeal.status == Status.IN_PROGRESS
            and appeal.last_answer_state == Answer.State.RETURNED,
            "pending_postponement": appeal.has_pending,
        }

    return paged(appeals, pagination, shape)


# ---------------------------------------------------------------------------- actions


def _work_appeal(request, number: str) -> Appeal:
    require_scope(request, ApiScope.APPEALS_WORK)
    _require_role(api_user(request), access.WORKERS)
    return staff_appeal(request, number, access.can_work)


def _detail(request, appeal: Appeal) -> dict:
    appeal = access.get_appeal_for(api_user(request), pk=appeal.pk)
    return appeal_detail(appeal, user=api_user(request), request=request)


@router.post(
    "/{number}/take",
    response={200: AppealDetail, **WRITE_ERRORS},
    summary="Take an appeal",
    description=(
        "The caller becomes the employee responsible for the appeal (an assigned appeal is "
        "already in work: the workflow has no separate acceptance step)."
    ),
)
def take(request, number: str):
    appeal = _work_appeal(request, number)
    services.delegate_appeal(appeal=appeal, actor=api_user(request), assignee=api_user(request))
    return _detail(request, appeal)


class DelegateIn(Schema):
    assignee_id: int | None = Field(
        None, ge=1, le=2**31 - 1, description="An employee of the executor; null: nobody."
    )


@router.post(
    "/{number}/delegate",
    response={200: AppealDetail, **WRITE_ERRORS},
    summary="Give an appeal to an employee",
    description="Make an employee of the executor responsible for the appeal, or nobody.",
)
def delegate(request, number: str, data: DelegateIn):
    appeal = _work_appeal(request, number)
    assignee = None
    if data.assignee_id is not None:
        assignee = User.objects.filter(pk=data.assignee_id).first()
        if assignee is None:
            raise ValidationError({"assignee_id": [_("Choose an employee of the executor.")]})
    services.delegate_appeal(appeal=appeal, actor=api_user(request), assignee=assignee)
    return _detail(request, appeal)


class FindingOut(Schema):
    code: str
    message_ru: str
    message_en: str


class FormalReplyOut(ErrorOut):
    findings: list[FindingOut]


class AnswerIn(Schema):
    text: str = Field(..., max_length=services.MAX_TEXT)
    resolution: str = Field(
        "solved",
        description="`solved`, `explained` or `refused`.",
        pattern="^(" + "|".join(value for value, _label in ANSWER_RESOLUTIONS) + ")$",
    )
    acknowledged: bool = Field(
        False,
        description=(
            "Send even when the formal-reply check finds remarks (otherwise such an answer is "
            "refused with 409 `formal_reply` and the findings)."
        ),
    )


class AnswerOut(Schema):
    id: int
    state: str
    resolution: str
    submitted_at: datetime
    is_formal_reply: bool
    evidence: int
    appeal: AppealDetail


@router.post(
    "/{number}/answer",
    response={201: AnswerOut, **WRITE_ERRORS, 409: FormalReplyOut | ErrorOut},
    summary="Answer an appeal",
    description=(
        "multipart/form-data: `text`, `resolution`, `acknowledged` and evidence in `files` "
        "(photos or PDF acts; a category that needs evidence is checked for it). The answer goes "
        "to the control centre for review. An answer the formal-reply check flags is refused "
        "with its findings unless `acknowledged` is true, as on the office page."
    ),
)
def answer(
    request,
    number: str,
    data: Form[AnswerIn],
    files: File[list[UploadedFile]] = None,
):
    appeal = _work_appeal(request, number)
    user = api_user(request)
    uploads = [upload for upload in files or [] if upload.name]
    if not data.acknowledged:
        check = check_appeal_answer(
            appeal, data.text, resolution=data.resolution, evidence=len(uploads)
        )
        if check.is_formal:
            findings = []
            for finding in check.findings:
                ru, en = bilingual(finding.message)
                findings.append({"code": finding.code, "message_ru": ru, "message_en": en})
            return error(
                409,
                "formal_reply",
                gettext_noop(
                    "The answer looks like a formal reply; correct it or send it with "
                    "acknowledged=true."
                ),
                findings=findings,
            )
    created = services.submit_answer(
        appeal=appeal, actor=user, text=data.text, resolution=data.resolution, photos=uploads
    )
    return HttpStatus(
        201,
        {
            "id": created.pk,
            "state": created.state,
            "resolution": created.resolution,
            "submitted_at": created.submitted_at,
            "is_formal_reply": created.is_formal_reply,
            "evidence": created.attachments.count(),
            "appeal": _detail(request, appeal),
        },
    )


class PostponementIn(Schema):
    new_due_date: date = Field(..., description="The new deadline (YYYY-MM-DD).")
    reason: str = Field(..., max_length=services.MAX_TEXT)


class PostponementOut(Schema):
    id: int
    appeal: str
    state: str
    requested_at: datetime
    previous_due_at: datetime
    requested_due_at: datetime
    reason: str
    is_repeated: bool
    requested_by: str
    decided_at: datetime | None
    decision_comment: str


def postponement_out(postponement: Postponement) -> dict:
    return {
        "id": postponement.pk,
        "appeal": postponement.appeal.number,
        "state": postponement.state,
        "requested_at": postponement.requested_at,
        "previous_due_at": postponement.previous_due_at,
        "requested_due_at": postponement.requested_due_at,
        "reason": postponement.reason,
        "is_repeated": postponement.is_repeated,
        "requested_by": str(postponement.requested_by) if postponement.requested_by_id else "",
        "decided_at": postponement.decided_at,
        "decision_comment": postponement.decision_comment,
    }


@router.post(
    "/{number}/postponement",
    response={201: PostponementOut, **WRITE_ERRORS},
    summary="Ask to move the deadline",
    description=(
        "A postponement request with the new deadline and its reason, decided by the control "
        "centre; a second one needs a fuller reason and is flagged as repeated."
    ),
)
def postponement(request, number: str, data: PostponementIn):
    appeal = _work_appeal(request, number)
    form = PostponeForm({"new_due_date": data.new_due_date.isoformat(), "reason": data.reason})
    if not form.is_valid():
        raise form_errors(form)
    created = services.request_postponement(
        appeal=appeal,
        actor=api_user(request),
        new_due_date=form.cleaned_data["new_due_date"],
        reason=form.cleaned_data["reason"],
    )
    return HttpStatus(201, postponement_out(created))


class WorkRedirectIn(Schema):
    reason: str = Field(..., max_length=services.MAX_TEXT, description="Why it is not ours.")


@router.post(
    "/{number}/redirect",
    response={200: AppealOut, **WRITE_ERRORS},
    summary="Give an appeal back (not our competence)",
    description=(
        "The appeal goes back to the control centre for routing within the redirect term; the "
        "organization no longer sees it."
    ),
)
def redirect(request, number: str, data: WorkRedirectIn):
    appeal = _work_appeal(request, number)
    form = RedirectForm({"reason": data.reason})
    if not form.is_valid():
        raise form_errors(form)
    services.redirect_appeal(
        appeal=appeal, actor=api_user(request), reason=form.cleaned_data["reason"]
    )
    appeal.refresh_from_db()
    return appeal_out(appeal)
