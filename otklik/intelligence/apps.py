from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntelligenceConfig(AppConfig):
    name = "otklik.intelligence"
    verbose_name = _("Text analysis")

    def ready(self):
        # Only registrations here: the text models (sklearn) load when first used, not at start.
        from otklik.appeals import outbox
        from otklik.appeals.workflow import Action

        outbox.on_event("intelligence.auto_route", _auto_route, order=50, actions=[Action.SUBMIT])


def _auto_route(event) -> None:
    # Registered at once when the region allows it and both text models are sure (never
    # raises; the appeal otherwise waits for an operator). After the pin (order 40).
    from . import suggestions

    suggestions.auto_route(event.appeal)
