"""Municipality boundaries are plausible and the point lookup finds each appeal's municipality."""

from otklik.appeals.models import Appeal
from otklik.directory.models import Municipality
from otklik.directory.services import find_municipality
from otklik.lib.geo import shape_from_geojson


def test_region_has_its_twenty_real_municipalities(built):
    municipalities = Municipality.objects.filter(region=built.region)
    assert municipalities.count() == 20
    assert set(municipalities.filter(kind="city_district").values_list("name", flat=True)) == {
        "Липецк",
        "Елец",
    }
    assert Municipality.objects.get(name="Липецк").oktmo == "42701000"
    assert Municipality.objects.get(name="Елец").oktmo == "42715000"
    assert Municipality.objects.get(name="Воловский").oktmo == "42603000"
    assert Municipality.objects.get(name="Чаплыгинский").oktmo == "42654000"


def test_every_boundary_contains_its_centre_and_only_its_own(built):
    municipalities = list(Municipality.objects.filter(region=built.region))
    for m in municipalities:
        shape = shape_from_geojson(m.boundary)
        assert shape.bounds[1] > 51.8 and shape.bounds[3] < 53.7
        assert find_municipality(region=built.region, lat=m.center_lat, lon=m.center_lon) == m
    shapes = [shape_from_geojson(m.boundary) for m in municipalities]
    for i, a in enumerate(shapes):
        for b in shapes[i + 1 :]:
            assert a.intersection(b).area < 1e-9


def test_cities_are_carved_out_of_their_districts(built):
    lipetsk = shape_from_geojson(Municipality.objects.get(name="Липецк").boundary)
    district = shape_from_geojson(Municipality.objects.get(name="Липецкий").boundary)
    assert len(district.interiors) == 1
    assert district.envelope.contains(lipetsk)


def test_point_lookup_finds_the_municipality_of_every_appeal(built):
    appeals = Appeal.objects.exclude(latitude=None).select_related("municipality")
    assert appeals.count() > 300
    for appeal in appeals:
        found = find_municipality(region=built.region, lat=appeal.latitude, lon=appeal.longitude)
        assert found == appeal.municipality, appeal.number
        assert appeal.address.startswith("Липецкая обл.")


def test_every_appeal_carries_an_address_without_a_point_its_settlements(built):
    assert not Appeal.objects.filter(address="").exists()
    pointless = Appeal.objects.filter(latitude=None)
    assert pointless.exists()
    for appeal in pointless[:200]:
        assert appeal.address.startswith("Липецкая обл., ")
        assert ", д. " not in appeal.address
