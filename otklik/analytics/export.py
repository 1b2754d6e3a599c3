"""The weekly review as an XLSX workbook: the same figures as the page, one sheet per section.

Shares are written as fractions with a percent number format (Excel shows 85,2 %), counts as
integers, dates as dates; every sheet has a bold frozen header row and set column widths.
"""

from __future__ import annotations

from io import BytesIO
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from otklik.lib.spreadsheet import safe_row

from .weekly import ACCURACY_WEEKS, Review, week_code

if TYPE_CHECKING:
    # openpyxl loads when a workbook is made, not with the office's pages that link to it.
    from openpyxl import Workbook

PERCENT = "0.0%"
DECIMAL = "0.0"
DATE = "DD.MM.YYYY"


def _forecast_columns() -> list[tuple[str, int, str | None]]:
    return [
        (_("Forecast"), 12, DECIMAL),
        (_("Interval from"), 12, "0"),
        (_("Interval to"), 12, "0"),
        (_("Above the forecast"), 14, None),
    ]


def _forecast_cells(check, made: bool) -> tuple:
    """Forecast, interval and flag of a topic group: words, never a zero, when there is none."""
    if check is None:
        return (_("no forecast"), None, None, "")
    return (check.expected, check.low, check.high, _("yes") if check.above else "")


def filename(data: Review) -> str:
    return f"otklik-weekly-{data.region.code}-{week_code(data.period)}.xlsx"


def _fraction(percent: float | None) -> float | None:
    return None if percent is None else round(percent / 100, 4)


def _sheet(book: Workbook, title: str, columns: list[tuple[str, int, str | None]], rows) -> None:
    """A sheet with a header row of (title, width, number format) columns and the rows."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title[:31])
    sheet.append([name for name, _width, _format in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        # Citizen text (addresses, topics) never becomes a formula (otklik/lib/spreadsheet.py).
        sheet.append(safe_row(row))
    for index, (_name, width, number_format) in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = width
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
    sheet.freeze_panes = "A2"


def _local(value, data: Review):
    """An aware datetime as a naive local date (Excel has no time zones)."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(data.region.time_zone)).date()


def workbook(data: Review) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    summary = []
    for row in data.kpi_rows:
        value = _fraction(row.value) if row.is_share else row.value
        previous = _fraction(row.previous) if row.is_share else row.previous
        change = _fraction(row.change) if row.is_share else row.change
        summary.append((row.label, value, previous, change, row.unit if not row.is_share else ""))
    accuracy = data.forecast.accuracy
    weeks = {"weeks": ACCURACY_WEEKS}
    summary += [
        (
            _("Forecast accuracy: MASE, the last %(weeks)s weeks") % weeks,
            accuracy.mase,
            None,
            None,
            "",
        ),
        (
            _("Forecast accuracy: share inside the 80 %% interval, the last %(weeks)s weeks")
            % weeks,
            _fraction(accuracy.coverage_percent),
            None,
            None,
            "",
        ),
    ]
    sheet_title = pgettext("sheet", "Summary")
    _sheet(
        book,
        sheet_title,
        [
            (_("Figure"), 36, None),
            (_("This week"), 14, None),
            (_("Previous week"), 14, None),
            (_("Change"), 12, None),
            (_("Unit"), 10, None),
        ],
        summary,
    )
    sheet = book[sheet_title[:31]]
    for index, row in enumerate(data.kpi_rows, start=2):
        number_format = PERCENT if row.is_share else ("0" if row.key == "received" else DECIMAL)
        for column in "BCD":
            sheet[f"{column}{index}"].number_format = number_format
    after = len(data.kpi_rows) + 2
    sheet[f"B{after}"].number_format = "0.00"
    sheet[f"B{after + 1}"].number_format = PERCENT
    _sheet(
        book,
        pgettext("sheet", "Topics"),
        [
            (_("Category"), 30, None),
            (_("Subcategory"), 30, None),
            (_("This week"), 12, "0"),
            (_("Usual level"), 14, DECIMAL),
            (_("Growth"), 10, DECIMAL),
            (_("Times the usual"), 14, "0.00"),
            (_("Significant growth"), 14, None),
            *_forecast_columns(),
        ],
        (
            (
                (root or topic).name,
                topic.name if root else "",
                topic.count,
                topic.usual,
                topic.growth,
                topic.ratio,
                _("yes") if topic.significant else "",
                *(() if root else _forecast_cells(topic.forecast, data.forecast.made)),
            )
            for topic, root in data.topics.flat()
        ),
    )
    _sheet(
        book,
        pgettext("sheet", "Forecast"),
        [
            (_("Topic"), 30, None),
            (_("Municipality"), 30, None),
            (_("This week"), 12, "0"),
            *_forecast_columns(),
        ],
        (
            (c.group, c.municipality or _("Whole region"), c.actual, *_forecast_cells(c, True))
            for c in sorted(data.forecast.checks, key=lambda c: (c.group, c.municipality))
        )
        if data.forecast.made
        else [(_("No forecast was made for this week."),)],
    )
    _sheet(
        book,
        pgettext("sheet", "Ranking"),
        [
            (_("Place"), 8, "0"),
            (_("Municipality"), 30, None),
            (_("Index"), 10, DECIMAL),
            (_("Index range from"), 12, DECIMAL),
            (_("Index range to"), 12, DECIMAL),
            (_("Received"), 12, "0"),
            (_("On-time share"), 12, PERCENT),
            (_("Verified resolution"), 14, PERCENT),
            (_("Statistics-vs-citizens gap, p.p."), 16, DECIMAL),
            (_("Overdue share a year ago ÷ now"), 16, "0.00"),
        ],
        (
            (
                row.rank,
                row.name,
                row.score,
                row.score_low,
                row.score_high,
                row.kpis.received,
                _fraction(row.kpis.on_time.percent),
                _fraction(row.kpis.verified.percent),
                row.gap,
                row.overdue_ratio,
            )
            for row in data.ranking.rows
        ),
    )
    _sheet(
        book,
        pgettext("sheet", "Municipalities"),
        [
            (_("Municipality"), 30, None),
            (_("Received"), 12, "0"),
            (_("Repeat appeals"), 12, "0"),
            (_("Repeat share"), 12, PERCENT),
            (_("Closed"), 12, "0"),
            (_("Durability failures"), 14, "0"),
            (_("Durability failure share"), 14, PERCENT),
        ],
        (
            (
                name,
                k.received,
                k.repeat.numerator,
                _fraction(k.repeat.percent),
                k.durability.denominator,
                k.durability.numerator,
                _fraction(k.durability.percent),
            )
            for name, k in [
                *((row.name, row) for row in data.municipalities),
                (_("Whole region"), data.kpis),
            ]
        ),
    )
    _sheet(
        book,
        pgettext("sheet", "Overdue"),
        [
            (_("Appeal"), 18, None),
            (_("Days overdue"), 12, "0"),
            (_("Deadline"), 12, DATE),
            (_("Category"), 26, None),
            (_("Municipality"), 22, None),
            (_("Executor"), 34, None),
            (_("Address"), 40, None),
        ],
        (
            (
                a.number,
                a.days_overdue,
                _local(a.due_at, data),
                a.category.name if a.category else "",
                a.municipality.name if a.municipality else "",
                a.executor.name if a.executor else "",
                a.address,
            )
            for a in data.overdue
        ),
    )
    _sheet(
        book,
        pgettext("sheet", "Repeats"),
        [
            (_("First appeal"), 18, None),
            (_("Repeats this quarter"), 14, "0"),
            (_("Chain depth"), 12, "0"),
            (_("Latest repeat"), 18, None),
            (_("Category"), 26, None),
            (_("Municipality"), 22, None),
            (_("Address"), 40, None),
        ],
        (
            (
                case.appeal.number,
                case.repeats,
                case.depth,
                case.last,
                case.appeal.category.name if case.appeal.category else "",
                case.appeal.municipality.name if case.appeal.municipality else "",
                case.appeal.address,
            )
            for case in data.repeats
        ),
    )
    counts = data.instructions["counts"]
    instruction_rows = [
        (_("Issued this week"), counts["issued"], None, None, None),
        (_("Awaiting a report"), counts["waiting"], None, None, None),
        (_("Reported, awaiting acceptance"), counts["reported"], None, None, None),
        (_("Done this week"), counts["done"], None, None, None),
        (_("Overdue"), counts["overdue"], None, None, None),
        ("", None, None, None, None),
    ]
    instruction_rows += [
        (
            _("Instruction No. %(number)s") % {"number": i.pk},
            i.days_overdue,
            _local(i.due_at, data),
            i.organization.name,
            i.text[:300],
        )
        for i in data.instructions["open"]
    ]
    _sheet(
        book,
        pgettext("sheet", "Instructions"),
        [
            (_("Instructions"), 34, None),
            (_("Count / days overdue"), 14, "0"),
            (_("Deadline"), 12, DATE),
            (_("Organization"), 34, None),
            (_("Text"), 60, None),
        ],
        instruction_rows,
    )
    calls = data.calls["counts"]
    call_rows = [
        (_("Calls completed"), calls["done"], None, None, None),
        (_("Solved"), calls["solved"], None, None, None),
        (_("Not solved"), calls["not_solved"], None, None, None),
        (_("Not reached"), calls["not_reached"], None, None, None),
        (_("Solved share"), _fraction(data.calls["solved_share"].percent), None, None, None),
        ("", None, None, None, None),
    ]
    call_rows += [
        (
            call.appeal.number,
            None,
            _local(call.completed_at, data),
            call.appeal.category.name if call.appeal.category else "",
            call.comment[:300],
        )
        for call in data.calls["failed"]
    ]
    _sheet(
        book,
        pgettext("sheet", "Calls"),
        [
            (_("Control calls"), 24, None),
            (_("Count"), 12, None),
            (_("Completed"), 12, DATE),
            (_("Category"), 26, None),
            (_("Comment"), 60, None),
        ],
        call_rows,
    )
    book[pgettext("sheet", "Calls")[:31]]["B6"].number_format = PERCENT
    output = BytesIO()
    book.save(output)
    return output.getvalue()
