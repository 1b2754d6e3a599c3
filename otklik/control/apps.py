from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ControlConfig(AppConfig):
    name = "otklik.control"
    verbose_name = _("Verification")

    def ready(self):
        from otklik.lib import periodic

        from .calls import register_forgetters

        periodic.register("follow_ups_sent", _send_follow_ups, order=50)
        periodic.register("escalations_sent", _escalate, order=60)
        periodic.register("call_lists_drawn", _draw_weekly, order=70)
        register_forgetters()


def _send_follow_ups() -> int:
    from . import services

    return services.send_follow_ups()


def _escalate() -> int:
    from . import escalations

    return escalations.run()


def _draw_weekly() -> int:
    from . import calls

    return calls.draw_weekly()
