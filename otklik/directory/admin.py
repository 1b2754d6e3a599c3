from django.contrib import admin

from .address_import import refresh_street_centres
from .models import (
    CalendarDay,
    Category,
    CategoryAttribute,
    House,
    Municipality,
    Organization,
    Region,
    RejectionReason,
    RoutingRule,
    Street,
)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "time_zone"]
    search_fields = ["name", "code"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "oktmo", "region"]
    list_filter = ["region", "kind"]
    search_fields = ["name", "oktmo"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "municipality", "phone", "contact_name", "is_active"]
    list_filter = ["kind", "is_active", "region", "municipality"]
    search_fields = ["name", "short_name", "contact_name"]
    autocomplete_fields = ["municipality", "parent"]
    list_select_related = ["municipality"]


class SubcategoryInline(admin.TabularInline):
    model = Category
    fk_name = "parent"
    extra = 0
    fields = ["code", "name", "answer_days", "answer_days_unit", "is_public", "is_active"]


class CategoryAttributeInline(admin.StackedInline):
    """The category's questions (Open311's service definition)."""

    model = CategoryAttribute
    extra = 0
    fields = [
        ("code", "order", "is_active"),
        ("datatype", "required", "variable"),
        "description",
        "datatype_description",
        "values",
    ]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "answer_days", "answer_days_unit", "is_public", "is_active"]
    list_filter = ["parent", "answer_days_unit", "is_public", "is_active"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]
    inlines = [SubcategoryInline, CategoryAttributeInline]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["category", "municipality", "organization", "priority", "is_active"]
    list_filter = ["is_active", "municipality"]
    search_fields = ["category__name", "organization__name"]
    autocomplete_fields = ["category", "municipality", "organization"]
    list_select_related = ["category", "category__parent", "municipality", "organization"]


@admin.register(RejectionReason)
class RejectionReasonAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_active"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name", "region", "source"]
    list_filter = ["kind", "source", "region"]
    date_hierarchy = "date"
    search_fields = ["name"]


class HouseInline(admin.TabularInline):
    model = House
    extra = 0
    fields = ["number", "latitude", "longitude", "fias_id"]


@admin.register(Street)
class StreetAdmin(admin.ModelAdmin):
    """The address register (imported with `manage.py import_addresses`, seeded by the demo)."""

    list_display = ["name", "settlement", "municipality", "center_lat", "center_lon"]
    list_filter = ["region", "municipality"]
    search_fields = ["name", "settlement", "search_key"]
    autocomplete_fields = ["municipality"]
    list_select_related = ["municipality"]
    inlines = [HouseInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        street = form.instance
        refresh_street_centres(region=street.region, street_ids=[street.pk])
