"""The failed rows' CSV of an import never hands the file's values back as formulas."""

import csv
import io

import pytest
from django.core.files.base import ContentFile

from otklik.appeals import imports
from tests.appeals.test_imports import private_files  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def test_a_failed_rows_values_that_look_like_formulas_come_back_as_text(region, category):
    content = (
        "external_id;text;category\n"
        '=HYPERLINK("http://evil.example");Яма;кошки\n'
        "@SUM(A1);;potholes\n"
        "P-3;Яма у дома;кошки\n"
    ).encode()
    batch = imports.create_batch(
        region=region, source="pos", upload=ContentFile(content, name="e.csv"), mapping={}
    )
    imports.run_batch(batch.pk)
    batch.refresh_from_db()
    rows = list(csv.reader(io.StringIO(imports.errors_csv(batch).lstrip("\ufeff")), delimiter=";"))
    ids = [row[1] for row in rows[1:]]
    assert ids == ['\'=HYPERLINK("http://evil.example")', "'@SUM(A1)", "P-3"]
    assert [row[0] for row in rows[1:]] == ["1", "2", "3"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
