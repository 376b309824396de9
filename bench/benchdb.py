"""Fresh, migrated benchmark databases (shared by the bench scripts).

Each call makes a new SQLite file in a temporary folder, or drops and creates one PostgreSQL database,
applies every migration and returns the URL with a clean-up that removes it again (unless `keep`).
"""

import shutil
import socket
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlparse

import asyncpg

from backend.db import migrate

Cleanup = Callable[[], Awaitable[None]]


def postgres_answers(server: str) -> bool:
    parsed = urlparse(server)
    try:
        socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or 5432), timeout=2
        ).close()
        return True
    except OSError:
        return False


async def fresh_sqlite(prefix: str, keep: bool) -> tuple[str, Cleanup]:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    path = folder / "bench.sqlite3"
    url = f"sqlite://{path}"
    try:
        await migrate(url)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise

    async def cleanup() -> None:
        if keep:
            print(f"  (kept {path})")
        else:
            shutil.rmtree(folder, ignore_errors=True)

    return url, cleanup


async def fresh_postgres(server: str, database: str, keep: bool) -> tuple[str, Cleanup, str]:
    """URL, clean-up and the server's version."""
    maintenance = await asyncpg.connect(f"{server}/postgres")
    try:
        await maintenance.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        await maintenance.execute(f"CREATE DATABASE {database}")
        version = await maintenance.fetchval("SHOW server_version")
    finally:
        await maintenance.close()
    url = f"{server}/{database}"
    await migrate(url)

    async def cleanup() -> None:
        if keep:
            print(f"  (kept database {database})")
            return
        conn = await asyncpg.connect(f"{server}/postgres")
        try:
            await conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        finally:
            await conn.close()

    return url, cleanup, version
