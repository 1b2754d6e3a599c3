"""API errors as JSON with the message in Russian and English."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _


def bilingual(message, params: dict | None = None) -> tuple[str, str]:
    """`message` (a gettext_noop string or a lazy one) in Russian and in English."""
    result = []
    for language in ("ru", "en"):
        with translation.override(language):
            text = _(str(message)) if isinstance(message, str) else str(message)
            result.append(text % params if params else text)
    return result[0], result[1]


def error(status: int, code: str, message, params: dict | None = None, **extra) -> JsonResponse:
    ru, en = bilingual(message, params)
    body = {"error": code, "message_ru": ru, "message_en": en, **extra}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
