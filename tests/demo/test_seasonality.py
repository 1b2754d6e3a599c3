"""Snow comes in winter, grass in summer, heating complaints in autumn."""

from otklik.appeals.models import Appeal
from otklik.demo.topics import SNOW_SEASON, all_groups

SNOW = {t.code for g in all_groups() for t in g.topics if t.season == SNOW_SEASON}
SUMMER = {t.code for g in all_groups() for t in g.topics if t.season == "summer"}


def _by_season(months, codes):
    appeals = Appeal.objects.filter(created_at__month__in=months)
    return appeals.filter(category__code__in=codes).count() / max(1, appeals.count())


def test_winter_brings_snow_and_summer_brings_grass(built):
    winter, summer = (12, 1, 2), (6, 7, 8)
    assert _by_season(winter, SNOW) > 0.1
    assert _by_season(summer, SNOW) < 0.02
    assert _by_season(summer, SUMMER) > 3 * _by_season(winter, SUMMER)
