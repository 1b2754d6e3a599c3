"""Recluster the appeals of the last days into incidents, as if they arrived again in order."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from otklik.directory.models import Region
from otklik.incidents.services import rebuild_incidents


class Command(BaseCommand):
    help = "Recluster appeals into incidents over a window (default: the last 7 days)."

    def add_arguments(self, parser):
        parser.add_argument("--since", type=int, default=7, help="Days back (default 7).")
        parser.add_argument("--region", default="", help="Region code, e.g. 48 (default: all).")

    def handle(self, *args, since, region, **options):
        if since < 0:
            raise CommandError("--since must be zero or more days")
        chosen = None
        if region:
            chosen = Region.objects.filter(code=region).first()
            if chosen is None:
                raise CommandError(f"No region with code {region}")
        result = rebuild_incidents(since=timezone.now() - timedelta(days=since), region=chosen)
        self.stdout.write(
            f"Reclustered {result.appeals} appeals from {result.start:%Y-%m-%d %H:%M}: "
            f"{result.removed} incidents removed, {result.incidents} incidents now."
        )
