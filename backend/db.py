"""Database lifecycle: Tortoise configuration, migrations, start-up checks."""

import logging
from pathlib import Path
from typing import Any

from tortoise import Tortoise
from tortoise.connection import get_connection
from tortoise.migrations.api import migrate as migrate_api
from tortoise.migrations.executor import MigrationExecutor

log = logging.getLogger(__name__)
APP = "models"


class DatabaseNotReady(RuntimeError):
    """The database cannot be used yet; the message says why and what to do."""


class DatabaseUnreachable(DatabaseNotReady):
    """No connection (server down, wrong host or password): exit code 1, try again later."""


class DatabaseUnmigrated(DatabaseNotReady):
    """The schema is behind the code: exit code 3, run `qingchu migrate`."""


class DatabaseMissing(DatabaseUnmigrated):
    """The SQLite file does not exist and this command may not create it (only `run` and `migrate` do)."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"no database at {path}")
        self.path = path


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": database_url},
        "apps": {
            APP: {
                "models": ["backend.models"],
                "migrations": "backend.migrations",
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def sqlite_path(database_url: str) -> Path | None:
    """The file of a `sqlite://PATH` URL (relative paths are relative to the current directory); None for
    another database or an in-memory one."""
    if not database_url.startswith("sqlite://"):
        return None
    path = database_url[len("sqlite://") :].split("?", 1)[0]
    return None if path in (":memory:", "") else Path(path)


def _ensure_sqlite_dir(database_url: str) -> None:
    if (path := sqlite_path(database_url)) is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


async def migrate(database_url: str) -> list[str]:
    """Apply pending migrations; returns the names applied."""
    _ensure_sqlite_dir(database_url)
    applied: list[str] = []

    def progress(event: str, app_label: str, name: str) -> None:
        if event == "apply_done":
            applied.append(f"{app_label}.{name}")

    try:
        await migrate_api(config=tortoise_config(database_url), progress=progress)
    finally:
        await Tortoise.close_connections()
    return applied


async def pending_migrations() -> list[str]:
    """Migrations not yet applied on the open connection."""
    executor = MigrationExecutor(
        get_connection("default"), tortoise_config("sqlite://:memory:")["apps"]
    )
    plan = await executor.plan(None)
    return [
        f"{step.migration.app_label}.{step.migration.name}" for step in plan if not step.backward
    ]


async def open_database(database_url: str, *, auto_migrate: bool, create: bool = False) -> None:
    """Connect; on SQLite apply pending migrations, elsewhere refuse an unmigrated schema.

    A SQLite file that does not exist is created only with `create` (`qingchu run`); otherwise DatabaseMissing,
    so a command run in the wrong directory does not quietly start a new, empty database there.
    """
    path = sqlite_path(database_url)
    if path is not None and not create and not path.is_file():
        raise DatabaseMissing(path.resolve())
    if auto_migrate:
        applied = await migrate(database_url)
        for name in applied:
            log.info("applied migration %s", name)
    _ensure_sqlite_dir(database_url)
    await _connect(database_url)
    try:
        await _require_current()
    except DatabaseUnmigrated:
        await Tortoise.close_connections()
        raise
    await refresh_statistics()


async def check_database(database_url: str) -> None:
    """For `qingchu check`: reachable and migrated, or DatabaseMissing / DatabaseUnreachable /
    DatabaseUnmigrated. Changes nothing (no file created, no migration applied)."""
    path = sqlite_path(database_url)
    if path is not None and not path.is_file():
        raise DatabaseMissing(path.resolve())
    await _connect(database_url)
    try:
        await _require_current()
    finally:
        await Tortoise.close_connections()


async def _connect(database_url: str) -> None:
    await Tortoise.init(config=tortoise_config(database_url))
    try:
        await get_connection("default").execute_query("SELECT 1")
    except Exception as exc:  # the driver's own error says best what is wrong
        await Tortoise.close_connections()
        raise DatabaseUnreachable(
            f"cannot reach the database ({_redacted(database_url)}): {exc}"
        ) from None


async def _require_current() -> None:
    pending = await pending_migrations()
    if pending:
        raise DatabaseUnmigrated(
            f"the database is missing {len(pending)} migration(s) ({', '.join(pending)}); "
            "run `qingchu migrate` first"
        )


async def refresh_statistics() -> None:
    """SQLite plans with the statistics ANALYZE gathers; without them it may pick a poor index for the
    case list (bench/bench_cases.py). PostgreSQL's autovacuum keeps its own statistics current."""
    connection = get_connection("default")
    if connection.capabilities.dialect == "sqlite":
        await connection.execute_script("ANALYZE;")


def _redacted(database_url: str) -> str:
    """The URL without its password, for messages and logs."""
    scheme, _, rest = database_url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at:
        return database_url
    return (
        f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}"
        if ":" in credentials
        else database_url
    )


async def close_database() -> None:
    await Tortoise.close_connections()


async def database_ok() -> bool:
    try:
        await get_connection("default").execute_query("SELECT 1")
        return True
    except Exception:  # any driver error means "not healthy"
        log.warning("database health check failed", exc_info=True)
        return False


# For the developer tool: `tortoise -c backend.db.TORTOISE_ORM makemigrations` after changing models.
TORTOISE_ORM = tortoise_config("sqlite://data/dev-makemigrations.sqlite3")
