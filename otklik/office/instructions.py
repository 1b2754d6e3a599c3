"""Instructions (поручения): the list with counts, issuing one, and its page where the
organization reports and the issuing side accepts, returns or cancels."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from otklik.appeals.workflow import IllegalTransition
from otklik.control import instructions as service
from otklik.control.models import Instruction
from otklik.directory.models import Organization
from otklik.directory.services import map_center

from .instruction_forms import CommentForm, FilterForm, IssueForm, ReportForm
from .permissions import ISSUERS, role_required, staff_required

PAGE_SIZE = 50
SOON = timedelta(days=3)
State = Instruction.State


def deadline_class(instruction: Instruction, now, tz: ZoneInfo) -> str:
    """The colour of a deadline in a list: overdue, due today, due within three days, fine."""
    if not instruction.is_open and not instruction.is_overdue(now):
        return "deadline-ok"
    if instruction.is_overdue(now):
        return "deadline-overdue"
    if instruction.due_at.astimezone(tz).date() == now.astimezone(tz).date():
        return "deadline-today"
    if instruction.due_at - now <= SOON:
        return "deadline-soon"
    return "deadline-ok"


def say_issued(request, instruction: Instruction) -> None:
    messages.success(
        request,
        _("Instruction No. %(number)s has been issued to %(organization)s.")
        % {"number": instruction.pk, "organization": instruction.organization},
    )


@staff_required
@require_GET
def instruction_list(request):
    now = timezone.now()
    visible = service.instructions_visible_to(request.user)
    counts = visible.aggregate(
        issued=Count("pk", filter=Q(state=State.ISSUED)),
        reported=Count("pk", filter=Q(state=State.REPORTED)),
        done=Count("pk", filter=Q(state=State.DONE)),
        overdue=Count("pk", filter=service.overdue_q(now)),
    )
    organizations = Organization.objects.filter(pk__in=visible.values("organization_id")).order_by(
        "name"
    )
    filters = FilterForm(request.GET or None, organizations=organizations)
    shown = visible
    if filters.is_valid():
        data = filters.cleaned_data
        if data["state"]:
            shown = shown.filter(state=data["state"])
        if data["overdue"]:
            shown = shown.filter(service.overdue_q(now))
        if data["organization"]:
            shown = shown.filter(organization=data["organization"])
    shown = (
        shown.select_related("organization")
        .annotate(appeal_count=Count("appeals"))
        .order_by("due_at", "pk")
    )
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    tz = ZoneInfo(settings.TIME_ZONE)
    for instruction in page.object_list:
        instruction.deadline_class = deadline_class(instruction, now, tz)
        instruction.overdue = instruction.is_overdue(now)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "office/instructions/list.html",
        {
            "page": page,
            "counts": counts,
            "filters": filters,
            "query": query.urlencode(),
            "can_issue": request.user.has_role(*ISSUERS),
            "office_section": "instructions",
        },
    )


@role_required(ISSUERS)
@require_http_methods(["GET", "POST"])
def issue(request):
    organizations = service.instructable_organizations(request.user).order_by("name")
    if request.method == "POST":
        form = IssueForm(request.POST, organizations=organizations)
        if form.is_valid():
            data = form.cleaned_data
            try:
                instruction = service.issue_instruction(
                    actor=request.user,
                    organization=data["organization"],
                    text=data["text"],
                    due_date=data["due_date"],
                    appeals=data["appeals"],
                    address=data["address"],
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                say_issued(request, instruction)
                return redirect("office:instruction", pk=instruction.pk)
    else:
        form = IssueForm(
            organizations=organizations,
            initial={"appeals": request.GET.get("appeal", "")[:100]},
        )
    region = getattr(organizations.first(), "region", None)
    lat, lon = map_center(region)
    return render(
        request,
        "office/instructions/issue.html",
        {
            "form": form,
            "map_lat": lat,
            "map_lon": lon,
            "tile_url": settings.MAP_TILE_URL,
            "office_section": "instructions",
        },
    )


def _instruction_for(user, pk: int) -> Instruction:
    instruction = (
        service.instructions_visible_to(user)
        .select_related("organization__region", "issued_by", "reported_by", "accepted_by")
        .filter(pk=pk)
        .first()
    )
    if instruction is None:
        raise Http404("No such instruction")
    return instruction


@staff_required
@require_http_methods(["GET", "POST"])
def detail(request, pk):
    instruction = _instruction_for(request.user, pk)
    is_member = service.is_member(request.user, instruction.organization) or (
        request.user.is_superuser
    )
    is_issuer = service.can_issue(request.user, instruction.organization)
    report_form = ReportForm(prefix="report")
    decision_form = CommentForm(prefix="decision")
    cancel_form = CommentForm(prefix="cancel", required=True)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "report":
                report_form = ReportForm(request.POST, prefix="report")
                if report_form.is_valid():
                    try:
                        service.report_instruction(
                            actor=request.user,
                            instruction=instruction,
                            text=report_form.cleaned_data["text"],
                            files=[f for f in request.FILES.getlist("report-files") if f.name],
                        )
                    except ValidationError as exc:
                        report_form.add_error(None, exc)
                    else:
                        messages.success(request, _("The report has been sent to the issuer."))
                        return redirect("office:instruction", pk=instruction.pk)
            elif action in ("accept", "return"):
                decision_form = CommentForm(
                    request.POST, prefix="decision", required=action == "return"
                )
                if decision_form.is_valid():
                    comment = decision_form.cleaned_data["comment"]
                    try:
                        if action == "accept":
                            service.accept_instruction(
                                actor=request.user, instruction=instruction, comment=comment
                            )
                            text = _("The report has been accepted: the instruction is done.")
                        else:
                            service.return_instruction(
                                actor=request.user, instruction=instruction, comment=comment
                            )
                            text = _("The report has been returned to the organization.")
                    except ValidationError as exc:
                        decision_form.add_error("comment", exc)
                    else:
                        messages.success(request, text)
                        return redirect("office:instruction", pk=instruction.pk)
            elif action == "cancel":
                cancel_form = CommentForm(request.POST, prefix="cancel", required=True)
                if cancel_form.is_valid():
                    try:
                        service.cancel_instruction(
                            actor=request.user,
                            instruction=instruction,
                            comment=cancel_form.cleaned_data["comment"],
                        )
                    except ValidationError as exc:
                        cancel_form.add_error("comment", exc)
                    else:
                        messages.success(request, _("The instruction has been cancelled."))
                        return redirect("office:instruction", pk=instruction.pk)
            else:
                messages.error(request, _("Choose what to do with the instruction."))
                return redirect("office:instruction", pk=instruction.pk)
        except IllegalTransition:
            messages.error(request, _("This action is no longer available: the page has changed."))
            return redirect("office:instruction", pk=instruction.pk)
    now = timezone.now()
    return render(
        request,
        "office/instructions/detail.html",
        {
            "instruction": instruction,
            "appeals": instruction.appeals.select_related("category").order_by("pk"),
            "events": instruction.events.select_related("actor"),
            "attachments": instruction.attachments.all(),
            "overdue": instruction.is_overdue(now),
            "deadline_class": deadline_class(
                instruction, now, ZoneInfo(instruction.organization.region.time_zone)
            ),
            "can_report": is_member and instruction.state == State.ISSUED,
            "can_decide": is_issuer and instruction.state == State.REPORTED,
            "can_cancel": is_issuer and instruction.is_open,
            "report_form": report_form,
            "decision_form": decision_form,
            "cancel_form": cancel_form,
            "office_section": "instructions",
        },
    )
