"""Forms of the review pages: publish or return an answer, decide a postponement request."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from otklik.appeals.models import Answer
from otklik.appeals.services import MAX_TEXT


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


class QueueSearchForm(forms.Form):
    """The review queue's search: an appeal's number, or words of its text or address. An
    invalid value (too long, a null character) is ignored, never an error page."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)

    def query(self) -> str:
        return self.cleaned_data.get("q", "") if self.is_valid() else ""
