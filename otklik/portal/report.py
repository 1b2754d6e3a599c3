"""Reporting a problem: the guided form, similar appeals nearby, «у меня та же проблема»."""

from __future__ import annotations

import math
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from otklik.accounts import services as account_services
from otklik.appeals import filing_rate, public_copy, services
from otklik.appeals.access import get_public_appeal
from otklik.appeals.drafts import kept_drafts
from otklik.appeals.forms import ReportForm, category_groups, form_key, reportable_categories
from otklik.appeals.models import Appeal, DraftPhoto, Support
from otklik.appeals.workflow import IllegalTransition
from otklik.directory.models import Category, Region
from otklik.directory.services import map_center
from otklik.lib.client import client_ip
from otklik.lib.resilience import is_disk_full

from .addresses import address_search

SIMILAR_RADIUS_M = 300
SIMILAR_LIMIT = 5
# Ranked candidates of the duplicate search (a latitude/longitude box first) looked at.
SIMILAR_CANDIDATES = 200
# A citizen may join any open appeal of the last year: long-open ones are worth joining most.
SIMILAR_WINDOW_DAYS = 365


def _region() -> Region:
    return get_object_or_404(Region, code=settings.OTKLIK_DEFAULT_REGION_CODE)


def similar_appeals(
    *, category: Category, lat: float, lon: float, user, text: str = "", region=None
) -> list[Appeal]:
    """Open public appeals of the category within SIMILAR_RADIUS_M of the point that the
    duplicate search finds likely the same problem, best first (nearer, fresher, similar text);
    each carries `distance` (metres), `reasons` (text), `supporters`, `is_own` and
    `is_supported`. Nothing of the applicants is read or shown."""
    from otklik.intelligence.duplicates import find_candidates

    public = (
        Appeal.objects.public()
        .open()
        .filter(category=category)
        .annotate(
            supporters=Count("supports"),
            is_supported=Exists(Support.objects.filter(appeal=OuterRef("pk"), user=user.pk)),
        )
    )
    found = []
    for candidate in find_candidates(
        region if region is not None else _region(),
        category,
        lat,
        lon,
        text,
        queryset=public,
        radius_m=SIMILAR_RADIUS_M,
        window_days=SIMILAR_WINDOW_DAYS,
        limit=SIMILAR_CANDIDATES,
    ):
        if not candidate.is_likely:
            continue
        appeal = candidate.appeal
        appeal.distance = candidate.distance
        appeal.reasons = candidate.reason_text
        appeal.is_own = appeal.applicant_id == user.pk
        public_copy.dress_for_page(appeal, [], own=appeal.is_own)
        found.append(appeal)
        if len(found) == SIMILAR_LIMIT:
            break
    return found


@login_required
@require_http_methods(["GET", "POST"])
def report(request):
    region = _region()
    categories = reportable_categories()
    drafts: list[DraftPhoto] = []
    photo_errors: list[str] = []
    similar: list[Appeal] = []
    status, refusal = 200, None
    if request.method == "POST":
        key = form_key(request.POST.get("form_key"))
        form = ReportForm(request.POST, region=region, categories=categories)
        drafts = kept_drafts(
            owner=request.user,
            form_key=key,
            carried=request.POST.getlist("draft_photo"),
            removed=request.POST.getlist("remove_photo"),
        )
        uploads = [upload for upload in request.FILES.getlist("photos") if upload.name]
        try:
            kept, photo_errors = services.keep_draft_photos(
                owner=request.user, form_key=key, uploads=uploads, already=len(drafts)
            )
        except OSError as exc:
            if not is_disk_full(exc):
                raise
            kept, drafts, photo_errors, status = [], [], [_no_room(request, key)], 507
        drafts += kept
        if form.is_valid() and not photo_errors:
            data = form.cleaned_data
            if request.POST.get("confirm_new") != "1":
                similar = similar_appeals(
                    category=data["category"],
                    lat=data["latitude"],
                    lon=data["longitude"],
                    user=request.user,
                    text=data["text"],
                    region=region,
                )
            if not similar and (refusal := _refused(request, key)):
                form.add_error(None, _too_many_message(refusal))
                status = 429
            elif not similar:
                try:
                    appeal = services.submit_appeal(
                        region=region,
                        text=data["text"],
                        applicant=request.user,
                        category=data["category"],
                        municipality=data["municipality"],
                        latitude=data["latitude"],
                        longitude=data["longitude"],
                        address=data["address"],
                        draft_photos=drafts,
                        idempotency_key=key,
                        contact_phone=data["phone"],
                    )
                except ValidationError as exc:
                    form.add_error(None, exc)
                except OSError as exc:
                    if not is_disk_full(exc):
                        raise
                    drafts, photo_errors, status = [], [_no_room(request, key)], 507
                else:
                    if data["save_phone"] and data["phone"] != request.user.phone:
                        account_services.save_phone(user=request.user, phone=data["phone"])
                    # A retried request made new drafts of the same photos: not needed any more.
                    services.discard_draft_photos(owner=request.user, form_key=key)
                    messages.success(
                        request,
                        _(
                            "Your appeal %(number)s has been sent. We will write to you at "
                            "every step of its consideration."
                        )
                        % {"number": appeal.number},
                    )
                    return redirect("portal:appeal", number=appeal.number)
    else:
        key = str(uuid.uuid4())
        form = ReportForm(
            region=region, categories=categories, initial={"phone": request.user.phone}
        )
    chosen = form["category"].value()
    categories = list(categories)
    hint = next((c.hint for c in categories if str(c.pk) == str(chosen)), "")
    center_lat, center_lon = map_center(region)
    response = render(
        request,
        "portal/report.html",
        {
            "form": form,
            "form_key": key,
            "groups": category_groups(categories),
            "chosen": str(chosen or ""),
            "hint": hint,
            "drafts": drafts,
            "photo_errors": photo_errors,
            "similar": similar,
            "similar_step": bool(similar),
            "max_files": settings.UPLOAD_MAX_FILES,
            "photos_left": max(settings.UPLOAD_MAX_FILES - len(drafts), 0),
            "map_lat": center_lat,
            "map_lon": center_lon,
            "tile_url": settings.MAP_TILE_URL,
            "region": region,
        },
        status=status,
    )
    if refusal is not None:
        response["Retry-After"] = str(refusal.retry_after())
    return response


def _no_room(request, key: str) -> str:
    """The disk is full: nothing was filed, the form's photos are dropped (that frees their
    space) and the citizen attaches them again; the text stays in the form."""
    services.discard_draft_photos(owner=request.user, form_key=key)
    return _(
        "The server has no room to store photos just now, so nothing was sent. Your text is "
        "kept: attach the photos again and send the form a little later."
    )


def _refused(request, key: str) -> filing_rate.Refusal | None:
    """A refusal when the citizen or their address has filed too much this hour; a retry of a
    filing already made (the same form key) is no new filing and passes uncounted."""
    if services.filed_with_key(key, applicant=request.user) is not None:
        return None
    return filing_rate.take_filing(user=request.user, address=client_ip(request))


def _too_many_message(refusal: filing_rate.Refusal) -> str:
    return _(
        "You have filed too many appeals in a short time. You can send this one after "
        "%(time)s; everything you entered is kept."
    ) % {"time": formats.time_format(timezone.localtime(refusal.until), "H:i")}


def _point(request) -> tuple[float, float] | None:
    try:
        lat, lon = float(request.GET.get("lat", "")), float(request.GET.get("lon", ""))
    except ValueError:
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


@login_required
@require_GET
def similar(request):
    """The htmx fragment of similar appeals near a point (empty on any bad input)."""
    point = _point(request)
    category_id = request.GET.get("category", "")
    found: list[Appeal] = []
    if point and category_id.isdigit() and len(category_id) < 19:
        category = Category.objects.filter(pk=int(category_id), is_active=True).first()
        if category is not None:
            found = similar_appeals(
                category=category, lat=point[0], lon=point[1], user=request.user
            )
    return render(request, "portal/report_similar.html", {"similar": found})


@login_required
@require_POST
def support(request, number):
    """«У меня та же проблема»: join a public open appeal, then go to its page."""
    appeal = get_public_appeal(number=number)
    try:
        services.support_appeal(appeal=appeal, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except IllegalTransition:
        messages.error(request, _("This appeal is no longer open; it cannot be supported."))
    else:
        messages.success(
            request,
            _(
                "You have joined appeal %(number)s. We will write to you about its progress "
                "as we do to its author."
            )
            % {"number": appeal.number},
        )
    return redirect("portal:appeal", number=appeal.number)


@login_required
@require_GET
def draft_photo(request, pk):
    """A thumbnail of the citizen's own unsent photo."""
    draft = DraftPhoto.objects.filter(pk=pk, owner=request.user).first()
    if draft is None:
        raise Http404("No such photo")
    try:
        handle = draft.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("No such photo") from exc
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


urlpatterns = [
    path("report/", report, name="report"),
    path("report/similar/", similar, name="similar"),
    path("report/addresses/", address_search, name="address_search"),
    path("report/photos/<int:pk>/", draft_photo, name="draft_photo"),
    path("report/support/<str:number>/", support, name="support"),
]
