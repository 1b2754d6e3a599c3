"""Recompute the KPI rollups from the history (after an import, a restore, or a change of a KPI
definition). Readers keep seeing the old figures until the rebuild commits."""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from otklik.analytics import rollups
from otklik.appeals.models import Appeal


class Command(BaseCommand):
    help = "Rebuild the KPI rollup tables from appeals, answers, ratings, calls and instructions."

    def add_arguments(self, parser):
        parser.add_argument("--chunk", type=int, default=5000, help="appeals per batch")

    def handle(self, *args, chunk, **options):
        bar = tqdm(
            total=Appeal.objects.count(),
            unit="appeals",
            disable=options["verbosity"] < 1,
            file=self.stderr,
        )

        def progress(subject: str, count: int) -> None:
            if subject == "appeal":
                bar.update(count)

        report = rollups.rebuild(chunk=chunk, progress=progress)
        bar.close()
        self.stdout.write(
            f"appeals={report.appeals} instructions={report.instructions} "
            f"rows={report.rows} seconds={report.seconds:.1f}"
        )
