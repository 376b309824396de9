"""The validated-input layer: what text, JSON and dates a request may bring in.

Every HTTP route reads its input through here, so input that the database, the JSON parser or the
calendar cannot handle is refused as bad input naming its field (HTTP 400), never a 500:

- JSON bodies: `parse_json` (through `api.params.json_body`, the only JSON reader of the API and the
  webhook) — bounded nesting and number sizes, no NaN/Infinity, and every string checked;
- query strings and path parameters: `check_request` (the API's input middleware and the dashboard's
  pipeline call it for every request);
- dashboard forms: `check_form` (the dashboard's pipeline, which reads every form for the CSRF check);
- dates and months: `check_day`, `check_month` (API parameters, dashboard filters, monthly reports);
- credentials in headers and cookies: `credential` (API tokens, the webhook secret, the session cookie);
- ids and page numbers typed into query strings and forms: `whole_number`.

Text the databases cannot store: NUL (PostgreSQL refuses it in text and JSON) and lone UTF-16
surrogates, which only JSON escapes like "\\ud800" can produce (they cannot be encoded as UTF-8).
"""

import json
import math
import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from .domain import ValidationFailed

MAX_JSON_DEPTH = 32  # a Telegram update nests about 8 levels; our own bodies 1
MAX_INT_DIGITS = 40  # far above any id (int64 has 19 digits), far below Python's 4300-digit limit
FIRST_DAY = date(2000, 1, 1)  # the supported calendar: every period, filter and report lies within
LAST_DAY = date(2999, 12, 31)
REPLACEMENT = "\ufffd"

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class OutOfRange(ValueError):
    """A date or month outside FIRST_DAY … LAST_DAY."""


def unstorable(text: str) -> str | None:
    """Why the databases cannot store `text` (None when they can)."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    return (
        "a NUL character"
        if found.group() == "\x00"
        else f"a lone surrogate (\\u{ord(found.group()):04x})"
    )


def check_text(text: str, field: str) -> str:
    """`text` unchanged, or ValidationFailed naming `field`."""
    problem = unstorable(text)
    if problem is not None:
        field = repair_text(field)
        raise ValidationFailed(f"{field} contains {problem}, which cannot be stored", field=field)
    return text


def repair_text(text: str) -> str:
    """`text` with every character the databases cannot store replaced by U+FFFD."""
    return _UNSTORABLE.sub(REPLACEMENT, text)


# ---- JSON ----------------------------------------------------------------------------------------------


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise ValidationFailed(
            f"a number in the body has more than {MAX_INT_DIGITS} digits", field="body"
        )
    return int(digits)


def _finite_float(digits: str) -> float:
    value = float(digits)
    if not math.isfinite(value):
        raise ValidationFailed("a number in the body is too large", field="body")
    return value


def _no_constant(name: str) -> Any:
    raise ValidationFailed(f"{name} is not valid JSON", field="body")


def parse_json(raw: bytes, *, repair: bool = False) -> Any:
    """The JSON value of `raw`, within the limits above.

    With `repair`, strings the databases cannot store are repaired (U+FFFD) instead of refused: for
    Telegram's updates, where refusing would lose what a tenant sent.
    """
    try:
        value = json.loads(
            raw, parse_int=_bounded_int, parse_float=_finite_float, parse_constant=_no_constant
        )
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ValidationFailed("the body is not valid JSON", field="body") from None
    except RecursionError:
        raise ValidationFailed(
            f"the body is nested deeper than {MAX_JSON_DEPTH} levels", field="body"
        ) from None
    return _checked(value, repair)


def _checked(value: Any, repair: bool) -> Any:
    """Walk the parsed value without recursion: depth, and every key and string."""
    root: list[Any] = [value]
    stack: list[tuple[Any, Any, str, int]] = [(root, 0, "", 0)]  # (container, key, field, depth)
    while stack:
        container, key, field, depth = stack.pop()
        item = container[key]
        if depth > MAX_JSON_DEPTH:
            raise ValidationFailed(
                f"the body is nested deeper than {MAX_JSON_DEPTH} levels", field="body"
            )
        if isinstance(item, str):
            if repair:
                container[key] = repair_text(item)
            else:
                check_text(item, field or "body")
        elif isinstance(item, dict):
            if repair and any(unstorable(name) for name in item):
                item = container[key] = {repair_text(name): part for name, part in item.items()}
            for name in item:
                if not repair:
                    check_text(name, f"{field}.{name}" if field else name)
                stack.append((item, name, f"{field}.{name}" if field else name, depth + 1))
        elif isinstance(item, list):
            for index in range(len(item)):
                stack.append((item, index, f"{field or 'body'}[{index}]", depth + 1))
    return root[0]


# ---- query strings, paths, forms ----------------------------------------------------------------------


def check_pairs(pairs: Iterable[tuple[str, Any]]) -> None:
    """Names and text values of a query string, path or form (file uploads are not text)."""
    for name, value in pairs:
        check_text(name, "parameter name")
        if isinstance(value, str):
            check_text(value, name)


def check_request(query: Mapping[str, str], path_values: Mapping[str, str]) -> None:
    """A request's query string and path parameters (`request.query`, `request.match_info`)."""
    check_pairs(query.items())
    check_pairs(path_values.items())


def check_form(form: Mapping[str, Any]) -> None:
    check_pairs(form.items())


def whole_number(text: str, max_digits: int = 9) -> int | None:
    """`text` (stripped) as a number of 1…max_digits ASCII digits; None when it is none.

    Not `str.isdigit()`: it also accepts "²" or "①", which int() refuses. Nine digits fit every id column.
    """
    text = text.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= max_digits):
        return None
    return int(text)


def credential(value: str | None) -> str:
    """A token from a header or cookie as text: "" when absent or when it cannot be a token.

    aiohttp hands over header bytes that are not UTF-8 as lone surrogates, which no hash, encoder or
    database accepts; such a value matches no credential, so it is treated like a missing one.
    """
    if value is None or unstorable(value) is not None:
        return ""
    return value.strip()


# ---- calendar -----------------------------------------------------------------------------------------


def day_range_text() -> str:
    return f"{FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"


def month_range_text() -> str:
    return f"{FIRST_DAY:%Y-%m} to {LAST_DAY:%Y-%m}"


def check_day(day: date) -> date:
    """`day`, or OutOfRange: beyond the supported calendar local-day arithmetic would overflow."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise OutOfRange(f"expected a date from {day_range_text()}, got {day.isoformat()}")
    return day


def check_month(year: int, month: int) -> tuple[int, int]:
    if not (FIRST_DAY.year, FIRST_DAY.month) <= (year, month) <= (LAST_DAY.year, LAST_DAY.month):
        raise OutOfRange(f"expected a month from {month_range_text()}, got {year:04d}-{month:02d}")
    return year, month
