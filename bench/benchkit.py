"""What every bench script shares: fresh databases, Tortoise set-up, alternating rounds, counting, reporting.

A script adds its own options to `parser(...)`, measures with `for_each_database(args, measure, skipped)`
(each a fresh, migrated SQLite file or PostgreSQL database, Tortoise connected, dropped again afterwards
unless --keep), times its contenders with `alternate()` and ends with `ratio_line()`. Ratios compare numbers from one run only: absolute rates on a noisy 2-core
machine mean little.
"""

import argparse
import asyncio
import cProfile
import logging
import math
import os
import pstats
import shutil
import socket
import sqlite3
import statistics as pystats
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

import aiosqlite
import aiosqlite.core
import asyncpg
import asyncpg.connection
import tortoise
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.connection import get_connection

from backend.config import Settings, load_settings
from backend.db import migrate, refresh_statistics, tortoise_config

DEFAULT_PG_SERVER = "postgres://postgres@127.0.0.1:5432"
ROOT = Path(__file__).resolve().parents[1]
Cleanup = Callable[[], Awaitable[None]]
T = TypeVar("T")

STAFF_CHAT_ID = -1001234567890
# Monday 23 November 2026, 10:00 in Shanghai: business hours, one case-number day.
START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def settings_for(url: str, **overrides: Any) -> Settings:
    """The service's settings without environment or .env file, on `url`, with a staff chat and a duty
    phone (so submits queue staff cards and after-hours alerts)."""
    base = load_settings(env={}, env_file=None)
    values = {"staff_chat_id": STAFF_CHAT_ID, "duty_phone": "400-800-1234", **overrides}
    return replace(base, database_url=url, **values)


def without_incidents(settings: Settings) -> Settings:
    """No incident opens (each submit still asks whether there is one to join): for benchmarks of one
    case's own work. Random complaints of a few dozen buildings soon make every building and category an
    incident, whose opening changes other cases and edits an incident card; bench_storm.py measures that."""
    return replace(settings, policy=replace(settings.policy, collective_households=1_000_000))


# ---- options ----------------------------------------------------------------------------------------


def parser(doc: str, pg_database: str, *, seed: int | None = 2026) -> argparse.ArgumentParser:
    """An ArgumentParser with the options every script takes: --db, --pg-server, --keep (and --seed)."""
    result = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    result.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    result.add_argument(
        "--pg-server",
        default=DEFAULT_PG_SERVER,
        help=f"PostgreSQL server; the database {pg_database} on it is dropped and created",
    )
    result.add_argument(
        "--keep", action="store_true", help="keep the SQLite file / PostgreSQL database"
    )
    if seed is not None:
        result.add_argument(
            "--seed", type=int, default=seed, help="random seed of the generated data"
        )
    result.set_defaults(pg_database=pg_database)
    return result


def run_main(main: Callable[[], Coroutine[Any, Any, int | None]]) -> None:
    """asyncio.run, then exit with the coroutine's code (None: 0)."""
    raise SystemExit(asyncio.run(main()) or 0)


class Stopwatch:
    """Since the script started; `finished()` is the line printed just before a script's last line."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def finished(self) -> str:
        return f"(finished in {time.perf_counter() - self.started:.0f} s)"


# ---- databases --------------------------------------------------------------------------------------


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
    """A new SQLite file in a temporary folder, migrated."""
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


async def create_postgres(server: str, database: str) -> str:
    """Drop and create `database` on the server; its server version."""
    maintenance = await asyncpg.connect(f"{server}/postgres")
    try:
        await maintenance.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        await maintenance.execute(f"CREATE DATABASE {database}")
        return str(await maintenance.fetchval("SHOW server_version"))
    finally:
        await maintenance.close()


async def drop_postgres(server: str, database: str) -> None:
    conn = await asyncpg.connect(f"{server}/postgres")
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    finally:
        await conn.close()


async def fresh_postgres(server: str, database: str, keep: bool) -> tuple[str, Cleanup, str]:
    """URL, clean-up and the server's version of a dropped, created and migrated database."""
    version = await create_postgres(server, database)
    url = f"{server}/{database}"
    await migrate(url)

    async def cleanup() -> None:
        if keep:
            print(f"  (kept database {database})")
        else:
            await drop_postgres(server, database)

    return url, cleanup, version


@dataclass
class Target:
    """One fresh database a script measures."""

    name: str  # "sqlite" or "postgres"
    url: str
    driver: str  # "aiosqlite 0.20.0", "asyncpg 0.30.0"
    version: str  # of the database engine


@asynccontextmanager
async def fresh_database(
    name: str, args: argparse.Namespace, *, init: bool = True
) -> AsyncIterator[Target]:
    """A fresh, migrated database (and Tortoise connected to it unless `init` is False), removed after."""
    # Tortoise caches each model's INSERT text per (connection name, table) for the whole process, so a
    # second database of another dialect under the same name "default" would reuse SQLite's "?" SQL.
    EXECUTOR_CACHE.clear()
    if name == "sqlite":
        url, cleanup = await fresh_sqlite(f"qingchu-{args.pg_database}-", args.keep)
        target = Target(name, url, f"aiosqlite {aiosqlite.__version__}", aiosqlite.sqlite_version)
    else:
        url, cleanup, version = await fresh_postgres(args.pg_server, args.pg_database, args.keep)
        target = Target(name, url, f"asyncpg {asyncpg.__version__}", version)
    try:
        if init:
            await Tortoise.init(config=tortoise_config(url))
        yield target
    finally:
        if init:
            await Tortoise.close_connections()
        await cleanup()


def database_names(args: argparse.Namespace) -> list[str]:
    return ["sqlite", "postgres"] if args.db == "both" else [args.db]


def skip_reason(name: str, args: argparse.Namespace) -> str:
    """Why this database cannot be measured ("" if it can); printed as the database's section."""
    if name == "postgres" and not postgres_answers(args.pg_server):
        print(f"\n== postgres: skipped, nothing answers at {args.pg_server}")
        return f"nothing answers at {args.pg_server}"
    return ""


def code_version() -> str:
    """The commit measured, and whether backend/ differs from it (read-only git calls)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = (
            subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "backend"], cwd=ROOT).returncode
            != 0
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return commit + (" + uncommitted changes in backend/" if dirty else "")


# ---- timing -----------------------------------------------------------------------------------------

Chunk = Callable[[int, int], Awaitable[tuple[int, float]]]
"""Runs items lo..hi of one contender; returns how many it did and the seconds they took."""


@dataclass
class Series:
    """One contender's work over all rounds."""

    name: str
    count: int = 0
    seconds: float = 0.0
    round_rates: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


async def alternate(n: int, rounds: int, contenders: dict[str, Chunk]) -> dict[str, Series]:
    """n items per contender in `rounds` chunks; each round starts with the next contender in turn, so
    all of them see the same machine and none is always first (cold) or last."""
    series = {name: Series(name) for name in contenders}
    runs = list(contenders.items())
    bounds = [round(n * k / rounds) for k in range(rounds + 1)]
    for k in range(rounds):
        lo, hi = bounds[k], bounds[k + 1]
        if hi == lo:
            continue
        shift = k % len(runs)
        for name, run in runs[shift:] + runs[:shift]:
            done, seconds = await run(lo, hi)
            s = series[name]
            s.count += done
            s.seconds += seconds
            s.round_rates.append(done / seconds if seconds else 0.0)
    return series


def round_ratios(numerator: Series, denominator: Series) -> list[float]:
    return [
        a / b if b else 0.0
        for a, b in zip(numerator.round_rates, denominator.round_rates, strict=True)
    ]


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def spread(ratios: list[float]) -> str:
    """The middle half of per-round ratios: how much the machine's noise moved the ratio."""
    if len(ratios) < 4:
        return ""
    return f"(middle half of rounds {percentile(ratios, 25):.2f}-{percentile(ratios, 75):.2f})"


def noisy(ratios: list[float]) -> bool:
    """The rounds disagree so much that the ratio says more about the machine than the code."""
    if len(ratios) < 4:
        return False
    return percentile(ratios, 75) - percentile(ratios, 25) > 0.5 * pystats.median(ratios)


NOISY = (
    "NOISY: the rounds disagree (other load on the machine?); run again before trusting this ratio"
)


def ratio_line(label: str, ratios: dict[str, float | None]) -> str:
    """`label ratio: sqlite=0.73 postgres=n/a`: the last line of a script with a target ratio."""
    parts = [
        f"{name}={'n/a' if ratios.get(name) is None else f'{ratios[name]:.2f}'}"
        for name in ("sqlite", "postgres")
    ]
    return f"{label} ratio: " + " ".join(parts)


# ---- counting ---------------------------------------------------------------------------------------

VERBS = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "PRAGMA")


def verb_of(sql: object) -> str:
    words = str(sql).split(None, 1)
    return words[0].upper().strip(";") if words else "?"


class StatementCounter(logging.Handler):
    """Counts the SQL statements Tortoise logs on `tortoise.db_client` at DEBUG, by verb."""

    def __init__(self, verbs: Sequence[str] = VERBS) -> None:
        super().__init__(logging.DEBUG)
        self.counted = frozenset(verbs)
        self.verbs: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        sql = record.args[0] if isinstance(record.args, tuple) and record.args else record.msg
        verb = verb_of(sql)
        if verb in self.counted:
            self.verbs[verb] += 1


@contextmanager
def counting_statements(counter: logging.Handler) -> Iterator[None]:
    """Route Tortoise's DEBUG statement log to `counter` (and nowhere else) inside the block."""
    logger = logging.getLogger("tortoise.db_client")
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(counter)
    try:
        yield
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)
        logger.propagate = propagate


@dataclass
class RoundTrips:
    """Calls that wait for the database, by kind, with the time each kind kept the caller waiting."""

    count: Counter[str] = field(default_factory=Counter)
    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))

    def clear(self) -> None:
        self.count.clear()
        self.seconds.clear()

    async def timed(self, label: str, call: Awaitable[Any]) -> Any:
        started = time.perf_counter()
        try:
            return await call
        finally:
            self.count[label] += 1
            self.seconds[label] += time.perf_counter() - started


@contextmanager
def counting_round_trips(trips: RoundTrips) -> Iterator[None]:
    """Every call that waits for the database: an aiosqlite worker-thread hop, or an asyncpg message
    exchange (statements, BEGIN/COMMIT, and the reset query the pool runs when a connection is released)."""
    sqlite_execute = aiosqlite.core.Connection._execute
    pg_execute = asyncpg.connection.Connection.execute
    pg_private = asyncpg.connection.Connection._execute
    pg_many = asyncpg.connection.Connection._executemany

    async def sqlite_hop(self, fn, *args, **kwargs):
        name = getattr(fn, "__name__", "?")
        label = (
            verb_of(args[0])
            if name in ("execute", "_execute_fetchall", "_execute_insert") and args
            else name.upper()
        )
        return await trips.timed(label, sqlite_execute(self, fn, *args, **kwargs))

    async def pg_simple(self, query, *args, **kwargs):
        if args:  # with arguments it goes through _execute, counted there
            return await pg_execute(self, query, *args, **kwargs)
        text = str(query).lstrip()
        label = (
            "pool reset"
            if text.startswith(("SELECT pg_advisory_unlock_all", "RESET", "CLOSE ALL"))
            else verb_of(text)
        )
        return await trips.timed(label, pg_execute(self, query, *args, **kwargs))

    async def pg_extended(self, query, *args, **kwargs):
        return await trips.timed(verb_of(query), pg_private(self, query, *args, **kwargs))

    async def pg_executemany(self, query, *args, **kwargs):
        return await trips.timed("EXECUTEMANY", pg_many(self, query, *args, **kwargs))

    patches = (
        (aiosqlite.core.Connection, "_execute", sqlite_hop, sqlite_execute),
        (asyncpg.connection.Connection, "execute", pg_simple, pg_execute),
        (asyncpg.connection.Connection, "_execute", pg_extended, pg_private),
        (asyncpg.connection.Connection, "_executemany", pg_executemany, pg_many),
    )
    for cls, name, patched, _original in patches:
        setattr(cls, name, patched)
    try:
        yield
    finally:
        for cls, name, _patched, original in patches:
            setattr(cls, name, original)


class ErrorCounter(logging.Handler):
    """Errors (or warnings too) logged anywhere: the bot's on_error logs every failed update."""

    def __init__(self, level: int = logging.ERROR) -> None:
        super().__init__(level)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.name}: {record.getMessage()}")


@contextmanager
def counting_errors(level: int = logging.ERROR) -> Iterator[ErrorCounter]:
    errors = ErrorCounter(level)
    logging.getLogger().addHandler(errors)
    try:
        yield errors
    finally:
        logging.getLogger().removeHandler(errors)


# ---- the classifier stand-in ------------------------------------------------------------------------


@dataclass(frozen=True)
class StandInTriage:
    """What a keyword stand-in classifier says (a backend.services.drafts.Triage, like tests/conftest.py's
    FakeTriage): the benchmarks measure the bot and the case core, bench_nlp.py the NLP."""

    category: str
    severity: str = "general"
    kind: str = "repair"
    confidence: float = 0.9
    alternatives: tuple[str, ...] = ("environment", "other")
    emergency: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "category": self.category,
            "severity": self.severity,
            "confidence": self.confidence,
            "alternatives": list(self.alternatives),
            "emergency": self.emergency,
        }


# ---- profiling --------------------------------------------------------------------------------------

LAYERS = (
    ("/bot/fake_telegram/", "Bot API fake (harness)"),
    ("/tortoise/", "Tortoise ORM"),
    ("/pypika", "pypika (SQL building)"),
    ("/aiosqlite/", "aiosqlite"),
    ("/asyncpg/", "asyncpg"),
    ("/telegram/", "python-telegram-bot"),
    (f"{ROOT}/bot/", "bot/ (product)"),
    (f"{ROOT}/backend/", "backend/ (product)"),
    ("/phonenumbers/", "phonenumbers"),
    ("/babel/", "babel/gettext"),
    ("/gettext.py", "babel/gettext"),
    ("/asyncio/", "asyncio event loop"),
    ("/selectors.py", "asyncio event loop"),
    ("/json/", "json"),
    ("/logging/", "logging"),
    ("/copy.py", "copy.deepcopy"),
)
BUILT_INS = (
    ("select.epoll", "idle in epoll (waiting for the database)"),
    ("SimpleQueue", "aiosqlite thread handoff (put_nowait)"),
    ("_socket.socket", "socket send/recv (asyncpg)"),
)
ORM_FUNCTIONS = (
    ("tortoise/models.py", "get_or_none"),
    ("tortoise/models.py", "update_or_create"),
    ("tortoise/models.py", "create"),
    ("tortoise/models.py", "__init__"),
    ("tortoise/backends/base/executor.py", "execute_select"),
    ("tortoise/backends/base/executor.py", "execute_insert"),
)


def layer_of(filename: str, name: str) -> str:
    if filename == "~":
        return next((layer for needle, layer in BUILT_INS if needle in name), "other C built-ins")
    return next(
        (layer for needle, layer in LAYERS if needle in filename),
        "other Python (stdlib, libraries)",
    )


def print_profile(
    profile: cProfile.Profile,
    units: int,
    wall: float,
    unit: str,
    key_functions: Sequence[tuple[str, str]],
) -> None:
    """Where the time of `units` updates (or submits, ...) went: own time by layer, the inclusive time
    of `key_functions` (file suffix, function name), the top functions."""
    stats = pstats.Stats(profile)
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, dict]] = stats.stats  # type: ignore[attr-defined]
    per_unit = 1e6 / units
    layers: Counter[str] = Counter()
    for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in raw.items():
        layers[layer_of(filename, name)] += tottime
    accounted = sum(layers.values())
    print(
        f"\n  profile (cProfile, main thread): {units} {unit}s, {wall:.2f} s wall, "
        f"{wall / units * 1e6:.0f} µs per {unit}; the profiler slows Python code down, so read shares, "
        "not absolute numbers"
    )
    print(f"    own time by layer (µs per {unit}, share):")
    for layer, seconds in layers.most_common():
        if seconds * per_unit >= 5:
            print(f"      {layer:42}{seconds * per_unit:8.0f}  {seconds / accounted:6.1%}")
    print(
        f"    inclusive time of key functions (µs per {unit}; a coroutine counts only while it runs, "
        "and each resumption is one entry):"
    )
    for suffix, name in key_functions:
        for (filename, _line, fname), (_cc, nc, _tt, cumtime, _callers) in raw.items():
            if fname == name and filename.endswith(suffix):
                print(
                    f"      {suffix + ':' + name:58}{cumtime * per_unit:8.0f}   "
                    f"entries/{unit} {nc / units:5.1f}"
                )
    print("    top 15 functions by own time:")
    top = sorted(raw.items(), key=lambda item: item[1][2], reverse=True)[:15]
    for (filename, line, name), (_cc, nc, tottime, _ct, _callers) in top:
        where = name if filename == "~" else f"{_short(filename)}:{line}({name})"
        print(f"      {tottime * per_unit:7.0f} µs  {nc / units:6.1f}×  {where}")


def _short(filename: str) -> str:
    for marker in ("site-packages/", f"{ROOT}/", "/lib/python3.11/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


# ---- the loop over databases ------------------------------------------------------------------------


def header(title: str, *extra: str) -> None:
    """The first line: what was measured, on what."""
    parts = [
        f"code {code_version()}",
        f"Python {sys.version.split()[0]}",
        f"Tortoise {tortoise.__version__}",
        f"SQLite {sqlite3.sqlite_version}",
        *extra,
        f"{os.cpu_count()} CPUs",
    ]
    print(f"qingchu {title}: " + ", ".join(parts))


async def for_each_database(
    args: argparse.Namespace,
    measure: Callable[[Target], Awaitable[T]],
    skipped: Callable[[str, str], T],
    *,
    init: bool = True,
) -> list[T]:
    """`measure` on a fresh database per --db; `skipped(name, reason)` where PostgreSQL does not answer."""
    outcomes = []
    for name in database_names(args):
        if reason := skip_reason(name, args):
            outcomes.append(skipped(name, reason))
            continue
        async with fresh_database(name, args, init=init) as target:
            outcomes.append(await measure(target))
    return outcomes


async def analyze(target: Target, tables: Sequence[str] = ("case", "complainant", "staff")) -> str:
    """Fresh planner statistics after seeding; says what it did."""
    conn = get_connection("default")
    if target.name == "postgres":
        for table in tables:  # one by one: VACUUM refuses a multi-statement script
            await conn.execute_script(f'VACUUM ANALYZE "{table}"')
        return "VACUUM ANALYZE (autovacuum's job on a live desk)"
    await refresh_statistics()
    return "ANALYZE (as at start-up)"
