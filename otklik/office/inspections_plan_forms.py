"""Forms of the inspection pages (office/inspections_plan.py): the day and municipality of the
points, the day and organization of a plan, the teams to plan and a point to move."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

DAY_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PointsFilterForm(forms.Form):
    day = forms.DateField(
        label=pgettext_lazy("inspections", "Day"), widget=DAY_WIDGET, input_formats=["%Y-%m-%d"]
    )
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=None, empty_label=None)

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities


class PlanFilterForm(forms.Form):
    day = forms.DateField(
        label=pgettext_lazy("inspections", "Day"), widget=DAY_WIDGET, input_formats=["%Y-%m-%d"]
    )
    organization = forms.ModelChoiceField(label=_("Organization"), queryset=None, empty_label=None)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class BuildForm(PlanFilterForm):
    teams = forms.ModelMultipleChoiceField(
        label=pgettext_lazy("inspections", "Teams"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, organizations, teams, **kwargs):
        super().__init__(*args, organizations=organizations, **kwargs)
        self.fields["teams"].queryset = teams

    def clean(self):
        data = super().clean()
        organization, chosen = data.get("organization"), data.get("teams")
        if organization and chosen and any(t.organization_id != organization.pk for t in chosen):
            raise forms.ValidationError(_("Choose teams of the organization only."))
        return data


class MoveForm(forms.Form):
    point = forms.ModelChoiceField(label=_("Point"), queryset=None)
    team = forms.ModelChoiceField(label=pgettext_lazy("inspections", "To team"), queryset=None)

    def __init__(self, *args, points, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["point"].queryset = points
        self.fields["team"].queryset = teams
