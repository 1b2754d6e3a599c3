"""REST API: External signals. A monitoring tool posts a JSON list of signals (posts of social
networks about problems) into its token's region, whose operator or administrator the token's
user must be; otklik/incidents/external.py imports them.

The same behaviour and answers as the older /api/signals/ (which stays for its clients): 200 when
every row was imported or already there, 207 when some rows failed, 400 for a body that is not a
JSON list or has too many rows, 413 for a body over the limit. Posting the same rows again
changes nothing (idempotent on source and external id).
"""

import json

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import JsonResponse
from django.utils.translation import gettext_noop
from ninja import Router, Schema

from otklik.accounts.models import ApiScope, Role
from otklik.api.errors import error
from otklik.incidents import external

from .base import require_scope

router = Router(tags=["External signals"])


class RowErrorOut(Schema):
    index: int
    external_id: str
    code: str
    message_ru: str
    message_en: str


class SignalsResult(Schema):
    created: int
    existing: int
    failed: int
    errors: list[RowErrorOut]


class ErrorOut(Schema):
    error: str
    message_ru: str
    message_en: str


SIGNAL_ROW = {
    "type": "object",
    "required": ["source", "external_id", "text", "posted_at"],
    "properties": {
        "source": {"type": "string", "pattern": "^[A-Za-z0-9_.\\-]{1,32}$", "example": "vk"},
        "external_id": {"type": "string", "maxLength": 120, "example": "wall-1_234"},
        "text": {"type": "string", "maxLength": external.MAX_TEXT},
        "posted_at": {"type": "string", "format": "date-time"},
        "latitude": {"type": "number", "minimum": -90, "maximum": 90},
        "longitude": {"type": "number", "minimum": -180, "maximum": 180},
        "address": {"type": "string", "maxLength": 500},
        "url": {"type": "string", "format": "uri", "maxLength": 500},
    },
}


@router.post(
    "/",
    response={200: SignalsResult, 207: SignalsResult, 400: SignalsResult | ErrorOut, 413: ErrorOut},
    summary="Post external signals",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "array", "maxItems": external.MAX_ROWS, "items": SIGNAL_ROW}
                }
            },
        }
    },
)
def post_signals(request):
    token = require_scope(request, ApiScope.SIGNALS)
    region = token.region
    if region is None:
        return error(403, "no_region", gettext_noop("The API key is not bound to a region."))
    user = token.user
    if not user.is_superuser and not any(
        m.region_id == region.pk and m.role in (Role.OPERATOR, Role.ADMIN)
        for m in user.memberships.all()
    ):
        raise PermissionDenied
    try:
        body = request.body
    except RequestDataTooBig:
        return error(413, "too_big", gettext_noop("The request body is too large."))
    try:
        rows = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return error(400, "bad_json", gettext_noop("The body is not valid JSON."))
    if not isinstance(rows, list):
        return error(400, "not_a_list", gettext_noop("The body must be a JSON list of signals."))
    result = external.import_signals(rows, region=region).as_dict()
    if len(rows) > external.MAX_ROWS:
        return JsonResponse(result, status=400)
    return JsonResponse(result, status=207 if result["errors"] else 200)
