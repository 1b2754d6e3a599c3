"""manage.py calibrate_formal_reply [--region CODE]: fit the formal-reply check's weights on
the answers operators returned for rework versus those they published, store them as the
region's active TrainedModel and print precision and recall on the held-out newest part."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from otklik.directory.models import Region
from otklik.intelligence.calibration import calibrate_formal_reply


class Command(BaseCommand):
    help = "Calibrate the formal-reply check on the answers operators returned for rework."

    def add_arguments(self, parser):
        parser.add_argument("--region", default=settings.OTKLIK_DEFAULT_REGION_CODE)
        parser.add_argument("--test-share", type=float, default=0.25)

    def handle(self, *args, region, test_share, **options):
        found = Region.objects.filter(code=region).first()
        if found is None:
            raise CommandError(f"no region with code {region!r}")
        if not 0 < test_share < 1:
            raise CommandError("--test-share must be between 0 and 1")
        try:
            model = calibrate_formal_reply(found, test_share=test_share)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        m = model.metrics
        self.stdout.write(
            f"formal-reply check v{model.version} for {found}: {model.train_size} answers to "
            f"fit, {model.test_size} held out; threshold {m['threshold']:.3f}; "
            f"precision {m['precision']:.3f}, recall {m['recall']:.3f} "
            f"(defaults: {m['default_precision']:.3f} / {m['default_recall']:.3f})"
        )
        weights = ", ".join(f"{k} {v:+.2f}" for k, v in model.parameters["weights"].items())
        self.stdout.write(f"bias {model.parameters['bias']:+.2f}; {weights}")
