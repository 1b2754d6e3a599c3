from django.contrib import admin

from .models import ClusterRule, ExternalSignal, Incident, IncidentAlert, SignalToken


@admin.register(ClusterRule)
class ClusterRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "radius_m", "window_hours", "min_appeals", "whole_group")
    autocomplete_fields = ("category",)


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ("title", "state", "appeal_count", "address_count", "last_appeal_at")
    list_filter = ("state", "region")
    search_fields = ("title",)
    readonly_fields = [field.name for field in Incident._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(IncidentAlert)
class IncidentAlertAdmin(admin.ModelAdmin):
    list_display = ("incident", "step", "reason", "appeal_count", "recipients", "created_at")
    readonly_fields = [field.name for field in IncidentAlert._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(SignalToken)
class SignalTokenAdmin(admin.ModelAdmin):
    """Keys are made by `manage.py signal_token` (it prints the key once); here they are
    listed and switched off."""

    list_display = ("name", "region", "is_active", "created_at", "last_used_at")
    list_filter = ("is_active", "region")
    readonly_fields = ("region", "token_hash", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False


@admin.register(ExternalSignal)
class ExternalSignalAdmin(admin.ModelAdmin):
    list_display = ("source", "external_id", "state", "posted_at", "incident")
    list_filter = ("state", "source", "region")
    search_fields = ("external_id", "text")
    raw_id_fields = ("incident", "appeal", "predicted_category", "municipality", "decided_by")
