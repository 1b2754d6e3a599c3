"""The form of «report a problem»: category, point, address, text. Photos are handled by the
view (several files, kept as drafts between attempts)."""

from __future__ import annotations

from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from otklik.appeals.services import MAX_TEXT
from otklik.directory.address_text import find_address_in_text
from otklik.directory.models import Category, Region
from otklik.directory.services import find_municipality

from .forms import PhoneField

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
