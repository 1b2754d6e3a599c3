"""Forms of the executor's work: the inbox filters, the appeal page's panels, the answer and the
answer templates. They parse and check input only; every write is a service call in the view. The
postponement request and the redirect are shared with the REST API (appeals/forms.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from otklik.appeals.forms import ANSWER_RESOLUTIONS
from otklik.appeals.services import MAX_TEXT, MIN_ANSWER_TEXT
from otklik.appeals.workflow import Resolution
from otklik.lib.widgets import QuickSelect

# Inbox filters: status groups and deadline classes (values are stable URL parameters).
STATUS_FILTERS = [
    ("", _("in work and on review")),
    ("in_progress", _("in work")),
    ("answer_review", _("answer on review")),
    ("returned", _("returned for rework")),
    ("all", _("all, answered included")),
]
DEADLINE_FILTERS = [
    ("", _("any")),
    ("overdue", _("overdue")),
    ("today", _("due today")),
    ("soon", _("due within 2 working days")),
]
# Inbox order: what needs action today first (appeals/priority.py), or the deadline alone.
ORDER_CHOICES = [
    ("", _("what to do first")),
    ("deadline", _("nearest deadline")),
]


class InboxFilterForm(forms.Form):
    """The inbox's GET filters; an invalid value is ignored, never an error page."""

    status = forms.ChoiceField(label=_("Status"), choices=STATUS_FILTERS, required=False)
    deadline = forms.ChoiceField(label=_("Deadline"), choices=DEADLINE_FILTERS, required=False)
    # Every category of the organization's appeals: a long list, written without a template
    # per option.
    category = forms.TypedChoiceField(
        label=_("Category"), coerce=int, required=False, widget=QuickSelect
    )
    assignee = forms.CharField(label=_("Responsible"), required=False, max_length=20)
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    order = forms.ChoiceField(label=_("Order"), choices=ORDER_CHOICES, required=False)

    def __init__(self, data, *, categories, colleagues):
        super().__init__(data)
        self.fields["category"].choices = [("", _("any")), *((c.pk, str(c)) for c in categories)]
        self.colleagues = colleagues

    def value(self, name: str):
        """The cleaned value of a filter, or empty when it was missing or invalid."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        if name in self.errors:
            return ""
        return self.cleaned_data.get(name) or ""


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Internal comment"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Seen by staff only, never by the applicant."),
        error_messages={"required": _("Write the comment.")},
    )


class DelegateForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Employee"),
        queryset=None,
        required=False,
        empty_label=_("— nobody —"),
    )

    def __init__(self, *args, colleagues, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = colleagues


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=_("Answer to the applicant"),
        min_length=MIN_ANSWER_TEXT,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={
            "required": _("Write the answer."),
            "min_length": _("Write what was done: at least %(limit_value)s characters."),
        },
    )
    resolution = forms.ChoiceField(
        label=_("Outcome"),
        choices=ANSWER_RESOLUTIONS,
        initial=Resolution.SOLVED,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the outcome of the appeal.")},
    )
    acknowledged = forms.BooleanField(
        label=_("I have seen the remarks and send it anyway"), required=False
    )


class AnswerTemplateForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Organization"), queryset=None)
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=None,
        required=False,
        empty_label=_("— any category —"),
        help_text=_("Offered first for appeals of this category."),
    )
    text = forms.CharField(
        label=_("Text"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 8})
    )

    def __init__(self, *args, organizations, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["category"].queryset = categories
        if organizations.count() == 1:
            self.fields["organization"].widget = forms.HiddenInput()
            self.fields["organization"].initial = organizations.first()
