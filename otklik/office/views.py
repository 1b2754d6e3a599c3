from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from otklik.accounts.models import Role
from otklik.appeals.models import Appeal
from otklik.appeals.workflow import Status

from .permissions import staff_required

# Where each role starts its day, in order of precedence for people with several roles.
HOME_BY_ROLE = (
    (Role.OPERATOR, "office:moderation"),
    (Role.ADMIN, "office:moderation"),
    (Role.EXECUTOR, "office:inbox"),
    (Role.LEADERSHIP, "office:dashboard"),
    (Role.SUPERVISOR, "office:dashboard"),
    (Role.CALLER, "office:calls"),
    (Role.FIELD, "office:field_report"),
)


@staff_required
@require_GET
def home(request):
    roles = request.user.roles()
    for role, name in HOME_BY_ROLE:
        if role in roles:
            return redirect(name)
    return redirect("office:appeals")


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
        {
            "page": page,
            "status": status,
            "statuses": Status.choices,
            "now": timezone.now(),
            "office_section": "appeals",
        },
    )
