"""Public copies (personal data masked) for appeals and published answers that have none:
after the upgrade that introduced them, after a demo build, or with --all after the masking
rules changed (copies an operator corrected by hand are kept)."""

import time

from django.core.management.base import BaseCommand
from tqdm import tqdm

from otklik.appeals.models import Appeal
from otklik.appeals.public_copy import recompute_public_copies
from otklik.lib import person_names


class Command(BaseCommand):
    help = "Compute the public copies (personal data masked) of appeals and published answers."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Recompute every copy.")
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")

    def handle(self, *args, all: bool = False, quiet: bool = False, **options):
        started = time.perf_counter()
        appeals = Appeal.objects.all() if all else Appeal.objects.filter(public_text__isnull=True)
        with tqdm(total=appeals.count(), disable=quiet, unit="appeal") as bar:
            counts = recompute_public_copies(appeals=appeals, progress=bar.update)
        self.stdout.write(
            f"public copies: {counts['appeals']} appeals, {counts['answers']} answers "
            f"in {time.perf_counter() - started:.1f} s"
            + (
                f" (model load {person_names.load_seconds:.1f} s)"
                if person_names.load_seconds is not None
                else ""
            )
        )
