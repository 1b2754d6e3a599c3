"""Forms shared by every interface that files or handles appeals (the citizen's portal, the
office, the REST API). They parse and check input only; every decision is a service's.

The filing form: category, point, address, text (photos are the view's, kept as drafts between
attempts). The command forms: moderation (accept, reject, clarify), review (publish or return an
answer, decide a postponement) and the executor's redirect and postponement request."""

from __future__ import annotations

import uuid

from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from otklik.accounts.forms import PhoneField
from otklik.directory.address_text import find_address_in_text
from otklik.directory.models import Category, Municipality, Organization, Region, RejectionReason
from otklik.directory.services import find_municipality

from .models import Answer
from .services import MAX_TEXT
from .workflow import Resolution

# Reasons the system sets by itself (a merge, an unanswered clarification request).
SYSTEM_REASONS = ("duplicate", "no_clarification")
NOT_COMPETENT = "not_competent"
DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]
ANSWER_RESOLUTIONS = [
    (Resolution.SOLVED, _("solved")),
    (Resolution.EXPLAINED, _("explained")),
    (Resolution.REFUSED, _("refused")),
]


def form_key(value: str | None) -> str:
    """A form's idempotency key: kept if it is a real UUID, made anew otherwise."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return str(uuid.uuid4())


# ---------------------------------------------------------------------------- filing


PIN_MISSING = _("Mark the place on the map.")


def reportable_categories():
    """Active categories a citizen can choose: leaves (no active subtopics) of active parents."""
    active_children = Category.objects.filter(parent=OuterRef("pk"), is_active=True)
    return (
        Category.objects.filter(is_active=True)
        .exclude(parent__is_active=False)
        .exclude(Exists(active_children))
        .select_related("parent")
        .order_by("parent__position", "parent__name", "position", "name")
    )


def category_groups(categories) -> list[tuple[str, list[Category]]]:
    """Categories grouped under their parent's name for the <optgroup>s ("" for top-level)."""
    groups: dict[str, list[Category]] = {}
    for category in categories:
        groups.setdefault(category.parent.name if category.parent_id else "", []).append(category)
    return sorted(groups.items(), key=lambda item: item[0] != "")


class PointInput(forms.TextInput):
    input_type = "text"

    def __init__(self):
        super().__init__(attrs={"inputmode": "decimal", "autocomplete": "off"})


class ReportForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("What is the problem about"),
        queryset=Category.objects.none(),
        error_messages={
            "required": _("Choose a category."),
            "invalid_choice": _("Choose a category from the list."),
        },
    )
    latitude = forms.FloatField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        widget=PointInput(),
        error_messages={"invalid": PIN_MISSING},
    )
    longitude = forms.FloatField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        widget=PointInput(),
        error_messages={"invalid": PIN_MISSING},
    )
    address = forms.CharField(
        label=_("Address or landmark"),
        required=False,
        max_length=500,
        help_text=_("For example: Moskovskaya street 12, by the second entrance."),
        error_messages={"max_length": _("The address is too long: at most 500 characters.")},
    )
    text = forms.CharField(
        label=_("Describe the problem"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": _("Describe the problem."),
            "max_length": _("The text is too long: at most %(limit_value)d characters."),
        },
    )

    phone = PhoneField(
        label=_("Phone for a call back (optional)"),
        help_text=_(
            "The executor or the control centre may call you about this problem. Never shown "
            "in public."
        ),
    )
    save_phone = forms.BooleanField(label=_("Save this number in my profile"), required=False)

    def __init__(self, *args, region: Region, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.region = region
        self.fields["category"].queryset = categories

    def clean(self):
        data = super().clean()
        lat, lon = data.get("latitude"), data.get("longitude")
        if "latitude" in self.errors or "longitude" in self.errors:
            return data
        if (lat is None or lon is None) and data.get("address"):
            # No pin (no script, no map): the house of the register the address names, if one.
            found = find_address_in_text(region=self.region, text=data["address"])
            if found is not None:
                lat = data["latitude"] = found.match.latitude
                lon = data["longitude"] = found.match.longitude
        if lat is None or lon is None:
            self.add_error("latitude", PIN_MISSING)
            return data
        data["municipality"] = find_municipality(region=self.region, lat=lat, lon=lon)
        if data["municipality"] is None:
            self.add_error("latitude", _("The point is outside the territory of the region."))
        return data


# ---------------------------------------------------------------------------- moderation


def rejection_reasons():
    return RejectionReason.objects.filter(is_active=True).exclude(code__in=SYSTEM_REASONS)


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


# ---------------------------------------------------------------------------- review


class PublishForm(forms.Form):
    """Publishing an answer; a flagged one needs the operator's word on why it is not a formal
    reply."""

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, flagged: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.flagged = flagged
        if flagged:
            self.fields["comment"].label = _("Why this is not a formal reply")
            self.fields["comment"].help_text = _(
                "The automatic check flagged this answer: say why it may still be published."
            )

    def clean_comment(self) -> str:
        comment = self.cleaned_data["comment"].strip()
        if self.flagged and not comment:
            raise forms.ValidationError(
                _("The answer was flagged as a formal reply: explain why you publish it.")
            )
        return comment


class ReturnForm(forms.Form):
    """Returning an answer for rework with the criteria it failed."""

    reasons = forms.MultipleChoiceField(
        label=_("Reasons for rework"),
        choices=Answer.ReworkReason.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one reason for rework.")},
    )
    comment = forms.CharField(
        label=_("Comment for the executor"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the reason is «other»."),
    )

    def clean(self):
        data = super().clean()
        reasons = data.get("reasons") or []
        if Answer.ReworkReason.OTHER in reasons and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Describe the reason «other» in the comment."))
        return data


class DecisionForm(forms.Form):
    """Approving or refusing a postponement request; a refusal and any decision on a repeated
    postponement need a comment."""

    APPROVE, REFUSE = "approve", "refuse"

    decision = forms.ChoiceField(
        choices=[(APPROVE, _("approve")), (REFUSE, _("refuse"))],
        error_messages={"required": _("Choose a decision.")},
    )
    comment = forms.CharField(
        label=_("Decision comment"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, repeated: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.repeated = repeated
        if repeated:
            self.fields["comment"].help_text = _(
                "A repeated postponement counts in the ranking: a comment is required."
            )
        else:
            self.fields["comment"].help_text = _("Required when the request is refused.")

    def clean(self):
        data = super().clean()
        comment = (data.get("comment") or "").strip()
        data["comment"] = comment
        if not comment and (self.repeated or data.get("decision") == self.REFUSE):
            message = (
                _("A repeated postponement needs a comment on the decision.")
                if self.repeated
                else _("Write why the request is refused.")
            )
            self.add_error("comment", message)
        return data


# -------------------------------------------------------------------------- the executor's commands


class PostponeForm(forms.Form):
    new_due_date = forms.DateField(
        label=_("New deadline"),
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Choose the new deadline."),
            "invalid": _("Enter the date as DD.MM.YYYY."),
        },
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Explain why the deadline must move.")},
    )


class RedirectForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is not our competence"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write why the appeal is redirected.")},
    )
    to_executor = forms.ModelChoiceField(
        label=_("Hand it to"),
        queryset=None,
        required=False,
        empty_label=_("— back to routing —"),
    )

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organizations is None:
            del self.fields["to_executor"]
        else:
            self.fields["to_executor"].queryset = organizations
