from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from otklik.appeals import public_copy, repeats, services
from otklik.appeals.access import get_appeal_for, get_public_appeal
from otklik.appeals.models import Appeal, Rating, Support
from otklik.appeals.workflow import Action, is_allowed
from otklik.control import services as control
from otklik.control.models import FollowUp

from .forms import ClarificationForm, FollowUpForm, RatingForm
from .presentation import citizen_status, deadline_state, timeline

LIST_FIELDS = ("category", "category__parent", "municipality", "executor")


@require_GET
def home(request):
    recent = Appeal.objects.public().select_related(*LIST_FIELDS).order_by("-created_at")[:10]
    return render(request, "portal/home.html", {"recent": recent})


@login_required
@require_GET
def my_appeals(request):
    """The citizen's own appeals and those they support, newest first."""
    supported = Support.objects.filter(user=request.user).values("appeal_id")
    appeals = (
        Appeal.objects.filter(Q(applicant=request.user) | Q(pk__in=supported))
        .select_related(*LIST_FIELDS)
        .annotate(supporters=Count("supports"))
        .order_by("-created_at")
    )
    page = Paginator(appeals, 20).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [
        (
            appeal,
            citizen_status(appeal),
            deadline_state(appeal, now),
            appeal.applicant_id == request.user.pk,
        )
        for appeal in page.object_list
    ]
    return render(request, "portal/my_appeals.html", {"page": page, "rows": rows})


def _appeal_for_page(user, number: str) -> tuple[Appeal, bool]:
    """The applicant (or staff in scope) see their appeal; everyone else the public view."""
    try:
        appeal = get_appeal_for(user, number=number)
        return appeal, appeal.applicant_id == user.pk
    except Http404:
        return get_public_appeal(number=number), False


def _own_rating(appeal: Appeal, own: bool, user) -> Rating | None:
    return appeal.ratings.filter(applicant=user).first() if own else None


def _can_rate(appeal: Appeal, own: bool, rating: Rating | None) -> bool:
    return (
        own
        and rating is None
        and appeal.answered_at is not None
        and is_allowed(appeal.status, Action.RATE)
    )


def _can_clarify(appeal: Appeal, own: bool) -> bool:
    return own and is_allowed(appeal.status, Action.PROVIDE_CLARIFICATION)


@require_GET
def appeal_detail(request, number):
    appeal, own = _appeal_for_page(request.user, number)
    return _render_appeal(request, appeal, own)


def _earlier(appeal: Appeal, *, own: bool) -> list[Appeal]:
    """The appeals this one repeats, for their history on its page: all of them for the
    applicant (they are theirs too), the public ones for everyone else."""
    if not appeal.repeat_of_id:
        return []
    within = (
        Appeal.objects.filter(applicant=appeal.applicant_id) if own else Appeal.objects.public()
    )
    chain = repeats.earlier_appeals(appeal, within=within)
    for earlier in chain:
        public_copy.dress_for_page(earlier, earlier.published_answers, own=own)
        earlier.public_history = [event for event in earlier.history if event.is_public]
    return chain


def _render_appeal(request, appeal, own, *, rating_form=None, clarification_form=None, status=200):
    user = request.user
    events = appeal.events.public().order_by("created_at", "pk")
    answers = list(
        appeal.answers.filter(state="published")
        .select_related("organization")
        .prefetch_related("attachments")
    )
    public_copy.dress_for_page(appeal, answers, own=own)
    shown = own or (appeal.category is not None and appeal.category.is_public)
    photos = appeal.attachments.filter(answer__isnull=True) if shown else []
    supporters = appeal.supports.count()
    supported = user.is_authenticated and appeal.supports.filter(user=user).exists()
    can_support = (
        user.is_authenticated
        and not own
        and not supported
        and is_allowed(appeal.status, Action.SUPPORT)
    )
    rating = _own_rating(appeal, own, user)
    context = {
        "appeal": appeal,
        "own": own,
        "status_text": citizen_status(appeal),
        "deadline": deadline_state(appeal, timezone.now()),
        "timeline": timeline(events, own=own),
        "answers": answers,
        "photos": photos,
        "supporters": supporters,
        "supported": supported,
        "can_support": can_support,
        "repeat_of": appeal.repeat_of if appeal.repeat_of_id else None,
        "earlier": [
            (earlier, timeline(earlier.public_history, own=own))
            for earlier in _earlier(appeal, own=own)
        ],
        "repeats": list(appeal.repeats.values_list("number", flat=True)) if own else [],
        "rating": rating,
        "rating_form": rating_form or (RatingForm() if _can_rate(appeal, own, rating) else None),
        "clarification_form": clarification_form
        or (ClarificationForm() if _can_clarify(appeal, own) else None),
    }
    return render(request, "portal/appeal.html", context, status=status)


@login_required
@require_POST
def rate(request, number):
    """The applicant's score; «not solved» opens a repeat appeal and the page says so."""
    appeal = get_appeal_for(request.user, number=number)
    own = appeal.applicant_id == request.user.pk
    if not _can_rate(appeal, own, _own_rating(appeal, own, request.user)):
        messages.info(request, _("This answer cannot be rated now, or you have already rated it."))
        return redirect("portal:appeal", appeal.number)
    form = RatingForm(request.POST)
    if not form.is_valid():
        return _render_appeal(request, appeal, own, rating_form=form, status=400)
    try:
        outcome = services.rate_answer(
            appeal=appeal,
            actor=request.user,
            score=form.cleaned_data["score"],
            is_solved=form.cleaned_data["solved"] == "yes",
            comment=form.cleaned_data["comment"],
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _render_appeal(request, appeal, own, rating_form=form, status=400)
    if outcome.repeat is not None:
        values = {"number": outcome.repeat.number, "first": appeal.number}
        if outcome.repeat.created_at < outcome.rating.created_at:  # joined an open repeat
            text = _(
                "Thank you. Your word is added to repeat appeal %(number)s, already open on the "
                "problem of appeal %(first)s."
            )
        else:
            text = _(
                "Thank you. We have opened repeat appeal %(number)s, linked to appeal %(first)s: "
                "the control centre will see that the problem is not solved."
            )
        messages.success(request, text % values)
        return redirect("portal:appeal", outcome.repeat.number)
    messages.success(request, _("Thank you for rating the answer."))
    return redirect("portal:appeal", appeal.number)


@login_required
@require_POST
def clarify(request, number):
    appeal = get_appeal_for(request.user, number=number)
    own = appeal.applicant_id == request.user.pk
    form = ClarificationForm(request.POST)
    if not _can_clarify(appeal, own):
        messages.info(request, _("This appeal does not wait for a clarification."))
        return redirect("portal:appeal", appeal.number)
    if not form.is_valid():
        return _render_appeal(request, appeal, own, clarification_form=form, status=400)
    try:
        services.provide_clarification(
            appeal=appeal, actor=request.user, text=form.cleaned_data["text"]
        )
    except ValidationError as error:
        form.add_error("text", error)
        return _render_appeal(request, appeal, own, clarification_form=form, status=400)
    messages.success(request, _("Thank you: the appeal is back with the moderator."))
    return redirect("portal:appeal", appeal.number)


@require_http_methods(["GET", "POST"])
def follow_up(request, token):
    """The follow-up questionnaire behind a signed link: no login, usable once."""
    try:
        questionnaire = control.read_token(token)
    except control.TokenExpired:
        return render(request, "portal/follow_up_invalid.html", {"expired": True}, status=410)
    except FollowUp.DoesNotExist:
        return render(request, "portal/follow_up_invalid.html", {"expired": False}, status=404)
    appeal = questionnaire.appeal
    form = FollowUpForm(request.POST or None)
    again = questionnaire.answered_at is not None
    if not again and request.method == "POST" and form.is_valid():
        try:
            questionnaire = control.answer_follow_up(
                follow_up=questionnaire,
                fix_lasted=form.cleaned_data["lasted"] == "yes",
                comment=form.cleaned_data["comment"],
            )
        except ValidationError:  # answered by a parallel request in the meantime
            questionnaire.refresh_from_db()
            again = True
    if questionnaire.answered_at is not None:
        repeat = questionnaire.repeat
        # An earlier path (a rating, a control call) may have opened the repeat already.
        joined = repeat is not None and repeat.created_at < questionnaire.answered_at
        return render(
            request,
            "portal/follow_up_done.html",
            {"follow_up": questionnaire, "again": again, "joined": joined},
        )
    answer = appeal.answers.filter(state="published").order_by("-reviewed_at").first()
    return render(
        request,
        "portal/follow_up.html",
        {"appeal": appeal, "answer": answer, "form": form},
        status=400 if request.method == "POST" else 200,
    )
