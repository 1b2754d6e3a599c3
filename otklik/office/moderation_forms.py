"""Forms of the moderation page and of the queue's bulk actions: they parse input only; the
decisions are the services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from otklik.appeals.models import Channel
from otklik.appeals.services import MAX_TEXT
from otklik.directory.models import Municipality, Organization, Region, RejectionReason
from otklik.portal.report_forms import reportable_categories

# Reasons the system sets by itself (a merge, an unanswered clarification request).
SYSTEM_REASONS = ("duplicate", "no_clarification")
NOT_COMPETENT = "not_competent"
BULK_LIMIT = 200


def rejection_reasons():
    return RejectionReason.objects.filter(is_active=True).exclude(code__in=SYSTEM_REASONS)


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


class AcceptForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=reportable_categories(),
        error_messages={
            "required": _("Choose a category."),
            "invalid_choice": _("Choose a category from the list."),
        },
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose a municipality from the list.")},
    )
    executor = forms.ModelChoiceField(
        label=_("Executor"),
        queryset=Organization.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose an executor from the list.")},
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, region: Region, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.filter(region=region)
        self.fields["executor"].queryset = Organization.objects.filter(
            region=region, is_active=True
        )


class RejectForm(forms.Form):
    reason = forms.ModelChoiceField(
        label=_("Reason"),
        queryset=RejectionReason.objects.none(),
        error_messages={
            "required": _("Choose a reason for rejection."),
            "invalid_choice": _("Choose a reason from the list."),
        },
    )
    comment = forms.CharField(
        label=_("Comment for the applicant"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = rejection_reasons()

    def clean(self):
        data = super().clean()
        reason = data.get("reason")
        if reason is not None and reason.code == NOT_COMPETENT and not data.get("comment"):
            self.add_error(
                "comment", _("Name the body the question belongs to, so the applicant knows.")
            )
        return data


class ClarifyForm(forms.Form):
    question = forms.CharField(
        label=_("What must the applicant clarify"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write what must be clarified.")},
    )


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
