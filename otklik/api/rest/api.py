"""The REST API (Django Ninja): one NinjaAPI at /api/v1/ with its OpenAPI 3 schema
(/api/v1/openapi.json) and interactive docs (/api/v1/docs), errors as bilingual JSON."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.utils import translation
from django.utils.translation import gettext_noop
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as SchemaValidationError

from otklik.api.errors import error

from . import analytics, appeals, directory, imports, moderation, signals, webhooks, work
from .base import ScopeDenied, TokenThrottle, token_auth

api = NinjaAPI(
    title="Otklik API",
    version="1",
    description=(
        "Citizens' appeals: file, follow and rate; executors' inbox, answers and postponements; "
        "moderation, routing and review; KPIs and rankings. Authenticate with "
        "`Authorization: Bearer <key>`; every POST accepts an `Idempotency-Key` header. "
        "Errors carry `error`, `message_ru` and `message_en`."
    ),
    urls_namespace="api",
    auth=token_auth,
    throttle=[TokenThrottle()],
)

api.add_router("/appeals/", appeals.router)
api.add_router("/work/", work.router)
api.add_router("/moderation/", moderation.router)
api.add_router("/analytics/", analytics.router)
api.add_router("/directory/", directory.router)
api.add_router("/webhooks/", webhooks.router)
api.add_router("/imports/", imports.router)
api.add_router("/signals/", signals.router)


@api.exception_handler(SchemaValidationError)
def _invalid(request, exc: SchemaValidationError):
    return error(422, "invalid", gettext_noop("The request is not valid."), detail=exc.errors)


@api.exception_handler(ValidationError)
def _domain_invalid(request, exc: ValidationError):
    """A service refused the input: 400 with its messages in both languages."""
    messages = {}
    for language in ("ru", "en"):
        with translation.override(language):
            messages[language] = " ".join(exc.messages)
    fields = exc.message_dict if hasattr(exc, "error_dict") else None
    body = {
        "error": getattr(exc, "code", None) or "invalid",
        "message_ru": messages["ru"],
        "message_en": messages["en"],
    }
    if fields:
        with translation.override("ru"):
            body["fields"] = {name: [str(m) for m in items] for name, items in fields.items()}
    return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    response = error(401, "unauthorized", gettext_noop("A valid API key is required."))
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(ScopeDenied)
def _scope(request, exc: ScopeDenied):
    return error(
        403,
        "scope",
        gettext_noop("The API key lacks the scope %(scope)s."),
        {"scope": exc.scope},
    )


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return error(403, "forbidden", gettext_noop("You may not do this."))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error(404, "not_found", gettext_noop("Not found."))


@api.exception_handler(ObjectDoesNotExist)
def _no_object(request, exc):
    return error(404, "not_found", gettext_noop("Not found."))


@api.exception_handler(Throttled)
def _throttled(request, exc):
    return error(429, "throttled", gettext_noop("Too many requests; slow down."))


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return error(exc.status_code, "error", exc.message)
