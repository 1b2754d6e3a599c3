"""`manage.py apply_retention [--dry-run]`: the retention rules of 152-ФЗ (ops/retention.py)."""

from django.core.management.base import BaseCommand

from otklik.ops.retention import apply_retention


class Command(BaseCommand):
    help = (
        "Anonymise citizens' accounts inactive longer than RETENTION_INACTIVE_DAYS (without open "
        "appeals), blank the contacts left on their appeals, delete old task results and expired "
        "sessions. Idempotent; also run daily by run_periodic."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be done, change nothing"
        )

    def handle(self, *args, dry_run, **options):
        counts = apply_retention(dry_run=dry_run)
        prefix = "would be " if dry_run else ""
        self.stdout.write(
            ", ".join(f"{prefix}{name}={value}" for name, value in counts.as_dict().items())
        )
