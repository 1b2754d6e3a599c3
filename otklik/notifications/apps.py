from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "otklik.notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from . import personal_data, services

        personal_data.register_forgetters()
        services.register_letter_sender()
