from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "otklik.incidents"
    verbose_name = _("Mass incidents and external signals")

    def ready(self):
        from otklik.appeals import outbox
        from otklik.appeals.workflow import Action
        from otklik.lib import periodic

        outbox.on_event("incidents.join", _join, order=60, actions=[Action.SUBMIT, Action.REGISTER])
        periodic.register("incidents_closed", _close_quiet_incidents, order=120)


def _join(event) -> None:
    # Mass incidents: the new appeal joins or forms one (never raises).
    from . import services

    services.on_new_appeal(event.appeal)


def _close_quiet_incidents() -> int:
    from . import services

    return services.close_quiet_incidents()
