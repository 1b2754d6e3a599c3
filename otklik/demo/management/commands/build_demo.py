"""`manage.py build_demo`: the demo region — Липецкая область — with two years of appeals.

It builds into an empty database (`make run` calls it on every start): when the region already
has appeals it says so and does nothing. `--force` builds anyway and deletes nothing: the
directory and people are completed and another history is added after the existing numbers,
which is only useful for benchmarks.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from otklik.accounts.models import User
from otklik.analytics import rollups
from otklik.appeals.answer_signature import published_unsigned, sign_unsigned
from otklik.appeals.models import Appeal, Postponement
from otklik.appeals.public_copy import recompute_public_copies
from otklik.demo import bulk, inspections, inspections_today, office, verification
from otklik.demo.addresses import seed_address_register
from otklik.demo.geography import REGION_CODE
from otklik.demo.history import History
from otklik.demo.region import build_region, ensure_demo_devices, ensure_demo_tokens
from otklik.directory import reference
from otklik.directory.models import Category, Organization, Region, RoutingRule
from otklik.directory.production_calendar import seed_calendar
from otklik.incidents.services import rebuild_incidents

DEMO_INCIDENT_DAYS = 14


def moment(value: str):
    """An ISO date-time for --now; a naive one is read in the project's time zone."""
    parsed = parse_datetime(value)
    if parsed is None:
        raise CommandError(f"--now: not an ISO date-time: {value!r}")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


class Command(BaseCommand):
    help = "Build the demo region (Липецкая область) with two years of appeals."

    def add_arguments(self, parser):
        parser.add_argument("--appeals", type=int, default=100_000, help="default 100000")
        parser.add_argument("--seed", type=int, default=48, help="same seed, same region")
        parser.add_argument("--now", type=moment, help="end of the history (default: now)")
        parser.add_argument("--citizens", type=int, help="default: appeals / 16, 60…8000")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--if-empty",
            dest="force",
            action="store_false",
            default=False,
            help="build only if the region has no appeals yet (the default)",
        )
        mode.add_argument(
            "--force",
            dest="force",
            action="store_true",
            help="build even if it has: add another history, delete nothing",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args, appeals, seed, now, citizens, force, no_progress, **options):
        if appeals < 1:
            raise CommandError("--appeals must be at least 1")
        started = time.monotonic()
        region = Region.objects.filter(code=REGION_CODE).first()
        if region is not None and not force and (existing := region.appeals.count()):
            ensure_demo_devices()  # a demo built before staff logins had a second factor
            ensure_demo_tokens(None, region)  # and before the city app had its own account
            # and before public copies existed; a migration that rebuilt a table on SQLite
            # also dropped its planner statistics (the weekly review then scanned every appeal).
            recompute_public_copies(
                appeals=Appeal.objects.filter(region=region, public_text__isnull=True)
            )
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            self.stdout.write(
                f"Демо-регион «{region.name}» уже построен ({existing} обращений): ничего не "
                "делаю. Он строится только в пустой базе; --force добавит ещё одну историю."
            )
            return
        now = now or timezone.now()
        citizens = citizens if citizens is not None else min(8000, max(60, appeals // 16))
        progress = options["verbosity"] >= 1 and not no_progress
        history_start = now - History.SPAN
        first_year, last_year = settings.OTKLIK_CALENDAR_YEARS
        phases = {}
        with transaction.atomic():
            # The deadlines of two years ago need their production calendar too.
            seed_calendar(min(first_year, history_start.year), max(last_year, now.year + 1))
            demo = build_region(
                random.Random(seed * 7919 + 1), citizens=citizens, history_start=history_start
            )
            # Bulk-written calendar, municipalities and categories send no signals.
            reference.changed()
            phases["directory and people"] = time.monotonic()
            history = History(demo, appeals=appeals, seed=seed, now=now, progress=progress)
            seed_address_register(demo.region, history.units)
            season = inspections.Season(demo, history, seed=seed, appeals=appeals)
            history.run(extra=season.add_drafts)
            phases["history"] = time.monotonic()
            written = bulk.write(history, progress=progress)
            # Published answers carry who answers for them, as the service signs them.
            sign_unsigned(published_unsigned().filter(appeal__region=demo.region))
            season.write()
            phases["writing"] = time.monotonic()
            # The public copies (personal data masked), as the outbox makes them after filing.
            recompute_public_copies(
                appeals=Appeal.objects.filter(region=demo.region, public_text__isnull=True)
            )
            phases["public copies"] = time.monotonic()
            office.ensure_answer_templates(demo.region)
            office.ensure_instructions(random.Random(seed), demo.region, now)
            phases["office"] = time.monotonic()
            verification.ensure_control_calls(random.Random(seed + 5), demo.region, now)
            phases["control calls"] = time.monotonic()
            rollups.rebuild()
            phases["KPI rollups"] = time.monotonic()
            # The last fortnight clustered into incidents, as the outbox would have done.
            rebuild_incidents(since=now - timedelta(days=DEMO_INCIDENT_DAYS), region=demo.region)
            phases["incidents"] = time.monotonic()
            # The forecasts of the past weeks, as the weekly job would have made them, then
            # today's inspection points and plans (the forecast is one of their sources).
            inspections_today.backfill_forecasts(demo.region, now)
            phases["forecasts"] = time.monotonic()
            inspections_today.plan_today(season, now)
            phases["inspections today"] = time.monotonic()
        phases["commit"] = time.monotonic()
        # Fresh planner statistics after a bulk load: without them SQLite sorts every public
        # appeal for «newest first» instead of walking the created_at index.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        phases["analyze"] = time.monotonic()
        if options["verbosity"] >= 1:
            self._summary(demo.region, written, time.monotonic() - started)
        if options["verbosity"] >= 2:
            previous = started
            for name, moment in phases.items():
                self.stdout.write(f"  {name}: {moment - previous:.1f} s")
                previous = moment

    def _summary(self, region, written, elapsed: float) -> None:
        appeals = Appeal.objects.filter(region=region)
        statuses = dict(appeals.values_list("status").annotate(n=Count("pk")))
        postponed = Postponement.objects.filter(appeal__region=region)
        lines = [
            f"Демо-регион «{region.name}» построен за {elapsed:.1f} с "
            f"({written.appeals / elapsed:.0f} обращений/с).",
            f"  муниципалитетов: {region.municipalities.count()}, организаций: "
            f"{Organization.objects.filter(region=region).count()}, рубрик: "
            f"{Category.objects.filter(parent=None).count()} / подрубрик: "
            f"{Category.objects.exclude(parent=None).count()}, правил маршрутизации: "
            f"{RoutingRule.objects.count()}, пользователей: {User.objects.count()}",
            f"  обращений: {written.appeals} — "
            + ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items())),
            f"  событий: {written.events}, ответов: {written.answers}, переносов сроков: "
            f"{written.postponements} (повторных: {postponed.filter(is_repeated=True).count()})"
            f", оценок: {written.ratings}",
            f"  повторных обращений: {appeals.exclude(repeat_of=None).count()}, "
            f"объединённых дубликатов: {appeals.exclude(duplicate_of=None).count()}",
        ]
        self.stdout.write("\n".join(lines))
