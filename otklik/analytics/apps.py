from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "otklik.analytics"
    verbose_name = _("Analytics")

    def ready(self):
        from otklik.appeals import outbox

        outbox.on_batch("analytics.rollups", _rollups, order=20)


def _rollups(events) -> None:
    # The KPI rollups follow the batch's events in its transaction, after every per-event
    # handler: an event is handed over exactly when its appeal's figures are up to date.
    from . import rollups

    rollups.refresh_appeals({event.appeal_id for event in events})
