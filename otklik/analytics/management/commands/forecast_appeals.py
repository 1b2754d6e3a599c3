"""`manage.py forecast_appeals`: store next week's forecast of appeals per topic group ×
municipality (the periodic runner does it on its own every week), or, with --backfill N, the
forecasts the last N weeks would have had — each from the weeks complete a week before it, as
the weekly job makes them — so that a new installation or the demo shows «точность прогноза» at
once. Prints the region's accuracy over the weeks that have forecasts."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from otklik.analytics import forecast
from otklik.analytics.figures import midnight, region_zone, today_in
from otklik.directory.models import Region


class Command(BaseCommand):
    help = "Forecast next week's appeals per topic group × municipality and store the forecast."

    def add_arguments(self, parser):
        parser.add_argument("--region", help="region code (default: every region)")
        parser.add_argument(
            "--backfill", type=int, default=0, help="also make the last N weeks' forecasts"
        )
        parser.add_argument(
            "--replace", action="store_true", help="make next week's forecast again"
        )

    def handle(self, *args, region, backfill, replace, **options):
        if backfill < 0 or backfill > 156:
            raise CommandError("--backfill: from 0 to 156 weeks")
        regions = Region.objects.order_by("pk")
        if region:
            regions = regions.filter(code=region)
            if not regions.exists():
                raise CommandError(f"no region with code {region!r}")
        now = timezone.now()
        for item in regions:
            upcoming = forecast.next_week(item, now)
            tz = region_zone(item.pk)
            stored = 0
            for back in range(backfill, -1, -1):
                week = upcoming - back * forecast.WEEK
                made_at = midnight(week - forecast.WEEK, tz) if back else now
                # A week that has begun keeps the forecast it was shown with.
                stored += forecast.store_forecasts(
                    region=item, week=week, made_at=made_at, replace=replace and not back
                )
            accuracy = forecast.forecast_accuracy(
                region=item, until=today_in(item.pk, now), weeks=max(backfill, 1)
            )
            mase = "—" if accuracy.mase is None else f"{accuracy.mase:.3f}"
            coverage = accuracy.coverage_percent
            self.stdout.write(
                f"{item.code}: forecasts stored={stored}, next week={upcoming:%Y-%m-%d}; "
                f"accuracy over {accuracy.weeks} weeks: MASE={mase}, "
                f"interval coverage={'—' if coverage is None else f'{coverage} %'}"
            )
