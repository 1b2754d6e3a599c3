"""Moderation by the control centre: the queue of new appeals, one appeal's moderation page
(accept, reject, clarify, merge) and bulk actions over the queue."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from otklik.appeals import access, personal_data, public_copy, services, sla
from otklik.appeals.forms import (
    NOT_COMPETENT,
    AcceptForm,
    ClarifyForm,
    RejectForm,
    category_groups,
    rejection_reasons,
    reportable_categories,
)
from otklik.appeals.models import Appeal, scope_q
from otklik.appeals.personal_data import Shown
from otklik.appeals.workflow import OPEN_STATUSES, IllegalTransition, Status
from otklik.directory.models import Category, Organization
from otklik.directory.services import Router

from .moderation_forms import BULK_LIMIT, BulkForm, MergeForm, QueueFilterForm
from .permissions import OPERATORS, role_required

PAGE_SIZE = 50
MERGE_RADIUS_M = 300
MERGE_CANDIDATES = 10
MERGE_WINDOW_DAYS = 180
TABS = {"new": Status.NEW, "clarification": Status.CLARIFICATION}
SOON = timedelta(days=1)


# ---------------------------------------------------------------------------- the queue


def _scope(user):
    return Appeal.objects.filter(scope_q(user, access.MODERATORS))


def _filters(request) -> tuple[QueueFilterForm, dict]:
    form = QueueFilterForm(request.GET or None)
    return form, form.values() if request.GET else {}


def _filtered(user, status: str, filters: dict):
    appeals = _scope(user).filter(status=status)
    if "municipality" in filters:
        appeals = appeals.filter(municipality=filters["municipality"])
    if "category" in filters:
        appeals = appeals.filter(category=filters["category"])
    if "channel" in filters:
        appeals = appeals.filter(channel=filters["channel"])
    return appeals.order_by("created_at", "pk")


def _query(filters: dict) -> str:
    """The filters as a query string to carry from page to page ("" if none)."""
    values = {name: getattr(value, "pk", value) for name, value in filters.items() if name != "tab"}
    return urlencode(values)


def deadline_class(due: datetime | None, now: datetime) -> str:
    """The office.css class of a registration deadline (soon: within a day)."""
    if due is None:
        return ""
    tz = timezone.get_current_timezone()
    return "deadline-" + sla.clock_deadline_class(due, now, tz=tz, soon=SOON)


@role_required(OPERATORS)
@require_http_methods(["GET"])
def queue(request):
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "new"
    form, filters = _filters(request)
    appeals = (
        _filtered(request.user, TABS[tab], filters)
        .select_related("category", "category__parent", "municipality", "repeat_of")
        .annotate(photo_count=Count("attachments", filter=Q(attachments__answer__isnull=True)))
    )
    page = Paginator(appeals, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    router = Router([a.category for a in rows if a.category_id])
    now = timezone.now()
    query = _query(filters)
    for appeal in rows:
        appeal.suggested = router.suggest(appeal.category, appeal.municipality_id)
        due = appeal.clarification_due_at if tab == "clarification" else appeal.registration_due_at
        appeal.due = due
        appeal.due_class = deadline_class(due, now)
        appeal.moderate_url = reverse("office:moderate", args=[appeal.number]) + (
            f"?{query}" if query else ""
        )
    return render(
        request,
        "office/moderation/queue.html",
        {
            "office_section": "moderation",
            "tab": tab,
            "form": form,
            "page": page,
            "rows": rows,
            "query": query,
            "reasons": rejection_reasons(),
            "bulk_limit": BULK_LIMIT,
        },
    )


# ---------------------------------------------------------------------------- one appeal


def _next_appeal(user, current: Appeal, filters: dict) -> Appeal | None:
    """The next new appeal of the queue after `current` (then from the start), if any."""
    queue = _filtered(user, Status.NEW, filters).exclude(pk=current.pk)
    after = queue.filter(
        Q(created_at__gt=current.created_at) | Q(created_at=current.created_at, pk__gt=current.pk)
    ).first()
    return after or queue.first()


def _after_success(request, appeal: Appeal, filters: dict, message: str):
    messages.success(request, message)
    query = _query(filters)
    following = _next_appeal(request.user, appeal, filters)
    if following is None:
        messages.info(request, _("The moderation queue is empty."))
        url = reverse("office:moderation")
    else:
        url = reverse("office:moderate", args=[following.number])
    return redirect(f"{url}?{query}" if query else url)


def merge_candidates(appeal: Appeal, user) -> list[Appeal]:
    """Appeals of the moderator's scope that may be the same problem, ranked by the duplicate
    search (distance within MERGE_RADIUS_M, days apart, text similarity) among those of the same
    category; without a point, those at the same address. Each carries `reasons` (text),
    `score` and `is_likely`."""
    from otklik.intelligence.duplicates import Candidate, find_candidates, weights_for
    from otklik.intelligence.words import jaccard, keys

    scope = _scope(user).filter(region_id=appeal.region_id).select_related("category")
    if appeal.category_id:
        scope = scope.filter(category_id=appeal.category_id)
    if appeal.has_point:
        found = find_candidates(
            appeal.region_id,
            appeal.category,
            appeal.latitude,
            appeal.longitude,
            appeal.text,
            at=appeal.created_at,
            exclude=appeal,
            limit=MERGE_CANDIDATES,
            queryset=scope,
            radius_m=MERGE_RADIUS_M,
            window_days=MERGE_WINDOW_DAYS,
        )
    elif appeal.address.strip():
        weights, text = weights_for(appeal.region_id), keys(appeal.text)
        found = [
            Candidate(
                appeal=other,
                score=1.0,
                distance=None,
                same_category=bool(appeal.category_id),
                same_group=False,
                days=(appeal.created_at - other.created_at).total_seconds() / 86400,
                similarity=round(jaccard(text, keys(other.text)), 3),
                threshold=weights.threshold,
                ago=False,
            )
            for other in scope.filter(
                address__iexact=appeal.address.strip(), status__in=OPEN_STATUSES
            )
            .exclude(pk=appeal.pk)
            .order_by("-created_at", "-pk")[:MERGE_CANDIDATES]
        ]
    else:
        found = []
    appeals = []
    for candidate in found:
        other = candidate.appeal
        reasons = candidate.reasons
        if candidate.distance is None:
            reasons.insert(0, _("same address"))
        other.reasons, other.score = ", ".join(reasons), candidate.score
        other.is_likely = candidate.is_likely
        appeals.append(other)
    return appeals


def _forms(appeal: Appeal, suggested) -> dict:
    return {
        "accept": AcceptForm(
            region=appeal.region,
            initial={
                "category": appeal.category_id,
                "municipality": appeal.municipality_id,
                "executor": suggested.pk if suggested else None,
            },
        ),
        "reject": RejectForm(),
        "clarify": ClarifyForm(),
        "merge": MergeForm(),
    }


def _suggestion(appeal: Appeal, category: Category | None = None, municipality_id=None):
    category = category or appeal.category
    if category is None:
        return None
    router = Router([category])
    return router.suggest(category, municipality_id or appeal.municipality_id)


def _render(request, appeal: Appeal, filters: dict, forms: dict, suggested, active: str = ""):
    moderatable = appeal.status == Status.NEW
    query = _query(filters)
    following = _next_appeal(request.user, appeal, filters) if moderatable else None
    categories = list(reportable_categories())
    reasons = list(rejection_reasons())
    chosen_reason = str(forms["reject"]["reason"].value() or "")
    events = appeal.events.select_related("actor").order_by("-created_at", "-pk")[:10]
    # Only moderators of the appeal get here (_moderation_appeal), and the page names the
    # applicant with their phone.
    personal_data.record_access(
        viewer=request.user, appeals=[appeal], shown=Shown.OFFICE_MODERATION, request=request
    )
    return render(
        request,
        "office/moderation/moderate.html",
        {
            "office_section": "moderation",
            "appeal": appeal,
            "moderatable": moderatable,
            "forms": forms,
            "active": active,
            "query": query,
            "next_url": (
                reverse("office:moderate", args=[following.number]) + (f"?{query}" if query else "")
                if following
                else ""
            ),
            "queue_url": reverse("office:moderation") + (f"?{query}" if query else ""),
            "suggested": suggested,
            "groups": category_groups(categories),
            "chosen_category": str(forms["accept"]["category"].value() or ""),
            "chosen_municipality": str(forms["accept"]["municipality"].value() or ""),
            "chosen_executor": str(forms["accept"]["executor"].value() or ""),
            "municipalities": forms["accept"].fields["municipality"].queryset.order_by("name"),
            "organizations": forms["accept"].fields["executor"].queryset.order_by("name"),
            "reasons": reasons,
            "chosen_reason": chosen_reason,
            "reason_text": next((r.public_text for r in reasons if str(r.pk) == chosen_reason), ""),
            "not_competent": NOT_COMPETENT,
            "candidates": merge_candidates(appeal, request.user) if moderatable else [],
            "photos": appeal.attachments.filter(answer__isnull=True),
            "events": events,
            "now": timezone.now(),
            "due_class": deadline_class(appeal.registration_due_at, timezone.now()),
            "ai": _text_suggestions(appeal, categories) if moderatable else None,
            "public_copy": public_copy.for_moderation(appeal),
        },
    )


def _text_suggestions(appeal: Appeal, categories: list[Category]):
    """The text models' top categories and executors (only those the form offers); none, with
    the reason, when they fail: the page works without them."""
    from otklik.intelligence.suggestions import Suggestions, suggest

    try:
        found = suggest(appeal, appeal.region)
    except Exception:
        logging.getLogger(__name__).exception("suggestions for %s failed", appeal.number)
        return Suggestions(category_problem="failed", executor_problem="failed")
    offered = {c.pk for c in categories}
    found.categories = [s for s in found.categories if s.obj.pk in offered]
    return found


def _moderation_appeal(request, number: str) -> Appeal:
    appeal = access.get_appeal_for(request.user, number=number)
    if not access.can_moderate(request.user, appeal):
        raise Http404("No such appeal")
    return appeal


@role_required(OPERATORS)
@require_http_methods(["GET", "POST"])
def moderate(request, number):
    appeal = _moderation_appeal(request, number)
    filters = _filters(request)[1]
    suggested = _suggestion(appeal)
    forms = _forms(appeal, suggested)
    if request.method == "GET":
        return _render(request, appeal, filters, forms, suggested)
    action = request.POST.get("action", "")
    if action not in forms:
        messages.error(request, _("Choose an action."))
        return redirect(request.get_full_path())
    try:
        response = _act(request, appeal, action, forms, filters)
    except IllegalTransition:
        appeal.refresh_from_db()
        messages.error(
            request,
            _("This action is no longer available: the appeal is now «%(status)s».")
            % {"status": appeal.get_status_display()},
        )
        return redirect(request.get_full_path())
    if response is not None:
        return response
    if action == "accept":
        # Re-shown after an error: suggest by what the operator chose.
        form = forms["accept"]
        if "category" in form.cleaned_data:
            municipality = form.cleaned_data.get("municipality")
            suggested = _suggestion(
                appeal, form.cleaned_data["category"], getattr(municipality, "pk", None)
            )
    return _render(request, appeal, filters, forms, suggested, active=action)


def _act(request, appeal: Appeal, action: str, forms: dict, filters: dict):
    """Run the chosen action: a redirect on success, None to show the page with the errors."""
    user = request.user
    if action == "accept":
        form = forms["accept"] = AcceptForm(request.POST, region=appeal.region)
    elif action == "reject":
        form = forms["reject"] = RejectForm(request.POST)
    elif action == "clarify":
        form = forms["clarify"] = ClarifyForm(request.POST)
    else:
        form = forms["merge"] = MergeForm(request.POST)
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        if action == "accept":
            executor: Organization | None = data["executor"]
            services.register_appeal(
                appeal=appeal,
                actor=user,
                category=data["category"],
                municipality=data["municipality"],
                executor=executor,
                comment=data["comment"],
            )
            if executor is None:
                message = _("Appeal %(number)s is registered; the executor is not chosen yet.")
            else:
                message = _("Appeal %(number)s is accepted and sent to %(executor)s.")
            message %= {"number": appeal.number, "executor": executor}
        elif action == "reject":
            services.reject_appeal(
                appeal=appeal, actor=user, reason=data["reason"], comment=data["comment"]
            )
            message = _("Appeal %(number)s is rejected.") % {"number": appeal.number}
        elif action == "clarify":
            services.request_clarification(appeal=appeal, actor=user, question=data["question"])
            message = _("The applicant of %(number)s is asked to clarify.") % {
                "number": appeal.number
            }
        else:
            into = _merge_target(user, data["target"])
            if into is None:
                form.add_error("into", _("No appeal with this number was found."))
                return None
            try:
                services.merge_appeal(appeal=appeal, actor=user, into=into)
            except PermissionDenied:
                # The original is outside the operator's scope: do not tell it exists.
                form.add_error("into", _("No appeal with this number was found."))
                return None
            message = _("Appeal %(number)s is merged into %(into)s.") % {
                "number": appeal.number,
                "into": into.number,
            }
    except ValidationError as exc:
        form.add_error(None, exc)
        return None
    return _after_success(request, appeal, filters, message)


def _merge_target(user, number: str) -> Appeal | None:
    try:
        return access.get_appeal_for(user, number=number)
    except Http404:
        return None


# ---------------------------------------------------------------------------- bulk


@role_required(OPERATORS)
@require_POST
def bulk(request):
    form, filters = QueueFilterForm(request.POST), {}
    filters = form.values()
    query = _query(filters)
    back = reverse("office:moderation") + (f"?{query}" if query else "")
    numbers = list(dict.fromkeys(n.strip() for n in request.POST.getlist("numbers") if n.strip()))
    if not numbers:
        messages.error(request, _("Select appeals in the queue first."))
        return redirect(back)
    if len(numbers) > BULK_LIMIT:
        messages.error(
            request,
            _("At most %(limit)s appeals can be handled at once.") % {"limit": BULK_LIMIT},
        )
        return redirect(back)
    action_form = BulkForm(request.POST)
    if not action_form.is_valid():
        for errors in action_form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    action = action_form.cleaned_data["action"]
    reason = action_form.cleaned_data["reason"]
    found = {
        a.number: a
        for a in _scope(request.user)
        .filter(number__in=[n for n in numbers if access.is_possible_number(n)])
        .select_related("region", "category", "category__parent", "municipality")
    }
    router = Router([a.category for a in found.values() if a.category_id])
    done, skipped = 0, []
    for number in numbers:
        appeal = found.get(number)
        if appeal is None:
            skipped.append((number, _("not found")))
            continue
        problem = _bulk_one(request.user, appeal, action, reason, router)
        if problem:
            skipped.append((number, problem))
        else:
            done += 1
    if action == "accept":
        summary = _("Accepted %(done)s, skipped %(skipped)s") % {
            "done": done,
            "skipped": len(skipped),
        }
    else:
        summary = _("Rejected %(done)s, skipped %(skipped)s") % {
            "done": done,
            "skipped": len(skipped),
        }
    if skipped:
        summary += ": " + "; ".join(f"{number} — {why}" for number, why in skipped)
    (messages.success if done else messages.warning)(request, summary)
    return redirect(back)


def _bulk_one(user, appeal: Appeal, action: str, reason, router: Router) -> str:
    """Handle one appeal of a bulk action in its own transaction; why it was skipped, or ""."""
    try:
        if action == "accept":
            if appeal.category is None:
                return _("no category chosen")
            executor = router.suggest(appeal.category, appeal.municipality_id)
            if executor is None:
                return _("no routing rule")
            services.register_appeal(
                appeal=appeal, actor=user, category=appeal.category, executor=executor
            )
        else:
            services.reject_appeal(appeal=appeal, actor=user, reason=reason)
    except IllegalTransition:
        return _("no longer awaiting moderation")
    except ValidationError as exc:
        return " ".join(exc.messages)
    except PermissionDenied:
        return _("not found")
    return ""
