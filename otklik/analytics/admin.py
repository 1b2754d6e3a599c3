from django.contrib import admin

from .models import WeeklyForecast


@admin.register(WeeklyForecast)
class WeeklyForecastAdmin(admin.ModelAdmin):
    """Forecasts are made by the weekly job (`manage.py forecast_appeals`), never by hand: a
    forecast changed after its week began would falsify «точность прогноза». Read only."""

    list_display = ["week", "group", "municipality", "expected", "low", "high", "made_at"]
    list_filter = ["region", "week", "group"]
    list_select_related = ["group", "municipality"]
    date_hierarchy = "week"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
