from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "otklik.directory"
    verbose_name = _("Directory")

    def ready(self):
        from django.core import signals as request_signals
        from django.db.models.signals import post_delete, post_save

        from . import models, reference

        for model in (
            models.Region,
            models.Municipality,
            models.Organization,
            models.Category,
            models.CategoryAttribute,
            models.RoutingRule,
            models.CalendarDay,
        ):
            for signal in (post_save, post_delete):
                signal.connect(reference.changed, sender=model, dispatch_uid=f"reference-{model}")
        request_signals.request_started.connect(reference.request_started)
        request_signals.request_finished.connect(reference.request_finished)
