"""The monthly report as an Excel workbook and as a short Telegram message.

Headers and sheet names are in the reader's `locale`; row labels (categories, severities, statuses)
are in the language the report was built in. Every cell is written through `_header` or `_append`,
which pass it through `spreadsheet.safe_cell` (no formulas, no characters the format cannot hold).
"""

import os
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import IO, Any, NamedTuple

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .i18n import N_, _
from .services.reports import NO_VALUE, MonthlyReport, ReportRow
from .spreadsheet import safe_row

MAX_SUMMARY_CHARS = 3500
PERCENT = "0.0%"
DECIMAL = "0.00"
DATETIME = "yyyy-mm-dd hh:mm"
MIN_WIDTH, MAX_WIDTH = 8, 60
_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
_FORBIDDEN_IN_TITLE = str.maketrans({c: " " for c in "[]:*?/\\"})

SHEET_SUMMARY = N_("Summary")
SHEET_CATEGORY = N_("By category")
SHEET_SEVERITY = N_("By severity")
SHEET_DEPARTMENT = N_("By department")
SHEET_SUBJECTS = N_("Complaints against staff")
SHEET_MAJOR = N_("Major cases")


class Column(NamedTuple):
    """A measure of a ReportRow: its header, how to read it, its Excel number format."""

    header: str
    value: Callable[[ReportRow], Any]
    fmt: str | None = None


COUNT_COLUMNS = (
    Column(N_("Received"), lambda r: r.received),
    Column(N_("Resolved"), lambda r: r.resolved),
)
SERVICE_COLUMNS = (  # also the service-level lines of the Summary sheet
    Column(N_("Resolved on time"), lambda r: r.resolved_on_time),
    Column(N_("Resolved late"), lambda r: r.resolved_late),
    Column(N_("Open past promise"), lambda r: r.open_past_promise),
    Column(N_("SLA compliance"), lambda r: r.sla_compliance, PERCENT),
    Column(N_("Mean hours to resolve"), lambda r: r.mean_hours_to_resolve, DECIMAL),
    Column(N_("Mean satisfaction"), lambda r: r.mean_satisfaction, DECIMAL),
    Column(N_("Satisfaction answers"), lambda r: r.satisfaction_answers),
    Column(N_("Reopened"), lambda r: r.reopened),
    Column(N_("Reopen rate"), lambda r: r.reopen_rate, PERCENT),
)
ROW_COLUMNS = COUNT_COLUMNS + SERVICE_COLUMNS


# ---- workbook -----------------------------------------------------------------------------------


def write_monthly_xlsx(
    report: MonthlyReport, path_or_stream: str | os.PathLike[str] | IO[bytes], locale: str
) -> None:
    """Save the report as an .xlsx file (a path or a binary stream)."""
    book = Workbook()
    summary = book.active
    assert isinstance(summary, Worksheet)  # a new workbook opens on one empty worksheet
    _summary_sheet(summary, report, locale)
    for title, first_header, rows in (
        (SHEET_CATEGORY, N_("Category"), report.by_category),
        (SHEET_SEVERITY, N_("Severity"), report.by_severity),
        (SHEET_DEPARTMENT, N_("Department"), report.by_department),
    ):
        _rows_sheet(
            book.create_sheet(_title(title, locale)), first_header, rows, report.overall, locale
        )
    _subjects_sheet(book.create_sheet(_title(SHEET_SUBJECTS, locale)), report, locale)
    _major_sheet(book.create_sheet(_title(SHEET_MAJOR, locale)), report, locale)
    book.save(path_or_stream)


def _summary_sheet(sheet: Worksheet, report: MonthlyReport, locale: str) -> None:
    sheet.title = _title(SHEET_SUMMARY, locale)
    totals, overall = report.totals, report.overall
    items: list[tuple[str, Any, str | None]] = [
        (N_("Month"), report.month_text, None),
        (N_("Period"), f"{report.first_day.isoformat()} – {report.last_day.isoformat()}", None),
        (N_("Generated at"), _naive(report.generated_at), DATETIME),
        (N_("Received"), totals.received, None),
        (N_("Open"), totals.open, None),
        (N_("Resolved"), totals.resolved, None),
        (N_("Closed"), totals.closed, None),
        (N_("Invalid"), totals.invalid, None),
        (N_("Cancelled"), totals.cancelled, None),
        *[(column.header, column.value(overall), column.fmt) for column in SERVICE_COLUMNS],
        (N_("Major cases"), len(report.major_cases), None),
    ]
    _header(sheet, [_("Item", locale), _("Value", locale)])
    for label, value, fmt in items:
        _append(sheet, [_(label, locale), value], [None, fmt])
    _fit_columns(sheet)


def _rows_sheet(
    sheet: Worksheet, first_header: str, rows: Sequence[ReportRow], overall: ReportRow, locale: str
) -> None:
    """One line per category/severity/department, then a bold line for all cases."""
    _header(sheet, [_(first_header, locale), *(_(column.header, locale) for column in ROW_COLUMNS)])
    formats = [None, *(column.fmt for column in ROW_COLUMNS)]
    for row in [*rows, overall]:
        _append(sheet, [row.label, *(column.value(row) for column in ROW_COLUMNS)], formats)
    for cell in sheet[sheet.max_row]:
        cell.font = _BOLD
    _fit_columns(sheet)


def _subjects_sheet(sheet: Worksheet, report: MonthlyReport, locale: str) -> None:
    _header(sheet, [_("Complained about", locale), _("Complaints", locale)])
    for row in report.subjects:
        _append(sheet, [row.subject, row.complaints])
    _fit_columns(sheet)


def _major_sheet(sheet: Worksheet, report: MonthlyReport, locale: str) -> None:
    headers = (
        N_("Case number"),
        N_("Received"),
        N_("Category"),
        N_("Status"),
        N_("Resolved"),
        N_("Description"),
    )
    _header(sheet, [_(header, locale) for header in headers])
    for case in report.major_cases:
        values = [
            case.number,
            _naive(case.received_at),
            case.category,
            case.status,
            _naive(case.resolved_at),
            case.description,
        ]
        _append(sheet, values, [None, DATETIME, None, None, DATETIME, None])
    _fit_columns(sheet)


def _header(sheet: Worksheet, titles: list[str]) -> None:
    sheet.append(safe_row(titles))
    for cell in sheet[1]:
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=False)
    sheet.freeze_panes = "A2"


def _append(sheet: Worksheet, values: list[Any], formats: Sequence[str | None] = ()) -> None:
    """A row where None reads as '—', text is inert (no formula) and numbers get their format."""
    sheet.append(safe_row([NO_VALUE if value is None else value for value in values]))
    for cell, fmt in zip(sheet[sheet.max_row], formats, strict=False):
        if fmt and cell.value != NO_VALUE:
            cell.number_format = fmt


def _fit_columns(sheet: Worksheet) -> None:
    for index, column in enumerate(sheet.iter_cols(), start=1):
        width = max((_display_width(cell.value) for cell in column), default=0) + 2
        sheet.column_dimensions[get_column_letter(index)].width = max(
            MIN_WIDTH, min(width, MAX_WIDTH)
        )


def _display_width(value: Any) -> int:
    """Characters as wide as they print: Chinese characters take two columns."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, float):
        return 8
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in str(value))


def _title(msgid: str, locale: str) -> str:
    """A sheet name Excel accepts: no []:*?/\\ and at most 31 characters."""
    return _(msgid, locale).translate(_FORBIDDEN_IN_TITLE).strip()[:31]


def _naive(moment: datetime | None) -> datetime | None:
    """Excel has no time zones: the local wall-clock time."""
    return moment.replace(tzinfo=None) if moment is not None else None


# ---- Telegram message ---------------------------------------------------------------------------


def summary_text(report: MonthlyReport, locale: str) -> str:
    """A few lines for a Telegram message: totals, service level, satisfaction, busiest categories."""
    totals, overall = report.totals, report.overall
    lines = [
        _(
            "Monthly report {month} ({first} – {last})",
            locale,
            month=report.month_text,
            first=report.first_day.isoformat(),
            last=report.last_day.isoformat(),
        ),
        _(
            "Received {received} · open {open} · resolved {resolved} · closed {closed} · invalid {invalid} · "
            "cancelled {cancelled}",
            locale,
            received=totals.received,
            open=totals.open,
            resolved=totals.resolved,
            closed=totals.closed,
            invalid=totals.invalid,
            cancelled=totals.cancelled,
        ),
        _("SLA compliance: {value}", locale, value=_percent(overall.sla_compliance)),
        _("Mean hours to resolve: {value}", locale, value=_number(overall.mean_hours_to_resolve)),
        _(
            "Mean satisfaction: {value} ({answers} answers)",
            locale,
            value=_number(overall.mean_satisfaction),
            answers=overall.satisfaction_answers,
        ),
        _("Reopen rate: {value}", locale, value=_percent(overall.reopen_rate)),
        _("Top categories: {list}", locale, list=_top(report.by_category, 3)),
        _("Major cases: {count}", locale, count=len(report.major_cases)),
    ]
    text = "\n".join(lines)
    return text if len(text) <= MAX_SUMMARY_CHARS else text[: MAX_SUMMARY_CHARS - 1] + "…"


def _top(rows: Iterable[ReportRow], count: int) -> str:
    """The busiest rows as 'Facilities 5 · Noise 3'; ties keep the policy's order."""
    busiest = sorted((row for row in rows if row.received), key=lambda row: -row.received)[:count]
    return " · ".join(f"{row.label} {row.received}" for row in busiest) or NO_VALUE


def _percent(value: float | None) -> str:
    return NO_VALUE if value is None else f"{value:.1%}"


def _number(value: float | None) -> str:
    return NO_VALUE if value is None else f"{value:.1f}"
