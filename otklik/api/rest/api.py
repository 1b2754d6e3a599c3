"""The REST API (Django Ninja): one NinjaAPI at /api/v1/ with its OpenAPI 3 schema
(/api/v1/openapi.json) and interactive docs (/api/v1/docs), errors as bilingual JSON."""

from __future__ import annotations

import math

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.utils import translation
from django.utils.translation import gettext_noop
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as SchemaValidationError

from otklik.api.errors import error
from otklik.appeals.workflow import IllegalTransition

from . import analytics, appeals, directory, imports, moderation, review, signals, webhooks, work
from .base import ScopeDenied, token_auth
from .etag import with_conditional_get
from .inspections import router as inspections_router

ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "properties": {
        "error": {"type": "string", "description": "A stable code, e.g. `scope`, `not_found`."},
        "message_ru": {"type": "string"},
        "message_en": {"type": "string"},
    },
    "required": ["error", "message_ru", "message_en"],
}
ERROR_TEXTS = {
    "400": "The service refused the input (the message says why).",
    "401": "No valid API key: missing, unknown, revoked or expired.",
    "403": "The key lacks the scope, or its user may not do this.",
    "404": "No such object, or not one this key may see.",
    "409": "The appeal is not in a state that allows this action.",
    "422": "The request does not match the schema (`detail` lists the fields).",
    "429": "Too many requests for this key; see the Retry-After header.",
}


class OtklikAPI(NinjaAPI):
    """The NinjaAPI with conditional GET on every URL and the error answers in the schema."""

    def _get_urls(self):
        return with_conditional_get(super()._get_urls())

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                _document_errors(method, operation)
        return schema


def _document_errors(method: str, operation: dict) -> None:
    """Add the error answers an operation can give, unless it documents them itself."""
    codes = ["422", "429"]
    if operation.get("security"):
        codes += ["401", "403"]
    if any(p.get("in") == "path" for p in operation.get("parameters", [])):
        codes.append("404")
    if method.lower() != "get":
        codes += ["400", "409"]
    # Ninja keys its own answers by int; JSON keys are strings: one key per code.
    responses = {str(code): value for code, value in operation.get("responses", {}).items()}
    operation["responses"] = responses
    for code in sorted(codes):
        responses.setdefault(
            code,
            {
                "description": ERROR_TEXTS[code],
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
        )


api = OtklikAPI(
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
)

api.add_router("/appeals/", appeals.router)
api.add_router("/work/", work.router)
api.add_router("/moderation/", moderation.router)
api.add_router("/moderation/", review.router)
api.add_router("/analytics/", analytics.router)
api.add_router("/directory/", directory.router)
api.add_router("/webhooks/", webhooks.router)
api.add_router("/imports/", imports.router)
api.add_router("/signals/", signals.router)
api.add_router("/inspections/", inspections_router)


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
    body = {
        "error": getattr(exc, "code", None) or "invalid",
        "message_ru": messages["ru"],
        "message_en": messages["en"],
    }
    if hasattr(exc, "error_dict"):
        with translation.override("ru"):
            body["fields"] = {name: list(items) for name, items in exc.message_dict.items()}
    return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})


@api.exception_handler(IllegalTransition)
def _illegal(request, exc: IllegalTransition):
    return error(
        409,
        "conflict",
        gettext_noop("This action is not available for the appeal in its current status."),
        appeal_status=exc.status,
    )


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
def _throttled(request, exc: Throttled):
    response = error(429, "throttled", gettext_noop("Too many requests; slow down."))
    response["Retry-After"] = str(max(1, math.ceil(exc.wait or 1)))
    return response


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return error(exc.status_code, "error", exc.message)
