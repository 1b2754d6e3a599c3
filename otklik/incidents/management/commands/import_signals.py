"""Import external signals (posts of social networks, monitoring tools) from a JSON file."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from otklik.directory.models import Region
from otklik.incidents.external import import_signals


class Command(BaseCommand):
    help = "Import a JSON list of external signals (see otklik/incidents/external.py)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the JSON file; - reads standard input.")
        parser.add_argument("--region", default="", help="Region code (default: the default).")

    def handle(self, *args, file, region, **options):
        code = region or settings.OTKLIK_DEFAULT_REGION_CODE
        chosen = Region.objects.filter(code=code).first()
        if chosen is None:
            raise CommandError(f"No region with code {code}")
        try:
            if file == "-":
                import sys

                rows = json.load(sys.stdin)
            else:
                with open(file, encoding="utf-8") as handle:
                    rows = json.load(handle)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error}") from error
        except ValueError as error:
            raise CommandError(f"{file} is not valid JSON: {error}") from error
        result = import_signals(rows, region=chosen)
        for error in result.as_dict()["errors"]:
            where = f"row {error['index']} ({error['external_id']})"
            self.stderr.write(f"{where}: {error['message_en']}")
        self.stdout.write(
            f"Imported {len(result.created)} signals, {result.existing} already there, "
            f"{len(result.errors)} failed."
        )
