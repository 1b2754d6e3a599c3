from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "otklik.api"
    label = "api"
    verbose_name = _("API")

    def ready(self):
        # The idempotency keys are the API's (their model lives in accounts), so is their purge.
        from otklik.lib import periodic

        periodic.register("idempotency_keys_purged", _purge_idempotency_keys, order=110)


def _purge_idempotency_keys() -> int:
    from . import idempotency

    return idempotency.purge_records()
