from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from otklik.appeals.access import get_appeal_for, get_public_appeal
from otklik.appeals.models import Appeal

LIST_FIELDS = ("category", "category__parent", "municipality", "executor")


@require_GET
def home(request):
    recent = Appeal.objects.public().select_related(*LIST_FIELDS).order_by("-created_at")[:10]
    return render(request, "portal/home.html", {"recent": recent})


@login_required
@require_GET
def my_appeals(request):
    appeals = (
        Appeal.objects.filter(applicant=request.user)
        .select_related(*LIST_FIELDS)
        .order_by("-created_at")
    )
    page = Paginator(appeals, 20).get_page(request.GET.get("page"))
    return render(request, "portal/my_appeals.html", {"page": page})


@require_GET
def appeal_detail(request, number):
    """The applicant (or staff in scope) see their appeal; everyone else the public view."""
    try:
        appeal = get_appeal_for(request.user, number=number)
        own = appeal.applicant_id == request.user.pk
    except Http404:
        appeal = get_public_appeal(number=number)
        own = False
    events = appeal.events.public().order_by("created_at", "pk")
    answers = appeal.answers.filter(state="published").prefetch_related("attachments")
    shown = own or (appeal.category is not None and appeal.category.is_public)
    photos = appeal.attachments.filter(answer__isnull=True) if shown else []
    return render(
        request,
        "portal/appeal.html",
        {"appeal": appeal, "own": own, "events": events, "answers": answers, "photos": photos},
    )


@require_GET
def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
