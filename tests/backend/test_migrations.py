"""Migrations: they apply to an empty database and they match the models (nobody forgot one)."""

from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector

from backend import db


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
        "engineering": ("工程部", True), "cleaning": ("保洁部", True),
        "security": ("保安部", True), "customer_service": ("客服部", True),
    }
    policy = load_policy()
    assert {c.department for c in policy.categories} == set(departments)  # every category is routed
    assert policy.department_for("facility") == "engineering" and policy.department_for("billing") == "customer_service"


async def test_an_existing_database_keeps_its_departments_and_gains_only_missing_codes(tmp_path):
    from tortoise import Tortoise
    from tortoise.migrations.api import migrate as migrate_api

    from backend.models import Department

    url = f"sqlite://{tmp_path}/old.sqlite3"
    await migrate_api(config=db.tortoise_config(url), target="models.0014_send_slot_done")
    await Tortoise.close_connections()
    await Tortoise.init(config=db.tortoise_config(url))
    await Department.create(code="engineering", name="工程维修部")
    await Department.create(code="security", name="秩序部", active=False)
    await Department.create(code="greening", name="绿化部")
    await Tortoise.close_connections()
    assert await db.migrate(url) == ["models.0015_standard_departments"]
    assert await _departments(url) == {
        "engineering": ("工程维修部", True), "security": ("秩序部", False), "greening": ("绿化部", True),
        "cleaning": ("保洁部", True), "customer_service": ("客服部", True),
    }
