"""Appeals entered by staff: what a caller says on the phone, and a field team's report made on
the spot. Both go through `submit_appeal`, keep photos across errors and submit once."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from otklik.accounts.services import applicant_for_caller
from otklik.appeals import access, services
from otklik.appeals.drafts import kept_drafts
from otklik.appeals.forms import category_groups, form_key, reportable_categories
from otklik.appeals.models import Appeal, Channel, DraftPhoto
from otklik.directory.models import Region
from otklik.directory.services import map_center

from .intake_forms import FieldReportForm, PhoneEntryForm
from .permissions import FIELD, INTAKE, role_required

MY_REPORTS = 20


def _staff_region(user) -> Region:
    """The region of the user's first scope; the deployment's default region otherwise."""
    membership = (
        user.memberships.select_related("region", "municipality__region", "organization__region")
        .order_by("pk")
        .first()
    )
    if membership is not None:
        scope = membership.organization or membership.municipality
        return membership.region or scope.region
    return get_object_or_404(Region, code=settings.OTKLIK_DEFAULT_REGION_CODE)


def _photos(request, key: str) -> tuple[list[DraftPhoto], list[str]]:
    """The form's photos: those kept from earlier attempts plus the new uploads that pass."""
    drafts = kept_drafts(
        owner=request.user,
        form_key=key,
        carried=request.POST.getlist("draft_photo"),
        removed=request.POST.getlist("remove_photo"),
    )
    uploads = [upload for upload in request.FILES.getlist("photos") if upload.name]
    kept, errors = services.keep_draft_photos(
        owner=request.user, form_key=key, uploads=uploads, already=len(drafts)
    )
    return drafts + kept, errors


def _map_context(region: Region) -> dict:
    lat, lon = map_center(region)
    return {"map_lat": lat, "map_lon": lon, "tile_url": settings.MAP_TILE_URL}


def _created(request) -> Appeal | None:
    """The appeal just entered, named by `?created=`, if the user may see it."""
    number = request.GET.get("created", "")
    if not number:
        return None
    try:
        return access.get_appeal_for(request.user, number=number)
    except Http404:
        return None


@role_required(INTAKE)
@require_http_methods(["GET", "POST"])
def phone_entry(request):
    region = _staff_region(request.user)
    categories = reportable_categories()
    drafts: list[DraftPhoto] = []
    photo_errors: list[str] = []
    if request.method == "GET" and (created := _created(request)):
        return render(
            request,
            "office/intake/phone_done.html",
            {"office_section": "phone_entry", "appeal": created},
        )
    if request.method == "POST":
        key = form_key(request.POST.get("form_key"))
        form = PhoneEntryForm(request.POST, region=region, categories=categories)
        drafts, photo_errors = _photos(request, key)
        if form.is_valid() and not photo_errors:
            data = form.cleaned_data
            try:
                # The caller's account and the appeal are made together, or neither is.
                with transaction.atomic():
                    applicant = None
                    if data["email"]:
                        applicant = applicant_for_caller(
                            email=data["email"], full_name=data["full_name"], phone=data["phone"]
                        )
                    appeal = services.submit_appeal(
                        region=region,
                        text=data["text"],
                        applicant=applicant,
                        channel=Channel.PHONE,
                        category=data["category"],
                        municipality=data["municipality"],
                        latitude=data["latitude"],
                        longitude=data["longitude"],
                        address=data["address"],
                        draft_photos=drafts,
                        created_by=request.user,
                        idempotency_key=key,
                        is_public=data["is_public"],
                        contact_name=data["full_name"],
                        contact_phone=data["phone"],
                    )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                services.discard_draft_photos(owner=request.user, form_key=key)
                messages.success(
                    request, _("Appeal %(number)s is entered.") % {"number": appeal.number}
                )
                return redirect(f"{reverse('office:phone_entry')}?created={appeal.number}")
    else:
        key = str(uuid.uuid4())
        form = PhoneEntryForm(region=region, categories=categories, initial={"is_public": True})
    return render(
        request,
        "office/intake/phone_entry.html",
        {
            "office_section": "phone_entry",
            **_form_context(form, key, categories, drafts, photo_errors, region),
            "municipalities": form.fields["municipality"].queryset.order_by("name"),
            "chosen_municipality": str(form["municipality"].value() or ""),
        },
    )


def _form_context(form, key, categories, drafts, photo_errors, region) -> dict:
    return {
        "form": form,
        "form_key": key,
        "groups": category_groups(list(categories)),
        "chosen": str(form["category"].value() or ""),
        "drafts": drafts,
        "photo_errors": photo_errors,
        "max_files": settings.UPLOAD_MAX_FILES,
        "photos_left": max(settings.UPLOAD_MAX_FILES - len(drafts), 0),
        **_map_context(region),
    }


@role_required(FIELD)
@require_http_methods(["GET", "POST"])
def field_report(request):
    region = _staff_region(request.user)
    categories = reportable_categories()
    drafts: list[DraftPhoto] = []
    photo_errors: list[str] = []
    if request.method == "POST":
        key = form_key(request.POST.get("form_key"))
        form = FieldReportForm(request.POST, region=region, categories=categories)
        drafts, photo_errors = _photos(request, key)
        if form.is_valid() and not photo_errors:
            data = form.cleaned_data
            try:
                appeal = services.submit_appeal(
                    region=region,
                    text=data["text"],
                    applicant=None,
                    channel=Channel.FIELD,
                    category=data["category"],
                    municipality=data["municipality"],
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                    address=data["address"],
                    draft_photos=drafts,
                    created_by=request.user,
                    idempotency_key=key,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                services.discard_draft_photos(owner=request.user, form_key=key)
                messages.success(
                    request,
                    _("Report %(number)s is sent to moderation.") % {"number": appeal.number},
                )
                return redirect("office:field_report")
    else:
        key = str(uuid.uuid4())
        form = FieldReportForm(region=region, categories=categories)
    reports = (
        Appeal.objects.visible_to(request.user)
        .filter(created_by=request.user, channel=Channel.FIELD)
        .select_related("category", "category__parent", "municipality")
        .order_by("-created_at", "-pk")[:MY_REPORTS]
    )
    return render(
        request,
        "office/intake/field_report.html",
        {
            "office_section": "field",
            **_form_context(form, key, categories, drafts, photo_errors, region),
            "reports": reports,
        },
    )
