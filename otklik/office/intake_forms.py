"""Forms of appeals entered by staff: a caller on the phone, a field team's report. They build
on the citizen's report form (category, point, address, text); photos are the view's."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import phone_validator
from otklik.appeals.forms import ReportForm
from otklik.directory.models import Municipality, Region
from otklik.directory.services import find_municipality

OUTSIDE = _("The point is outside the territory of the region.")


class PhoneEntryForm(ReportForm):
    """What the caller says. Without a pin on the map the municipality is required."""

    full_name = forms.CharField(
        label=_("Caller's name"),
        max_length=200,
        error_messages={"required": _("Write the caller's name.")},
    )
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=32,
        validators=[phone_validator],
    )
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        help_text=_("If given, the caller gets letters about the appeal and can log in later."),
        error_messages={"invalid": _("Enter a valid e-mail address.")},
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose a municipality from the list.")},
    )
    is_public = forms.BooleanField(label=_("May be shown publicly"), required=False)

    field_order = [
        "full_name",
        "phone",
        "email",
        "category",
        "municipality",
        "latitude",
        "longitude",
        "address",
        "text",
        "is_public",
    ]

    def __init__(self, *args, region: Region, categories, **kwargs):
        super().__init__(*args, region=region, categories=categories, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.filter(region=region)

    def clean(self):
        data = forms.Form.clean(self)
        if not data.get("phone") and not data.get("email") and "phone" not in self.errors:
            self.add_error("phone", _("Write the caller's phone or e-mail."))
        if "latitude" in self.errors or "longitude" in self.errors:
            return data
        lat, lon = data.get("latitude"), data.get("longitude")
        if (lat is None) != (lon is None):
            self.add_error("latitude", _("Mark the place on the map."))
        elif lat is not None:
            found = find_municipality(region=self.region, lat=lat, lon=lon)
            if found is None:
                self.add_error("latitude", OUTSIDE)
            elif data.get("municipality") is None:
                data["municipality"] = found
        elif data.get("municipality") is None and "municipality" not in self.errors:
            self.add_error(
                "municipality", _("Choose the municipality or mark the place on the map.")
            )
        return data


class FieldReportForm(ReportForm):
    """A field team's report: the point (their location or a pin) is required, as for a
    citizen's report."""
