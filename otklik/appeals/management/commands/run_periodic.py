"""Periodic jobs of the appeal lifecycle: one pass, or a loop for the embedded mode.

Production runs one pass from cron or a systemd timer (docs/deployment.md); every job is safe to
run on several machines at once because each acts through the services, which lock the rows.
"""

import logging
import signal
import threading

from django.core.management.base import BaseCommand

from otklik.analytics import forecast as appeal_forecasts
from otklik.analytics import public_figures
from otklik.api import idempotency
from otklik.appeals import services
from otklik.appeals.tasks import process_outbox
from otklik.control import calls as control_calls
from otklik.control import escalations
from otklik.control import services as control
from otklik.incidents import services as incident_services
from otklik.intelligence import training as text_models
from otklik.lib import task_recovery
from otklik.notifications import services as notifications
from otklik.notifications.tasks import retry_due_webhooks
from otklik.ops import retention

log = logging.getLogger(__name__)


def run_once() -> dict[str, int]:
    return {
        # First: a task whose worker died runs again, before anything new is queued.
        "tasks_recovered": task_recovery.recover_stale_tasks(),
        "clarifications_expired": services.expire_clarifications(),
        "answers_closed": services.close_unrated_answers(),
        "draft_photos_purged": services.purge_draft_photos(),
        "outbox_enqueued": int(bool(process_outbox.enqueue())),
        "follow_ups_sent": control.send_follow_ups(),
        "escalations_sent": escalations.run(),
        "call_lists_drawn": control_calls.draw_weekly(),
        "notifications_retried": notifications.retry_due(),
        "webhooks_retried": retry_due_webhooks(),
        "public_figures_refreshed": public_figures.refresh(),
        "idempotency_keys_purged": idempotency.purge_records(),
        "incidents_closed": incident_services.close_quiet_incidents(),
        # 152-ФЗ retention and old task results, once a day (ops/retention.py).
        "accounts_anonymised": retention.run_daily(),
        # Category and executor models: a new version when the newest is older than the
        # region's retrain_every_days (a few minutes for a large region, once a week).
        "text_models_trained": text_models.retrain_due(),
        # Next week's forecast of appeals per topic group × municipality, once a week.
        "forecasts_made": appeal_forecasts.forecast_due(),
    }


class Command(BaseCommand):
    help = "Run the periodic jobs once, or every N seconds with --loop N."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=int, default=0, help="seconds between passes")

    def handle(self, *args, loop, **options):
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        while True:
            try:
                result = run_once()
            except Exception:
                # One failed pass must not kill the loop; the next pass retries.
                log.exception("periodic pass failed")
                result = {}
            if options["verbosity"] > 1 or not loop:
                self.stdout.write(", ".join(f"{k}={v}" for k, v in result.items()))
            if not loop or stop.wait(loop):
                return
