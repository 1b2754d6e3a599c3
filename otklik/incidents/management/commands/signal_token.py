"""Create an API key for posting external signals of a region; the key is printed once."""

from django.core.management.base import BaseCommand, CommandError

from otklik.directory.models import Region
from otklik.incidents.external import create_token


class Command(BaseCommand):
    help = "Create a key for POST /api/signals/ of a region and print it (it is not kept)."

    def add_arguments(self, parser):
        parser.add_argument("region", help="Region code, e.g. 48.")
        parser.add_argument("name", help="Who uses the key, e.g. «Мониторинг соцсетей».")

    def handle(self, *args, region, name, **options):
        chosen = Region.objects.filter(code=region).first()
        if chosen is None:
            raise CommandError(f"No region with code {region}")
        _row, token = create_token(region=chosen, name=name)
        self.stdout.write(token)
