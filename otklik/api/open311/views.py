"""Open311 GeoReport v2 (docs/open311.md): plain function views rendering the spec's XML and
JSON. Each method answers in the format named by its extension; errors come in the spec's
error list with the right HTTP status, the description in Russian and English."""

from __future__ import annotations

import functools
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.http.request import UnreadablePostError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop
from django.views.decorators.csrf import csrf_exempt

from otklik.accounts.models import ApiScope, ApiToken
from otklik.accounts.tokens import key_from_header
from otklik.api.tokens import token_for
from otklik.appeals import access, services
from otklik.appeals.models import Appeal, Channel
from otklik.directory import reference
from otklik.directory.models import Category, Region

from . import params, records
from .render import CONTENT_TYPES, FORMATS, Open311Error, error_response, respond

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this API's behaviour last changed (discovery's changeset).
CHANGESET = "2026-11-23T00:00:00+03:00"
TOKEN_SALT = "otklik.open311.token"  # noqa: S105 (a namespace for signing, not a secret)
MAX_ID_LIST = 1000


def open311(*methods: str):
    """Format, method, api_key and throttling for an Open311 view; Open311Error, Http404 and
    PermissionDenied become the spec's errors. The view gets `fmt` and the request carries
    `request.auth` (the api_key's token or None)."""

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request, *args, fmt: str = "xml", **kwargs):
            fmt = fmt.lower()
            if fmt not in FORMATS:
                return error_response(
                    "xml", 404, gettext_noop("Unknown format: use .xml or .json.")
                )
            allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())
            if request.method not in allowed:
                response = error_response(fmt, 405, gettext_noop("Method not allowed."))
                response["Allow"] = ", ".join(sorted(allowed))
                return response
            try:
                # Rate limits were checked before the request began (otklik/api/ratelimit.py).
                request.auth = _token(request)
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as exc:
                return error_response(fmt, exc.status, exc.message, exc.params)
            except Http404:
                return error_response(fmt, 404, gettext_noop("Not found."))
            except PermissionDenied:
                return error_response(fmt, 403, gettext_noop("You may not do this."))
            except (RequestDataTooBig, UnreadablePostError):
                return error_response(fmt, 400, gettext_noop("The request is too large."))

        return wrapper

    return decorate


def _token(request) -> ApiToken | None:
    """The token of the request's api_key (a parameter or an Authorization header); 403 for a
    key that is not a usable token."""
    key = key_from_header(request.headers.get("Authorization", ""))
    if not key:
        data = request.POST if request.method == "POST" else request.GET
        key = params.clean(data.get("api_key") or request.GET.get("api_key"), "api_key", limit=200)
    if not key:
        return None
    token = token_for(request, key)
    if token is None:
        raise Open311Error(403, gettext_noop("Invalid api_key."))
    if not token.has_scope(ApiScope.OPEN311):
        raise Open311Error(
            403, gettext_noop("The api_key lacks the scope %(scope)s."), {"scope": ApiScope.OPEN311}
        )
    return token


def _region(query, token: ApiToken | None) -> Region:
    """The jurisdiction: jurisdiction_id (a region's code), else the key's region, else the only
    region there is."""
    code = params.param(query, "jurisdiction_id", limit=64)
    if code:
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise Open311Error(404, gettext_noop("Unknown jurisdiction_id."))
        if token is not None and token.region_id and token.region_id != region.pk:
            raise Open311Error(403, gettext_noop("The api_key is not valid for this jurisdiction."))
        return region
    if token is not None and token.region_id:
        return token.region
    regions = list(Region.objects.all()[:2])
    if len(regions) != 1:
        raise Open311Error(400, gettext_noop("jurisdiction_id is required."))
    return regions[0]


def _visible(token: ApiToken | None):
    """Public appeals; with a key, also what it filed (whatever the status) and, for a staff
    key (one with a staff scope besides open311), what its user may see. A client system's key
    (ApiToken.is_client) never sees more through its user's staff roles."""
    appeals = Appeal.objects.public()
    if token is not None:
        appeals = appeals | access.client_appeals(token.user)
        if not token.is_client:
            appeals = appeals | Appeal.objects.visible_to(token.user)
    return appeals


def _absolute(request):
    return request.build_absolute_uri


def _tz(region: Region) -> ZoneInfo:
    try:
        return ZoneInfo(region.time_zone)
    except (KeyError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def sign_request(number: str) -> str:
    return signing.dumps(number, salt=TOKEN_SALT)


# ---------------------------------------------------------------------------- discovery, services


@open311("GET")
def discovery(request, fmt):
    contact = getattr(settings, "OPEN311_CONTACT", "") or settings.DEFAULT_FROM_EMAIL
    body = {
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": contact,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": request.build_absolute_uri(request.path.rsplit("/", 1)[0]),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return respond(fmt, "discovery", body)


@open311("GET")
def service_list(request, fmt):
    _region(request.GET, request.auth)
    services_ = [records.service_record(c) for c in records.services_queryset()]
    return respond(fmt, "services", services_)


@open311("GET")
def service_definition(request, service_code, fmt):
    _region(request.GET, request.auth)
    category = _category(params.clean(service_code, "service_code", limit=64), status=404)
    body = {
        "service_code": category.code,
        "attributes": [records.attribute_record(a) for a in records.definition(category)],
    }
    return respond(fmt, "service_definition", body)


def _category(code: str, *, status: int) -> Category:
    # Active categories with `has_metadata`, kept per process (directory/reference.py).
    category = reference.snapshot().category(code) if code else None
    if category is None:
        raise Open311Error(
            status, gettext_noop("Unknown service_code: %(code)s."), {"code": code[:64]}
        )
    return category


# ---------------------------------------------------------------------------- requests


@open311("GET", "POST")
def service_requests(request, fmt):
    if request.method == "POST":
        return _create_request(request, fmt)
    return _list_requests(request, fmt)


def _create_request(request, fmt):
    data = request.POST
    token = request.auth
    if token is None:
        raise Open311Error(400, gettext_noop("api_key is required."))
    region = _region(data if "jurisdiction_id" in data else request.GET, token)
    tz = _tz(region)
    code = params.param(data, "service_code", limit=64)
    if not code:
        raise Open311Error(400, gettext_noop("service_code is required."))
    category = _category(code, status=400)
    latitude = params.number(data, "lat", low=-90, high=90)
    longitude = params.number(data, "long", low=-180, high=180)
    address = params.param(data, "address_string", limit=500)
    address_id = params.param(data, "address_id", limit=200)
    if (latitude is None) != (longitude is None):
        raise Open311Error(400, gettext_noop("lat and long go together."))
    if latitude is None and not address and not address_id:
        raise Open311Error(
            400, gettext_noop("A location is required: lat and long, address_string or address_id.")
        )
    # Most services ask nothing: their (empty) definition is not read.
    definition = records.definition(category) if category.has_metadata else []
    attributes = params.attributes(data, definition, tz)
    name = " ".join(
        part
        for part in (
            params.param(data, "first_name", limit=100),
            params.param(data, "last_name", limit=100),
        )
        if part
    )
    email = params.email(data)
    phone = params.param(data, "phone", limit=32)
    account_id = params.param(data, "account_id", limit=100)
    params.param(data, "device_id", limit=200)  # accepted, not kept
    description = params.param(data, "description", limit=services.MAX_TEXT)
    media_url = params.media_url(data)
    try:
        appeal = services.submit_appeal(
            region=region,
            text=description or category.name,
            channel=Channel.API,
            category=category,
            latitude=latitude,
            longitude=longitude,
            address=address or (f"address_id: {address_id}" if address_id else ""),
            photos=request.FILES.getlist("media"),
            created_by=token.user,
            applicant=None,
            contact_name=name,
            contact_phone=phone,
            contact_email=email,
            media_url=media_url,
            attributes=attributes,
        )
    except ValidationError as exc:
        raise Open311Error(400, " ".join(str(m) for m in exc.messages)) from exc
    body = [
        {
            "service_request_id": appeal.number,
            "service_notice": records.service_notice(category),
            "account_id": account_id or None,
            "token": sign_request(appeal.number),
        }
    ]
    return respond(fmt, "service_requests", body, status=201)


def _list_requests(request, fmt):
    query = request.GET
    token = request.auth
    region = _region(query, token)
    tz = _tz(region)
    appeals = _visible(token).filter(region=region)
    page = params.paging(query)
    numbers = params.comma_list(query, "service_request_id", limit=MAX_ID_LIST)
    if numbers:
        # The spec: with service_request_id every other filter is ignored.
        numbers = [n for n in numbers if access.is_possible_number(n)]
        appeals = appeals.filter(number__in=numbers)
    else:
        appeals = _filtered(query, appeals, tz)
    appeals = records.with_details(appeals.order_by("-created_at", "-pk"))
    absolute = _absolute(request)
    body = [records.request_record(a, tz=tz, absolute=absolute) for a in page.slice(appeals)]
    return respond(fmt, "service_requests", body)


def _filtered(query, appeals, tz: ZoneInfo):
    codes = params.comma_list(query, "service_code")
    if codes:
        appeals = appeals.filter(category__code__in=codes)
    statuses = params.comma_list(query, "status")
    if statuses:
        if set(statuses) - {"open", "closed"}:
            raise Open311Error(400, gettext_noop("status takes open, closed or both."))
        appeals = appeals.filter(status__in=records.statuses_for(statuses))
    updated_after = params.moment(query, "updated_after", tz)
    updated_before = params.moment(query, "updated_before", tz)
    if updated_after:
        appeals = appeals.filter(updated_at__gt=updated_after)
    if updated_before:
        appeals = appeals.filter(updated_at__lt=updated_before)
    dates_given = query.get("start_date") or query.get("end_date")
    if dates_given or not (updated_after or updated_before):
        start, end = params.window(query, tz, timezone.now())
        appeals = appeals.filter(created_at__gte=start, created_at__lte=end)
    return appeals


@open311("GET")
def service_request(request, service_request_id, fmt):
    token = request.auth
    region = _region(request.GET, token)
    number = params.clean(service_request_id, "service_request_id", limit=64)
    if not access.is_possible_number(number):
        raise Http404
    appeal = records.with_details(_visible(token).filter(region=region, number=number)).first()
    if appeal is None:
        raise Open311Error(404, gettext_noop("Unknown service_request_id."))
    body = [records.request_record(appeal, tz=_tz(region), absolute=_absolute(request))]
    return respond(fmt, "service_requests", body)


@open311("GET")
def request_token(request, token, fmt):
    try:
        number = signing.loads(token[:500], salt=TOKEN_SALT)
    except signing.BadSignature as exc:
        raise Open311Error(404, gettext_noop("Unknown token.")) from exc
    if not isinstance(number, str) or not Appeal.objects.filter(number=number).exists():
        raise Open311Error(404, gettext_noop("Unknown token."))
    return respond(fmt, "service_requests", [{"service_request_id": number, "token": token}])


# ---------------------------------------------------------------------------- updates


@open311("GET")
def service_request_updates(request, fmt):
    query = request.GET
    token = request.auth
    region = _region(query, token)
    tz = _tz(region)
    start, end = params.window(query, tz, timezone.now())
    page = params.paging(query)
    appeals = _visible(token).filter(region=region)
    events = list(
        page.slice(
            records.updates_queryset(appeals).filter(created_at__gte=start, created_at__lte=end)
        )
    )
    answers = records.published_answers(events)
    absolute = _absolute(request)
    body = [
        records.update_record(event, answers=answers, tz=tz, absolute=absolute) for event in events
    ]
    return respond(fmt, "service_request_updates", body)


def root(request):
    """`/open311/` and `/open311/v2/`: to the discovery document (JSON if the client asks for
    it, else the spec's default XML)."""
    fmt = "json" if "json" in request.headers.get("Accept", "") else "xml"
    response = HttpResponseRedirect(reverse("open311:discovery", kwargs={"fmt": fmt}))
    response["Content-Type"] = CONTENT_TYPES[fmt]
    return response


def not_found(request, path: str = ""):
    """Anything else under the Open311 root: 404 in the spec's format."""
    fmt = path.rsplit(".", 1)[-1].lower() if "." in path else "xml"
    return error_response(fmt, 404, gettext_noop("Not found."))
