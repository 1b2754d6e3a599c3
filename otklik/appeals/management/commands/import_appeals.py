"""Import appeals from another system's CSV or JSON export (docs/imports.md)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from otklik.appeals import imports
from otklik.appeals.models import ImportBatch
from otklik.directory.models import Region


class Command(BaseCommand):
    help = "Import appeals from a CSV or JSON export; a second run of the same file adds nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="the export (CSV or JSON)")
        parser.add_argument("--region", help="region code, e.g. 48")
        parser.add_argument("--source", help="name of the system the rows come from, e.g. pos")
        parser.add_argument("--mapping", help="mapping JSON file (columns and value maps)")
        parser.add_argument("--format", choices=ImportBatch.Format.values, default="")
        parser.add_argument("--dry-run", action="store_true", help="check the rows, write nothing")
        parser.add_argument("--errors", help="write the failed rows to this CSV file")
        parser.add_argument("--resume", type=int, help="continue a stopped batch by its id")

    def handle(self, *args, **options):
        if options["resume"]:
            batch = (
                ImportBatch.objects.select_related("region").filter(pk=options["resume"]).first()
            )
            if batch is None:
                raise CommandError(f"No import batch {options['resume']}.")
            imports.run_batch(batch.pk, progress=self._progress())
            batch.refresh_from_db()
            return self._report(batch, options)
        for name in ("file", "region", "source"):
            if not options[name]:
                raise CommandError(
                    f"--{name} is required" if name != "file" else "FILE is required"
                )
        region = Region.objects.filter(code=options["region"]).first()
        if region is None:
            raise CommandError(f"Unknown region {options['region']}.")
        path = Path(options["file"])
        try:
            mapping = (
                json.loads(Path(options["mapping"]).read_text("utf-8"))
                if options["mapping"]
                else {}
            )
            data = path.read_bytes()
        except (OSError, ValueError) as failure:
            raise CommandError(str(failure)) from None
        if options["dry_run"]:
            try:
                parsed = imports.Mapping.parse(mapping)
                rows = imports.read_rows(
                    data, options["format"] or imports.guess_format(path.name, data)
                )
            except ValidationError as refused:
                raise CommandError(" ".join(refused.messages)) from None
            except imports.ImportFileError as failure:
                raise CommandError(str(failure)) from None
            batch = ImportBatch(region=region, source=options["source"], mapping=parsed.as_dict())
            imports.import_rows(batch, rows, dry_run=True, progress=self._progress())
            self.stdout.write("Dry run: nothing was written.")
            return self._report(batch, options)
        try:
            with path.open("rb") as handle:
                batch = imports.create_batch(
                    region=region,
                    source=options["source"],
                    upload=File(handle, name=path.name),
                    mapping=mapping,
                    format=options["format"],
                )
        except ValidationError as refused:
            raise CommandError(" ".join(refused.messages)) from None
        imports.run_batch(batch.pk, progress=self._progress())
        batch.refresh_from_db()
        return self._report(batch, options)

    def _progress(self) -> imports.Progress:
        bar = None

        def start(total, done):
            nonlocal bar
            bar = tqdm(total=total, initial=done, unit="row", disable=None, file=self.stderr._out)

        def step():
            if bar is not None:
                bar.update(1)

        return imports.Progress(start=start, step=step)

    def _report(self, batch: ImportBatch, options) -> None:
        if batch.state == ImportBatch.State.FAILED:
            raise CommandError(batch.error)
        self.stdout.write(
            f"Import {batch.pk or '(dry run)'}: rows {batch.total}, created {batch.created_count}, "
            f"already imported {batch.existing_count}, failed {batch.failed_count}."
        )
        if options.get("errors"):
            Path(options["errors"]).write_text(imports.errors_csv(batch), encoding="utf-8")
            self.stdout.write(f"Failed rows: {options['errors']}")
        for error in batch.errors[:10]:
            self.stdout.write(
                f"  row {error['row']} ({error['external_id']}): {error['message_ru']}"
            )
