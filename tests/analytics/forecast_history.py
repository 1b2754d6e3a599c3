"""Weekly histories written straight into the rollups the forecast reads, for the forecast's
tests (building years of appeals through the services would take minutes)."""

from __future__ import annotations

import math
from datetime import date, timedelta

from otklik.analytics.models import Grain, KpiDay

WEEK = timedelta(days=7)


def seasonal(weeks: int, level: float, *, seed: int = 1) -> list[int]:
    """Poisson counts with a yearly season (high in winter) and a mild upward trend."""
    import numpy as np

    rng = np.random.default_rng(seed)
    counts = []
    for i in range(weeks):
        season = 1 + 0.6 * math.cos(2 * math.pi * i / 52.18)
        counts.append(int(rng.poisson(level * season * (1 + 0.2 * i / 52))))
    return counts


def write_history(region, first: date, series: dict) -> None:
    """`series`: (municipality or None, category) → weekly counts from the Monday `first`;
    each week's appeals are written on its Wednesday, at the fine grain and the region's."""
    rows, region_days = [], {}
    for (municipality, category), counts in series.items():
        for i, n in enumerate(counts):
            if not n:
                continue
            day = first + i * WEEK + timedelta(days=2)
            rows.append(
                KpiDay(
                    grain=Grain.FINE,
                    region=region,
                    day=day,
                    municipality=municipality.pk if municipality else 0,
                    category=category.pk,
                    received=n,
                )
            )
            region_days[day] = region_days.get(day, 0) + n
    rows += [
        KpiDay(grain=Grain.REGION, region=region, day=day, received=n)
        for day, n in region_days.items()
    ]
    KpiDay.objects.bulk_create(rows)
