"""Every route of the product has an access class, and each class keeps its promise.

The table below lists every URL pattern the resolver knows (the pages, the REST API's Ninja
routes under /api/v1/, Open311, the operations' endpoints, the administration). A new route
fails the first test until someone says who may open it. The other tests walk all routes of a
class and check what defines it: anonymous visitors are sent to log in or refused, citizens
never reach the office, an executor cannot tell another organization's appeal exists, API routes
want a key, and public answers never carry the applicant's personal data. The detailed role ×
scope matrices are tests/office/test_scoping_matrix.py and tests/api/test_rest_*scoping.py.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from otklik.appeals.models import Appeal, Channel
from otklik.appeals.workflow import Status

PUBLIC = "public"  # anyone; never the applicant's personal data
SIGNED_LINK = "signed-link"  # anyone holding a signed, expiring link from a letter
LOGIN = "login"  # any logged-in user, their own things only
CITIZEN_OWN = "citizen-own"  # the applicant's own appeal (others: the public view or 404)
STAFF = "staff-scoped"  # office pages: by role (403) and by scope (404)
ADMIN = "admin-only"  # Django's administration: is_staff, then model permissions
PUBLIC_API = "public-api"  # REST API without a key: public appeals and the directory
TOKEN = "token-scoped"  # REST API with a key: its scopes and its user's memberships
OPEN311 = "open311"  # reads public and without personal data; posting needs an api_key
OPS = "ops"  # health and readiness public; metrics from loopback or with METRICS_TOKEN
MEDIA = "media"  # uploaded files by their content hash (the embedded mode's local disk)

ACCESS = {
    # The portal.
    "": PUBLIC,
    "my/": LOGIN,
    "appeals/<str:number>/": CITIZEN_OWN,
    "appeals/<str:number>/rate/": CITIZEN_OWN,
    "appeals/<str:number>/clarify/": CITIZEN_OWN,
    "q/<str:token>/": SIGNED_LINK,
    "accounts/signup/": PUBLIC,
    "accounts/signup/sent/": PUBLIC,
    "accounts/confirm/resend/": PUBLIC,
    "accounts/confirm/<str:token>/": SIGNED_LINK,
    "accounts/profile/": LOGIN,
    "accounts/delete/": LOGIN,
    "accounts/deleted/": PUBLIC,
    "privacy/": PUBLIC,
    "accounts/password/change/": LOGIN,
    "accounts/password/change/done/": LOGIN,
    "accounts/password/reset/": PUBLIC,
    "accounts/password/reset/sent/": PUBLIC,
    "accounts/password/reset/<uidb64>/<token>/": SIGNED_LINK,
    "accounts/password/reset/complete/": PUBLIC,
    "report/": LOGIN,
    "report/similar/": LOGIN,
    "report/addresses/": LOGIN,
    "report/photos/<int:pk>/": LOGIN,
    "report/support/<str:number>/": LOGIN,
    "map/": PUBLIC,
    "map/appeals.geojson": PUBLIC,
    "appeals/": PUBLIC,
    "municipalities/": PUBLIC,
    "municipalities/<int:pk>/": PUBLIC,
    "rules/": PUBLIC,
    "accounts/login/": PUBLIC,
    "accounts/logout/": PUBLIC,
    "accounts/two-factor/": LOGIN,
    "accounts/two-factor/setup/": LOGIN,
    "accounts/two-factor/recovery-codes/": LOGIN,
    "accounts/two-factor/recovery-codes/new/": LOGIN,
    # The office.
    "office/": STAFF,
    "office/appeals/": STAFF,
    "office/appeals/<str:number>/": STAFF,
    "office/appeals/<str:number>/comment/": STAFF,
    "office/appeals/<str:number>/delegate/": STAFF,
    "office/appeals/<str:number>/answer/": STAFF,
    "office/appeals/<str:number>/answer/check/": STAFF,
    "office/appeals/<str:number>/postpone/": STAFF,
    "office/appeals/<str:number>/redirect/": STAFF,
    "office/inbox/": STAFF,
    "office/inbox/appeals.geojson": STAFF,
    "office/templates/": STAFF,
    "office/templates/new/": STAFF,
    "office/templates/<int:pk>/": STAFF,
    "office/moderation/": STAFF,
    "office/moderation/bulk/": STAFF,
    "office/moderation/<str:number>/": STAFF,
    "office/moderation/<str:number>/public-text/": STAFF,
    "office/new/": STAFF,
    "office/field/": STAFF,
    "office/field/day/": STAFF,
    "office/inspections/plan/": STAFF,
    "office/inspections/plan/<int:pk>/move/": STAFF,
    "office/inspections/plan/build/": STAFF,
    "office/inspections/points/": STAFF,
    "office/inspections/points/propose/": STAFF,
    "office/field/day/points/<int:pk>/visit/": STAFF,
    "office/field/day/sw.js": PUBLIC,
    "office/field/day/manifest.webmanifest": PUBLIC,
    "office/review/": STAFF,
    "office/review/answers/<int:pk>/": STAFF,
    "office/review/postponements/<int:pk>/": STAFF,
    "office/instructions/": STAFF,
    "office/instructions/new/": STAFF,
    "office/instructions/<int:pk>/": STAFF,
    "office/calls/": STAFF,
    "office/calls/lists/<int:pk>/": STAFF,
    "office/calls/<int:pk>/": STAFF,
    "office/calls/<int:pk>/instruct/": STAFF,
    "office/dashboard/": STAFF,
    "office/kpi/": STAFF,
    "office/kpi/appeals/": STAFF,
    "office/ranking/": STAFF,
    "office/ranking/settings/": STAFF,
    "office/weekly/": STAFF,
    "office/weekly/review.xlsx": STAFF,
    "office/weekly/heatmap.geojson": STAFF,
    "office/incidents/": STAFF,
    "office/incidents/map.geojson": STAFF,
    "office/incidents/<int:pk>/": STAFF,
    "office/incidents/<int:pk>/points.geojson": STAFF,
    "office/incidents/<int:pk>/close/": STAFF,
    "office/incidents/<int:pk>/reopen/": STAFF,
    "office/incidents/<int:pk>/rename/": STAFF,
    "office/incidents/signals/": STAFF,
    "office/incidents/signals/<int:pk>/appeal/": STAFF,
    "office/incidents/signals/<int:pk>/dismiss/": STAFF,
    # Operations.
    "health/": OPS,
    "ready/": OPS,
    "metrics": OPS,
    # The REST API (Ninja) and the older signals endpoint.
    "api/signals/": TOKEN,
    "api/v1/": PUBLIC_API,
    "api/v1/openapi.json": PUBLIC_API,
    "api/v1/docs": PUBLIC_API,
    "api/v1/appeals/public/": PUBLIC_API,
    "api/v1/appeals/public/<number>": PUBLIC_API,
    "api/v1/appeals/": TOKEN,
    "api/v1/appeals/<number>": TOKEN,
    "api/v1/appeals/<number>/rating": TOKEN,
    "api/v1/appeals/<number>/clarification": TOKEN,
    "api/v1/appeals/<number>/support": TOKEN,
    "api/v1/work/inbox": TOKEN,
    "api/v1/work/<number>/take": TOKEN,
    "api/v1/work/<number>/delegate": TOKEN,
    "api/v1/work/<number>/answer": TOKEN,
    "api/v1/work/<number>/postponement": TOKEN,
    "api/v1/work/<number>/redirect": TOKEN,
    "api/v1/moderation/queue": TOKEN,
    "api/v1/inspections/points": TOKEN,
    "api/v1/inspections/plans": TOKEN,
    "api/v1/inspections/plans/<int:plan_id>": TOKEN,
    "api/v1/inspections/plans/<int:plan_id>/moves": TOKEN,
    "api/v1/moderation/<number>/suggestions": TOKEN,
    "api/v1/moderation/<number>/register": TOKEN,
    "api/v1/moderation/rejection-reasons": TOKEN,
    "api/v1/moderation/<number>/reject": TOKEN,
    "api/v1/moderation/<number>/clarification": TOKEN,
    "api/v1/moderation/<number>/merge": TOKEN,
    "api/v1/moderation/<number>/redirect": TOKEN,
    "api/v1/moderation/answers": TOKEN,
    "api/v1/moderation/answers/<int:answer_id>/publish": TOKEN,
    "api/v1/moderation/answers/<int:answer_id>/return": TOKEN,
    "api/v1/moderation/postponements": TOKEN,
    "api/v1/moderation/postponements/<int:postponement_id>/decide": TOKEN,
    "api/v1/analytics/kpis": TOKEN,
    "api/v1/analytics/ranking": TOKEN,
    "api/v1/analytics/weekly/topics": TOKEN,
    "api/v1/directory/categories": PUBLIC_API,
    "api/v1/directory/municipalities": PUBLIC_API,
    "api/v1/directory/organizations": PUBLIC_API,
    "api/v1/webhooks/": TOKEN,
    "api/v1/webhooks/deliveries/": TOKEN,
    "api/v1/webhooks/deliveries/<delivery_id>": TOKEN,
    "api/v1/webhooks/deliveries/<delivery_id>/replay": TOKEN,
    "api/v1/webhooks/<subscription_id>": TOKEN,
    "api/v1/webhooks/<subscription_id>/replay": TOKEN,
    "api/v1/webhooks/<subscription_id>/ping": TOKEN,
    "api/v1/imports/": TOKEN,
    "api/v1/imports/<batch_id>": TOKEN,
    "api/v1/imports/<batch_id>/errors": TOKEN,
    "api/v1/signals/": TOKEN,
    # Open311 GeoReport v2 (regular expressions: their sample paths are below).
    r"open311/v2/^discovery\.(?P<fmt>[^./]+)$": OPEN311,
    r"open311/v2/^services\.(?P<fmt>[^./]+)$": OPEN311,
    r"open311/v2/^services/(?P<service_code>[^/]+)\.(?P<fmt>[^./]+)$": OPEN311,
    r"open311/v2/^requests\.(?P<fmt>[^./]+)$": OPEN311,
    r"open311/v2/^requests/(?P<service_request_id>[^/]+)\.(?P<fmt>[^./]+)$": OPEN311,
    r"open311/v2/^tokens/(?P<token>[^/]+)\.(?P<fmt>[^./]+)$": OPEN311,
    r"open311/v2/^servicerequestupdates\.(?P<fmt>[^./]+)$": OPEN311,
    r"open311/v2/^$": OPEN311,
    r"open311/v2/^(?P<path>.*)$": OPEN311,
    "open311/": OPEN311,
    r"^media/(?P<path>.*)$": MEDIA,
}
# Django's administration registers a route per model: all of them are its own.
ADMIN_PREFIX = "admin/"

SAMPLES = {
    r"open311/v2/^discovery\.(?P<fmt>[^./]+)$": "/open311/v2/discovery.json",
    r"open311/v2/^services\.(?P<fmt>[^./]+)$": "/open311/v2/services.json",
    r"open311/v2/^services/(?P<service_code>[^/]+)\.(?P<fmt>[^./]+)$": (
        "/open311/v2/services/potholes.json"
    ),
    r"open311/v2/^requests\.(?P<fmt>[^./]+)$": "/open311/v2/requests.json",
    r"open311/v2/^requests/(?P<service_request_id>[^/]+)\.(?P<fmt>[^./]+)$": (
        "/open311/v2/requests/{number}.json"
    ),
    r"open311/v2/^tokens/(?P<token>[^/]+)\.(?P<fmt>[^./]+)$": "/open311/v2/tokens/abc.json",
    r"open311/v2/^servicerequestupdates\.(?P<fmt>[^./]+)$": (
        "/open311/v2/servicerequestupdates.json"
    ),
    r"open311/v2/^$": "/open311/v2/",
    r"open311/v2/^(?P<path>.*)$": "/open311/v2/nothing-here",
    r"^media/(?P<path>.*)$": "/media/appeals/none.jpg",
}
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def routes() -> list[str]:
    """Every URL pattern of the project, as one string from the root."""

    def walk(resolver: URLResolver, prefix: str):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern)

    return sorted(set(walk(get_resolver(), "")))


def access_of(route: str) -> str | None:
    if route.startswith(ADMIN_PREFIX):
        return ADMIN
    return ACCESS.get(route)


def test_every_route_has_an_access_class_and_the_table_lists_no_stale_route():
    found = routes()
    assert [route for route in found if access_of(route) is None] == []
    assert sorted(set(ACCESS) - set(found)) == []
    assert sum(route.startswith(ADMIN_PREFIX) for route in found) > 10


def url_of(route: str, number: str) -> str:
    if route in SAMPLES:
        return SAMPLES[route].format(number=number)
    values = {"number": number, "token": "x" * 24, "uidb64": "MQ"}
    return "/" + PARAMETER.sub(lambda m: values.get(m.group(1), "1"), route)


def of_class(access: str) -> list[str]:
    return [route for route in routes() if access_of(route) == access]


@pytest.fixture
def world(appeal_in, citizen, other_citizen, operator, settings):
    """A public Lipetsk appeal of the citizen's in work, and a public phone appeal with the
    caller's contacts; the API's anonymous rate out of the way of a walk over every route."""
    settings.API_ANON_RATE_PER_MINUTE = 10_000
    own = appeal_in(Status.IN_PROGRESS)
    phoned = appeal_in(
        Status.IN_PROGRESS,
        applicant=None,
        channel=Channel.PHONE,
        contact_name="Анна Звонкова",
        contact_phone="+7 900 555-44-33",
        contact_email="anna.zvonkova@example.ru",
    )
    Appeal.objects.filter(pk=phoned.pk).update(created_by=operator)
    return {"own": own, "phoned": phoned}


def personal(citizen) -> list[str]:
    return [
        citizen.full_name,
        citizen.email,
        citizen.phone,
        "Анна Звонкова",
        "+7 900 555-44-33",
        "anna.zvonkova@example.ru",
    ]


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def assert_no_personal_data(response, citizen, url):
    text = body(response)
    for value in personal(citizen):
        assert value not in text, (url, value)


def to_login(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("access", [LOGIN, CITIZEN_OWN, STAFF])
def test_anonymous_visitors_are_sent_to_log_in(client, world, access):
    for route in of_class(access):
        url = url_of(route, world["own"].number)
        if route == "appeals/<str:number>/":
            # The public view of a public appeal; never the applicant.
            response = client.get(url)
            assert response.status_code == 200, url
            assert_no_personal_data(response, world["own"].applicant, url)
            continue
        for method in (client.get, client.post):
            response = method(url)
            assert to_login(response), (url, method.__name__, response.status_code)


def test_citizens_are_refused_every_office_route(client, world, citizen):
    client.force_login(citizen)
    for route in of_class(STAFF):
        url = url_of(route, world["own"].number)
        for method in (client.get, client.post):
            assert method(url).status_code == 403, (url, method.__name__)


def test_an_executor_cannot_tell_another_organizations_appeal_exists(
    client, world, other_org_executor
):
    client.force_login(other_org_executor)
    routes_of_an_appeal = [r for r in of_class(STAFF) if r.startswith("office/appeals/<")]
    assert len(routes_of_an_appeal) == 7
    for route in routes_of_an_appeal:
        url = url_of(route, world["own"].number)
        codes = {client.get(url).status_code, client.post(url).status_code}
        # A page is for GET, an action for POST: the other method is not allowed (405).
        assert 404 in codes and codes <= {404, 405}, (url, codes)


def test_another_citizen_gets_the_public_view_or_nothing_of_someone_elses_appeal(
    client, world, citizen, other_citizen
):
    client.force_login(other_citizen)
    own = world["own"]
    page = client.get(url_of("appeals/<str:number>/", own.number))
    assert page.status_code == 200
    assert_no_personal_data(page, citizen, own.number)
    for route in ("appeals/<str:number>/rate/", "appeals/<str:number>/clarify/"):
        assert client.post(url_of(route, own.number)).status_code == 404, route
    Appeal.objects.filter(pk=own.pk).update(is_public=False)
    assert client.get(url_of("appeals/<str:number>/", own.number)).status_code == 404
    client.force_login(citizen)
    assert client.get(url_of("appeals/<str:number>/", own.number)).status_code == 200


@pytest.mark.parametrize("access", [PUBLIC, SIGNED_LINK, PUBLIC_API, OPEN311, OPS, MEDIA])
def test_public_routes_never_show_personal_data(client, world, citizen, access):
    for route in of_class(access):
        for appeal in world.values():
            url = url_of(route, appeal.number)
            response = client.get(url)
            assert response.status_code < 500, url
            assert not to_login(response), url
            assert_no_personal_data(response, citizen, url)


def test_public_api_answers_without_a_key(client, world):
    for route in of_class(PUBLIC_API):
        url = url_of(route, world["own"].number)
        # The API's root has nothing to show; everything else answers anyone.
        assert client.get(url).status_code == (404 if route == "api/v1/" else 200), url


def test_every_token_scoped_api_route_wants_a_key(client, world):
    for route in of_class(TOKEN):
        url = url_of(route, world["own"].number)
        codes = {client.get(url).status_code, client.post(url).status_code}
        # A path serves GET, POST or both; the other method is not allowed (405).
        assert 401 in codes and codes <= {401, 405}, (url, codes)


def test_open311_takes_a_request_only_with_an_api_key(client, world, category):
    response = client.post(
        "/open311/v2/requests.json",
        {"service_code": "potholes", "lat": 52.61, "long": 39.59, "description": "Яма"},
    )
    assert response.status_code == 400
    assert Appeal.objects.count() == 2


def test_metrics_are_refused_beyond_loopback_without_a_token(world):
    assert Client(REMOTE_ADDR="203.0.113.7").get("/metrics").status_code == 404
    assert Client().get("/health/").status_code == 200


def test_the_administration_is_for_staff_accounts_only(client, world, citizen, executor):
    for who in (None, citizen, executor):
        if who is not None:
            client.force_login(who)
        response = client.get("/admin/appeals/appeal/")
        assert response.status_code == 302, who
        assert response["Location"].startswith("/admin/login/"), who
