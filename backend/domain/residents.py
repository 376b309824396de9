"""The resident register of an estate as an operator's spreadsheet gives it: header, rows, problems.

Pure rules, no IO: backend/resident_files.py turns a CSV/XLSX into (line, cells) rows, `read_header`
finds the columns, `check_rows` cleans every cell and says, line by line, what is wrong. The import is
all-or-nothing, so a dry run must list every problem an operator has to fix, in words they can act on.

Columns: building, unit, name and role are required; phone may be left out (column or cell).

Roles as people write them (case-insensitive, after NFKC):

=======  ==================================================================================
owner    owner, landlord, owner-occupier, 业主, 業主, 房东, 房東, 屋主, 产权人, 產權人, 自住
tenant   tenant, renter, 租户, 租戶, 租客, 房客, 承租人, 承租户, 承租戶
shop     shop, store, shop tenant, commercial, 商户, 商戶, 商铺, 商鋪, 店铺, 店鋪, 店家, 商家,
         商店, 底商
=======  ==================================================================================

住户/住戶 ("resident") is refused as a role: owners live in their flats too, so it says neither.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import phonenumbers

from backend.domain.contact import PHONE_SHAPE, building_of, normalize_phone
from backend.domain.enums import ResidentRole
from backend.i18n import N_

COLUMNS = ("building", "unit", "name", "phone", "role")
REQUIRED_COLUMNS = ("building", "unit", "name", "role")
MAX_LENGTH = {"building": 32, "unit": 64, "name": 100}
MAX_PROBLEMS = 1000  # reported per file; the rest are only counted (ProblemList.omitted)
VALUE_SHOWN = 40  # characters of an offending value a problem repeats


ROLE_WORDS: dict[str, ResidentRole] = {
    **dict.fromkeys(
        (
            "owner",
            "landlord",
            "owner-occupier",
            "owner occupier",
            "业主",
            "業主",
            "房东",
            "房東",
            "屋主",
            "产权人",
            "產權人",
            "自住",
        ),
        ResidentRole.OWNER,
    ),
    **dict.fromkeys(
        ("tenant", "renter", "租户", "租戶", "租客", "房客", "承租人", "承租户", "承租戶"),
        ResidentRole.TENANT,
    ),
    **dict.fromkeys(
        (
            "shop",
            "store",
            "shop tenant",
            "commercial",
            "商户",
            "商戶",
            "商铺",
            "商鋪",
            "店铺",
            "店鋪",
            "店家",
            "商家",
            "商店",
            "底商",
        ),
        ResidentRole.SHOP,
    ),
}

# Header cells as spreadsheets are written in the mainland, Hong Kong and Taiwan (compared lower-cased,
# after NFKC, without spaces, a trailing * or colon).
HEADER_WORDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "building",
            "block",
            "tower",
            "bldg",
            "楼栋",
            "楼号",
            "栋",
            "幢",
            "座",
            "棟",
            "樓棟",
            "樓號",
            "楼栋号",
            "栋号",
            "座号",
            "座號",
            "楼宇",
            "樓宇",
        ),
        "building",
    ),
    **dict.fromkeys(
        (
            "unit",
            "room",
            "flat",
            "房号",
            "房號",
            "单元",
            "單元",
            "室",
            "單位",
            "户",
            "戶",
            "户号",
            "戶號",
            "房间",
            "房間",
            "门牌",
            "門牌",
            "门牌号",
            "門牌號",
        ),
        "unit",
    ),
    **dict.fromkeys(
        ("name", "姓名", "名字", "住户", "住戶", "名称", "名稱", "住户姓名", "住戶姓名"),
        "name",
    ),
    **dict.fromkeys(
        (
            "phone",
            "mobile",
            "tel",
            "telephone",
            "电话",
            "手机",
            "手机号",
            "手机号码",
            "电话号码",
            "联系电话",
            "電話",
            "手機",
            "手機號碼",
            "電話號碼",
            "聯絡電話",
        ),
        "phone",
    ),
    **dict.fromkeys(
        (
            "role",
            "type",
            "身份",
            "类型",
            "類型",
            "类别",
            "類別",
            "身份类别",
            "身份類別",
            "住户类型",
            "住戶類型",
        ),
        "role",
    ),
}

MISSING_COLUMN = {
    "building": N_("The header has no building column (building, 楼栋, 棟 …)"),
    "unit": N_("The header has no unit column (unit, 房号, 單位 …)"),
    "name": N_("The header has no name column (name, 姓名 …)"),
    "role": N_("The header has no role column (role, 身份, 類別 …)"),
}
MISSING_VALUE = {
    "building": N_("Building is missing"),
    "unit": N_("Unit is missing"),
    "name": N_("Name is missing"),
    "role": N_("Role is missing"),
}
TOO_LONG = {
    "building": N_("Building is longer than {limit} characters"),
    "unit": N_("Unit is longer than {limit} characters"),
    "name": N_("Name is longer than {limit} characters"),
}
SAME_COLUMN_TWICE = N_("Columns {other} and {value} mean the same thing; keep one of them")
NOT_A_PHONE = N_("Phone {value} is not a valid number")
PHONE_CUT_SHORT = N_(
    "Phone {value} was shortened by the spreadsheet; format the column as text and type it again"
)
BAD_ROLE = N_("Role must be owner, tenant or shop (业主, 租户, 商户), not {value}")
FORMULA = N_("Looks like a spreadsheet formula: {value}")
SAME_RESIDENT = N_("Same resident as line {other}")


@dataclass(frozen=True, slots=True)
class ResidentRow:
    line: int
    building: str
    unit: str
    name: str
    phone: str  # "" or E.164
    role: ResidentRole

    @property
    def key(self) -> tuple[str, str, str]:
        """What a re-import updates: the same name in the same unit is the same resident."""
        return (self.building, self.unit, self.name)


@dataclass(frozen=True)
class RowProblem:
    """One thing an operator must fix. `reason` is an English msgid; show it with
    `_(problem.reason, locale, **problem.placeholders())`."""

    line: int
    column: str  # one of COLUMNS, "" for the whole row or header
    reason: str
    value: str = ""
    params: dict[str, str] = field(default_factory=dict, hash=False)

    def placeholders(self) -> dict[str, str]:
        return {"value": self.value, **self.params}


class ProblemList(list[RowProblem]):
    """The first MAX_PROBLEMS problems in file order; `omitted` counts the ones left out."""

    omitted: int = 0

    @property
    def total(self) -> int:
        return len(self) + self.omitted


def _shown(text: str) -> str:
    return text if len(text) <= VALUE_SHOWN else text[: VALUE_SHOWN - 1] + "…"


def clean_text(value: str) -> str:
    """NFKC, without control or format characters, whitespace collapsed and trimmed."""
    if not value.isascii():
        value = unicodedata.normalize("NFKC", value)
    if not value.isprintable():  # rare: tabs, line breaks, zero-width spaces, control characters
        value = "".join(
            char
            for char in value
            if char.isspace() or unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn")
        )
    value = " ".join(value.split())
    # Excel's text marker: our own export writes '+852 … so that the cell stays text
    return value[1:].lstrip() if value.startswith("'") else value


def _header_word(cell: str) -> str:
    text = clean_text(cell.replace("\ufeff", "")).lower().rstrip("*:").replace(" ", "")
    return text


def read_header(cells: Sequence[str]) -> tuple[dict[str, int], list[RowProblem]]:
    """Which position each column is at (by name or alias); problems on line 1 when one is missing.

    Unknown columns are ignored. A column named twice is a problem: which of the two is meant is a guess.
    """
    columns: dict[str, int] = {}
    problems: list[RowProblem] = []
    for position, cell in enumerate(cells):
        column = HEADER_WORDS.get(_header_word(cell))
        if column is None:
            continue
        if column in columns:
            first = clean_text(cells[columns[column]])
            problems.append(
                RowProblem(1, column, SAME_COLUMN_TWICE, _shown(clean_text(cell)), {"other": first})
            )
            continue
        columns[column] = position
    for column in REQUIRED_COLUMNS:
        if column not in columns:
            problems.append(RowProblem(1, column, MISSING_COLUMN[column]))
    return columns, problems


# "3", "3栋", "3號樓", "３幢", "第3栋", "A座", "a": the building number the case numbering uses.
_BUILDING_WORD = re.compile(
    r"(?:第\s*)?(\d{1,3}|[A-Za-z])\s*(?:号楼|號樓|号|號|栋|棟|幢|座|楼|樓|#)?", re.ASCII
)
_FORMULA_START = ("=", "@", "+", "-")
_PHONE_TYPED = re.compile(PHONE_SHAPE)
_DIGITS_DOT_ZERO = re.compile(r"(\d+)\.0+")
_SCIENTIFIC = re.compile(r"(\d)(?:\.(\d+))?[eE]\+?(\d{1,2})")


def canonical_building(text: str) -> str:
    """ "3号楼" → "3", "a座" → "A"; anything else as typed."""
    match = _BUILDING_WORD.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if match is None:
        return text
    return building_of(f"{match.group(1)}栋") or text


class _MainlandMobiles:
    """A shortcut for the most common number, 11 plain digits of a mainland mobile, read in CN first.

    Gives exactly what normalize_phone gives (tests/backend/test_resident_rows.py compares them) at a
    tenth of the cost: the digits are matched against phonenumbers' own CN patterns, and only numbers
    that can be nothing but a mobile in CN take the shortcut (no national prefix to strip, no service
    number pattern that matches). Anything else returns None and goes the long way.
    """

    def __init__(self) -> None:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region("CN")
        assert metadata is not None and metadata.mobile is not None
        assert metadata.general_desc is not None
        self.prefix = re.compile(metadata.national_prefix_for_parsing or "(?!)")
        self.general = re.compile(metadata.general_desc.national_number_pattern or "(?!)")
        self.mobile = re.compile(metadata.mobile.national_number_pattern or "(?!)")
        self.lengths = set(metadata.general_desc.possible_length) & set(
            metadata.mobile.possible_length
        )
        others = (
            metadata.premium_rate,
            metadata.toll_free,
            metadata.shared_cost,
            metadata.voip,
            metadata.personal_number,
            metadata.pager,
            metadata.uan,
            metadata.voicemail,
        )
        self.others = [
            re.compile(desc.national_number_pattern)
            for desc in others
            if desc is not None and desc.national_number_pattern
        ]

    def e164(self, text: str) -> str | None:
        if not (len(text) == 11 and text.isascii() and text.isdigit() and text[0] == "1"):
            return None
        if len(text) not in self.lengths or self.prefix.match(text):
            return None
        if not (self.general.fullmatch(text) and self.mobile.fullmatch(text)):
            return None
        if any(pattern.fullmatch(text) for pattern in self.others):
            return None
        return "+86" + text


class _PhoneReader:
    """normalize_phone with the spreadsheet's ways of spoiling a number undone, cached per raw value
    (phonenumbers is by far the slowest rule)."""

    def __init__(self, regions: Sequence[str]) -> None:
        self.regions = (regions,) if isinstance(regions, str) else tuple(regions)
        self.cache: dict[str, str | None] = {}
        self.mainland = _MainlandMobiles() if self.regions[:1] == ("CN",) else None

    def read(self, text: str) -> str | None:
        """E.164, "" when the spreadsheet cut the number short, None when it is no number."""
        if text in self.cache:
            return self.cache[text]
        result = self._read(text)
        self.cache[text] = result
        return result

    def _read(self, text: str) -> str | None:
        dot_zero = _DIGITS_DOT_ZERO.fullmatch(text)
        if dot_zero:  # a number cell saved as 13812345678.0
            text = dot_zero.group(1)
        scientific = _SCIENTIFIC.fullmatch(text)
        if scientific:  # 1.3812345678E10: exact only when every digit is still there
            _whole, fraction, exponent = scientific.groups()
            if len(fraction or "") < int(exponent):
                return ""
            if len(fraction or "") > int(exponent):
                return None
            try:
                text = str(int(Decimal(text)))
            except InvalidOperation:
                return None
        if self.mainland is not None:
            shortcut = self.mainland.e164(text)
            if shortcut is not None:
                return shortcut
        return normalize_phone(text, self.regions)


def _is_formula(text: str, phones: _PhoneReader) -> bool:
    if not text.startswith(_FORMULA_START):
        return False
    return text[0] in "=@" or not phones.read(text)


def check_rows(
    rows: Iterable[tuple[int, Sequence[str]]],
    columns: dict[str, int],
    regions: Sequence[str],
) -> tuple[list[ResidentRow], ProblemList]:
    """The rows that are fine, and every problem of the others (at most MAX_PROBLEMS, in file order).

    `rows` are (line number as the file shows it, cells); `columns` comes from `read_header`; phones
    without + are read in `regions` (contact.regions_for). Empty rows are skipped. A row with problems
    gives no ResidentRow; a row repeating an earlier resident (building, unit, name) is a problem.
    """
    phones = _PhoneReader(regions)
    good: list[ResidentRow] = []
    problems = ProblemList()
    first_line: dict[tuple[str, str, str], int] = {}
    positions = [(column, columns.get(column)) for column in COLUMNS]
    for line, cells in rows:
        values: dict[str, str] = {}
        for column, position in positions:
            raw = cells[position] if position is not None and position < len(cells) else ""
            values[column] = clean_text(raw) if raw else ""
        if not any(values.values()):
            continue
        row, found = _check_row(line, values, phones)
        if row is not None:
            if row.key in first_line:
                value = _shown(row.name)
                params = {"other": str(first_line[row.key])}
                found.append(RowProblem(line, "", SAME_RESIDENT, value, params))
            else:
                first_line[row.key] = line
        if not found and row is not None:
            good.append(row)
        for problem in found:
            if len(problems) < MAX_PROBLEMS:
                problems.append(problem)
            else:
                problems.omitted += 1
    return good, problems


def _check_row(
    line: int, values: dict[str, str], phones: _PhoneReader
) -> tuple[ResidentRow | None, list[RowProblem]]:
    """The row as stored and its problems; the row is None when its key or role is unusable."""
    found: list[RowProblem] = []

    def problem(column: str, reason: str, value: str = "", **params: str) -> None:
        found.append(RowProblem(line, column, reason, _shown(value), params))

    for column in ("building", "unit", "name", "role"):
        text = values[column]
        if not text:
            problem(column, MISSING_VALUE[column])
        elif _is_formula(text, phones):
            problem(column, FORMULA, text)
            values[column] = ""
    key_ok = True
    building = canonical_building(values["building"])
    unit = values["unit"].upper()
    name = values["name"]
    for column, text in (("building", building), ("unit", unit), ("name", name)):
        if not text:
            key_ok = False
        elif len(text) > MAX_LENGTH[column]:
            problem(column, TOO_LONG[column], text, limit=str(MAX_LENGTH[column]))
            key_ok = False
    role = ROLE_WORDS.get(values["role"].lower())
    if role is None and values["role"]:
        problem("role", BAD_ROLE, values["role"])
    phone = ""
    typed = values["phone"]
    if typed:
        read = phones.read(typed)
        if read:
            phone = read
        elif read == "":
            problem("phone", PHONE_CUT_SHORT, typed)
        elif typed.startswith(_FORMULA_START) and not _PHONE_TYPED.fullmatch(typed):
            problem("phone", FORMULA, typed)
        else:
            problem("phone", NOT_A_PHONE, typed)
    if not key_ok or role is None:
        return None, found
    return ResidentRow(line, building, unit, name, phone, role), found
