"""One appeal in the office: everything staff know about it, and the executor's work on it —
internal comments, delegation, the answer with its live formal-reply check, postponements and
redirects. Views parse input, call one service and redirect; templates only show."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect as redirect_to
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from otklik.accounts.models import Role, User
from otklik.appeals import access, personal_data, repeats, services, sla
from otklik.appeals.access import get_appeal_for
from otklik.appeals.drafts import kept_drafts
from otklik.appeals.forms import PostponeForm, RedirectForm, form_key
from otklik.appeals.models import Answer, Appeal, Attachment, DraftPhoto, Postponement
from otklik.appeals.personal_data import Shown
from otklik.appeals.workflow import Action, IllegalTransition, Resolution, Status, is_allowed
from otklik.directory import reference
from otklik.directory.models import AnswerTemplate, Organization
from otklik.intelligence.services import check_appeal_answer

from .permissions import staff_required
from .work_forms import AnswerForm, CommentForm, DelegateForm

# Statuses in which the control centre still moderates the appeal.
MODERATION_STATUSES = frozenset({Status.NEW, Status.CLARIFICATION, Status.REGISTERED})


def _appeal(request, number: str):
    """The appeal if the user may see it; 404 for anything else (access.get_appeal_for also
    turns away numbers no appeal could have)."""
    return get_appeal_for(request.user, number=number)


def _no_longer(request, appeal):
    messages.error(
        request, _("This action is no longer available: the appeal has moved on. Reload the page.")
    )
    return redirect_to("office:appeal", appeal.number)


def _colleagues(appeal):
    """Active employees of the appeal's executor: whom it may be delegated to."""
    if appeal.executor_id is None:
        return User.objects.none()
    return (
        User.objects.filter(
            is_active=True,
            memberships__role=Role.EXECUTOR,
            memberships__organization_id=appeal.executor_id,
        )
        .distinct()
        .order_by("full_name", "email")
    )


def _other_organizations(appeal):
    return Organization.objects.filter(region_id=appeal.region_id, is_active=True).exclude(
        pk=appeal.executor_id
    )


class Rights:
    """What the user may do with the appeal (each access check runs once)."""

    def __init__(self, user, appeal):
        self.work = access.can_work(user, appeal)
        self.moderate = access.can_moderate(user, appeal)
        self.direct = access.can_direct(user, appeal)
        status = appeal.status
        self.personal_data = self.work or self.moderate
        self.comment = (self.work or self.direct) and is_allowed(status, Action.COMMENT)
        self.delegate = (self.work or self.direct) and is_allowed(status, Action.DELEGATE)
        self.take = self.work and is_allowed(status, Action.DELEGATE)
        self.answer = self.work and is_allowed(status, Action.SUBMIT_ANSWER)
        self.postpone = (self.work or self.moderate) and is_allowed(
            status, Action.REQUEST_POSTPONEMENT
        )
        self.redirect = (self.work or self.moderate) and is_allowed(status, Action.REDIRECT)
        self.instruct = self.direct
        self.moderation_link = self.moderate and status in MODERATION_STATUSES


def _deadline(appeal, now):
    if appeal.due_at is None:
        return None
    # Kept per process (directory/reference.py).
    calendar, tz = reference.snapshot().calendar_and_zone(appeal.region_id)
    days = sla.working_days_left(now, appeal.due_at, calendar, tz)
    return {
        "days": days,
        "css": sla.deadline_class(days),
        "latest_postponed": sla.latest_postponed_due(appeal.due_at, tz),
    }


def _answers(appeal):
    answers = list(
        appeal.answers.select_related("organization", "author", "reviewed_by")
        .prefetch_related("attachments")
        .order_by("submitted_at", "pk")
    )
    for answer in answers:
        answer.rework_labels = [
            Answer.ReworkReason(code).label
            for code in answer.rework_reasons
            if code in Answer.ReworkReason.values
        ]
        answer.photos = [a for a in answer.attachments.all() if a.kind == Attachment.Kind.PHOTO]
        answer.documents = [
            a for a in answer.attachments.all() if a.kind == Attachment.Kind.DOCUMENT
        ]
    return answers


def _earlier(appeal: Appeal, user) -> list[Appeal]:
    """The appeals this one repeats, each with the history shown here: everything where `user`
    works, otherwise what the applicant sees (the repeat carries its context to its executor)."""
    if not appeal.repeat_of_id:
        return []
    chain = repeats.earlier_appeals(appeal, within=Appeal.objects.all())
    visible = set(
        Appeal.objects.visible_to(user)
        .filter(pk__in=[a.pk for a in chain])
        .values_list("pk", flat=True)
    )
    for earlier in chain:
        earlier.in_scope = earlier.pk in visible
        if not earlier.in_scope:
            earlier.history = [event for event in earlier.history if event.is_public]
    return chain


def _render_appeal(request, appeal, *, forms=None, status=200):
    now = timezone.now()
    user = request.user
    rights = Rights(user, appeal)
    forms = forms or {}
    postponements = list(appeal.postponements.select_related("requested_by", "decided_by"))
    pending = next((p for p in postponements if p.state == Postponement.State.PENDING), None)
    answers = _answers(appeal)
    in_review = next((a for a in answers if a.state == Answer.State.REVIEW), None)
    colleagues = _colleagues(appeal) if rights.delegate else User.objects.none()
    if rights.comment:
        forms.setdefault("comment", CommentForm())
    if rights.delegate:
        forms.setdefault(
            "delegate",
            DelegateForm(colleagues=colleagues, initial={"assignee": appeal.assignee_id}),
        )
    if rights.postpone and pending is None:
        forms.setdefault("postpone", PostponeForm())
    if rights.redirect:
        forms.setdefault(
            "redirect",
            RedirectForm(organizations=_other_organizations(appeal) if rights.moderate else None),
        )
    context = {
        "appeal": appeal,
        "rights": rights,
        "forms": forms,
        "deadline": _deadline(appeal, now),
        "photos": appeal.attachments.filter(answer__isnull=True),
        "answers": answers,
        "answer_in_review": in_review,
        "postponements": postponements,
        "pending_postponement": pending,
        "repeated_postponement": any(p.state == Postponement.State.APPROVED for p in postponements),
        "min_repeated_reason": services.MIN_REPEATED_POSTPONEMENT_REASON,
        "repeat_of": appeal.repeat_of if appeal.repeat_of_id else None,
        "earlier": _earlier(appeal, user),
        "duplicate_of": appeal.duplicate_of if appeal.duplicate_of_id else None,
        "repeats": list(appeal.repeats.order_by("created_at").values_list("number", flat=True)),
        "duplicates": list(
            appeal.duplicates.order_by("created_at").values_list("number", flat=True)
        ),
        "supporters": appeal.supports.count(),
        "instructions": list(appeal.instructions.select_related("organization").order_by("pk")),
        "events": appeal.events.select_related("actor").order_by("created_at", "pk"),
        "office_section": "inbox" if rights.work else "appeals",
    }
    if rights.personal_data:
        personal_data.record_access(
            viewer=user, appeals=[appeal], shown=Shown.OFFICE_APPEAL, request=request
        )
    return render(request, "office/appeal.html", context, status=status)


@staff_required
@require_http_methods(["GET"])
def appeal_detail(request, number):
    appeal = _appeal(request, number)
    return _render_appeal(request, appeal)


@staff_required
@require_POST
def comment(request, number):
    appeal = _appeal(request, number)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _render_appeal(request, appeal, forms={"comment": form}, status=400)
    try:
        services.add_comment(
            appeal=appeal, actor=request.user, text=form.cleaned_data["text"], is_public=False
        )
    except ValidationError as exc:
        form.add_error("text", exc)
        return _render_appeal(request, appeal, forms={"comment": form}, status=400)
    except IllegalTransition:
        return _no_longer(request, appeal)
    messages.success(request, _("The internal comment is saved."))
    return redirect_to("office:appeal", appeal.number)


@staff_required
@require_POST
def delegate(request, number):
    appeal = _appeal(request, number)
    if request.POST.get("take") == "1":
        assignee = request.user
    else:
        form = DelegateForm(request.POST, colleagues=_colleagues(appeal))
        if not form.is_valid():
            # Someone outside the executor (or garbage): the service would refuse them too.
            return _render_appeal(request, appeal, forms={"delegate": form}, status=400)
        assignee = form.cleaned_data["assignee"]
    try:
        services.delegate_appeal(appeal=appeal, actor=request.user, assignee=assignee)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect_to("office:appeal", appeal.number)
    except IllegalTransition:
        return _no_longer(request, appeal)
    if assignee is None:
        messages.success(request, _("Nobody is responsible for the appeal now."))
    elif assignee == request.user:
        messages.success(request, _("You are responsible for the appeal now."))
    else:
        messages.success(
            request, _("%(name)s is responsible for the appeal now.") % {"name": assignee}
        )
    return redirect_to("office:appeal", appeal.number)


@staff_required
@require_POST
def postpone(request, number):
    appeal = _appeal(request, number)
    form = PostponeForm(request.POST)
    if form.is_valid():
        try:
            services.request_postponement(
                appeal=appeal,
                actor=request.user,
                new_due_date=form.cleaned_data["new_due_date"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        except IllegalTransition:
            return _no_longer(request, appeal)
        else:
            messages.success(request, _("The postponement request is sent to the control centre."))
            return redirect_to("office:appeal", appeal.number)
    return _render_appeal(request, appeal, forms={"postpone": form}, status=400)


@staff_required
@require_POST
def redirect(request, number):
    appeal = _appeal(request, number)
    moderate = access.can_moderate(request.user, appeal)
    form = RedirectForm(
        request.POST, organizations=_other_organizations(appeal) if moderate else None
    )
    if form.is_valid():
        try:
            services.redirect_appeal(
                appeal=appeal,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                to_executor=form.cleaned_data.get("to_executor"),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        except IllegalTransition:
            return _no_longer(request, appeal)
        else:
            messages.success(request, _("The appeal is taken back from the executor."))
            return _after_redirect(request, appeal)
    return _render_appeal(request, appeal, forms={"redirect": form}, status=400)


def _after_redirect(request, appeal):
    """Back to the appeal if the user still sees it; an executor who gave it away does not."""
    if Appeal.objects.visible_to(request.user).filter(pk=appeal.pk).exists():
        return redirect_to("office:appeal", appeal.number)
    return redirect_to("office:inbox")


# ---------------------------------------------------------------------------- the answer


def _templates(appeal):
    """The executor's active templates, those of the appeal's category first."""
    templates = AnswerTemplate.objects.filter(
        organization_id=appeal.executor_id, is_active=True
    ).select_related("category")
    return sorted(
        templates,
        key=lambda t: (
            0 if appeal.category_id and t.category_id == appeal.category_id else 1,
            t.title.lower(),
            t.pk,
        ),
    )


def _answer_allowed(request, appeal) -> bool:
    if not access.can_work(request.user, appeal):
        raise PermissionDenied
    return is_allowed(appeal.status, Action.SUBMIT_ANSWER)


@staff_required
@require_http_methods(["GET", "POST"])
def answer(request, number):
    appeal = _appeal(request, number)
    if not _answer_allowed(request, appeal):
        return _no_longer(request, appeal)
    templates = _templates(appeal)
    drafts: list[DraftPhoto] = []
    file_errors: list[str] = []
    findings = None
    if request.method == "POST":
        key = form_key(request.POST.get("form_key"))
        form = AnswerForm(request.POST)
        drafts = kept_drafts(
            owner=request.user,
            form_key=key,
            carried=request.POST.getlist("draft"),
            removed=request.POST.getlist("remove_draft"),
        )
        uploads = [upload for upload in request.FILES.getlist("files") if upload.name]
        kept, file_errors = services.keep_draft_photos(
            owner=request.user, form_key=key, uploads=uploads, already=len(drafts), documents=True
        )
        drafts += kept
        if form.is_valid() and not file_errors:
            data = form.cleaned_data
            check = check_appeal_answer(
                appeal, data["text"], resolution=data["resolution"], evidence=len(drafts)
            )
            if request.POST.get("check") or (check.is_formal and not data["acknowledged"]):
                findings = check.findings
            else:
                try:
                    services.submit_answer(
                        appeal=appeal,
                        actor=request.user,
                        text=data["text"],
                        resolution=data["resolution"],
                        draft_photos=drafts,
                    )
                except ValidationError as exc:
                    form.add_error(None, exc)
                except IllegalTransition:
                    return _no_longer(request, appeal)
                else:
                    services.discard_draft_photos(owner=request.user, form_key=key)
                    messages.success(
                        request, _("The answer is sent to the control centre for review.")
                    )
                    return redirect_to("office:appeal", appeal.number)
    else:
        key = str(uuid.uuid4())
        initial = {"resolution": Resolution.SOLVED}
        chosen = request.GET.get("template", "")
        template = next((t for t in templates if str(t.pk) == chosen), None)
        if template is not None:
            initial["text"] = template.text
        form = AnswerForm(initial=initial)
    returned = (
        appeal.answers.filter(state=Answer.State.RETURNED)
        .select_related("reviewed_by")
        .order_by("-submitted_at", "-pk")
        .first()
    )
    if returned is not None:
        returned.rework_labels = [
            Answer.ReworkReason(code).label
            for code in returned.rework_reasons
            if code in Answer.ReworkReason.values
        ]
    return render(
        request,
        "office/work/answer.html",
        {
            "appeal": appeal,
            "form": form,
            "form_key": key,
            "templates": templates,
            "drafts": drafts,
            "file_errors": file_errors,
            "findings": findings,
            "returned": returned,
            "max_files": settings.UPLOAD_MAX_FILES,
            "office_section": "inbox",
        },
        status=400 if request.method == "POST" and not findings else 200,
    )


@staff_required
@require_POST
def check_answer(request, number):
    """The htmx fragment of the formal-reply check of a draft answer (never an error page)."""
    appeal = _appeal(request, number)
    if not access.can_work(request.user, appeal):
        raise PermissionDenied
    text = request.POST.get("text", "")[: services.MAX_TEXT]
    resolution = request.POST.get("resolution", "")
    if resolution not in Resolution.values:
        resolution = Resolution.SOLVED
    evidence = request.POST.get("evidence", "0")
    evidence = int(evidence) if evidence.isdigit() and len(evidence) < 4 else 0
    findings = None
    if text.strip():
        findings = check_appeal_answer(appeal, text, resolution=resolution, evidence=evidence)
        findings = findings.findings
    return render(request, "office/work/findings.html", {"findings": findings, "checked": True})
