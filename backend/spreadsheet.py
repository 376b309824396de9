"""The one sanitiser for every spreadsheet we write: the case list as CSV and XLSX, the monthly report.

Tenants and staff write the text that ends up in the cells, and the monthly report goes to every manager,
so a cell must never run as a formula and never hold a character the file format cannot carry:

- characters XML 1.0 cannot hold (C0 control characters except tab, LF and CR; lone surrogates;
  U+FFFE, U+FFFF) are removed — openpyxl refuses them, which would fail the whole file;
- text that a spreadsheet would read as a formula or command (starting with = + - @, tab or CR, the
  OWASP list for CSV injection) gets a leading apostrophe, which keeps it text.

Numbers, dates and None pass unchanged: only text can carry a formula.
"""

import re
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def safe_cell(value: Any) -> Any:
    """`value` as a spreadsheet may show it: inert text, or the number/date/None it was."""
    if not isinstance(value, str):
        return value
    text = _NOT_IN_XML.sub("", value)
    return "'" + text if text.startswith(FORMULA_START) else text


def safe_row(values: list[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]
