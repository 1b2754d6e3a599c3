from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "otklik.appeals"
    verbose_name = _("Appeals")

    def ready(self):
        # The task leases of the workers: tasks of a dead worker run again (lib/task_recovery.py).
        from otklik.lib import task_recovery  # noqa: F401

        from . import outbox
        from .workflow import Action

        # appeals' own steps after a write (outbox.py has the whole table and its order).
        outbox.on_event("appeals.public_copy", _public_copy, order=20)
        outbox.on_event(
            "appeals.published_answer_copy",
            _published_answer_copy,
            order=30,
            actions=[Action.PUBLISH_ANSWER],
        )
        outbox.on_event("appeals.locate", _locate, order=40, actions=[Action.SUBMIT])


def _public_copy(event) -> None:
    # The public copy (personal data masked) is made here, off the filing request.
    from . import public_copy

    public_copy.ensure_public_copy(event.appeal)


def _published_answer_copy(event) -> None:
    from . import public_copy

    public_copy.ensure_published_answer_copy(event)


def _locate(event) -> None:
    # An appeal without a pin gets one from the house its address or text names (the address
    # register), before routing (order 50) reads its municipality.
    from . import locating

    locating.locate_appeal(appeal=event.appeal)
