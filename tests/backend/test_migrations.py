"""Migrations: they apply to an empty database and they match the models (nobody forgot one)."""

from datetime import UTC, datetime

from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector

from backend import db
from tests.factories import forget_new_columns, let_models_write_old_schema


async def test_models_and_migrations_agree(tmp_path):
    config = db.tortoise_config(f"sqlite://{tmp_path}/detect.sqlite3")
    async with TortoiseContext() as context:
        await context.init(config=config)
        writers = await MigrationAutodetector(context.apps, config["apps"]).changes()
    assert [w.name for w in writers] == [], (
        "models changed without a migration: run `tortoise -c backend.db.TORTOISE_ORM makemigrations`"
    )


async def test_all_migrations_apply_to_an_empty_database(tmp_path):
    url = f"sqlite://{tmp_path}/empty.sqlite3"
    applied = await db.migrate(url)
    assert applied[0] == "models.0001_initial" and len(applied) >= 3
    assert await db.migrate(url) == []


async def _departments(url: str) -> dict[str, tuple[str, bool]]:
    from tortoise import Tortoise

    from backend.models import Department

    await Tortoise.init(config=db.tortoise_config(url))
    try:
        return {d.code: (d.name, d.active) for d in await Department.all()}
    finally:
        await Tortoise.close_connections()


async def test_a_fresh_install_has_the_standard_departments_the_policy_routes_to(tmp_path):
    from backend.domain.policy import load_policy

    url = f"sqlite://{tmp_path}/fresh.sqlite3"
    await db.migrate(url)
    departments = await _departments(url)
    assert departments == {
        "engineering": ("工程部", True),
        "cleaning": ("保洁部", True),
        "security": ("保安部", True),
        "customer_service": ("客服部", True),
    }
    policy = load_policy()
    assert {c.department for c in policy.categories} == set(departments)  # every category is routed
    assert (
        policy.department_for("facility") == "engineering"
        and policy.department_for("billing") == "customer_service"
    )


async def test_an_existing_database_keeps_its_departments_and_gains_only_missing_codes(tmp_path):
    from tortoise import Tortoise
    from tortoise.migrations.api import migrate as migrate_api

    from backend.models import Department

    url = f"sqlite://{tmp_path}/old.sqlite3"
    await migrate_api(config=db.tortoise_config(url), target="models.0014_send_slot_done")
    await Tortoise.close_connections()
    await Tortoise.init(config=db.tortoise_config(url))
    await let_models_write_old_schema()
    await Department.create(code="engineering", name="工程维修部")
    await Department.create(code="security", name="秩序部", active=False)
    await Department.create(code="greening", name="绿化部")
    await forget_new_columns()
    await Tortoise.close_connections()
    assert await db.migrate(url) == [
        "models.0015_standard_departments",
        "models.0016_inbox_held",
        "models.0017_phones_e164",
        "models.0018_drop_case_library",
        "models.0019_channel_other",
        "models.0020_complainant_phone",
        "models.0021_incidents",
        "models.0022_estates",
    ]
    assert await _departments(url) == {
        "engineering": ("工程维修部", True),
        "security": ("秩序部", False),
        "greening": ("绿化部", True),
        "cleaning": ("保洁部", True),
        "customer_service": ("客服部", True),
    }


# Values the old rules stored (or, for staff added with the CLI, as typed) → after 0017.
OLD_PHONES = [
    ("13812345678", "+8613812345678"),  # a mainland mobile
    ("02112345678", "+862112345678"),  # a landline with area code
    ("+85291234567", "+85291234567"),  # + numbers were E.164 already
    ("+86 138-1234-5679", "+8613812345679"),  # typed at the CLI
    ("91234567", "91234567"),  # 8 digits: Hong Kong, or a landline without area code? Left alone
    ("12345", "12345"),  # no valid number: left alone
    ("", ""),
]


async def test_the_search_index_triggers_survive_every_migration(tmp_path):
    """Tortoise rebuilds an SQLite table to drop or alter a column, dropping its triggers: a migration
    that touches "case" must be written by hand (see 0018, 0019)."""
    from tortoise import Tortoise

    url = f"sqlite://{tmp_path}/triggers.sqlite3"
    await db.migrate(url)
    await Tortoise.init(config=db.tortoise_config(url))
    try:
        _, rows = await Tortoise.get_connection("default").execute_query(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'case'"
        )
    finally:
        await Tortoise.close_connections()
    assert {row["name"] for row in rows} == {
        "case_search_insert",
        "case_search_delete",
        "case_search_update",
    }


async def test_stored_phones_become_e164_and_what_cannot_be_read_stays(tmp_path):
    from datetime import UTC, datetime

    from tortoise import Tortoise
    from tortoise.migrations.api import migrate as migrate_api

    from backend.domain import Role
    from backend.models import Case, Complainant, Staff

    url = f"sqlite://{tmp_path}/phones.sqlite3"
    await migrate_api(config=db.tortoise_config(url), target="models.0016_inbox_held")
    await Tortoise.close_connections()
    await Tortoise.init(config=db.tortoise_config(url))
    await let_models_write_old_schema()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for i, (old, _) in enumerate(OLD_PHONES):
        await Staff.create(
            telegram_id=100 + i, name=f"staff {i}", role=Role.AGENT, phone=old, created_at=now
        )
        # the models have columns later migrations add (estate_id): these rows are written by hand
        conn = Tortoise.get_connection("default")
        stamp = now.isoformat()
        await conn.execute_query(
            "INSERT INTO complainant (name, phone, unit, locale, created_at, updated_at) "
            "VALUES (?, ?, '', 'zh_CN', ?, ?)",
            [f"tenant {i}", old, stamp, stamp],
        )
        await conn.execute_query(
            'INSERT INTO "case" (number, kind, category, category_suggested, severity, status, '
            "channel, description, location, unit, building, expectation, subject, contact_name, "
            "contact_phone, locale, escalation_level, reopen_count, off_hours, triage, resolution, "
            "invalid_reason, close_reason, promised_assign_at, promised_feedback_at, "
            "promised_resolve_at, received_at, satisfaction_comment, in_case_library, "
            "complainant_id, created_at, updated_at) VALUES (?, 'complaint', 'facility', '', "
            "'general', 'new', 'chat', '漏水', '', '', '', '', '', '', ?, 'zh_CN', 1, 0, 0, '{}', "
            "'', '', '', ?, ?, ?, ?, '', 0, ?, ?, ?)",
            [f"QC-20260101-{i:04d}", old, *[stamp] * 4, i + 1, stamp, stamp],
        )
    await forget_new_columns()
    await Tortoise.close_connections()
    assert (await db.migrate(url))[0] == "models.0017_phones_e164"
    await Tortoise.init(config=db.tortoise_config(url))
    try:
        expected = [new for _, new in OLD_PHONES]
        assert [s.phone for s in await Staff.all().order_by("telegram_id")] == expected
        assert [c.phone for c in await Complainant.all().order_by("id")] == expected
        assert [c.contact_phone for c in await Case.all().order_by("number")] == expected
    finally:
        await Tortoise.close_connections()


async def test_dropping_the_case_library_flag_keeps_the_search_index_fed(tmp_path):
    """0018 drops a column of "case": the triggers of the search index (0012) must survive it."""
    from datetime import UTC, datetime

    from tortoise import Tortoise
    from tortoise.migrations.api import migrate as migrate_api

    from backend.domain import Kind, Severity
    from backend.models import Case
    from backend.services.queries import CaseFilter, filtered

    now = datetime(2026, 1, 1, tzinfo=UTC)

    def case(number: str, description: str) -> Case:
        return Case(
            number=number,
            kind=Kind.REPAIR,
            category="facility",
            severity=Severity.GENERAL,
            description=description,
            promised_assign_at=now,
            promised_feedback_at=now,
            promised_resolve_at=now,
            received_at=now,
            created_at=now,
            updated_at=now,
        )

    async def found(text: str) -> set[str]:
        rows = filtered(CaseFilter(text=text), now)
        return set(await rows.values_list("number", flat=True))

    url = f"sqlite://{tmp_path}/library.sqlite3"
    await migrate_api(config=db.tortoise_config(url), target="models.0017_phones_e164")
    await Tortoise.close_connections()
    await Tortoise.init(config=db.tortoise_config(url))
    conn = Tortoise.get_connection("default")
    await conn.execute_query(
        'INSERT INTO "case" (number, kind, category, category_suggested, severity, status, channel, '
        "description, location, unit, building, expectation, subject, contact_name, contact_phone, "
        "locale, escalation_level, reopen_count, off_hours, triage, resolution, invalid_reason, "
        "close_reason, promised_assign_at, promised_feedback_at, promised_resolve_at, received_at, "
        "satisfaction_comment, in_case_library, created_at, updated_at) VALUES ('QC-20260101-0001', "
        "'repair', 'facility', '', 'general', 'new', 'chat', '天台水箱漏水', '', '', '', '', '', '', '', "
        "'zh_CN', 1, 0, 0, '{}', '', '', '', ?, ?, ?, ?, '', 1, ?, ?)",
        [now.isoformat()] * 6,
    )
    await Tortoise.close_connections()
    assert (await db.migrate(url))[0] == "models.0018_drop_case_library"
    await Tortoise.init(config=db.tortoise_config(url))
    try:
        await case("QC-20260101-0002", "地库水泵漏水").save()
        assert await found("漏水") == {"QC-20260101-0001", "QC-20260101-0002"}
        await Case.filter(number="QC-20260101-0001").update(description="天台门锁坏了")
        assert await found("漏水") == {"QC-20260101-0002"}
        assert await found("门锁") == {"QC-20260101-0001"}
        columns = await conn_columns()
        assert "in_case_library" not in columns and "description" in columns
    finally:
        await Tortoise.close_connections()


async def conn_columns() -> set[str]:
    from tortoise import Tortoise

    _, rows = await Tortoise.get_connection("default").execute_query('PRAGMA table_info("case")')
    return {row["name"] for row in rows}


async def test_incidents_opened_before_0021_survive_it(tmp_path):
    """0021 adds NOT NULL columns to "incident": a table with rows (the sweep opened incidents) migrates."""
    from tortoise import Tortoise
    from tortoise.migrations.api import migrate as migrate_api

    from backend.models import Incident, IncidentStatus

    url = f"sqlite://{tmp_path}/incidents.sqlite3"
    await migrate_api(config=db.tortoise_config(url), target="models.0020_complainant_phone")
    await Tortoise.close_connections()
    await Tortoise.init(config=db.tortoise_config(url))
    await Tortoise.get_connection("default").execute_query(
        "INSERT INTO incident (category, building, created_at) "
        "VALUES ('utilities', '5', '2026-12-01T10:00:00+00:00')"
    )
    await Tortoise.close_connections()
    assert (await db.migrate(url))[0] == "models.0021_incidents"
    await Tortoise.init(config=db.tortoise_config(url))
    try:
        (old,) = await Incident.all()
        assert (old.status, old.keywords, old.resolution, old.refresh_queued) == (
            IncidentStatus.PROPOSED,
            [],
            "",
            False,
        )
    finally:
        await Tortoise.close_connections()


async def test_a_single_estate_database_becomes_the_default_estate_with_nothing_lost(tmp_path):
    """0022: cases, tenants, incidents, agents and supervisors belong to the default estate; managers
    stay head office; the case search (triggers of 0012) still follows edits."""
    from tortoise import Tortoise
    from tortoise.migrations.api import migrate as migrate_api

    from backend.models import Case, Complainant, Estate, Incident, StaffEstate
    from backend.services.queries import CaseFilter, filtered

    now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    url = f"sqlite://{tmp_path}/estates.sqlite3"
    await migrate_api(config=db.tortoise_config(url), target="models.0021_incidents")
    await Tortoise.close_connections()
    await Tortoise.init(config=db.tortoise_config(url))
    conn = Tortoise.get_connection("default")
    stamp = now.isoformat()
    for telegram_id, role in ((11, "agent"), (12, "supervisor"), (13, "manager")):
        await conn.execute_query(
            "INSERT INTO staff (telegram_id, name, role, phone, locale, on_duty, active, created_at) "
            "VALUES (?, 'x', ?, '', 'zh_CN', 0, 1, ?)",
            [telegram_id, role, stamp],
        )
    await conn.execute_query(
        "INSERT INTO complainant (telegram_id, name, phone, unit, locale, created_at, updated_at) "
        "VALUES (500, '王', '+8613812345678', '3-1202', 'zh_CN', ?, ?)",
        [stamp, stamp],
    )
    await conn.execute_query(
        "INSERT INTO incident (category, building, created_at, status, keywords, refresh_queued, "
        "confirmed_by, resolution) VALUES ('utilities', '3', ?, 'proposed', '[]', 0, '', '')",
        [stamp],
    )
    await conn.execute_query(
        'INSERT INTO "case" (number, kind, category, category_suggested, severity, status, channel, '
        "description, location, unit, building, expectation, subject, contact_name, contact_phone, "
        "locale, escalation_level, reopen_count, off_hours, triage, resolution, invalid_reason, "
        "close_reason, promised_assign_at, promised_feedback_at, promised_resolve_at, received_at, "
        "satisfaction_comment, complainant_id, incident_id, created_at, updated_at) VALUES "
        "('QC-20261201-0001', 'repair', 'utilities', '', 'general', 'new', 'chat', '3栋停水了', '', "
        "'3-1202', '3', '', '', '', '', 'zh_CN', 1, 0, 0, '{}', '', '', '', ?, ?, ?, ?, '', 1, 1, ?, ?)",
        [stamp] * 6,
    )
    await Tortoise.close_connections()
    assert await db.migrate(url) == ["models.0022_estates"]
    await Tortoise.init(config=db.tortoise_config(url))
    try:
        (estate,) = await Estate.all()
        assert (estate.code, estate.staff_chat_id, estate.duty_phone) == ("default", None, "")
        (case,) = await Case.all()
        assert (case.estate_id, case.resident_verified, case.description) == (
            estate.id,
            False,
            "3栋停水了",
        )
        assert [c.estate_id for c in await Complainant.all()] == [estate.id]
        assert [i.estate_id for i in await Incident.all()] == [estate.id]
        members = await StaffEstate.all().prefetch_related("staff")
        assert sorted(m.staff.role.value for m in members) == ["agent", "supervisor"]
        await Case.filter(id=case.id).update(description="3栋电梯坏了")
        found = filtered(CaseFilter(text="电梯"), now)
        assert await found.values_list("number", flat=True) == ["QC-20261201-0001"]
    finally:
        await Tortoise.close_connections()
