from django.contrib import admin
from django.contrib.admin.utils import unquote

from . import personal_data
from .models import (
    Answer,
    Appeal,
    AppealEvent,
    Attachment,
    PersonalDataAccess,
    Postponement,
    Rating,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyInline):
    model = AppealEvent
    fields = ["created_at", "action", "actor", "from_status", "to_status", "comment", "is_public"]
    readonly_fields = fields


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["file", "original_name", "size", "width", "height", "answer", "created_at"]
    readonly_fields = fields


class ReadOnlyMixin:
    """Records nobody adds, changes or deletes by hand: appeals change through the services,
    history and logs never change."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Appeal)
class AppealAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Read-only here: every change to an appeal goes through the services (and the history)."""

    list_display = ["number", "status", "category", "municipality", "executor", "due_at"]
    list_filter = ["status", "channel", "region", "municipality"]
    search_fields = ["number", "text", "address"]
    date_hierarchy = "created_at"
    list_select_related = ["category", "category__parent", "municipality", "executor"]
    inlines = [AttachmentInline, EventInline]
    show_full_result_count = False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        # The page shows the applicant and the caller's contacts: logged like the office's.
        if request.method == "GET" and response.status_code == 200:
            appeal = self.get_object(request, unquote(object_id))
            if appeal is not None:
                personal_data.record_access(
                    viewer=request.user,
                    appeals=[appeal],
                    shown=personal_data.Shown.ADMIN_APPEAL,
                    request=request,
                )
        return response


@admin.register(AppealEvent)
class AppealEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "appeal", "action", "actor", "from_status", "to_status"]
    list_filter = ["action"]
    search_fields = ["appeal__number"]
    raw_id_fields = ["appeal", "actor"]
    show_full_result_count = False


@admin.register(Answer, Postponement, Rating)
class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    raw_id_fields = ["appeal"]


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The personal data access log for auditors: read-only, never changed or deleted."""

    list_display = [
        "created_at",
        "viewer",
        "appeal",
        "shown",
        "api_token",
        "client_ip",
        "request_id",
    ]
    list_filter = ["shown", "created_at"]
    search_fields = [
        "appeal__number",
        "viewer__email",
        "client_ip",
        "request_id",
        "api_token__prefix",
    ]
    date_hierarchy = "created_at"
    list_select_related = ["viewer", "appeal", "api_token"]
    raw_id_fields = ["viewer", "appeal", "api_token"]
    show_full_result_count = False
