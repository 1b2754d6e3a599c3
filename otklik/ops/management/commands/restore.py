"""`manage.py restore BACKUP [--yes]`: put a backup of `manage.py backup` back in place."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from otklik.ops.backup import BackupError, NeedsConfirmation, restore_backup

from .backup import local_trees


class Command(BaseCommand):
    help = (
        "Restore a backup (its directory or manifest.json) over the configured database and the "
        "local files, after checking every SHA-256. Stop the web server, the task worker and the "
        "periodic loop first."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="the backup's directory or manifest.json")
        parser.add_argument("--yes", action="store_true", help="replace a database that holds data")
        parser.add_argument("--no-files", action="store_true", help="restore the database only")

    def handle(self, *args, backup, yes, no_files, **options):
        try:
            restored = restore_backup(
                manifest_path=backup,
                db=connections["default"].settings_dict,
                trees={} if no_files else local_trees(),
                confirmed=yes,
                bin_dir=settings.PG_BIN_DIR,
                # This process must not hold the database while it is replaced.
                release=connections.close_all,
            )
        except NeedsConfirmation as exc:
            raise CommandError(f"{exc}. Run again with --yes to replace it.") from exc
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        trees = ", ".join(restored.trees) or "none"
        self.stdout.write(
            f"Restored {restored.engine} database {restored.database} and files ({trees}) "
            f"in {restored.seconds:.1f} s."
        )
        if restored.migrations_differ:
            self.stdout.write(
                "The backup's migrations differ from the code's: run `manage.py migrate`."
            )
