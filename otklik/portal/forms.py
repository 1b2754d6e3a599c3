"""Forms of the appeal page: the rating, the clarification, the follow-up questionnaire."""

from django import forms
from django.utils.translation import gettext_lazy as _

from otklik.appeals.services import MAX_TEXT

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Your score of the answer"),
        choices=[(i, str(i)) for i in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a score from 1 to 5.")},
    )
    solved = forms.ChoiceField(
        label=_("Is the problem really solved?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the problem is solved.")},
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "If the problem is not solved, say what is still wrong: it goes into the repeat appeal."
        ),
    )


class ClarificationForm(forms.Form):
    text = forms.CharField(
        label=_("Your clarification"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write your clarification.")},
    )


class FollowUpForm(forms.Form):
    lasted = forms.ChoiceField(
        label=_("Has the result lasted?"),
        choices=[("yes", _("Yes, everything is still fine")), ("no", _("No, the problem is back"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose an answer.")},
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
