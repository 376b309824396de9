"""The resident register's rules: what an operator sees in a dry run for each row of their spreadsheet."""

import random

import pytest

from backend.domain.contact import normalize_phone
from backend.domain.residents import (
    MAX_PROBLEMS,
    ResidentRole,
    ResidentRow,
    RowProblem,
    canonical_building,
    check_rows,
    read_header,
)
from backend.i18n import _

REGIONS = ("CN", "HK", "TW", "MO")
COLUMNS = {"building": 0, "unit": 1, "name": 2, "phone": 3, "role": 4}


def check(*cells: str) -> tuple[list[ResidentRow], list[RowProblem]]:
    return check_rows([(2, list(cells))], COLUMNS, REGIONS)


def seen(problems: list[RowProblem], locale: str = "en") -> list[tuple[int, str, str]]:
    """What the dry run lists: line, column, the sentence."""
    return [(p.line, p.column, _(p.reason, locale, **p.placeholders())) for p in problems]


@pytest.mark.parametrize(
    ("header", "columns"),
    [
        (["building", "unit", "name", "phone", "role"], COLUMNS),
        (["\ufeffBuilding ", " UNIT", "Name", "Phone", "Role"], COLUMNS),
        (["楼栋", "房号", "姓名", "手机号", "身份"], COLUMNS),
        (["樓棟", "房號", "住戶", "電話", "身份類別"], COLUMNS),
        (["栋", "单元", "名字", "电话", "类型"], COLUMNS),
        (["座", "單位", "姓名", "手機", "類別"], COLUMNS),
        (["幢", "室", "住户", "联系电话", "身份"], COLUMNS),
        (["棟", "户", "姓名 *", "手机号码：", "身份"], COLUMNS),
        # extra columns are ignored, order does not matter, phone may be left out
        (
            ["备注", "role", "name", "unit", "building"],
            {"role": 1, "name": 2, "unit": 3, "building": 4},
        ),
    ],
)
def test_header_names_and_aliases(header, columns):
    assert read_header(header) == (columns, [])


def test_header_says_which_columns_are_missing():
    columns, problems = read_header(["姓名", "电话", "备注"])
    assert columns == {"name": 0, "phone": 1}
    assert seen(problems) == [
        (1, "building", "The header has no building column (building, 楼栋, 棟 …)"),
        (1, "unit", "The header has no unit column (unit, 房号, 單位 …)"),
        (1, "role", "The header has no role column (role, 身份, 類別 …)"),
    ]


def test_header_with_a_column_twice():
    columns, problems = read_header(["楼栋", "栋", "房号", "姓名", "身份"])
    assert columns["building"] == 0
    assert seen(problems) == [
        (1, "building", "Columns 楼栋 and 栋 mean the same thing; keep one of them")
    ]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("3", "3"),
        ("3栋", "3"),
        ("3號樓", "3"),
        ("３幢", "3"),
        ("第3栋", "3"),
        ("12号楼", "12"),
        ("A座", "A"),
        ("a", "A"),
        ("b 座", "B"),
        ("Tower One", "Tower One"),  # anything else as typed
        ("1234", "1234"),
        ("会所", "会所"),
    ],
)
def test_building_as_the_case_numbering_reads_it(typed, stored):
    assert canonical_building(typed) == stored
    rows, problems = check(typed, "1202", "张三", "", "业主")
    assert problems == []
    assert rows[0].building == stored


def test_a_good_row_cleaned():
    rows, problems = check(" ３栋 ", "a\u3000 1202\t", "张\u200b三  丰", "138 1234 5678", "业主")
    assert problems == []
    assert rows == [ResidentRow(2, "3", "A 1202", "张三 丰", "+8613812345678", ResidentRole.OWNER)]
    assert rows[0].key == ("3", "A 1202", "张三 丰")


@pytest.mark.parametrize(
    ("typed", "role"),
    [
        ("owner", ResidentRole.OWNER),
        ("OWNER", ResidentRole.OWNER),
        ("业主", ResidentRole.OWNER),
        ("業主", ResidentRole.OWNER),
        ("房东", ResidentRole.OWNER),
        ("Tenant", ResidentRole.TENANT),
        ("租户", ResidentRole.TENANT),
        ("租戶", ResidentRole.TENANT),
        ("租客", ResidentRole.TENANT),
        ("房客", ResidentRole.TENANT),
        ("shop", ResidentRole.SHOP),
        ("商户", ResidentRole.SHOP),
        ("商戶", ResidentRole.SHOP),
        ("商铺", ResidentRole.SHOP),
        ("店铺", ResidentRole.SHOP),
        ("店家", ResidentRole.SHOP),
        ("Shop Tenant", ResidentRole.SHOP),
    ],
)
def test_roles_as_people_write_them(typed, role):
    rows, problems = check("1", "101", "李四", "", typed)
    assert problems == []
    assert rows[0].role is role


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13812345678", "+8613812345678"),
        ("１３８１２３４５６７８", "+8613812345678"),
        ("+86 138-1234-5678", "+8613812345678"),
        ("13812345678.0", "+8613812345678"),  # an Excel number cell saved as CSV
        ("1.3812345678E10", "+8613812345678"),
        ("0988-123-456", "+886988123456"),
        ("9123 4567", "+85291234567"),
        ("", ""),
    ],
)
def test_phones(typed, stored):
    rows, problems = check("1", "101", "李四", typed, "tenant")
    assert problems == []
    assert rows[0].phone == stored


@pytest.mark.parametrize("regions", [REGIONS, ("CN",), ("HK", "TW", "MO", "CN")])
def test_phones_in_a_file_are_read_as_everywhere_else(regions):
    """The mainland-mobile shortcut that makes 200 000 rows fast gives what normalize_phone gives."""
    generator = random.Random(20261203)
    typed = [f"1{generator.randrange(10**10):010d}" for _ in range(1500)]
    typed += [
        f"1{second}{generator.randrange(10**9):09d}" for second in "3456789" for _ in range(50)
    ]
    typed += ["17912345678", "11812345678", "12512345678", "16012345678", "17400012345"]
    rows = [
        (line, ["1", str(line), "李四", number, "业主"]) for line, number in enumerate(typed, 2)
    ]
    good, problems = check_rows(rows, COLUMNS, regions)
    read = {row.unit: row.phone for row in good}
    refused = {problem.line for problem in problems}
    for line, number in enumerate(typed, 2):
        expected = normalize_phone(number, regions)
        assert read.get(str(line)) == expected or (expected is None and line in refused), number


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (("", "101", "李四", "", "业主"), [("building", "Building is missing")]),
        (("1", " ", "李四", "", "业主"), [("unit", "Unit is missing")]),
        (("1", "101", "", "", "业主"), [("name", "Name is missing")]),
        (("1", "101", "李四", "", ""), [("role", "Role is missing")]),
        (
            ("1", "101", "李四", "", "住户"),
            [("role", "Role must be owner, tenant or shop (业主, 租户, 商户), not 住户")],
        ),
        (
            ("1", "101", "李四", "12345", "业主"),
            [("phone", "Phone 12345 is not a valid number")],
        ),
        (
            ("1", "101", "李四", "+86 138 1234 567", "业主"),
            [("phone", "Phone +86 138 1234 567 is not a valid number")],
        ),
        (
            ("1", "101", "李四", "1.38123E+10", "业主"),
            [
                (
                    "phone",
                    "Phone 1.38123E+10 was shortened by the spreadsheet; "
                    "format the column as text and type it again",
                )
            ],
        ),
        (
            ("B" * 33, "101", "李四", "", "业主"),
            [("building", "Building is longer than 32 characters")],
        ),
        (("1", "1" * 65, "李四", "", "业主"), [("unit", "Unit is longer than 64 characters")]),
        (("1", "101", "名" * 101, "", "业主"), [("name", "Name is longer than 100 characters")]),
        # every problem of a row is reported
        (
            ("", "", "", "abc", "boss"),
            [
                ("building", "Building is missing"),
                ("unit", "Unit is missing"),
                ("name", "Name is missing"),
                ("role", "Role must be owner, tenant or shop (业主, 租户, 商户), not boss"),
                ("phone", "Phone abc is not a valid number"),
            ],
        ),
    ],
)
def test_problems_an_operator_sees(cells, expected):
    rows, problems = check(*cells)
    assert rows == []
    assert [(column, text) for _line, column, text in seen(problems)] == expected
    assert all(problem.line == 2 for problem in problems)


@pytest.mark.parametrize(
    ("cells", "column", "value"),
    [
        (
            ('=HYPERLINK("http://x")', "101", "李四", "", "业主"),
            "building",
            '=HYPERLINK("http://x")',
        ),
        (("1", "@SUM(A1)", "李四", "", "业主"), "unit", "@SUM(A1)"),
        (("1", "101", "+cmd|' /C calc'!A0", "", "业主"), "name", "+cmd|' /C calc'!A0"),
        (("1", "101", "-2+3", "", "业主"), "name", "-2+3"),
        (("1", "101", "＝1+1", "", "业主"), "name", "=1+1"),  # full-width, as NFKC reads it
        (("1", "101", "李四", "=1+1", "业主"), "phone", "=1+1"),
        (("1", "101", "李四", "", "=owner"), "role", "=owner"),
    ],
)
def test_formulas_are_never_stored(cells, column, value):
    rows, problems = check(*cells)
    assert rows == []
    assert seen(problems)[0] == (2, column, f"Looks like a spreadsheet formula: {value}")


def test_the_value_shown_is_cut_to_40_characters():
    _rows, problems = check("1", "101", "李四", "9" * 60, "业主")
    assert problems[0].value == "9" * 39 + "…"


def test_a_name_that_is_a_phone_with_plus_is_no_formula():
    rows, problems = check("1", "101", "+8613812345678", "", "业主")
    assert problems == []


def test_same_resident_twice_is_reported_on_the_later_line():
    rows, problems = check_rows(
        [
            (2, ["3", "1202", "张三", "", "业主"]),
            (3, ["3栋", "1202", "李四", "", "租户"]),
            (4, ["", "", "", "", ""]),  # an empty row: skipped without a word
            (5, ["3号楼", "1202", "张三", "13812345678", "owner"]),
            (6, ["4", "1202", "张三", "", "业主"]),  # another building: another resident
        ],
        COLUMNS,
        REGIONS,
    )
    assert [row.line for row in rows] == [2, 3, 6]
    assert seen(problems) == [(5, "", "Same resident as line 2")]


def test_short_rows_and_missing_phone_column():
    columns, _problems = read_header(["building", "unit", "name", "role"])
    rows, problems = check_rows(
        [(2, ["1", "101", "王五", "shop"]), (3, ["1", "102"])], columns, REGIONS
    )
    assert [row.phone for row in rows] == [""]
    assert [(p.line, p.column) for p in problems] == [(3, "name"), (3, "role")]


def test_problems_are_capped_and_the_rest_counted():
    rows = [(line, ["", "101", "李四", "", "业主"]) for line in range(2, MAX_PROBLEMS + 502)]
    good, problems = check_rows(rows, COLUMNS, REGIONS)
    assert good == []
    assert len(problems) == MAX_PROBLEMS
    assert problems[-1].line == MAX_PROBLEMS + 1
    assert problems.omitted == 500
    assert problems.total == MAX_PROBLEMS + 500
