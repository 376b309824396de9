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
