"""Strict parsing of query strings, paths, headers and JSON bodies: a wrong value names its field, never a 500.

Text, JSON limits, credentials and the calendar are checked by the validated-input layer (`backend.inputs`).
API handlers read their request only through these functions (tests/backend/test_input_layer.py holds
them to it); the OpenAPI document describes what they accept.
"""

from collections.abc import Iterable
from datetime import date
from enum import Enum
from typing import Any, TypeVar

from aiohttp import web

from .. import inputs
from ..domain import NotFound, normalize_case_number
from .errors import BadRequest

E = TypeVar("E", bound=Enum)
MAX_TEXT = 4000  # a text field without a limit of its own


async def json_body(request: web.Request, *, repair_text: bool = False) -> dict[str, Any]:
    """The request's JSON object ({} when there is no body); see `inputs.parse_json` for `repair_text`."""
    raw = await request.read()
    if not raw.strip():
        return {}
    body = inputs.parse_json(raw, repair=repair_text)
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object", field="body")
    return body


def text(
    body: dict[str, Any], name: str, *, required: bool = False, max_length: int = MAX_TEXT
) -> str:
    value = body.get(name)
    if value is None:
        if required:
            raise BadRequest(f"{name} is required", field=name)
        return ""
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string", field=name)
    if required and not value.strip():
        raise BadRequest(f"{name} must not be empty", field=name)
    if len(value) > max_length:
        raise BadRequest(f"{name} is longer than {max_length} characters", field=name)
    return value


def optional_int(body: dict[str, Any], name: str, low: int, high: int) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise BadRequest(f"{name} must be a whole number from {low} to {high}", field=name)
    return value


def value_or(body: dict[str, Any], name: str, default: Any) -> Any:
    """body[name], or `default` when it is absent or null: every optional field takes null for absent."""
    value = body.get(name)
    return default if value is None else value


def boolean(body: dict[str, Any], name: str, default: bool) -> bool:
    value = value_or(body, name, default)
    if not isinstance(value, bool):
        raise BadRequest(f"{name} must be true or false", field=name)
    return value


def enum_value(enum: type[E], value: Any, name: str) -> E:
    try:
        return enum(value)
    except ValueError:
        options = ", ".join(m.value for m in enum)
        raise BadRequest(f"{name} must be one of {options}", field=name) from None


def choice(value: Any, options: Iterable[str], name: str) -> str:
    options = list(options)
    if not isinstance(value, str) or value not in options:
        raise BadRequest(f"{name} must be one of {', '.join(options)}", field=name)
    return value


def query_list(request: web.Request, name: str) -> list[str]:
    """?status=new,assigned&status=resolved → ['new', 'assigned', 'resolved']"""
    values: list[str] = []
    for raw in request.query.getall(name, []):
        values.extend(v.strip() for v in raw.split(",") if v.strip())
    return values


def query_int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number", field=name) from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be from {low} to {high}", field=name)
    return value


def query_text(request: web.Request, name: str, max_length: int) -> str:
    """A free-text query parameter, stripped ("" when absent)."""
    value = request.query.get(name, "").strip()
    if len(value) > max_length:
        raise BadRequest(f"{name} is longer than {max_length} characters", field=name)
    return value


def path_value(request: web.Request, name: str) -> str:
    """A path parameter as the router matched it (already checked by the input middleware)."""
    return request.match_info[name]


def case_number(request: web.Request, name: str = "number") -> str:
    """The case number in the path, normalised; NotFound (404) when it cannot be one."""
    raw = request.match_info[name]
    number = normalize_case_number(raw)
    if number is None:
        raise NotFound(f"no case {raw}")
    return number


def credential_header(request: web.Request, name: str) -> str:
    """A token sent in header `name`: "" when missing or when it is not text (see `inputs.credential`)."""
    return inputs.credential(request.headers.get(name))


def query_bool(request: web.Request, name: str) -> bool:
    raw = request.query.get(name, "").strip().lower()
    if raw in ("", "false", "0", "no"):
        return False
    if raw in ("true", "1", "yes"):
        return True
    raise BadRequest(f"{name} must be true or false", field=name)


def query_date(request: web.Request, name: str) -> date | None:
    raw = request.query.get(name, "").strip()
    if not raw:
        return None
    try:
        return inputs.check_day(date.fromisoformat(raw))
    except inputs.OutOfRange:
        raise BadRequest(
            f"{name} must be a date from {inputs.day_range_text()}", field=name
        ) from None
    except ValueError:
        raise BadRequest(f"{name} must be a date like 2026-11-01", field=name) from None
