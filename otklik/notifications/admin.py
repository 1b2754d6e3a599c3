"""Webhooks in the admin: subscriptions editable, the delivery log read-only with a replay."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import webhooks
from .models import WebhookAttempt, WebhookDelivery, WebhookSubscription


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "owner", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "url", "owner__email"]
    raw_id_fields = ["owner", "token"]
    readonly_fields = ["secret", "created_at"]


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ["at", "status_code", "duration_ms", "error", "response_excerpt"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["pk", "event_type", "subscription", "state", "attempts", "created_at"]
    list_filter = ["state", "event_type"]
    list_select_related = ["subscription"]
    search_fields = ["subscription__name", "subscription__url"]
    inlines = [WebhookAttemptInline]
    actions = ["replay_deliveries"]

    @admin.action(description=_("Send the selected deliveries again"))
    def replay_deliveries(self, request, queryset):
        count = 0
        for delivery in queryset.select_related("subscription"):
            try:
                webhooks.replay(delivery)
            except ValidationError as refused:
                self.message_user(request, " ".join(refused.messages), messages.WARNING)
            else:
                count += 1
        self.message_user(
            request,
            ngettext("%(count)d delivery sent again.", "%(count)d deliveries sent again.", count)
            % {"count": count},
        )


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(ReadOnlyAdmin):
    list_display = ["delivery", "at", "status_code", "duration_ms"]
    list_filter = ["status_code"]
    raw_id_fields = ["delivery"]
