"""Forms of the moderation queue: its filters, the merge and the bulk actions. They parse input
only; the decisions are the services'. The accept, reject and clarify forms are shared with the
REST API (appeals/forms.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from otklik.appeals.forms import rejection_reasons, reportable_categories
from otklik.appeals.models import Channel
from otklik.directory.models import Municipality, RejectionReason

BULK_LIMIT = 200


class QueueFilterForm(forms.Form):
    """The queue's filters; a bad value is ignored, never an error page."""

    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=Municipality.objects.none(), required=False
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=reportable_categories(), required=False
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("any")), *Channel.choices], required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.order_by("name")

    def values(self) -> dict:
        """The valid filters only (a field with a bad value is left out)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data[name] for name in self.fields if data.get(name)}


class MergeForm(forms.Form):
    """The original is a candidate picked from the list or a number typed in (which wins)."""

    candidate = forms.CharField(required=False, max_length=20)
    into = forms.CharField(
        label=_("Number of the original appeal"),
        required=False,
        max_length=20,
        error_messages={"max_length": _("No appeal with this number was found.")},
    )

    def clean(self):
        data = super().clean()
        data["target"] = (data.get("into") or "").strip() or (data.get("candidate") or "").strip()
        if not data["target"] and not self.errors:
            self.add_error("into", _("Enter the number of the original appeal."))
        return data


class BulkForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("accept", _("Accept")), ("reject", _("Reject"))],
        error_messages={
            "required": _("Choose what to do with the selected appeals."),
            "invalid_choice": _("Choose what to do with the selected appeals."),
        },
    )
    reason = forms.ModelChoiceField(
        queryset=RejectionReason.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose a reason from the list.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = rejection_reasons()

    def clean(self):
        data = super().clean()
        if data.get("action") == "reject" and not data.get("reason"):
            self.add_error("reason", _("Choose a reason for rejection."))
        return data
