from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ControlConfig(AppConfig):
    name = "otklik.control"
    verbose_name = _("Verification")

    def ready(self):
        from .calls import register_forgetters

        register_forgetters()
