"""Recompute the KPI rollups from the history (after an import, a restore, or a change of a KPI
definition). Readers keep seeing the old figures until the new ones are complete."""

from django.core.management.base import BaseCommand
from django.db import connection
from tqdm import tqdm

from otklik.analytics import figures_cache, rollups
from otklik.appeals.models import Appeal


class Command(BaseCommand):
    help = (
        "Rebuild the KPI rollup tables from appeals, answers, ratings, calls, instructions and "
        "inspection points. On PostgreSQL the appeals are cut into partitions (a municipality "
        "× a range of months), summed in SQL by --jobs worker processes into staging tables, "
        "and swapped in by one short transaction: readers see the old figures until then, and "
        "a failure leaves them untouched. The outbox's refreshes wait until the swap. On "
        "SQLite (or with --serial) one pass in Python, in one transaction; both give the same "
        "rows (docs/kpi.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--jobs",
            type=int,
            default=None,
            help="worker processes on PostgreSQL (default: the CPUs available; 1: every "
            "partition in this process, in one transaction)",
        )
        parser.add_argument(
            "--serial",
            action="store_true",
            help="the serial pass in Python, as on SQLite (for comparison)",
        )
        parser.add_argument(
            "--chunk", type=int, default=5000, help="appeals per batch of the serial pass"
        )

    def handle(self, *args, jobs, serial, chunk, **options):
        bar = tqdm(
            total=Appeal.objects.count(),
            unit="appeals",
            disable=options["verbosity"] < 1,
            file=self.stderr,
        )

        def progress(subject: str, count: int) -> None:
            if subject == "appeal":
                bar.update(count)

        report = rollups.rebuild(chunk=chunk, progress=progress, jobs=jobs, serial=serial)
        figures_cache.bump()  # the kept KPIs and rankings were made of the old rollups
        bar.close()
        self.stdout.write(
            f"appeals={report.appeals} instructions={report.instructions} "
            f"points={report.points} rows={report.rows} seconds={report.seconds:.1f}"
        )
        if report.steps and options["verbosity"] >= 1:
            steps = " ".join(f"{k.replace(' ', '_')}={v:.1f}" for k, v in report.steps.items())
            self.stdout.write(f"steps ({connection.vendor}): {steps}")
