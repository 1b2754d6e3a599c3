"""Forms of the second factor: a code from the app, or a recovery code."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class _Form(forms.Form):
    """Labels without the colon, as on the other login pages."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class CodeForm(_Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=12,
        help_text=_("Six digits from your authenticator app."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "maxlength": "12",
                "autofocus": True,
            }
        ),
    )


class RecoveryCodeForm(_Form):
    recovery_code = forms.CharField(
        label=_("Recovery code"),
        max_length=40,
        help_text=_("One of the codes you saved when you set up the app; each works once."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
    )
