"""Record the SQL a piece of ORM code issues, and replay it through the bare driver with fresh keys.

`recording()` wraps the execute methods of Tortoise's SQLite and asyncpg clients (and their transaction
wrappers), so every statement, its parameters and the id an INSERT returned are kept, one `Recording` per
unit of work. `Replayer` plays a recording again in one transaction on aiosqlite or asyncpg, with no ORM:
the same statement texts with the same parameters, except what must differ for the replay to do the same
durable work instead of failing or finding nothing:

- unique columns written by an INSERT (case number, client_key, telegram_id, dedupe_key, ...) get a new
  value per replay, and every other parameter that carried the old value (a SELECT by telegram_id, the
  case number inside a JSON payload) carries the new one;
- ids returned by the replay's own INSERTs replace the recorded ones wherever a later statement used them
  (foreign keys such as case_id, `WHERE "id"=`);
- the key of a counter row (`INSERT ... ON CONFLICT (key) DO UPDATE`) is moved once per run to a key of
  the replay's own, so the replay increments its own row as the service increments the day's row.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from itertools import count
from typing import Any

import aiosqlite
import asyncpg
from tortoise import Tortoise
from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.sqlite.client import SqliteClient, SqliteTransactionWrapper

METHODS = ("execute_insert", "execute_query", "execute_query_dict", "execute_many")
CLIENTS = (SqliteClient, SqliteTransactionWrapper, AsyncpgDBClient, TransactionWrapper)
PLACEHOLDER = re.compile(r"\?|\$(\d+)")
COMPARED_COLUMN = re.compile(r'"(\w+)"\s*(?:=|>=|<=|<>|!=|>|<)\s*$')
INSERT = re.compile(r'^\s*INSERT\s+INTO\s+"(\w+)"\s*\(([^)]*)\)\s*VALUES\s*\(', re.I)
TABLE = re.compile(
    r'^\s*(?:UPDATE\s+"(\w+)"|DELETE\s+FROM\s+"(\w+)"|SELECT\b.*?\bFROM\s+"(\w+)")', re.I | re.S
)
CONFLICT = re.compile(r'ON\s+CONFLICT\s*\(\s*"(\w+)"', re.I)


@dataclass
class Statement:
    method: str  # the Tortoise client method that ran it: execute_insert, execute_query, ...
    sql: str
    values: list[Any]  # for execute_many: one list per row
    returned_id: Any = None  # what execute_insert returned (the new row's id)


@dataclass
class Recording:
    statements: list[Statement] = field(default_factory=list)


_active: ContextVar[Recording | None] = ContextVar("sqlreplay_active", default=None)
_inside: ContextVar[bool] = ContextVar("sqlreplay_inside", default=False)


def _recorded(method: str, original: Any) -> Any:
    async def wrapper(self: Any, query: str, values: Any = None) -> Any:
        recording = _active.get()
        # not recording, or a client method calling another one: only the outer call is a statement
        if recording is None or _inside.get():
            return await original(self, query, values)
        token = _inside.set(True)
        try:
            result = await original(self, query, values)
        finally:
            _inside.reset(token)
        returned = None
        if method == "execute_insert" and result is not None:  # SQLite: the id; asyncpg: a Record
            returned = result if isinstance(result, int) else result[0]
        recording.statements.append(Statement(method, query, list(values or []), returned))
        return result

    return wrapper


@contextmanager
def recording() -> Iterator[None]:
    """Patch the clients for the duration; `capture()` then opens one Recording per unit of work."""
    saved = [
        (cls, name, cls.__dict__[name])
        for cls in CLIENTS
        for name in METHODS
        if name in cls.__dict__
    ]
    for cls, name, original in saved:
        setattr(cls, name, _recorded(name, original))
    try:
        yield
    finally:
        for cls, name, original in saved:
            setattr(cls, name, original)


@contextmanager
def capture(into: list[Recording]) -> Iterator[Recording]:
    """Record the statements issued inside the block (within `recording()`) as one Recording."""
    current = Recording()
    token = _active.set(current)
    try:
        yield current
    finally:
        _active.reset(token)
        into.append(current)


# ---- what the schema says ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Schema:
    unique: dict[str, dict[str, int | None]]  # table -> unique, not generated column -> max_length
    references: dict[str, dict[str, str]]  # table -> foreign key column -> referenced table


def schema_of_models() -> Schema:
    unique: dict[str, dict[str, int | None]] = {}
    references: dict[str, dict[str, str]] = {}
    for app in Tortoise.apps.values():
        for model in app.values():
            meta = model._meta
            unique[meta.db_table] = {
                (f.source_field or name): getattr(f, "max_length", None)
                for name, f in meta.fields_map.items()
                if name in meta.db_fields and (f.unique or f.pk) and not (f.pk and f.generated)
            }
            references[meta.db_table] = {
                meta.fields_map[name].source_field: meta.fields_map[
                    name
                ].related_model._meta.db_table
                for name in meta.fk_fields
            }
    return Schema(unique, references)


def _split_top_level(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                parts.append(text[start:i])
                return parts
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


@dataclass(frozen=True)
class Shape:
    """Which table a statement touches and which column each parameter belongs to."""

    table: str | None
    columns: tuple[str | None, ...]  # by parameter index
    conflict_column: str | None = None


def shape_of(sql: str, parameters: int) -> Shape:
    columns: list[str | None] = [None] * parameters
    insert = INSERT.match(sql)
    if insert:
        table = insert.group(1)
        names = [c.strip().strip('"') for c in insert.group(2).split(",")]
        values = _split_top_level(sql[insert.end() :])
        sequential = 0
        for name, value in zip(names, values, strict=False):
            mark = PLACEHOLDER.fullmatch(value.strip())
            if mark:
                index = int(mark.group(1)) - 1 if mark.group(1) else sequential
                sequential += 1
                if index < parameters:
                    columns[index] = name
        conflict = CONFLICT.search(sql)
        return Shape(table, tuple(columns), conflict.group(1) if conflict else None)
    found = TABLE.match(sql)
    table = next((g for g in found.groups() if g), None) if found else None
    for sequential, mark in enumerate(PLACEHOLDER.finditer(sql)):
        index = int(mark.group(1)) - 1 if mark.group(1) else sequential
        column = COMPARED_COLUMN.search(sql, 0, mark.start())
        if index < parameters and column:
            columns[index] = column.group(1)
    return Shape(table, tuple(columns))


# ---- replay -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdOf:
    """A parameter that is the id an earlier INSERT of the same replay returns."""

    table: str
    recorded: Any


@dataclass
class Step:
    method: str
    sql: str
    values: list[Any]  # may hold IdOf
    returns: IdOf | None  # where to keep the id this INSERT returns


def _resolve(values: list[Any], ids: dict[IdOf, Any]) -> list[Any]:
    return [ids[v] if type(v) is IdOf else v for v in values]


def _is_write(sql: str) -> bool:
    return sql.lstrip()[:6].upper() in ("UPDATE", "DELETE", "INSERT")


class Replayer:
    """Prepares recordings with fresh keys (untimed), then plays each in one transaction on a raw
    aiosqlite connection or on a connection of an asyncpg pool."""

    def __init__(self, schema: Schema, tag: str = "rp") -> None:
        self.schema, self.tag = schema, tag
        self.serial = count(1)
        self.numbers = count(1)
        self.counter_keys: dict[Any, Any] = {}
        self.shapes: dict[tuple[str, int], Shape] = {}

    def _shape(self, statement: Statement) -> Shape:
        rows = statement.values if statement.method == "execute_many" else [statement.values]
        key = (statement.sql, len(rows[0]) if rows else 0)
        if key not in self.shapes:
            self.shapes[key] = shape_of(*key)
        return self.shapes[key]

    def _fresh(self, value: Any, max_length: int | None, serial: int) -> Any:
        if isinstance(value, int):
            return 7_000_000_000_000 + next(self.numbers)
        prefix = f"{self.tag}{serial}:"
        room = (max_length or 10_000) - len(prefix)
        return prefix + str(value)[-room:]

    def _counter_key(self, value: Any, max_length: int | None) -> Any:
        if value not in self.counter_keys:
            fresh = f"{self.tag}{len(self.counter_keys)}{value}"
            self.counter_keys[value] = fresh[: max_length or len(fresh)]
        return self.counter_keys[value]

    def _fresh_keys(self, recording: Recording) -> dict[tuple[str, Any], Any]:
        """(column, recorded value) -> value of this replay, for every unique column an INSERT writes."""
        serial = next(self.serial)
        fresh: dict[tuple[str, Any], Any] = {}
        for statement in recording.statements:
            shape = self._shape(statement)
            if shape.table is None or not INSERT.match(statement.sql):
                continue
            unique = self.schema.unique.get(shape.table, {})
            rows = statement.values if statement.method == "execute_many" else [statement.values]
            for row in rows:
                for column, value in zip(shape.columns, row, strict=False):
                    if column not in unique or value is None or isinstance(value, bool):
                        continue
                    if (column, value) in fresh:
                        continue
                    if column == shape.conflict_column:
                        fresh[(column, value)] = self._counter_key(value, unique[column])
                    else:
                        fresh[(column, value)] = self._fresh(value, unique[column], serial)
        return fresh

    def prepare(self, recording: Recording) -> list[Step]:
        fresh = self._fresh_keys(recording)
        texts = {
            old: new
            for (_c, old), new in fresh.items()
            if isinstance(old, str) and len(old) >= 6 and old not in self.counter_keys
        }
        inserted: set[IdOf] = set()
        steps = []
        for statement in recording.statements:
            shape = self._shape(statement)
            if statement.method == "execute_many":
                values: list[Any] = [
                    self._map(shape, row, fresh, texts, inserted) for row in statement.values
                ]
            else:
                values = self._map(shape, statement.values, fresh, texts, inserted)
            returns = None
            if statement.returned_id is not None and shape.table is not None:
                returns = IdOf(shape.table, statement.returned_id)
                inserted.add(returns)
            steps.append(Step(statement.method, statement.sql, values, returns))
        return steps

    def _map(
        self,
        shape: Shape,
        row: list[Any],
        fresh: dict[tuple[str, Any], Any],
        texts: dict[str, str],
        inserted: set[IdOf],
    ) -> list[Any]:
        references = self.schema.references.get(shape.table or "", {})
        out = []
        for column, value in zip(shape.columns, row, strict=False):
            if column is not None and (column, value) in fresh:
                value = fresh[(column, value)]
            elif column == "id" and IdOf(shape.table or "", value) in inserted:
                value = IdOf(shape.table or "", value)
            elif column in references and IdOf(references[column], value) in inserted:
                value = IdOf(references[column], value)
            elif isinstance(value, str):
                for old, new in texts.items():
                    if old in value:
                        value = value.replace(old, new)
            out.append(value)
        return out + row[len(shape.columns) :]

    @staticmethod
    async def sqlite(conn: aiosqlite.Connection, steps: list[Step]) -> None:
        """One transaction on a connection opened with isolation_level=None (as Tortoise opens it)."""
        ids: dict[IdOf, Any] = {}
        await conn.execute("BEGIN")
        try:
            for step in steps:
                if step.method == "execute_many":
                    await conn.executemany(step.sql, [_resolve(row, ids) for row in step.values])
                elif step.method == "execute_insert":
                    row = await conn.execute_insert(step.sql, _resolve(step.values, ids))
                    if step.returns is not None and row is not None:
                        ids[step.returns] = row[0]
                else:
                    await conn.execute_fetchall(step.sql, _resolve(step.values, ids))
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        await conn.execute("COMMIT")

    @staticmethod
    async def postgres(pool: asyncpg.Pool, steps: list[Step]) -> None:
        """One connection from the pool, one transaction."""
        ids: dict[IdOf, Any] = {}
        async with pool.acquire() as conn, conn.transaction():
            for step in steps:
                if step.method == "execute_many":
                    await conn.executemany(step.sql, [_resolve(row, ids) for row in step.values])
                elif step.method == "execute_insert":
                    row = await conn.fetchrow(step.sql, *_resolve(step.values, ids))
                    if step.returns is not None:
                        ids[step.returns] = row[0] if row is not None else None
                elif step.method == "execute_query" and _is_write(step.sql):
                    await conn.execute(step.sql, *_resolve(step.values, ids))
                else:
                    await conn.fetch(step.sql, *_resolve(step.values, ids))
