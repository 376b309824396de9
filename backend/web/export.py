"""The filtered case list as CSV or XLSX. Phones are masked for anyone below supervisor.

Every cell goes through `backend.spreadsheet.safe_cell` in the writers (no formulas, no characters
the format cannot hold).
"""

import csv
import io
from collections.abc import Callable

from openpyxl import Workbook

from ..i18n import N_
from ..spreadsheet import safe_row
from .case_rows import CaseRow
from .format import Formatter

MAX_ROWS = 10_000

COLUMNS: tuple[tuple[str, Callable[[CaseRow], str]], ...] = (
    (N_("Case number"), lambda r: r.number),
    (N_("Received at"), lambda r: r.received),
    (N_("Kind"), lambda r: r.kind),
    (N_("Category"), lambda r: r.category),
    (N_("Severity"), lambda r: r.severity),
    (N_("Status"), lambda r: r.status),
    (N_("Overdue"), lambda r: "✔" if r.overdue else ""),
    (N_("Unit"), lambda r: r.unit),
    (N_("Location"), lambda r: r.location),
    (N_("Contact name"), lambda r: r.contact_name),
    (N_("Contact phone"), lambda r: r.contact_phone),
    (N_("Owner"), lambda r: r.owner),
    (N_("Department"), lambda r: r.department),
    (N_("Resolved at"), lambda r: r.resolved),
    (N_("Satisfaction"), lambda r: r.satisfaction),
    (N_("Description"), lambda r: r.description),
)


def table(rows: list[CaseRow], fmt: Formatter) -> tuple[list[str], list[list[str]]]:
    headers = [fmt.t(title) for title, _ in COLUMNS]
    return headers, [[read(row) for _, read in COLUMNS] for row in rows]


def to_csv(headers: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(safe_row(headers))
    writer.writerows(safe_row(row) for row in rows)
    return buffer.getvalue().encode("utf-8-sig")  # the BOM lets Excel read the Chinese text


def to_xlsx(headers: list[str], rows: list[list[str]], title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31] or "cases")
    sheet.append(safe_row(headers))
    for row in rows:
        sheet.append(safe_row(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
