from django.contrib import admin

from .models import FieldTeam, InspectionPlan, InspectionPoint, PlanStop, PointProposal, SeasonRule


@admin.register(SeasonRule)
class SeasonRuleAdmin(admin.ModelAdmin):
    """The administrator's lever: which seasons bring which fixed places back into view."""

    list_display = (
        "name",
        "category",
        "start_month",
        "start_day",
        "end_month",
        "end_day",
        "weight",
        "is_active",
    )
    list_filter = ("is_active",)
    list_editable = ("weight", "is_active")
    autocomplete_fields = ("category",)


@admin.register(FieldTeam)
class FieldTeamAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "municipality", "shift_start", "shift_end", "is_active")
    list_filter = ("is_active", "municipality")
    search_fields = ("name", "organization__name", "organization__short_name")
    raw_id_fields = ("organization", "municipality")
    filter_horizontal = ("members",)


@admin.register(InspectionPoint)
class InspectionPointAdmin(admin.ModelAdmin):
    list_display = ("day", "municipality", "address", "score", "status")
    list_filter = ("status", "municipality")
    date_hierarchy = "day"
    search_fields = ("address",)
    raw_id_fields = ("municipality", "result_appeal", "checked_by")
    readonly_fields = ("key", "score", "reasons", "sources", "category_ids", "created_at")


class PlanStopInline(admin.TabularInline):
    model = PlanStop
    extra = 0
    raw_id_fields = ("point", "team")
    readonly_fields = ("eta", "leave_at", "travel_km", "drop_reason")


@admin.register(InspectionPlan)
class InspectionPlanAdmin(admin.ModelAdmin):
    list_display = (
        "day",
        "organization",
        "visited_count",
        "dropped_count",
        "total_km",
        "solve_seconds",
    )
    date_hierarchy = "day"
    raw_id_fields = ("organization", "created_by")
    readonly_fields = [field.name for field in InspectionPlan._meta.fields]
    inlines = [PlanStopInline]

    def has_add_permission(self, request):
        return False


@admin.register(PointProposal)
class PointProposalAdmin(admin.ModelAdmin):
    list_display = ("day", "municipality", "candidates", "points", "made_at")
    readonly_fields = [field.name for field in PointProposal._meta.fields]

    def has_add_permission(self, request):
        return False
