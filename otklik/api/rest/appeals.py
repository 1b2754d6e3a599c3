"""REST API: citizens' appeals — file, list, follow, rate, clarify, support; the public list.

A token acts as its user: `Appeal.objects.visible_to(user)` decides what it sees and the
services decide what it may do; the token's scopes only narrow that further.
"""

from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as Reply
from pydantic import field_validator

from otklik.accounts.models import ApiScope, phone_validator
from otklik.api.errors import error
from otklik.appeals import access, filing_rate, services
from otklik.appeals.answer_signature import SIGNATURE_FIELDS
from otklik.appeals.models import Appeal, Channel
from otklik.appeals.workflow import Action, IllegalTransition, Status, is_allowed
from otklik.directory import reference
from otklik.directory.models import Category, Region
from otklik.lib.client import client_ip

from .base import Page, require_scope
from .schemas import APPEAL_RELATED, AppealDetail, AppealOut, Ref, appeal_detail, appeal_out

router = Router(tags=["Citizens: appeals"])

# Dates outside this range cannot be compared in every database and time zone.
EARLIEST, LATEST = 1970, 2200
MAX_ID = 2**31 - 1
# Events whose comment the applicant reads (the rest are the staff's business).
COMMENTS_FOR_APPLICANT = frozenset(
    {
        Action.REQUEST_CLARIFICATION,
        Action.PROVIDE_CLARIFICATION,
        Action.COMMENT,
        Action.RATE,
        Action.APPROVE_POSTPONEMENT,
        Action.REJECT,
    }
)


FILING_MESSAGE = gettext_noop(
    "Too many appeals filed from this account or address in an hour; file again later "
    "(Retry-After says when)."
)


def _no_nul(value):
    """PostgreSQL refuses a NUL byte in text: refuse it at the schema, as a 422."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    if isinstance(value, list):
        for item in value:
            _no_nul(item)
    return value


def _sane_moment(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if not EARLIEST <= value.year <= LATEST:
        raise ValueError(f"Dates from {EARLIEST} to {LATEST} only")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


class CleanSchema(Schema):
    @field_validator("*", mode="after")
    @classmethod
    def _strings_without_nul(cls, value):
        return _no_nul(value)


# ---------------------------------------------------------------------------- shapes


class AppealIn(CleanSchema):
    region: str | None = Field(
        None, max_length=2, description="Region code; default the token's region or the only one."
    )
    category: str | None = Field(None, max_length=64, description="Category code (directory).")
    text: str = Field(..., min_length=1, max_length=services.MAX_TEXT)
    latitude: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False)
    longitude: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False)
    address: str = Field("", max_length=500)
    is_public: bool = Field(True, description="May be shown on the public map and list.")
    contact_name: str = Field("", max_length=200, description="Staff and services only.")
    contact_phone: str = Field("", max_length=32, description="Staff and services only.")
    contact_email: str = Field("", max_length=254, description="Staff and services only.")
    external_id: str = Field("", max_length=120, description="The appeal's id in your system.")
    external_source: str = Field(
        "", max_length=64, description="Your system's name; with external_id, files once."
    )


class EventOut(Schema):
    action: str
    action_name: str
    created_at: datetime
    from_status: str
    to_status: str
    comment: str
    actor: str | None = Field(None, description="Staff only.")


class AnswerOut(Schema):
    text: str
    organization: Ref | None
    resolution: str
    published_at: datetime | None
    organization_name: str = Field("", description="The organization's full official name.")
    organization_phone: str = ""
    responsible_name: str = Field(
        "", description="Who answers for the answer (an official's work contact)."
    )
    responsible_position: str = ""
    responsible_phone: str = Field("", description="The phone to call back about the answer.")


class AppealFull(AppealDetail):
    supporters: int
    history: list[EventOut]
    answer: AnswerOut | None


class AppealPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[AppealOut]


class RatingIn(CleanSchema):
    score: int = Field(..., ge=1, le=5)
    is_solved: bool
    comment: str = Field("", max_length=services.MAX_TEXT)


class RatingOut(Schema):
    number: str
    score: int
    is_solved: bool
    repeat_appeal: str | None = Field(None, description="Opened when the problem is not solved.")


class ClarificationIn(CleanSchema):
    text: str = Field(..., min_length=1, max_length=services.MAX_TEXT)


class SupportOut(Schema):
    number: str
    supporters: int


class PublicFilters(CleanSchema):
    status: list[Status] | None = Field(None, description="Any of these statuses.")
    category: str | None = Field(None, max_length=64, description="A category code (or parent).")
    municipality: int | None = Field(None, ge=1, le=MAX_ID)
    created_after: datetime | None = None
    created_before: datetime | None = None
    number: str | None = Field(None, max_length=20)
    ordering: Literal["-created_at", "created_at", "due_at", "-due_at"] = "-created_at"

    @field_validator("created_after", "created_before")
    @classmethod
    def _moments(cls, value):
        return _sane_moment(value)

    def apply(self, queryset, *, now: datetime):
        if self.status:
            queryset = queryset.filter(status__in=self.status)
        if self.category:
            queryset = queryset.filter(
                Q(category__code=self.category) | Q(category__parent__code=self.category)
            )
        if self.municipality:
            queryset = queryset.filter(municipality_id=self.municipality)
        if self.created_after:
            queryset = queryset.filter(created_at__gte=self.created_after)
        if self.created_before:
            queryset = queryset.filter(created_at__lt=self.created_before)
        if self.number:
            queryset = queryset.filter(number=self.number)
        return queryset.order_by(self.ordering, "-pk")


class AppealFilters(PublicFilters):
    overdue: bool | None = Field(None, description="Only overdue (true) or only not (false).")

    def apply(self, queryset, *, now: datetime):
        queryset = super().apply(queryset, now=now)
        if self.overdue is True:
            queryset = queryset.overdue(now)
        elif self.overdue is False:
            queryset = queryset.exclude(pk__in=Appeal.objects.overdue(now).values("pk"))
        return queryset


def _page(queryset, pagination: Page.Input, *, now: datetime, public: bool = False) -> dict:
    result = Page().paginate_queryset(queryset, pagination)
    result["items"] = [appeal_out(appeal, now=now, public=public) for appeal in result["items"]]
    return result


# ---------------------------------------------------------------------------- helpers


def _refuse(field: str, message: str):
    raise ValidationError({field: [message]}, code="invalid")


def _region_for(token, code: str | None) -> Region:
    if code:
        region = Region.objects.filter(code=code).first()
        if region is None:
            _refuse("region", _("No such region."))
        return region
    if token.region_id:
        return token.region
    regions = list(Region.objects.all()[:2])
    if len(regions) != 1:
        _refuse("region", _("Name the region: this server serves several."))
    return regions[0]


def _category_for(code: str | None) -> Category | None:
    if not code:
        return None
    category = reference.snapshot().category(code)
    if category is None:
        _refuse("category", _("No such category."))
    return category


def _user_regions(user) -> set[int]:
    ids = set()
    for m in user.memberships.select_related("municipality", "organization"):
        if m.region_id:
            ids.add(m.region_id)
        elif m.municipality_id:
            ids.add(m.municipality.region_id)
        elif m.organization_id:
            ids.add(m.organization.region_id)
    return ids


def _check_on_behalf(user, payload: AppealIn, region: Region, *, token) -> None:
    """Staff, service users and client systems file for others, within their regions (a client
    system: its key's region, if it has one); citizens for themselves."""
    behalf = (
        payload.contact_name,
        payload.contact_phone,
        payload.contact_email,
        payload.external_id,
        payload.external_source,
    )
    if token.is_client:
        if token.region_id and token.region_id != region.pk:
            _refuse("region", _("Your key may not file appeals in this region."))
    elif user.is_applicant_only:
        if any(behalf):
            _refuse("contact_name", _("Only staff and other systems file on someone's behalf."))
        return
    elif not user.is_superuser and region.pk not in _user_regions(user):
        _refuse("region", _("Your key may not file appeals in this region."))
    if payload.contact_email:
        try:
            validate_email(payload.contact_email)
        except ValidationError:
            _refuse("contact_email", _("Enter a valid e-mail address."))
    if payload.contact_phone:
        try:
            phone_validator(payload.contact_phone)
        except ValidationError:
            _refuse("contact_phone", _("Enter a phone number, e.g. +7 900 123-45-67."))
    if payload.external_id and not payload.external_source:
        _refuse("external_source", _("Name the system the external id comes from."))


def _history(appeal: Appeal, *, user, staff: bool, personal: bool) -> list[dict]:
    events = appeal.events.order_by("created_at", "pk")
    events = events.select_related("actor") if staff else events.public()
    own = access.is_applicant(user, appeal)
    history = []
    for event in events:
        comment = ""
        if staff or (own and event.action in COMMENTS_FOR_APPLICANT):
            comment = event.comment
            if event.action == Action.REJECT and not staff:
                comment = (event.data or {}).get("reason_text") or event.comment
        history.append(
            {
                "action": event.action,
                "action_name": str(event.get_action_display()),
                "created_at": event.created_at,
                "from_status": event.from_status,
                "to_status": event.to_status,
                "comment": comment,
                "actor": _actor(event, appeal, personal) if staff and event.actor else None,
            }
        )
    return history


def _actor(event, appeal: Appeal, personal: bool) -> str:
    """The actor's name; the applicant's only to who may see their personal data."""
    if event.actor_id == appeal.applicant_id and not personal:
        return gettext("the applicant")
    return str(event.actor)


def _answer(appeal: Appeal) -> dict | None:
    answer = (
        appeal.answers.filter(state="published")
        .select_related("organization")
        .order_by("-reviewed_at", "-pk")
        .first()
    )
    if answer is None:
        return None
    org = answer.organization
    return {
        "text": answer.text,
        "organization": {"id": org.pk, "name": org.short_name or org.name} if org else None,
        "resolution": answer.resolution,
        "published_at": answer.reviewed_at,
        **{field: getattr(answer, field) for field in SIGNATURE_FIELDS},
    }


def _full(appeal: Appeal, *, user, request, filed: bool = False) -> dict:
    client = getattr(request.auth, "is_client", False)
    staff = not client and access.has_scope(
        user, appeal, access.DIRECTORS | access.WORKERS | access.CALLERS | access.MODERATORS
    )
    data = appeal_detail(appeal, user=user, request=request)
    data["supporters"] = appeal.supports.count()
    personal = data["personal"] is not None
    data["history"] = _history(appeal, user=user, staff=staff, personal=personal)
    # A filing: the first published answer sets answered_at, which nothing clears.
    data["answer"] = None if filed and appeal.answered_at is None else _answer(appeal)
    return data


def _fetch(user, number: str) -> Appeal:
    return access.get_appeal_for(user, number=number)


def _not_now():
    return error(409, "state", gettext_noop("The appeal is not in a state that allows this."))


# ---------------------------------------------------------------------------- public


@router.get(
    "/public/",
    response=AppealPage,
    auth=None,
    summary="List public appeals",
    operation_id="appeals_public_list",
)
def public_list(request, filters: Query[PublicFilters], pagination: Query[Page.Input]):
    """Appeals anyone may see (accepted, of public categories, not hidden by the applicant), in
    the list shape: never who filed them. No key needed."""
    now = timezone.now()
    queryset = Appeal.objects.public().select_related(*APPEAL_RELATED)
    return _page(filters.apply(queryset, now=now), pagination, now=now, public=True)


@router.get(
    "/public/{number}",
    response=AppealOut,
    auth=None,
    summary="One public appeal",
    operation_id="appeals_public_get",
)
def public_get(request, number: str):
    """A public appeal in the list shape; 404 for anything not public. No key needed."""
    return appeal_out(access.get_public_appeal(number=number), public=True)


# ---------------------------------------------------------------------------- the key's own


@router.post(
    "/",
    response={200: AppealFull, 201: AppealFull},
    summary="File an appeal",
    operation_id="appeals_file",
)
def file_appeal(request, payload: AppealIn, response: HttpResponse):
    """Scope `appeals:file`. A citizen's key files as the applicant; a staff or service key
    files on someone's behalf (contact_* fields) within its regions, and with
    `external_source` + `external_id` the same appeal is filed once (a repeat answers 200 with
    the first). Send an `Idempotency-Key` header to make retries safe. 201 with a Location."""
    token = require_scope(request, ApiScope.APPEALS_FILE)
    user = token.user
    region = _region_for(token, payload.region)
    category = _category_for(payload.category)
    _check_on_behalf(user, payload, region, token=token)
    # A client system's key files on someone's behalf, never as its own user.
    citizen = user.is_applicant_only and not token.is_client
    # A citizen's key files as the portal does, within the same hourly limit (a retry with
    # the same Idempotency-Key is replayed before it gets here and is not counted).
    if citizen and (refusal := filing_rate.take_filing(user=user, address=client_ip(request))):
        refused = error(429, "throttled", FILING_MESSAGE)
        refused["Retry-After"] = str(refusal.retry_after())
        return refused
    status = 201
    if payload.external_source:
        earlier = Appeal.objects.filter(
            region=region,
            external_source=payload.external_source,
            external_id=payload.external_id,
        )
        if earlier.exists():
            visible = access.client_appeals if token.is_client else Appeal.objects.visible_to
            if not earlier.filter(pk__in=visible(user).values("pk")).exists():
                return error(
                    409,
                    "external_id_taken",
                    gettext_noop("An appeal with this external id is already filed."),
                )
            status = 200
    appeal = services.submit_appeal(
        region=region,
        text=payload.text,
        applicant=user if citizen else None,
        created_by=None if citizen else user,
        channel=Channel.API,
        category=category,
        latitude=payload.latitude,
        longitude=payload.longitude,
        address=payload.address,
        is_public=payload.is_public,
        contact_name=payload.contact_name,
        contact_phone=payload.contact_phone,
        contact_email=payload.contact_email,
        external_id=payload.external_id,
        external_source=payload.external_source,
    )
    if not citizen or (status == 201 and appeal.applicant_id == user.pk):
        # What appeal_out reads is already on the appeal submit_appeal made (it may be outside
        # a staff key's reading scope, e.g. a service account with no role in the territory).
        appeal = _reload(appeal)
    else:
        appeal = _fetch(user, appeal.number)
    response["Location"] = f"{request.path.rstrip('/')}/{appeal.number}"
    return Reply(status, _full(appeal, user=user, request=request, filed=True))


def _has_relations(appeal: Appeal) -> bool:
    """Whether every relation appeal_out reads is loaded (or empty) on the object."""
    for name in ("region", "municipality", "category", "executor", "repeat_of", "applicant"):
        field = Appeal._meta.get_field(name)
        if getattr(appeal, field.attname) is not None and not field.is_cached(appeal):
            return False
    category = appeal.category
    parent = category._meta.get_field("parent") if category else None
    return category is None or category.parent_id is None or parent.is_cached(category)


def _reload(appeal: Appeal) -> Appeal:
    """The appeal a key just filed, with what appeal_out reads: the object submit_appeal made
    carries it all (the reference data of directory/reference.py), else it is read again."""
    if _has_relations(appeal):
        return appeal
    return (
        Appeal.objects.filter(pk=appeal.pk)
        .select_related(*APPEAL_RELATED, "applicant")
        .get(pk=appeal.pk)
    )


@router.get(
    "/",
    response=AppealPage,
    summary="List the appeals this key may see",
    operation_id="appeals_list",
)
def list_appeals(request, filters: Query[AppealFilters], pagination: Query[Page.Input]):
    """Scope `appeals:read`. A citizen's own appeals; staff: those of their organization,
    municipality or region. Newest first unless `ordering` says otherwise."""
    token = require_scope(request, ApiScope.APPEALS_READ)
    now = timezone.now()
    visible = access.client_appeals if token.is_client else Appeal.objects.visible_to
    queryset = visible(token.user).select_related(*APPEAL_RELATED)
    return _page(filters.apply(queryset, now=now), pagination, now=now)


@router.get(
    "/{number}",
    response=AppealFull,
    summary="One appeal with its history and answer",
    operation_id="appeals_get",
)
def get_appeal(request, number: str):
    """Scope `appeals:read`. The applicant reads the public history and their personal data;
    staff in scope read the whole history with actors. 404 for an appeal the key may not see."""
    token = require_scope(request, ApiScope.APPEALS_READ)
    if token.is_client:
        appeal = access.get_appeal_for_client(token.user, number=number)
        return _full(appeal, user=token.user, request=request)
    return _full(_fetch(token.user, number), user=token.user, request=request)


@router.post(
    "/{number}/rating",
    response={201: RatingOut},
    summary="Rate the published answer",
    operation_id="appeals_rate",
)
def rate(request, number: str, payload: RatingIn):
    """Scope `appeals:rate`; the applicant only, once, after the answer is published.
    `is_solved: false` opens a repeat appeal linked to this one and names it."""
    token = require_scope(request, ApiScope.APPEALS_RATE)
    appeal = _fetch(token.user, number)
    access.require(access.is_applicant(token.user, appeal))
    if not is_allowed(appeal.status, Action.RATE):
        return _not_now()
    try:
        outcome = services.rate_answer(
            appeal=appeal,
            actor=token.user,
            score=payload.score,
            is_solved=payload.is_solved,
            comment=payload.comment,
        )
    except IllegalTransition:
        return _not_now()
    return Reply(
        201,
        {
            "number": appeal.number,
            "score": outcome.rating.score,
            "is_solved": outcome.rating.is_solved,
            "repeat_appeal": outcome.repeat.number if outcome.repeat else None,
        },
    )


@router.post(
    "/{number}/clarification",
    response=AppealFull,
    summary="Answer a request for clarification",
    operation_id="appeals_clarify",
)
def clarify(request, number: str, payload: ClarificationIn):
    """Scope `appeals:file`; the applicant only, while the appeal waits for the clarification.
    The appeal returns to moderation and its deadlines move by the pause."""
    token = require_scope(request, ApiScope.APPEALS_FILE)
    appeal = _fetch(token.user, number)
    access.require(access.is_applicant(token.user, appeal))
    try:
        services.provide_clarification(appeal=appeal, actor=token.user, text=payload.text)
    except IllegalTransition:
        return _not_now()
    return _full(_fetch(token.user, number), user=token.user, request=request)


@router.post(
    "/{number}/support",
    response={200: SupportOut, 201: SupportOut},
    summary="«Me too»: support an open appeal",
    operation_id="appeals_support",
)
def support(request, number: str):
    """Scope `appeals:file`; a citizen joins a public open appeal instead of filing a duplicate
    and is told of its progress. Supporting again changes nothing (200)."""
    token = require_scope(request, ApiScope.APPEALS_FILE)
    user = token.user
    access.require(user.is_applicant_only)
    appeal = _visible_or_public(user, number)
    if not is_allowed(appeal.status, Action.SUPPORT):
        return _not_now()
    already = appeal.supports.filter(user=user).exists()
    try:
        services.support_appeal(appeal=appeal, actor=user)
    except IllegalTransition:
        return _not_now()
    return Reply(
        200 if already else 201,
        {"number": appeal.number, "supporters": appeal.supports.count()},
    )


def _visible_or_public(user, number: str) -> Appeal:
    if not access.is_possible_number(number):
        raise Http404
    public = Appeal.objects.public().filter(number=number)
    own = Appeal.objects.visible_to(user).filter(number=number)
    return get_object_or_404((public | own).select_related("region"), number=number)
