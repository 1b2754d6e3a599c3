"""Forms of the instruction pages: issue, report, and the issuer's decisions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from otklik.appeals.services import MAX_TEXT
from otklik.control.instructions import parse_numbers
from otklik.control.models import Instruction

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]


class IssueForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=None,
        empty_label=_("— choose the organization —"),
        error_messages={
            "required": _("Choose the organization."),
            "invalid_choice": _("Choose an organization from the list."),
        },
    )
    text = forms.CharField(
        label=_("Instruction"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Write the instruction.")},
    )
    due_date = forms.DateField(
        label=_("Deadline"),
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Enter the deadline."),
            "invalid": _("Enter the deadline as a date, e.g. 31.12.2026."),
        },
    )
    appeals = forms.CharField(
        label=_("Appeal numbers"),
        required=False,
        max_length=2000,
        help_text=_("Separated by spaces or commas, e.g. 48-2026-000123, 48-2026-000124."),
    )
    address = forms.CharField(label=_("Address or place"), required=False, max_length=500)
    latitude = forms.FloatField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    longitude = forms.FloatField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations

    def clean_appeals(self) -> list[str]:
        return parse_numbers(self.cleaned_data["appeals"])

    def clean(self):
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            data["latitude"] = data["longitude"] = None
        return data


class CallInstructionForm(forms.Form):
    """An instruction raised from a failed control call: addressee, text and deadline."""

    organization = IssueForm.base_fields["organization"]
    text = IssueForm.base_fields["text"]
    due_date = IssueForm.base_fields["due_date"]

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class ReportForm(forms.Form):
    text = forms.CharField(
        label=_("What was done"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write what was done.")},
    )


class CommentForm(forms.Form):
    """Accept (comment optional), return or cancel (comment required)."""

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].required = required
        self.fields["comment"].error_messages["required"] = _("Write a comment.")


class FilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("any")), *Instruction.State.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    organization = forms.ModelChoiceField(
        label=_("Organization"), required=False, queryset=None, empty_label=_("any")
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
