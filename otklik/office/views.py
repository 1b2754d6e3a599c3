from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from otklik.appeals.access import get_appeal_for
from otklik.appeals.models import Appeal
from otklik.appeals.workflow import Status


def staff_required(view):
    """Office pages are for members of staff (any role); citizens get 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_superuser or request.user.roles()):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@staff_required
@require_GET
def appeal_list(request):
    appeals = Appeal.objects.visible_to(request.user).select_related(
        "category", "category__parent", "municipality", "executor"
    )
    status = request.GET.get("status", "")
    if status in Status.values:
        appeals = appeals.filter(status=status)
    page = Paginator(appeals.order_by("-created_at", "-pk"), 50).get_page(request.GET.get("page"))
    # The paginator's COUNT over a large scope is the slow part; it is bounded by the index.
    return render(
        request,
        "office/appeal_list.html",
        {"page": page, "status": status, "statuses": Status.choices, "now": timezone.now()},
    )


@staff_required
@require_GET
def appeal_detail(request, number):
    appeal = get_appeal_for(request.user, number=number)
    events = appeal.events.select_related("actor").order_by("created_at", "pk")
    return render(
        request,
        "office/appeal.html",
        {
            "appeal": appeal,
            "events": events,
            "answers": appeal.answers.select_related("author").prefetch_related("attachments"),
            "postponements": appeal.postponements.all(),
            "attachments": appeal.attachments.filter(answer__isnull=True),
            "now": timezone.now(),
        },
    )
