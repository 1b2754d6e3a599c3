"""Forms of the review pages: the queue's search. Publishing or returning an answer and deciding a
postponement request use the forms shared with the REST API (appeals/forms.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class QueueSearchForm(forms.Form):
    """The review queue's search: an appeal's number, or words of its text or address. An
    invalid value (too long, a null character) is ignored, never an error page."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)

    def query(self) -> str:
        return self.cleaned_data.get("q", "") if self.is_valid() else ""
