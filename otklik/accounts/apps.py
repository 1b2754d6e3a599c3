from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "otklik.accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from otklik.lib import periodic

        from . import rate_counters

        periodic.register("rate_counters_purged", lambda: rate_counters.purge(), order=115)
