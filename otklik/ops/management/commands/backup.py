"""`manage.py backup [--output DIR]`: the database and the local files, with a manifest."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from otklik.ops.backup import BackupError, create_backup


def local_trees() -> dict[str, Path]:
    """The file trees kept on this machine: media (unless on S3), trained models, imports."""
    trees = {"models": Path(settings.MODELS_DIR), "private": Path(settings.PRIVATE_ROOT)}
    if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
        trees["media"] = Path(settings.MEDIA_ROOT)
    return trees


class Command(BaseCommand):
    help = (
        "Back up the database (PostgreSQL: pg_dump -Fc; SQLite: the online backup API, safe "
        "while the server runs) and the local media, models and private files, with a manifest "
        "of SHA-256 sums."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path, help="directory for the backup (default: BACKUP_DIR)"
        )

    def handle(self, *args, output, **options):
        output = output or Path(settings.BACKUP_DIR)
        try:
            manifest = create_backup(
                db=connections["default"].settings_dict,
                output=output,
                trees=local_trees(),
                bin_dir=settings.PG_BIN_DIR,
            )
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        size = sum(p.stat().st_size for p in manifest.parent.iterdir())
        self.stdout.write(f"{manifest.parent} ({size / 2**20:.1f} MB)")
