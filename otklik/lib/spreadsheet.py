"""Cells of the spreadsheets and CSV files we export, safe to open in Excel or LibreOffice.

A text cell that begins with = + - @ (or a tab or carriage return) is read as a formula by
spreadsheet programs: citizen text such as «=HYPERLINK(…)» in an address would run in the
reader's office. OWASP's advice (CSV Injection) is followed: such a text gets a leading single
quote, so that it is shown as text; numbers, dates and empty cells are written unchanged.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """`value` for a spreadsheet cell: a text that could start a formula gets a leading «'»;
    anything else (numbers, dates, None) is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values) -> list:
    return [safe_cell(value) for value in values]
