"""Load a region's address register from a CSV extract of ФИАС/ГАР (one house a row)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from otklik.directory.address_import import COLUMNS, parse_row, read_csv, save_houses
from otklik.directory.models import Region


class Command(BaseCommand):
    help = (
        "Import houses into the address register from a CSV with the columns "
        f"{', '.join(COLUMNS)} (and optionally fias_id); municipality is an OKTMO code or a name."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="CSV file, UTF-8, separated by ; or ,")
        parser.add_argument(
            "--region", default=None, help="region code (default: the deployment's)"
        )

    def handle(self, *args, path, region, **options):
        code = region or settings.OTKLIK_DEFAULT_REGION_CODE
        region_obj = Region.objects.filter(code=code).first()
        if region_obj is None:
            raise CommandError(f"No region with code {code}.")
        rows, bad = [], []
        try:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                for line, raw in read_csv(handle):
                    try:
                        rows.append(parse_row(raw))
                    except ValueError as exc:
                        bad.append(f"line {line}: {exc}")
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        result = save_houses(region=region_obj, rows=rows)
        for problem in [*bad, *result.skipped][:20]:
            self.stderr.write(problem)
        self.stdout.write(
            f"Address register of {region_obj}: {result.houses} houses, "
            f"{result.streets} new streets, {len(bad) + len(result.skipped)} rows skipped."
        )
