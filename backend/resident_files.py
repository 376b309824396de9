"""A resident register file (CSV or XLSX) as header cells and numbered rows, for backend/domain/residents.

The format is told by the content, not the name: an .xlsx renamed .csv is still read as a workbook, and a
PDF or photo named .csv is refused politely. Line numbers are the ones the operator sees: the header is
line 1, a CSV row spanning two lines (a quoted newline) has the number of its first line, and an XLSX row
has its sheet row number.

Limits, so that one upload cannot take the server down: MAX_FILE_BYTES on the file (`check_size` lets the
CLI refuse from a stat), MAX_UNPACKED_BYTES on what a workbook unpacks to (a zip bomb), MAX_ROWS rows.
"""

import csv
import io
import math
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from itertools import chain
from typing import Any

from openpyxl import load_workbook

from backend.i18n import N_

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNPACKED_BYTES = 500 * 1024 * 1024
MAX_ROWS = 1_000_000
DELIMITERS = (",", ";", "\t")

FILE_TOO_BIG = N_("The file is {size} MB; files up to {limit} MB can be imported")
EMPTY_FILE = N_("The file is empty")
NO_ROWS = N_("The file has a header but no residents")
NOT_A_TABLE = N_(
    "This is not a CSV or Excel (.xlsx) file. Please save the register as .xlsx or .csv and try again"
)
OLD_EXCEL = N_("This is an old Excel (.xls) file. Please save it as .xlsx or .csv and try again")
BAD_WORKBOOK = N_(
    "The Excel file cannot be read: it may be damaged or not a workbook. Please save it again as .xlsx"
)
WORKBOOK_TOO_BIG = N_(
    "The Excel file unpacks to more than {limit} MB. Please save it as .csv or split it"
)
UNKNOWN_ENCODING = N_(
    "The CSV file is neither UTF-8 nor GBK. Please save it as “CSV UTF-8” and try again"
)
TOO_MANY_ROWS = N_("The file has more than {limit} rows. Please split it into smaller files")

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc
_NOT_TEXT = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")


class ResidentFileError(Exception):
    """A file that cannot be read as a register; `msgid` (English, for `_`) with its `params`."""

    def __init__(self, msgid: str, **params: str) -> None:
        super().__init__(msgid.format(**params) if params else msgid)
        self.msgid = msgid
        self.params = params


Rows = Iterator[tuple[int, list[str]]]


def _megabytes(n_bytes: int) -> str:
    """Rounded up to 0.1 MB, so that a file just over the limit does not read as the limit."""
    tenths = math.ceil(n_bytes * 10 / 1024 / 1024)
    return f"{tenths / 10:.1f}".removesuffix(".0")


def check_size(n_bytes: int) -> None:
    """Refuse a file larger than MAX_FILE_BYTES before anyone reads it."""
    if n_bytes > MAX_FILE_BYTES:
        raise ResidentFileError(
            FILE_TOO_BIG, size=_megabytes(n_bytes), limit=_megabytes(MAX_FILE_BYTES)
        )


def read_table(data: bytes, filename: str) -> tuple[list[str], Rows]:
    """The header cells and the (line, cells) rows after it. Rows are read lazily, so iterating them may
    still raise ResidentFileError (TOO_MANY_ROWS)."""
    check_size(len(data))
    if not data.strip():
        raise ResidentFileError(EMPTY_FILE)
    if data.startswith(_ZIP):
        table = _xlsx_rows(data)
    elif data.startswith(_OLE):
        raise ResidentFileError(OLD_EXCEL)
    elif data.startswith(_NOT_TEXT):
        raise ResidentFileError(NOT_A_TABLE)
    else:
        table = _csv_rows(_decode(data))
    first = next(table, None)
    if first is None:
        raise ResidentFileError(EMPTY_FILE)
    _, header = first
    for line, cells in table:
        if any(cell.strip() for cell in cells):
            return header, _capped(chain([(line, cells)], table))
    raise ResidentFileError(NO_ROWS)


def _capped(rows: Rows) -> Rows:
    for line, cells in rows:
        if line > MAX_ROWS:
            raise ResidentFileError(TOO_MANY_ROWS, limit=f"{MAX_ROWS:,}")
        yield line, cells


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text": UTF-16, tabs
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ResidentFileError(UNKNOWN_ENCODING) from None
    if b"\x00" in data[:65536]:  # no text file has NUL bytes: an image, an archive, a program
        raise ResidentFileError(NOT_A_TABLE)
    for encoding in ("utf-8-sig", "gb18030"):  # Chinese Excel saves CSV in GBK
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ResidentFileError(UNKNOWN_ENCODING)


def _delimiter(text: str) -> str:
    """The separator the header line uses most: , or ; (European Excel) or tab."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _csv_rows(text: str) -> Rows:
    if text.startswith("\ufeff"):  # a BOM of UTF-16 text
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    next_line = 1
    try:
        for cells in reader:
            yield next_line, cells
            next_line = reader.line_num + 1
    except csv.Error:
        raise ResidentFileError(NOT_A_TABLE) from None


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 1202.0, 13812345678.0
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _xlsx_rows(data: bytes) -> Rows:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ResidentFileError(BAD_WORKBOOK) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise ResidentFileError(WORKBOOK_TOO_BIG, limit=_megabytes(MAX_UNPACKED_BYTES))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except (
        Exception
    ):  # openpyxl raises KeyError, InvalidFileException, … for a zip that is no workbook
        raise ResidentFileError(BAD_WORKBOOK) from None
    return _sheet_rows(workbook, sheet)


def _sheet_rows(workbook: Any, sheet: Any) -> Rows:
    try:
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if line > MAX_ROWS:
                raise ResidentFileError(TOO_MANY_ROWS, limit=f"{MAX_ROWS:,}")
            yield line, [_cell_text(value) for value in values]
    except ResidentFileError:
        raise
    except Exception:  # a damaged sheet (bad XML) is found only while reading it
        raise ResidentFileError(BAD_WORKBOOK) from None
    finally:
        workbook.close()
