"""One column of a query's rows as a flat list.

Tortoise returns bare values for `values_list(field, flat=True)` but types them as tuples
(tortoise-orm#1112). This is the one place that knows; callers get the values as they are.
"""

from typing import Any

from tortoise.queryset import QuerySet


async def column(query: QuerySet[Any], field: str) -> list[Any]:
    values: list[Any] = await query.values_list(field, flat=True)
    return values
