"""`manage.py import_addresses`: a ФИАС/ГАР-style CSV extract becomes the address register;
bad rows are reported and skipped, a second run changes nothing, a moved house moves."""

import pytest
from django.core.management import CommandError, call_command

from otklik.directory.addresses import search_addresses
from otklik.directory.models import House, Street

CSV = """municipality;settlement;street;house;latitude;longitude;fias_id
42701000;г. Липецк;ул. Московская;12;52,6101;39,5901;a1
Липецк;г. Липецк;ул. Московская;14;52.6105;39.5910;
42715000;г. Елец;ул. Ленина;5;52.6220;38.5020;
42701000;г. Липецк;ул. Московская;;52.6;39.5;
99999999;г. Нигде;ул. Нет;1;52.6;39.5;
42701000;г. Липецк;ул. Космонавтов;3;север;39.5;
"""


@pytest.fixture
def extract(tmp_path):
    path = tmp_path / "houses.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def test_the_extract_becomes_the_register(
    region, municipality, other_municipality, extract, capsys
):
    call_command("import_addresses", str(extract))
    out, err = capsys.readouterr()
    assert "3 houses, 2 new streets, 3 rows skipped" in out
    assert "line 5: empty house" in err
    assert House.objects.count() == 3
    (found,) = search_addresses(region=region, query="московская 12")
    assert (found.latitude, found.longitude) == (52.6101, 39.5901)
    moskovskaya = Street.objects.get(name="ул. Московская")
    assert moskovskaya.center_lat == pytest.approx(52.6103)


def test_a_second_run_changes_nothing_and_a_moved_house_moves(
    region, municipality, other_municipality, extract
):
    call_command("import_addresses", str(extract))
    extract.write_text(CSV.replace("52,6101", "52,6111"), encoding="utf-8")
    call_command("import_addresses", str(extract))
    assert House.objects.count() == 3
    assert Street.objects.count() == 2
    assert House.objects.get(number="12").latitude == 52.6111


def test_a_file_without_the_columns_is_refused(region, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="missing columns"):
        call_command("import_addresses", str(path))
