from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "otklik.analytics"
    verbose_name = _("Analytics")

    def ready(self):
        from otklik.appeals import outbox
        from otklik.lib import periodic

        from .listeners import register as register_listeners

        outbox.on_batch("analytics.rollups", _rollups, order=20)
        periodic.register("public_figures_refreshed", _refresh_public_figures, order=100)
        periodic.register("forecasts_made", _forecast_due, order=150)
        register_listeners()


def _rollups(events) -> None:
    # The KPI rollups follow the batch's events in its transaction, after every per-event
    # handler: an event is handed over exactly when its appeal's figures are up to date.
    from . import figures_cache, rollups

    rollups.refresh_appeals({event.appeal_id for event in events})
    figures_cache.bump()


def _refresh_public_figures() -> int:
    from . import public_figures

    return public_figures.refresh()


def _forecast_due() -> int:
    # Next week's forecast of appeals per topic group × municipality, once a week.
    from . import figures_cache, forecast

    done = forecast.forecast_due()
    if done:
        figures_cache.bump()  # «точность прогноза» reads the stored forecasts
    return done
