"""Backtest of the weekly forecast of appeals (analytics/forecast.py) on the demo's two years.

    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python bench/forecast.py
    … bench/forecast.py --tiny           # a smoke run: a small demo, 4 weeks, 5 groups
    … bench/forecast.py --weeks 26       # the last 26 weeks only

Builds the demo region (`manage.py build_demo`; 3 000 appeals with --tiny) when the database has
none. Rolling origin, one week ahead, as the weekly job makes it: the forecast of week W is made
during week W−1 from the weeks complete by then (up to W−2), for every topic group ×
municipality with an appeal in the year before; the model is refitted at each origin. The
seasonal-naive forecast takes the same week a year (52 weeks) earlier, with an 80 % interval from
the spread of the series' year-on-year changes. Prints, for both, MASE (scale: the series' mean
absolute week-to-week change before the origin) and the share of weeks inside the 80 % interval,
overall, for the region's group totals and per topic group; and the fit time.
"""

import argparse
import os
import sys
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db.models import Max  # noqa: E402

from otklik.analytics import forecast  # noqa: E402
from otklik.analytics import forecast_model as fm  # noqa: E402
from otklik.analytics.models import Grain, KpiDay  # noqa: E402
from otklik.demo.geography import REGION_CODE  # noqa: E402
from otklik.directory.models import Category, Region  # noqa: E402
from otklik.directory.production_calendar import work_calendar  # noqa: E402


def ensure_demo(appeals: int) -> Region:
    call_command("migrate", verbosity=0, interactive=False)
    region = Region.objects.filter(code=REGION_CODE).first()
    if region is None or not region.appeals.exists():
        print(f"Building the demo region ({appeals} appeals)…", flush=True)
        call_command("createcachetable", verbosity=0)
        call_command("seed_calendar", verbosity=0)
        call_command("build_demo", appeals=appeals, no_progress=True, verbosity=0)
        region = Region.objects.get(code=REGION_CODE)
    return region


def line(label: str, model: fm.Score, naive: fm.Score) -> str:
    def cell(s: fm.Score) -> str:
        mase = "  —  " if s.mase is None else f"{s.mase:5.3f}"
        coverage = "  —  " if s.coverage is None else f"{100 * s.coverage:5.1f}"
        return f"{mase} {coverage}"

    return f"{label[:34]:34} {model.count:6} | {cell(model)} | {cell(naive)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tiny", action="store_true", help="smoke run: 4 weeks, 5 groups")
    parser.add_argument("--weeks", type=int, default=52, help="target weeks (default 52)")
    options = parser.parse_args()
    region = ensure_demo(3000 if options.tiny else 100_000)
    received = KpiDay.objects.filter(grain=Grain.REGION, region=region, received__gt=0)
    last_day = received.aggregate(d=Max("day"))
    start = forecast.first_week(region.pk)
    end_day = last_day["d"] + timedelta(days=1)
    end = end_day - timedelta(days=end_day.weekday())  # the weeks complete in the data
    weeks = fm.mondays(start, end)
    counts = forecast.weekly_counts(region.pk, start, end)
    if options.tiny:
        biggest = sorted(counts, key=lambda g: -sum(sum(w.values()) for w in counts[g].values()))
        counts = {group: counts[group] for group in biggest[:5]}
    calendar = work_calendar(region)
    names = dict(Category.objects.values_list("pk", "name"))
    # Targets need the week a year earlier and two weeks before: index ≥ 52.
    first_target = max(fm.SEASON, len(weeks) - (4 if options.tiny else options.weeks))
    print(
        f"Region {region.code}: {len(weeks)} whole weeks {weeks[0]}…{weeks[-1]}, "
        f"{len(counts)} topic groups, {len(weeks) - first_target} target weeks"
    )
    model_items, naive_items = defaultdict(list), defaultdict(list)
    fit_seconds, fits = 0.0, 0
    for target in range(first_target, len(weeks)):
        history = weeks[max(0, target - 1 - fm.HISTORY_WEEKS) : target - 1]
        started = time.perf_counter()
        made = forecast.forecast_groups(counts, history, weeks[target], calendar)
        fit_seconds += time.perf_counter() - started
        fits += len(made)
        for item in made:
            units = counts[item.group_id]
            for unit, (prediction, scale) in item.units.items():
                series = [units[unit].get(m, 0) for m in weeks[: target + 1]]
                actual, past = series[-1], series[: target - 1]
                naive = fm.seasonal_naive(past, ahead=2)
                model_items[item.group_id].append((actual, prediction, scale))
                naive_items[item.group_id].append((actual, naive, scale))
            totals = [sum(units[u].get(m, 0) for u in units) for m in weeks[: target + 1]]
            naive = fm.seasonal_naive(totals[: target - 1], ahead=2)
            model_items["total"].append((totals[-1], item.total[0], item.total[1]))
            naive_items["total"].append((totals[-1], naive, item.total[1]))
    everything = [x for key, xs in model_items.items() if key != "total" for x in xs]
    everything_naive = [x for key, xs in naive_items.items() if key != "total" for x in xs]
    print(
        "\nMASE: mean |actual − point forecast| ÷ the series' mean week-to-week change (lower is "
        "better; < 1 beats repeating last week).\ncov%: share of weeks whose appeals fell inside "
        "the 80 % interval (good: near 80).\nmodel: Poisson regression (scikit-learn), "
        f"{fm.MODEL_VERSION}; seasonal naive: the same week a year earlier."
    )
    print(f"\n{'':34} {'n':>6} | {'model: MASE  cov%':17} | {'seasonal naive: MASE cov%'}")
    print(line("group × municipality, all", fm.score(everything), fm.score(everything_naive)))
    print(line("group totals of the region", fm.score(model_items["total"]),
               fm.score(naive_items["total"])))  # fmt: skip
    print()
    groups = sorted((k for k in model_items if k != "total"), key=lambda k: names.get(k, ""))
    for group in groups:
        print(line(names.get(group, str(group)), fm.score(model_items[group]),
                   fm.score(naive_items[group])))  # fmt: skip
    print(
        f"\nfit + predict: {fits} group fits in {fit_seconds:.1f} s "
        f"({1000 * fit_seconds / max(fits, 1):.0f} ms per group, "
        f"{fit_seconds / max(len(weeks) - first_target, 1):.2f} s per weekly run)"
    )


if __name__ == "__main__":
    main()
