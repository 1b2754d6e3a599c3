from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "otklik.appeals"
    verbose_name = _("Appeals")

    def ready(self):
        # The task leases of the workers: tasks of a dead worker run again (lib/task_recovery.py).
        from otklik.lib import task_recovery  # noqa: F401

        from .forgetters import register_forgetters

        register_forgetters()
