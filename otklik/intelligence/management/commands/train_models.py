"""Train new versions of the category and executor models from the regions' own history."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from otklik.directory.models import Region
from otklik.intelligence.models import ModelKind
from otklik.intelligence.training import KINDS, train_region_model


class Command(BaseCommand):
    help = "Train the category and executor models of every region (or of one) and evaluate them."

    def add_arguments(self, parser):
        parser.add_argument("--region", help="region code, e.g. 48 (default: every region)")
        parser.add_argument("--kind", choices=[str(k) for k in KINDS], help="default: both")
        parser.add_argument(
            "--force", action="store_true", help="put the new version in use even if it is worse"
        )
        parser.add_argument("--seed", type=int, default=42)

    def handle(self, *args, region=None, kind=None, force=False, seed=42, **options):
        regions = Region.objects.order_by("code")
        if region:
            regions = regions.filter(code=region)
            if not regions.exists():
                raise CommandError(_("No region with code %(code)s.") % {"code": region})
        kinds = [ModelKind(kind)] if kind else list(KINDS)
        for each in regions:
            for k in kinds:
                outcome = train_region_model(each, k, force=force, seed=seed)
                self.stdout.write(outcome.message)
