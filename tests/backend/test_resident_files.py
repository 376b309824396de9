"""Reading a resident register as the operator saved it: CSV in UTF-8 or GBK, ; or tab, XLSX; and the
files that are no register at all, refused with a sentence instead of a traceback."""

import io
import zipfile

import pytest
from openpyxl import Workbook

from backend import resident_files
from backend.domain.residents import check_rows, read_header
from backend.resident_files import (
    MAX_FILE_BYTES,
    ResidentFileError,
    check_size,
    read_table,
)

HEADER = ["building", "unit", "name", "phone", "role"]


def table(data: bytes, filename: str = "residents.csv") -> tuple[list[str], list]:
    header, rows = read_table(data, filename)
    return header, list(rows)


def refusal(data: bytes, filename: str = "residents.csv") -> str:
    with pytest.raises(ResidentFileError) as caught:
        table(data, filename)
    return caught.value.msgid.format(**caught.value.params)


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "header", "rows"),
    [
        (
            b"building,unit,name,phone,role\n3,1202,Zhang San,13812345678,owner\n",
            HEADER,
            [(2, ["3", "1202", "Zhang San", "13812345678", "owner"])],
        ),
        (  # Excel's "CSV UTF-8" starts with a BOM; Windows line ends
            "\ufeff楼栋,房号,姓名,电话,身份\r\n3栋,1202,张三,,业主\r\n".encode(),
            ["楼栋", "房号", "姓名", "电话", "身份"],
            [(2, ["3栋", "1202", "张三", "", "业主"])],
        ),
        (  # Chinese Excel's plain "CSV" is GBK
            "楼栋,房号,姓名,电话,身份\n3栋,1202,张三,,业主\n".encode("gbk"),
            ["楼栋", "房号", "姓名", "电话", "身份"],
            [(2, ["3栋", "1202", "张三", "", "业主"])],
        ),
        (  # European Excel separates with ;
            b"building;unit;name;phone;role\n3;1202;Li, Si;;tenant\n",
            HEADER,
            [(2, ["3", "1202", "Li, Si", "", "tenant"])],
        ),
        (
            b"building\tunit\tname\tphone\trole\n3\t1202\tWang\t\tshop\n",
            HEADER,
            [(2, ["3", "1202", "Wang", "", "shop"])],
        ),
        (  # Excel's "Unicode text": UTF-16 with tabs
            "楼栋\t房号\t姓名\t电话\t身份\n3\t1202\t张三\t\t业主\n".encode("utf-16"),
            ["楼栋", "房号", "姓名", "电话", "身份"],
            [(2, ["3", "1202", "张三", "", "业主"])],
        ),
    ],
)
def test_csv_files(data, header, rows):
    assert table(data) == (header, rows)


def test_csv_line_numbers_are_the_ones_a_spreadsheet_user_sees():
    data = (
        b"building,unit,name,phone,role\n"
        b'3,1202,"Zhang\nSan",,owner\n'  # a name typed with a line break: lines 2-3
        b"\n"  # line 4 empty
        b"3,1203,Li,,tenant\n"
    )
    _header, rows = table(data)
    assert [(line, cells[1]) for line, cells in rows if cells] == [(2, "1202"), (5, "1203")]


def test_xlsx_cells_become_text():
    data = xlsx(
        [
            ["楼栋", "房号", "姓名", "电话", "身份"],
            [3, 1202, "张三", 13812345678, "业主"],
            [3.0, 1203.0, "李四", None, "租户"],
            [],  # an empty sheet row keeps the numbering
            ["A", "1502", "王五", "13912345678", "商户"],
        ]
    )
    header, rows = table(data, "register.xlsx")
    assert header == ["楼栋", "房号", "姓名", "电话", "身份"]
    assert [row for row in rows if any(row[1])] == [
        (2, ["3", "1202", "张三", "13812345678", "业主"]),
        (3, ["3", "1203", "李四", "", "租户"]),
        (5, ["A", "1502", "王五", "13912345678", "商户"]),
    ]


def test_xlsx_is_told_by_content_not_name():
    data = xlsx([HEADER, ["1", "101", "Li", "", "owner"]])
    assert table(data, "residents.csv")[0] == HEADER


def test_file_to_checked_rows():
    """The two layers together, as the CLI uses them."""
    data = "楼栋,房号,姓名,电话,身份\n3栋,1202,张三,138 1234 5678,业主\n3,1202,张三,,业主\n".encode(
        "gbk"
    )
    header, rows = read_table(data, "r.csv")
    columns, header_problems = read_header(header)
    residents, problems = check_rows(rows, columns, ("CN",))
    assert header_problems == []
    assert [(r.line, r.building, r.phone) for r in residents] == [(2, "3", "+8613812345678")]
    assert [(p.line, p.reason, p.params) for p in problems] == [
        (3, "Same resident as line {other}", {"other": "2"})
    ]


def _zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photo.txt", "not a workbook")
    return buffer.getvalue()


NOT_A_TABLE = "This is not a CSV or Excel (.xlsx) file. Please save the register as .xlsx or .csv and try again"
BAD_WORKBOOK = (
    "The Excel file cannot be read: it may be damaged or not a workbook. "
    "Please save it again as .xlsx"
)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b" \r\n\r\n", "The file is empty"),
        (b"building,unit,name,phone,role\n", "The file has a header but no residents"),
        (b"building,unit,name,phone,role\n,,,,\n\n", "The file has a header but no residents"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", NOT_A_TABLE),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", NOT_A_TABLE),
        (bytes(range(256)) * 8, NOT_A_TABLE),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
            "This is an old Excel (.xls) file. Please save it as .xlsx or .csv and try again",
        ),
        (_zip_without_workbook(), BAD_WORKBOOK),
        (b"PK\x03\x04 truncated", BAD_WORKBOOK),
        (
            b"building,unit\n\xff,1\n",
            "The CSV file is neither UTF-8 nor GBK. Please save it as “CSV UTF-8” and try again",
        ),
    ],
)
def test_files_that_are_no_register(data, message):
    assert refusal(data) == message


def test_random_bytes_never_crash():
    for seed in range(20):
        data = bytes((seed * 7919 + i * 104729) % 256 for i in range(2000))
        try:
            table(data)
        except ResidentFileError:
            pass


def test_size_is_refused_before_reading():
    check_size(MAX_FILE_BYTES)
    with pytest.raises(ResidentFileError) as caught:
        check_size(100 * 1024 * 1024)
    assert caught.value.msgid.format(**caught.value.params) == (
        "The file is 100 MB; files up to 50 MB can be imported"
    )
    assert refusal(b"a" * (MAX_FILE_BYTES + 1)) == (
        "The file is 50.1 MB; files up to 50 MB can be imported"
    )


def test_too_many_rows(monkeypatch):
    monkeypatch.setattr(resident_files, "MAX_ROWS", 3)
    data = b"building,unit,name,phone,role\n" + b"1,101,Li,,owner\n" * 5
    assert refusal(data) == "The file has more than 3 rows. Please split it into smaller files"
    assert refusal(xlsx([HEADER] + [["1", "101", "Li", "", "owner"]] * 5), "r.xlsx") == (
        "The file has more than 3 rows. Please split it into smaller files"
    )


def test_a_workbook_that_unpacks_too_big_is_refused(monkeypatch):
    monkeypatch.setattr(resident_files, "MAX_UNPACKED_BYTES", 1024 * 1024)
    data = xlsx([HEADER] + [["1", str(n), "x" * 5000, "", "owner"] for n in range(300)])
    assert len(data) < 100_000
    assert refusal(data, "r.xlsx") == (
        "The Excel file unpacks to more than 1 MB. Please save it as .csv or split it"
    )
