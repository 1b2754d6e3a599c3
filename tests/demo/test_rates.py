"""Disciplined and poor municipalities and executors differ, so KPI rankings mean something."""

from collections import defaultdict

from otklik.appeals.models import Appeal, Rating
from otklik.demo.geography import MUNICIPALITIES


def _shares(key):
    """Overdue share and satisfaction by `key` (a field path of the appeal)."""
    totals, overdue = defaultdict(int), defaultdict(int)
    for group, due, answered in Appeal.objects.exclude(due_at=None).values_list(
        key, "due_at", "answered_at"
    ):
        totals[group] += 1
        overdue[group] += answered is None or answered > due
    return totals, overdue


def test_overdue_share_differs_between_disciplined_and_poor_municipalities(built):
    totals, overdue = _shares("municipality__name")
    good = [m.name for m in MUNICIPALITIES if m.discipline >= 0.7]
    poor = [m.name for m in MUNICIPALITIES if m.discipline <= 0.45]

    def share(names):
        return sum(overdue[n] for n in names) / sum(totals[n] for n in names)

    assert share(poor) > share(good) + 0.05
    shares = [overdue[n] / totals[n] for n in totals if totals[n] >= 25]
    assert max(shares) - min(shares) > 0.08


def test_executors_differ_in_overdue_and_satisfaction(built):
    totals, overdue = _shares("executor__short_name")
    big = [org for org in totals if totals[org] >= 15]
    shares = [overdue[org] / totals[org] for org in big]
    assert len(big) >= 4
    assert max(shares) - min(shares) > 0.1
    ratings = Rating.objects.all()
    satisfied = ratings.filter(score__gte=4).count() / ratings.count()
    assert 0.35 < satisfied < 0.85
