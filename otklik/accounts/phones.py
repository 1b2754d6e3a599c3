"""Russian phone numbers as people type them, normalised to +7XXXXXXXXXX.

«8 (900) 123-45-67», «+7 900 1234567» and «9001234567» are the same number; what cannot be a
Russian number gets an error saying how to write one.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALLOWED = re.compile(r"^\+?[0-9 ()\-.]+$")
NON_DIGITS = re.compile(r"\D+")
INVALID = _("Enter a Russian phone number: +7 and 10 digits, e.g. +7 912 345-67-89.")


def normalize_phone(value: str) -> str:
    """+7 and ten digits, or "" for an empty value; raises ValidationError otherwise."""
    value = (value or "").strip()
    if not value:
        return ""
    if not ALLOWED.match(value):
        raise ValidationError(INVALID, code="phone")
    digits = NON_DIGITS.sub("", value)
    if value.startswith("+") and not digits.startswith("7"):
        raise ValidationError(INVALID, code="phone")  # another country's code, or «+8»
    if len(digits) == 11 and digits[0] in "78":
        digits = digits[1:]
    elif len(digits) != 10 or value.startswith("+"):
        raise ValidationError(INVALID, code="phone")
    if digits[0] in "0127":
        # No Russian area or mobile code starts so (3xx–9xx are the geographic and mobile ones).
        raise ValidationError(INVALID, code="phone")
    return f"+7{digits}"
