"""Rows written and read without building model instances, for the hot path of a submit.

`insert` issues the model's own INSERT (the text and field conversions Tortoise uses in `create` and
`bulk_create`), so the database does the same work; what it saves is Tortoise's per-instance Python
(validation on init, attribute hooks, signals), which is most of a submit's CPU time. `sql` adapts a
hand-written statement with `?` placeholders to the connection's dialect.
"""

import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.fields import Field
from tortoise.models import Model

_PLACEHOLDER = re.compile(r"\?")
M = TypeVar("M", bound=Model)


def sql(connection: BaseDBAsyncClient, text: str) -> str:
    """`text` with `?` placeholders as the connection's driver wants them ($1, $2, … on PostgreSQL);
    every `?` is a placeholder (none may stand in a literal)."""
    return _for_dialect(connection.capabilities.dialect, text)


@cache
def _for_dialect(dialect: str, text: str) -> str:
    if dialect != "postgres":
        return text
    numbers = iter(range(1, text.count("?") + 1))
    return _PLACEHOLDER.sub(lambda _match: f"${next(numbers)}", text)


def db_value(model: type[Model], name: str, value: Any) -> Any:
    """`value` of the field `name` as the driver takes it (the ORM's own conversion)."""
    return model._meta.fields_map[name].to_db_value(value, model)


async def insert_one(
    connection: BaseDBAsyncClient, model: type[Model], row: Mapping[str, Any]
) -> int:
    """Insert one row (field name → value; a field left out takes its default); its new id."""
    columns, text = _insert_statement(connection, model)
    result = await connection.execute_insert(text, _values(model, columns, row))
    return int(result if isinstance(result, int) else result[model._meta.db_pk_column])


async def create(connection: BaseDBAsyncClient, model: type[M], values: Mapping[str, Any]) -> M:
    """What `model.create(**values)` returns, for plain field values (no related instances): the row is
    inserted by `insert_one` and the instance built without the ORM's per-field hooks."""
    fields_map = model._meta.fields_map
    data = {name: fields_map[name].to_python_value(value) for name, value in values.items()}
    for name in model._meta.fields - model._meta.fetch_fields - data.keys():
        data[name] = _default(fields_map[name])
    pk = await insert_one(connection, model, data)
    return model.construct(_saved_in_db=True, **{**data, model._meta.pk_attr: pk})


async def insert(
    connection: BaseDBAsyncClient, model: type[Model], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert `rows` in one statement (one row: as `insert_one`; several: as `bulk_create`)."""
    if len(rows) == 1:
        await insert_one(connection, model, rows[0])
    elif rows:
        columns, text = _insert_statement(connection, model)
        await connection.execute_many(text, [_values(model, columns, row) for row in rows])


async def update(
    connection: BaseDBAsyncClient, model: type[Model], pk: int, values: Mapping[str, Any]
) -> None:
    """Set the fields `values` names on the row `pk` (the statement `save(update_fields=…)` issues)."""
    fields_map, meta = model._meta.fields_map, model._meta
    columns = ", ".join(f'"{fields_map[name].source_field or name}" = ?' for name in values)
    text = f'UPDATE "{meta.db_table}" SET {columns} WHERE "{meta.db_pk_column}" = ?'  # noqa: S608 (the model's names)
    converted = [fields_map[name].to_db_value(value, model) for name, value in values.items()]
    await connection.execute_query(sql(connection, text), [*converted, pk])


# The model's INSERT text and its columns, per dialect: the same Tortoise's executor builds and caches.
_INSERTS: dict[tuple[str, type[Model]], tuple[Sequence[str], str]] = {}


def _insert_statement(
    connection: BaseDBAsyncClient, model: type[Model]
) -> tuple[Sequence[str], str]:
    key = (connection.capabilities.dialect, model)
    if key not in _INSERTS:
        executor = connection.executor_class(model=model, db=connection)
        _INSERTS[key] = (tuple(executor.regular_columns), executor.insert_query)
    return _INSERTS[key]


def _values(model: type[Model], columns: Sequence[str], row: Mapping[str, Any]) -> list[Any]:
    fields_map = model._meta.fields_map
    return [
        fields_map[name].to_db_value(
            row[name] if name in row else _default(fields_map[name]), model
        )
        for name in columns
    ]


def _default(field: Field[Any]) -> Any:
    default = field.default
    return default() if callable(default) else default
