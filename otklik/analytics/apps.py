from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "otklik.analytics"
    verbose_name = _("Analytics")

    def ready(self):
        from .listeners import register

        register()
