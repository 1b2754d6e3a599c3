"""Form fields of accounts shared by every interface (the citizen's portal, the office)."""

from __future__ import annotations

from django import forms

from .phones import INVALID, normalize_phone


class PhoneField(forms.CharField):
    """An optional Russian phone number, normalised to +7XXXXXXXXXX (accounts/phones.py)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("error_messages", {"max_length": INVALID})
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        return normalize_phone(super().clean(value))
