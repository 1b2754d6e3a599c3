from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "otklik.appeals"
    verbose_name = _("Appeals")

    def ready(self):
        # task_recovery: the task leases of the workers, so that tasks of a dead worker run again.
        from otklik.lib import periodic, task_recovery  # noqa: F401

        from . import outbox
        from .forgetters import register_forgetters
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

        # Periodic jobs of the lifecycle (lib/periodic.py has the whole table and its order).
        periodic.register("clarifications_expired", _expire_clarifications, order=10)
        periodic.register("answers_closed", _close_unrated_answers, order=20)
        periodic.register("draft_photos_purged", _purge_draft_photos, order=30)
        periodic.register("outbox_enqueued", _enqueue_outbox, order=40)
        register_forgetters()


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


def _expire_clarifications() -> int:
    from . import services

    return services.expire_clarifications()


def _close_unrated_answers() -> int:
    from . import services

    return services.close_unrated_answers()


def _purge_draft_photos() -> int:
    from . import services

    return services.purge_draft_photos()


def _enqueue_outbox() -> int:
    from . import outbox

    return int(bool(outbox.process_outbox.enqueue()))
