"""Forms of the incident and signal pages: the list filters and the incident's title."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy

from otklik.directory.models import Category, Municipality
from otklik.incidents import services
from otklik.incidents.models import ExternalSignal, Incident

State = Incident.State


class IncidentFilter(forms.Form):
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        required=False,
        choices=[("", gettext_lazy("active first, all")), *State.choices],
    )
    municipality = forms.ModelChoiceField(
        label=gettext_lazy("Municipality"),
        queryset=Municipality.objects.none(),
        required=False,
        empty_label=gettext_lazy("all"),
    )
    category = forms.ModelChoiceField(
        label=gettext_lazy("Category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=gettext_lazy("all"),
    )

    def __init__(self, *args, incidents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.filter(
            Q(region_id__in=incidents.values("region_id"))
            | Q(pk__in=incidents.values("municipality_id"))
        ).order_by("name")
        self.fields["category"].queryset = Category.objects.select_related("parent").order_by(
            "parent__position", "parent__name", "position", "name"
        )


class RenameForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Title"),
        required=False,
        max_length=services.MAX_TITLE,
        help_text=gettext_lazy("Leave empty to bring the generated title back."),
    )


class SignalFilter(forms.Form):
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        required=False,
        choices=[
            ("", gettext_lazy("to be dealt with")),
            ("all", gettext_lazy("all")),
            *ExternalSignal.State.choices,
        ],
    )
