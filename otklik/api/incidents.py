"""POST /api/signals/: a monitoring tool posts a JSON list of external signals.

Authentication: `Authorization: Token <key>` (or `Bearer <key>`) with a key of
`manage.py signal_token REGION NAME`; the key decides the region. The answer is JSON::

    {"created": 2, "existing": 1, "failed": 1,
     "errors": [{"index": 3, "external_id": "x", "code": "required",
                 "message_ru": "…", "message_en": "…"}]}

Status 200 when every row was imported or already there, 207 when some rows failed, 400 for a
body that is not a JSON list, 401 for a missing or unknown key, 413 for a body over the limit.
Posting the same rows again changes nothing (idempotent on source and external id).
"""

from __future__ import annotations

import json

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from otklik.incidents import external


def _error(status: int, code: str, message: str) -> JsonResponse:
    with translation.override("ru"):
        ru = _(message)
    with translation.override("en"):
        en = _(message)
    return JsonResponse({"error": code, "message_ru": ru, "message_en": en}, status=status)


def _token(request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _space, key = header.strip().partition(" ")
    if scheme.lower() not in ("token", "bearer"):
        return ""
    return key.strip()


@csrf_exempt
@require_POST
def post_signals(request):
    region = external.region_for_token(_token(request))
    if region is None:
        return _error(401, "unauthorized", gettext_noop("A valid API key is required."))
    try:
        body = request.body
    except RequestDataTooBig:
        return _error(413, "too_big", gettext_noop("The request body is too large."))
    try:
        rows = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _error(400, "bad_json", gettext_noop("The body is not valid JSON."))
    if not isinstance(rows, list):
        return _error(400, "not_a_list", gettext_noop("The body must be a JSON list of signals."))
    result = external.import_signals(rows, region=region)
    if len(rows) > external.MAX_ROWS:
        return JsonResponse(result.as_dict(), status=400)
    return JsonResponse(result.as_dict(), status=207 if result.errors else 200)
