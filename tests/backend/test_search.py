"""The `q` filter: the search index finds exactly the cases the plain LIKE search finds.

Run on SQLite and, with TEST_DATABASE_URL, on PostgreSQL. The reference is Python's `in` over the rows,
case-insensitive for ASCII as both databases' UPPER() are for these texts.
"""

import importlib
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from tortoise import Tortoise
from tortoise.migrations.api import migrate

from backend import db
from backend.domain import Kind, Severity, Status
from backend.models import Case
from backend.services.queries import CaseFilter, filtered, list_cases
from backend.services.search import like_q
from tests.conftest import TEST_DATABASE_URL, on_postgres
from tests.factories import forget_new_columns, let_models_write_old_schema

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)

# (number, unit, description)
ROWS = [
    ("QC-20261123-0001", "3-1-1202", "卫生间天花板漏水，滴到地板上了"),
    ("QC-20261123-0002", "3-1-1203", "楼道灯坏了，晚上一片漆黑"),
    ("QC-20261124-0001", "13-1-1201", "楼顶水箱漏水，顶楼墙面发霉"),
    ("QC-20261124-0002", "12-2-0304", "电梯按键失灵 Elevator BROKEN again"),
    ("QC-20261125-0001", "", "漏"),
    ("QC-20261125-0002", "5-2-0801", "水"),
    (
        "QC-20261125-0003",
        "7-1-0101",
        'He said "fix it" * NOW OR NEAR (tomorrow) 100% done_ok, it\'s ok 🚰漏水',
    ),
    ("QC-20261126-0001", "B座-7F", "噪音"),
    ("QC-20261126-0002", "9-9-0909", "第一行\n第二行 abc"),
    ("QC-20261126-0003", "10-3-2201", "Near the gate: a_b%c \\ back\\slash"),
    ("X-1", "1", "漏水漏水漏水"),
]

QUERIES = [
    # Chinese words of 1, 2, 3+ characters
    "漏",
    "水",
    "漏水",
    "天花板",
    "天花板漏水",
    "顶楼墙面发霉",
    "噪音",
    "一行",
    "不存在",
    "漏水漏水漏",
    # units with dashes, prefixes of units, text only in the unit
    "3-1-12",
    "3-1-1202",
    "1-12",
    "-7",
    "b座",
    "7f",
    "B座-7F",
    "0909",
    "1",
    # case numbers, typed in lower case; text only in the number
    "qc-20261124",
    "QC-20261124-0002",
    "qc-2026112",
    "x-1",
    "-0003",
    # mixed ASCII case
    "Elevator",
    "elevator",
    "ELEV",
    "broken",
    "bRoKeN aGaIn",
    "near",
    "NEAR",
    # SQL / FTS hostile input
    '"',
    '"fix',
    '"fix it"',
    "*",
    "* NOW",
    "'",
    "it's",
    "%",
    "100%",
    "_",
    "done_ok",
    "a_b%c",
    "\\",
    "\\slash",
    "OR",
    "or",
    "NEAR(",
    "(tomorrow)",
    ")",
    "(",
    "AND",
    "NOT",
    "-",
    ":",
    "^",
    "🚰",
    "🚰漏",
    "漏水 ",
    "x",
    '\'; DROP TABLE "case"; --',
    '"" OR ""',
    "行\n第",
    "\n",
    "\x01",
    "漏\x01",
    "e",
    "ab",
    "ok,",
]


def ascii_upper(text: str) -> str:
    return "".join(chr(ord(ch) - 32) if "a" <= ch <= "z" else ch for ch in text)


def reference(cases: list[Case], q: str) -> set[str]:
    needle = ascii_upper(q.strip())
    if not needle:
        return {case.number for case in cases}
    return {
        case.number
        for case in cases
        if any(needle in ascii_upper(value) for value in (case.number, case.unit, case.description))
    }


async def make_case(number: str, unit: str, description: str, *, minutes: int = 0) -> Case:
    received = NOW - timedelta(minutes=minutes)
    return await Case.create(
        number=number,
        unit=unit,
        description=description,
        kind=Kind.REPAIR,
        category="facility",
        severity=Severity.GENERAL,
        promised_assign_at=received,
        promised_feedback_at=received,
        promised_resolve_at=received,
        received_at=received,
        created_at=received,
        updated_at=received,
    )


async def search(q: str, **criteria) -> set[str]:
    return set(await filtered(CaseFilter(text=q, **criteria), NOW).values_list("number", flat=True))


async def like_search(q: str) -> set[str]:
    return set(await Case.filter(like_q(q.strip())).values_list("number", flat=True))


@pytest.fixture
async def cases(database_url: str) -> list[Case]:
    return [await make_case(*row, minutes=i) for i, row in enumerate(ROWS)]


@pytest.mark.parametrize("q", QUERIES, ids=[repr(q) for q in QUERIES])
async def test_search_finds_what_like_finds(cases: list[Case], q: str) -> None:
    expected = reference(cases, q)
    assert await search(q) == expected
    assert await like_search(q) == expected  # the reference is the old LIKE search
    page = await list_cases(CaseFilter(text=q), NOW, per_page=100)
    assert page.total == len(expected)
    assert {case.number for case in page.items} == expected


async def test_spot_checks(cases: list[Case]) -> None:
    assert await search("3-1-12") == {
        "QC-20261123-0001",
        "QC-20261123-0002",
        "QC-20261124-0001",
    }  # 13-1-1201 too
    assert await search("漏水") == {
        "QC-20261123-0001",
        "QC-20261124-0001",
        "QC-20261125-0003",
        "X-1",
    }
    assert await search("qc-20261124-0002") == {"QC-20261124-0002"}
    assert await search("b座") == {"QC-20261126-0001"}
    assert await search("   ") == {row[0] for row in ROWS}  # whitespace only: no filter


async def test_search_combines_with_other_filters_and_pages(cases: list[Case]) -> None:
    await Case.filter(number="QC-20261124-0001").update(status=Status.CLOSED)
    assert await search("漏水", statuses=[Status.NEW]) == {
        "QC-20261123-0001",
        "QC-20261125-0003",
        "X-1",
    }
    assert await search("漏水", statuses=[Status.CLOSED]) == {"QC-20261124-0001"}
    first = await list_cases(CaseFilter(text="漏水"), NOW, page=1, per_page=3)
    second = await list_cases(CaseFilter(text="漏水"), NOW, page=2, per_page=3)
    assert first.total == second.total == 4
    assert [c.number for c in first.items] == [
        "QC-20261123-0001",
        "QC-20261124-0001",
        "QC-20261125-0003",
    ]
    assert [c.number for c in second.items] == ["X-1"]
    assert set(
        await filtered(CaseFilter(), NOW).exclude(id__in=[]).values_list("number", flat=True)
    ) == {row[0] for row in ROWS}


async def test_updated_case_is_found_by_its_new_text_only(database_url: str) -> None:
    case = await make_case("QC-20261201-0001", "1-1-0101", "旧描述甲乙 oldword")
    other = await make_case("QC-20261201-0002", "2-2-0202", "甲乙之外")
    case.status = Status.ASSIGNED  # a save that does not touch the text
    await case.save()
    assert await search("甲乙") == {case.number, other.number}
    case.description = "新描述丙丁 newword"
    case.unit = "8-8-0808"
    await case.save()
    assert await search("甲乙") == {other.number}
    assert await search("oldword") == set()
    assert await search("1-1-01") == set()
    assert (
        await search("丙丁") == await search("newword") == await search("8-8-08") == {case.number}
    )
    await Case.filter(id=case.id).update(number="QC-20261201-0009", description="第三版")
    assert await search("丙丁") == set()
    assert await search("第三") == await search("qc-20261201-0009") == {"QC-20261201-0009"}
    assert await search("第三") == await like_search("第三")


async def test_deleted_cases_are_not_found(cases: list[Case]) -> None:
    await cases[0].delete()
    await Case.filter(number="QC-20261124-0001").delete()
    assert await search("漏水") == {"QC-20261125-0003", "X-1"}
    assert await search("3-1-120") == {"QC-20261123-0002"}
    await make_case("QC-20261123-0001", "3-1-1202", "重新登记：漏水")  # same number and unit again
    assert await search("漏水") == {"QC-20261123-0001", "QC-20261125-0003", "X-1"}
    assert await search("天花板") == set()


# ---- the migration builds the index from the cases already there ----------------------------------------


def _previous_migration() -> str:
    module = importlib.import_module("backend.migrations.0012_case_search")
    ((app, name),) = module.Migration.dependencies
    return f"{app}.{name}"


async def _postgres_database(create: bool) -> str:
    """A database of its own next to the test database (dropped, and created again if asked)."""
    server, _, name = TEST_DATABASE_URL.rpartition("/")
    backfill = f"{name}_search_backfill"
    conn = await asyncpg.connect(f"{server}/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{backfill}" WITH (FORCE)')
        if create:
            await conn.execute(f'CREATE DATABASE "{backfill}"')
    finally:
        await conn.close()
    return f"{server}/{backfill}"


async def test_migration_backfills_existing_cases(tmp_path) -> None:
    url = (
        await _postgres_database(create=True)
        if on_postgres()
        else f"sqlite://{tmp_path}/backfill.sqlite3"
    )
    try:
        await _migrate_fill_and_search(url)
    finally:
        if on_postgres():
            await _postgres_database(create=False)


async def _migrate_fill_and_search(url: str) -> None:
    await migrate(config=db.tortoise_config(url), target=_previous_migration())
    await Tortoise.close_connections()
    await Tortoise.init(config=db.tortoise_config(url))
    try:
        await let_models_write_old_schema()
        existing = [await make_case(*row, minutes=i) for i, row in enumerate(ROWS)]
        await forget_new_columns()
    finally:
        await Tortoise.close_connections()
    assert "models.0012_case_search" in await db.migrate(url)
    await Tortoise.init(config=db.tortoise_config(url))
    try:
        for q in ("漏水", "漏", "3-1-12", "qc-20261124", "elevator", '"fix', "%"):
            assert await search(q) == reference(existing, q)
        added = await make_case("QC-20261127-0001", "3-1-1299", "新漏水")
        assert added.number in await search("3-1-12")
    finally:
        await Tortoise.close_connections()
