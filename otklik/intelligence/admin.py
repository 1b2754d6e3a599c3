from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import RegionIntelligence, TrainedModel
from .training import activate


@admin.register(RegionIntelligence)
class RegionIntelligenceAdmin(admin.ModelAdmin):
    list_display = ["region", "auto_route", "auto_route_threshold", "retrain_every_days"]
    list_editable = ["auto_route", "auto_route_threshold", "retrain_every_days"]


@admin.register(TrainedModel)
class TrainedModelAdmin(admin.ModelAdmin):
    """Versions are made by training (`manage.py train_models`), never by hand: read only,
    except for putting another version in use."""

    list_display = ["__str__", "region", "kind", "version", "created_at", "macro_f1", "is_active"]
    list_filter = ["kind", "is_active", "region"]
    actions = ["put_in_use"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("macro-F1"))
    def macro_f1(self, obj):
        return obj.metrics.get("macro_f1", "—")

    @admin.action(description=_("Put the selected version in use"))
    def put_in_use(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one version."), messages.ERROR)
            return
        model = queryset.get()
        activate(model)
        self.message_user(request, _("%(model)s is in use.") % {"model": model})
