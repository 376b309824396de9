"""Shared fixtures: a migrated database per test (SQLite always; PostgreSQL when TEST_DATABASE_URL is set),
a frozen clock, settings and the case service."""

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.connection import get_connection

from backend import db
from backend.clock import FrozenClock
from backend.config import Settings, load_settings
from backend.services.cases import CaseService

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()


def on_postgres() -> bool:
    return bool(TEST_DATABASE_URL)


async def _reset_postgres(url: str) -> None:
    await Tortoise.init(config=db.tortoise_config(url))
    conn = get_connection("default")
    await conn.execute_script("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    await Tortoise.close_connections()
    await db.migrate(url)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database with every migration applied once per run: a SQLite file to copy, or PostgreSQL."""
    if on_postgres():
        asyncio.run(_reset_postgres(TEST_DATABASE_URL))
        return TEST_DATABASE_URL
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    asyncio.run(db.migrate(f"sqlite://{path}"))
    asyncio.run(_without_seeded_rows(f"sqlite://{path}"))
    return str(path)


async def _without_seeded_rows(url: str) -> None:
    """Tests start from empty tables on SQLite as on PostgreSQL (where TRUNCATE empties them): the standard
    departments of migration 0015 and the default estate of 0022 are removed, and each test creates the
    departments and estates it needs.
    tests/backend/test_migrations.py checks what a fresh install has."""
    await Tortoise.init(config=db.tortoise_config(url))
    try:
        await get_connection("default").execute_script(
            "DELETE FROM department; DELETE FROM estate;"
        )
    finally:
        await Tortoise.close_connections()


async def open_clean_database(migrated_template: str, folder: Path) -> str:
    """Open a clean, migrated database (a fresh copy of the SQLite template in `folder`, or the PostgreSQL
    test database emptied) and return its URL. Close it with `Tortoise.close_connections()`."""
    # Tortoise caches each model's SQL by connection name and table, not by dialect: after a test that
    # opened SQLite (the CLI tests do), a PostgreSQL run would reuse "?" placeholders.
    EXECUTOR_CACHE.clear()
    if on_postgres():
        url = migrated_template
        await Tortoise.init(config=db.tortoise_config(url))
        tables = ", ".join(
            f'"{model._meta.db_table}"' for model in Tortoise.apps["models"].values()
        )
        await get_connection("default").execute_script(
            f"TRUNCATE {tables} RESTART IDENTITY CASCADE;"
        )
    else:
        folder.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - a test fixture, not a served path
        path = folder / "test.sqlite3"
        shutil.copyfile(migrated_template, path)
        url = f"sqlite://{path}"
        await Tortoise.init(config=db.tortoise_config(url))
    return url


@pytest.fixture
async def database_url(migrated_template: str, tmp_path: Path) -> AsyncIterator[str]:
    """A clean, migrated database for one test."""
    url = await open_clean_database(migrated_template, tmp_path)
    try:
        yield url
    finally:
        await Tortoise.close_connections()


@pytest.fixture
def clock() -> FrozenClock:
    # Monday 23 November 2026, 10:00 in Shanghai: inside business hours.
    return FrozenClock(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))


@pytest.fixture
def settings(database_url: str) -> Settings:
    base = load_settings(env={}, env_file=None)
    return replace(base, database_url=database_url, staff_chat_id=-1001, duty_phone="400-800-1234")


@dataclass
class FakeTriage:
    """A stand-in classifier result (backend.services.drafts.Triage) so service tests do not depend on
    the NLP model."""

    category: str = "facility"
    severity: str = "general"
    kind: str = "repair"
    confidence: float = 0.9
    alternatives: tuple[str, ...] = ("environment",)
    collective: bool = False
    emergency: bool = False
    triggers: tuple[str, ...] = ()
    safety_check: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in asdict(self).items()
        }


@pytest.fixture
def service(settings: Settings, clock: FrozenClock) -> CaseService:
    return CaseService(settings, clock, classify=lambda text: FakeTriage())
