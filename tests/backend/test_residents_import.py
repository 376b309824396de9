"""backend/services/residents.py: the register import (all-or-nothing, re-import updates) and its readers."""

from datetime import timedelta

import pytest
from tortoise.exceptions import OperationalError

from backend.domain.contact import regions_for
from backend.domain.residents import NOT_A_PHONE, check_rows, read_header
from backend.models import Estate, Resident
from backend.services import residents
from backend.services.residents import (
    ImportResult,
    export_phone,
    household_count,
    import_residents,
    register_rows_for_export,
    residents_by_phone,
    residents_of,
)

HEADER = ["building", "unit", "name", "phone", "role"]


def checked(*cells: list[str]):
    """The rows of a file with HEADER and these cells, through the domain's checks."""
    columns, problems = read_header(HEADER)
    assert not problems
    numbered = [(line, list(row)) for line, row in enumerate(cells, start=2)]
    return check_rows(numbered, columns, regions_for("zh_CN", "CN"))


async def estate(code: str, clock) -> Estate:
    return await Estate.create(code=code, name=code, created_at=clock.now(), updated_at=clock.now())


async def register(estate_id: int) -> list[tuple[str, str, str, str, str]]:
    return [
        (r.building, r.unit, r.name, r.phone, r.role.value) for r in await residents_of(estate_id)
    ]


async def test_import_then_reimport_updates_without_duplicates(database_url, clock):
    park = await estate("park", clock)
    rows, problems = checked(
        ["3", "1202", "张三", "13812345678", "业主"],
        ["3", "1202", "李四", "", "租户"],
        ["A座", "0101", "王记小吃", "13900001111", "商户"],
    )
    assert not problems
    assert await import_residents(park.id, rows, clock.now()) == ImportResult(3, 0, 0)

    again, _ = checked(
        ["3号楼", "1202", "张三", "13812345678", "owner"],  # same, written differently
        ["3", "1202", "李四", "13700002222", "租户"],  # a phone now
        ["A", "0101", "王记小吃", "13900001111", "owner"],  # another role
        ["5", "301", "赵六", "", "tenant"],  # new
    )
    result = await import_residents(park.id, again, clock.now() + timedelta(days=1))

    assert result == ImportResult(added=1, updated=2, unchanged=1)
    assert await register(park.id) == [
        ("3", "1202", "张三", "+8613812345678", "owner"),
        ("3", "1202", "李四", "+8613700002222", "tenant"),
        ("5", "301", "赵六", "", "tenant"),
        ("A", "0101", "王记小吃", "+8613900001111", "owner"),
    ]
    updated = await Resident.get(estate_id=park.id, name="李四")
    assert updated.updated_at > updated.created_at


async def test_residents_absent_from_the_file_are_kept(database_url, clock):
    park = await estate("park", clock)
    first, _ = checked(["1", "101", "甲", "", "owner"], ["2", "201", "乙", "", "owner"])
    await import_residents(park.id, first, clock.now())
    second, _ = checked(["2", "201", "乙", "", "owner"])
    assert await import_residents(park.id, second, clock.now()) == ImportResult(0, 0, 1)
    assert [row[2] for row in await register(park.id)] == ["甲", "乙"]


def test_a_bad_row_is_named_by_its_line():
    rows, problems = checked(
        ["1", "101", "甲", "13812345678", "owner"],
        ["1", "102", "乙", "12345", "owner"],
        ["1", "103", "丙", "", "owner"],
    )
    assert [(p.line, p.column, p.reason) for p in problems] == [(3, "phone", NOT_A_PHONE)]
    assert [row.line for row in rows] == [2, 4]


async def test_a_failure_while_writing_leaves_the_register_as_it_was(
    database_url, clock, monkeypatch
):
    park = await estate("park", clock)
    first, _ = checked(["1", "101", "甲", "", "owner"])
    await import_residents(park.id, first, clock.now())
    second, _ = checked(
        ["1", "101", "甲", "", "tenant"],
        ["1", "102", "乙", "", "owner"],
        ["1", "103", "丙", "", "owner"],
    )
    # the INSERTs run first and succeed; the UPDATE after them fails
    monkeypatch.setattr(residents, "_UPDATE", 'UPDATE "resident" SET "no_such_column" = ?')
    with pytest.raises(OperationalError):
        await import_residents(park.id, second, clock.now())
    assert await register(park.id) == [("1", "101", "甲", "", "owner")]


async def test_a_repeated_resident_is_refused_before_anything_is_written(database_url, clock):
    park = await estate("park", clock)
    rows, _ = checked(["1", "101", "甲", "", "owner"], ["1", "102", "乙", "", "owner"])
    with pytest.raises(ValueError, match="twice"):
        await import_residents(park.id, [*rows, rows[0]], clock.now())
    assert await register(park.id) == []


async def test_dry_run_counts_and_writes_nothing(database_url, clock):
    park = await estate("park", clock)
    rows, _ = checked(["1", "101", "甲", "", "owner"], ["1", "102", "乙", "", "tenant"])
    assert await import_residents(park.id, rows, clock.now(), dry_run=True) == ImportResult(2, 0, 0)
    assert await register(park.id) == []

    await import_residents(park.id, rows[:1], clock.now())
    changed, _ = checked(["1", "101", "甲", "", "tenant"], ["1", "102", "乙", "", "tenant"])
    assert await import_residents(park.id, changed, clock.now(), dry_run=True) == ImportResult(
        1, 1, 0
    )
    assert await register(park.id) == [("1", "101", "甲", "", "owner")]


async def test_the_same_unit_in_two_estates_is_two_registers(database_url, clock):
    park, garden = await estate("park", clock), await estate("garden", clock)
    rows, _ = checked(["3", "1202", "张三", "13812345678", "owner"])
    assert await import_residents(park.id, rows, clock.now()) == ImportResult(1, 0, 0)
    assert await import_residents(garden.id, rows, clock.now()) == ImportResult(1, 0, 0)
    tenant, _ = checked(["3", "1202", "张三", "13812345678", "tenant"])
    assert await import_residents(garden.id, tenant, clock.now()) == ImportResult(0, 1, 0)

    assert await register(park.id) == [("3", "1202", "张三", "+8613812345678", "owner")]
    assert await register(garden.id) == [("3", "1202", "张三", "+8613812345678", "tenant")]


async def test_residents_by_phone_in_one_estate_or_any(database_url, clock):
    park, garden = await estate("park", clock), await estate("garden", clock)
    park_rows, _ = checked(
        ["3", "1202", "张三", "13812345678", "owner"], ["3", "1203", "李四", "", "owner"]
    )
    garden_rows, _ = checked(["7", "501", "张三", "13812345678", "shop"])
    await import_residents(park.id, park_rows, clock.now())
    await import_residents(garden.id, garden_rows, clock.now())

    in_park = await residents_by_phone(park.id, "+8613812345678")
    assert [(r.building, r.unit) for r in in_park] == [("3", "1202")]
    anywhere = await residents_by_phone(None, "+8613812345678")
    assert sorted((r.estate_id, r.unit) for r in anywhere) == [
        (park.id, "1202"),
        (garden.id, "501"),
    ]
    assert await residents_by_phone(park.id, "+8613900000000") == []
    assert await residents_by_phone(None, "") == []  # residents without a phone are nobody's


async def test_lists_households_and_export_rows(database_url, clock):
    park = await estate("park", clock)
    rows, _ = checked(
        ["3", "1202", "张三", "13812345678", "owner"],
        ["3", "1202", "李四", "91234567", "tenant"],  # Hong Kong mobile
        ["3", "302", "王五", "", "owner"],
    )
    await import_residents(park.id, rows, clock.now())

    assert [r.name for r in await residents_of(park.id, building="3")] == ["张三", "李四", "王五"]
    assert await household_count(park.id) == 2
    assert await register_rows_for_export(park.id) == [
        HEADER,
        ["3", "1202", "张三", "138 1234 5678", "owner"],
        ["3", "1202", "李四", "00 852 9123 4567", "tenant"],
        ["3", "302", "王五", "", "owner"],
    ]


def test_exported_phones_read_back_as_the_same_number():
    """The phone cell must not start with + (safe_row would make it '+…, no longer a number)."""
    for region in ("CN", "HK"):
        for phone in ("+8613812345678", "+85291234567", "+886988123456", "+862112345678"):
            text = export_phone(phone, region)
            assert not text.startswith("+")
            rows, problems = checked(["1", "1", "甲", text, "owner"])
            assert not problems and rows[0].phone == phone, (region, phone, text)
