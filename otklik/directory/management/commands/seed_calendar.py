from django.conf import settings
from django.core.management.base import BaseCommand

from otklik.directory import reference
from otklik.directory.production_calendar import seed_calendar


class Command(BaseCommand):
    help = "Import Russian holidays and moved days off into the production calendar."

    def add_arguments(self, parser):
        first, last = settings.OTKLIK_CALENDAR_YEARS
        parser.add_argument("--from-year", type=int, default=first)
        parser.add_argument("--to-year", type=int, default=last)

    def handle(self, *args, from_year, to_year, **options):
        count = seed_calendar(from_year, to_year)
        reference.changed()  # bulk-written: no signals
        self.stdout.write(f"Production calendar: {count} days for {from_year}–{to_year}.")
