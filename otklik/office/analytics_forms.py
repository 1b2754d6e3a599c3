"""The ranking settings form (office only): the weights of the index and the minimum appeals."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from otklik.analytics.ranking import COMPONENTS

# Components added after the form was first published (issue 20): left blank, they weigh 0
# (left out), so a form or script that does not know them still saves what it sets.
OPTIONAL = frozenset({"found_before_residents", "inspection_yield"})


class RankingSettingsForm(forms.Form):
    minimum_appeals = forms.IntegerField(
        label=_("Minimum appeals to be ranked"),
        min_value=1,
        max_value=100_000,
        error_messages={
            "required": _("Enter the minimum number of appeals."),
            "invalid": _("Enter a whole number."),
            "min_value": _("The minimum must be at least 1."),
            "max_value": _("The minimum must be at most 100 000."),
        },
    )

    def __init__(self, *args, labels: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for name in COMPONENTS:
            self.fields[f"weight_{name}"] = forms.DecimalField(
                label=labels.get(name, name),
                required=name not in OPTIONAL,
                min_value=0,
                max_value=10,
                max_digits=4,
                decimal_places=1,
                localize=True,
                error_messages={
                    "required": _("Enter a weight from 0 to 10."),
                    "invalid": _("Enter a number from 0 to 10, e.g. 1,5."),
                    "min_value": _("A weight cannot be negative."),
                    "max_value": _("A weight is at most 10."),
                    "max_decimal_places": _("Use at most one digit after the comma."),
                    "max_digits": _("Enter a number from 0 to 10, e.g. 1,5."),
                    "max_whole_digits": _("Enter a number from 0 to 10, e.g. 1,5."),
                },
            )

    def weight_fields(self):
        return [self[f"weight_{name}"] for name in COMPONENTS]

    def clean(self):
        data = super().clean()
        weights = [self._weight(data, name) for name in COMPONENTS]
        if all(w is not None for w in weights) and not any(weights):
            raise forms.ValidationError(_("At least one weight must be above zero."))
        return data

    def _weight(self, data: dict, name: str):
        """The weight entered; an optional one left blank (not invalid) weighs 0."""
        value = data.get(f"weight_{name}")
        if value is None and name in OPTIONAL and f"weight_{name}" not in self._errors:
            return 0
        return value

    def weights(self) -> dict[str, float]:
        return {name: float(self._weight(self.cleaned_data, name)) for name in COMPONENTS}
