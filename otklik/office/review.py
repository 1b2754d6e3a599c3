"""Review by the control centre: answers waiting to be published or returned, and
postponement requests waiting for a decision."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from otklik.appeals import access, services
from otklik.appeals.forms import DecisionForm, PublishForm, ReturnForm
from otklik.appeals.models import Answer, Appeal, Attachment, Postponement, scope_q
from otklik.appeals.search import search_appeals
from otklik.appeals.workflow import WITH_EXECUTOR, IllegalTransition, Status

from .permissions import OPERATORS, role_required
from .review_forms import QueueSearchForm

PAGE_SIZE = 50


def _unavailable(request) -> None:
    messages.error(request, _("This action is no longer available: the page has changed."))


def _scoped_appeals(user):
    return Appeal.objects.filter(scope_q(user, access.MODERATORS))


def _reason_labels(codes) -> list[str]:
    labels = dict(Answer.ReworkReason.choices)
    return [str(labels.get(code, code)) for code in codes]


def _waiting_answers(scoped):
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
        # An answer under review belongs to an appeal in that status: the status index keeps the
        # scope's subquery small on a region of 100 000 appeals.
        Answer.objects.filter(
            state=Answer.State.REVIEW, appeal__in=scoped.filter(status=Status.ANSWER_REVIEW)
        )
        .select_related("appeal", "appeal__category__parent", "organization")
        .annotate(
            evidence=Count("attachments"),
            returned_before=Coalesce(Subquery(returned_before), 0, output_field=IntegerField()),
        )
        .order_by("submitted_at", "pk")
    )


def _pending_postponements(scoped):
    return (
        Postponement.objects.filter(
            state=Postponement.State.PENDING, appeal__in=scoped.filter(status__in=WITH_EXECUTOR)
        )
        .select_related("appeal", "appeal__executor", "requested_by")
        .order_by("requested_at", "pk")
    )


@role_required(OPERATORS)
@require_GET
def queue(request):
    search = QueueSearchForm(request.GET)
    query = search.query()
    # The scope is read once (the user's memberships) and shared by both lists; the search
    # (appeals/search.py, as in the inbox) narrows both.
    scoped = search_appeals(_scoped_appeals(request.user), query)
    answers = Paginator(_waiting_answers(scoped), PAGE_SIZE).get_page(request.GET.get("page"))
    for answer in answers.object_list:
        answer.finding_labels = _reason_labels(f.get("code") for f in answer.formal_reply_reasons)
    postponements = Paginator(_pending_postponements(scoped), PAGE_SIZE).get_page(
        request.GET.get("ppage")
    )
    return render(
        request,
        "office/review/queue.html",
        {
            "answers": answers,
            "postponements": postponements,
            "search": search,
            "query": urlencode({"q": query}) if query else "",
            "office_section": "review",
        },
    )


def _answer_for(user, pk: int) -> Answer:
    answer = (
        Answer.objects.filter(pk=pk, appeal__in=_scoped_appeals(user))
        .select_related(
            "appeal__region",
            "appeal__category__parent",
            "appeal__municipality",
            "appeal__executor",
            "organization",
            "author",
            "reviewed_by",
        )
        .first()
    )
    if answer is None:
        raise Http404("No such answer")
    return answer


def _next_answer(user, after: Answer):
    return (
        _waiting_answers(_scoped_appeals(user))
        .exclude(pk=after.pk)
        .values_list("pk", flat=True)
        .first()
    )


@role_required(OPERATORS)
@require_http_methods(["GET", "POST"])
def answer(request, pk):
    answer = _answer_for(request.user, pk)
    appeal = answer.appeal
    findings = [
        {"code": f.get("code", ""), "message": f.get("message", ""), "label": label}
        for f, label in zip(
            answer.formal_reply_reasons,
            _reason_labels(f.get("code") for f in answer.formal_reply_reasons),
            strict=True,
        )
    ]
    prechecked = [f["code"] for f in findings if f["code"] in Answer.ReworkReason.values]
    publish_form = PublishForm(prefix="publish", flagged=answer.is_formal_reply)
    return_form = ReturnForm(prefix="return", initial={"reasons": prechecked})
    if request.method == "POST":
        if answer.state != Answer.State.REVIEW:
            # A second click of the same button, or a colleague was faster.
            messages.info(request, _("This answer has already been reviewed."))
            return redirect("office:review_answer", pk=answer.pk)
        action = request.POST.get("action")
        try:
            if action == "publish":
                publish_form = PublishForm(
                    request.POST, prefix="publish", flagged=answer.is_formal_reply
                )
                if publish_form.is_valid():
                    try:
                        services.publish_answer(
                            answer=answer,
                            actor=request.user,
                            comment=publish_form.cleaned_data["comment"],
                        )
                    except ValidationError as exc:
                        publish_form.add_error(None, exc)
                    else:
                        messages.success(
                            request,
                            _("The answer to appeal %(number)s has been published.")
                            % {"number": appeal.number},
                        )
                        return _after_review(request, answer)
            elif action == "return":
                return_form = ReturnForm(request.POST, prefix="return")
                if return_form.is_valid():
                    try:
                        services.return_answer(
                            answer=answer,
                            actor=request.user,
                            reasons=return_form.cleaned_data["reasons"],
                            comment=return_form.cleaned_data["comment"].strip(),
                        )
                    except ValidationError as exc:
                        return_form.add_error(None, exc)
                    else:
                        messages.success(
                            request,
                            _("The answer to appeal %(number)s has been returned for rework.")
                            % {"number": appeal.number},
                        )
                        return _after_review(request, answer)
            else:
                messages.error(request, _("Choose what to do with the answer."))
                return redirect("office:review_answer", pk=answer.pk)
        except IllegalTransition:
            _unavailable(request)
            return redirect("office:review_answer", pk=answer.pk)
    earlier = list(
        appeal.answers.exclude(pk=answer.pk)
        .filter(submitted_at__lte=answer.submitted_at)
        .select_related("author", "reviewed_by")
        .order_by("submitted_at", "pk")
    )
    for item in earlier:
        item.reason_labels = _reason_labels(item.rework_reasons)
    attachments = list(Attachment.objects.filter(appeal=appeal).order_by("created_at", "pk"))
    return render(
        request,
        "office/review/answer.html",
        {
            "answer": answer,
            "appeal": appeal,
            "findings": findings,
            "rework_labels": _reason_labels(answer.rework_reasons),
            "appeal_photos": [a for a in attachments if a.answer_id is None],
            "evidence": [a for a in attachments if a.answer_id == answer.pk],
            "earlier": earlier,
            "publish_form": publish_form,
            "return_form": return_form,
            "can_review": answer.state == Answer.State.REVIEW,
            "now": timezone.now(),
            "office_section": "review",
        },
    )


def _after_review(request, answer: Answer):
    following = _next_answer(request.user, answer)
    if following is not None:
        return redirect("office:review_answer", pk=following)
    messages.info(request, _("No more answers are waiting for review."))
    return redirect("office:review")


def _postponement_for(user, pk: int) -> Postponement:
    postponement = (
        Postponement.objects.filter(pk=pk, appeal__in=_scoped_appeals(user))
        .select_related(
            "appeal__region",
            "appeal__category__parent",
            "appeal__executor",
            "requested_by",
            "decided_by",
        )
        .first()
    )
    if postponement is None:
        raise Http404("No such postponement request")
    return postponement


@role_required(OPERATORS)
@require_http_methods(["GET", "POST"])
def postponement(request, pk):
    postponement = _postponement_for(request.user, pk)
    appeal = postponement.appeal
    approved_before = (
        appeal.postponements.filter(state=Postponement.State.APPROVED)
        .exclude(pk=postponement.pk)
        .count()
    )
    pending = postponement.state == Postponement.State.PENDING
    repeated = postponement.is_repeated or (pending and approved_before > 0)
    form = DecisionForm(repeated=repeated)
    if request.method == "POST":
        if not pending:
            messages.info(request, _("This request has already been decided."))
            return redirect("office:review_postponement", pk=postponement.pk)
        form = DecisionForm(request.POST, repeated=repeated)
        if form.is_valid():
            approve = form.cleaned_data["decision"] == DecisionForm.APPROVE
            try:
                services.decide_postponement(
                    postponement=postponement,
                    actor=request.user,
                    approve=approve,
                    comment=form.cleaned_data["comment"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            except IllegalTransition:
                _unavailable(request)
                return redirect("office:review_postponement", pk=postponement.pk)
            else:
                if approve:
                    text = _("The deadline of appeal %(number)s has been moved.")
                else:
                    text = _("The postponement of appeal %(number)s has been refused.")
                messages.success(request, text % {"number": appeal.number})
                following = (
                    _pending_postponements(_scoped_appeals(request.user))
                    .exclude(pk=postponement.pk)
                    .values_list("pk", flat=True)
                    .first()
                )
                if following is not None:
                    return redirect("office:review_postponement", pk=following)
                return redirect("office:review")
    return render(
        request,
        "office/review/postponement.html",
        {
            "postponement": postponement,
            "appeal": appeal,
            "approved_before": approved_before,
            "repeated": repeated,
            "pending": pending,
            "form": form,
            "office_section": "review",
        },
    )
