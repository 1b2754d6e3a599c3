"""Export cells that could start a formula get OWASP's leading single quote; others stay."""

from datetime import date

import pytest

from otklik.lib.spreadsheet import safe_cell, safe_row


@pytest.mark.parametrize("text", ["=1+1", "+7 900 000-00-00", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_a_text_that_could_start_a_formula_gets_a_leading_quote(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["ул. Ленина, 1", "", None, 0, -3, 2.5, -0.25, date(2026, 1, 5)])
def test_other_values_are_written_as_they_are(value):
    assert safe_cell(value) == value


def test_a_row_is_escaped_cell_by_cell():
    assert safe_row(["=cmd", -1, "ok"]) == ["'=cmd", -1, "ok"]
