"""The demo's addresses and pins agree: each house of a street stands at one place, the
register holds it there, and appeals near a pin are about streets near it (similar appeals
offered at the centre are about the centre's streets)."""

from collections import defaultdict

from otklik.appeals.models import Appeal
from otklik.directory.address_text import find_address_in_text
from otklik.directory.models import House
from otklik.lib.geo import distance_m


def test_every_pinned_appeal_stands_at_its_house_of_the_register(built):
    appeals = list(Appeal.objects.exclude(latitude=None).select_related("municipality"))
    assert len(appeals) > 300
    points = defaultdict(set)
    for appeal in appeals:
        points[appeal.address].add((appeal.latitude, appeal.longitude))
        found = find_address_in_text(
            region=built.region, text=appeal.address, municipality=appeal.municipality
        )
        assert found is not None, appeal.address
        assert (found.match.latitude, found.match.longitude) == (appeal.latitude, appeal.longitude)
    assert all(len(p) == 1 for p in points.values())


def test_houses_of_one_street_stand_close_together(built):
    by_street = defaultdict(list)
    for house in House.objects.select_related("street"):
        by_street[house.street_id].append((house.latitude, house.longitude))
    spans = [
        max(distance_m(*a, *b) for a in pts for b in pts)
        for pts in by_street.values()
        if len(pts) > 1
    ]
    assert spans and max(spans) < 4000
