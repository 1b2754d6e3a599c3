from django.contrib import admin

from .models import Answer, Appeal, AppealEvent, Attachment, Postponement, Rating


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


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    """Read-only here: every change to an appeal goes through the services (and the history)."""

    list_display = ["number", "status", "category", "municipality", "executor", "due_at"]
    list_filter = ["status", "channel", "region", "municipality"]
    search_fields = ["number", "text", "address"]
    date_hierarchy = "created_at"
    list_select_related = ["category", "category__parent", "municipality", "executor"]
    inlines = [AttachmentInline, EventInline]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AppealEvent)
class AppealEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "appeal", "action", "actor", "from_status", "to_status"]
    list_filter = ["action"]
    search_fields = ["appeal__number"]
    raw_id_fields = ["appeal", "actor"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Answer, Postponement, Rating)
class ReadOnlyAdmin(admin.ModelAdmin):
    raw_id_fields = ["appeal"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
