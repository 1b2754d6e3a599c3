"""The periodic jobs every app registered (otklik/lib/periodic.py): one pass, or a loop for the
embedded mode.

Production runs one pass from cron or a systemd timer (docs/deployment.md); every job is safe to
run on several machines at once because each acts through the services, which lock the rows.
"""

import logging
import signal
import threading

from django.core.management.base import BaseCommand

from otklik.lib.periodic import run_once

log = logging.getLogger(__name__)


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
