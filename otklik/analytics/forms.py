"""The period and scope of a figure page or API call, from the query string (office and API)."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from otklik.analytics.figures import Period

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
LONGEST_DAYS = 10 * 366
MAX_ID = 2**31 - 1
PERIOD_KINDS = [
    ("week", _("week")),
    ("month", _("month")),
    ("quarter", _("quarter")),
    ("year", _("year")),
    ("twelve_months", _("twelve months")),
    ("custom", _("custom dates")),
]
DEFAULT_KIND = "month"


def _date_field(label):
    return forms.DateField(
        label=label,
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date, e.g. 31.12.2026.")},
    )


def _id_field(label):
    return forms.IntegerField(label=label, required=False, min_value=1, max_value=MAX_ID)


class PeriodForm(forms.Form):
    """`?period=month&day=2026-03-10` (the period of that kind around the day) or
    `?period=custom&start=…&end=…` (whole days, the end included)."""

    period = forms.ChoiceField(label=_("Period"), required=False, choices=PERIOD_KINDS)
    day = _date_field(_("Day in the period"))
    start = _date_field(_("From"))
    end = _date_field(_("To"))

    def __init__(self, data=None, *args, today: date, **kwargs):
        if data is not None and not data.get("period"):
            # The select shows the period the page shows when none was asked for.
            data = data.copy()
            data["period"] = DEFAULT_KIND
        super().__init__(data, *args, **kwargs)
        self.today = today
        self.fields["period"].error_messages["invalid_choice"] = _("Choose a period from the list.")

    def clean(self):
        data = super().clean()
        for name in ("day", "start", "end"):
            value = data.get(name)
            if value is not None and not EARLIEST <= value <= LATEST:
                self.add_error(name, _("Enter a date between 01.01.2000 and 31.12.2100."))
        if data.get("period") == "custom" and not self.errors:
            start, end = data.get("start"), data.get("end")
            if start is None or end is None:
                self.add_error(None, _("Enter both the first and the last day of the period."))
            elif end < start:
                self.add_error("end", _("The last day of the period is before the first one."))
            elif (end - start).days >= LONGEST_DAYS:
                self.add_error("end", _("A period may be at most ten years long."))
        return data

    def period_or_default(self) -> Period:
        """The period asked for; the current month when the form is invalid or empty."""
        default = Period.of(DEFAULT_KIND, self.today)
        if not self.is_valid():
            return default
        data = self.cleaned_data
        kind = data.get("period") or DEFAULT_KIND
        if kind == "custom":
            return Period(data["start"], data["end"] + timedelta(days=1), "custom")
        return Period.of(kind, data.get("day") or self.today)


class ScopeForm(forms.Form):
    """Ids of the scope in the query string; whether the user may see them is decided later
    (analytics.scope.resolve)."""

    region = _id_field(_("Region"))
    municipality = _id_field(_("Municipality"))
    organization = _id_field(_("Organization"))
    category = _id_field(_("Category"))
