from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntelligenceConfig(AppConfig):
    name = "otklik.intelligence"
    verbose_name = _("Text analysis")

    def ready(self):
        # Only registrations here: the text models (sklearn) load when first used, not at start.
        from otklik.appeals import outbox
        from otklik.appeals.services import answer_checkers
        from otklik.appeals.workflow import Action
        from otklik.lib import periodic

        outbox.on_event("intelligence.auto_route", _auto_route, order=50, actions=[Action.SUBMIT])
        answer_checkers.register("intelligence.formal_reply", _answer_verdict)
        periodic.register("text_models_trained", _retrain_due, order=140)


def _auto_route(event) -> None:
    # Registered at once when the region allows it and both text models are sure (never
    # raises; the appeal otherwise waits for an operator). After the pin (order 40).
    from . import suggestions

    suggestions.auto_route(event.appeal)


def _retrain_due() -> int:
    # Category and executor models: a new version when the newest is older than the region's
    # retrain_every_days (a few minutes for a large region, once a week).
    from . import training

    return training.retrain_due()


def _answer_verdict(appeal, text, **context):
    from . import services

    return services.answer_verdict(appeal, text, **context)
