"""Callback data: short, versioned, and ≤ 64 bytes as Telegram requires.

Format: "<scope>:<action>[:<argument>]", the scope one of `Scope`. An old button from a finished dialog is
recognised by its scope and answered politely.
"""

from dataclasses import dataclass
from enum import StrEnum

MAX_BYTES = 64


class Scope(StrEnum):
    """Who handles a button. The letters are in buttons already sent: never change them."""

    INTAKE = "i"  # the intake dialog
    MENU = "m"  # the main menu
    CASE = "c"  # a case of the tenant
    LANGUAGE = "l"
    STAFF_CARD = "s"  # a case card in the staff group
    SATISFACTION = "q"  # the twice-yearly satisfaction question
    SURVEY = "v"  # the follow-up survey of a resolved case
    DESK = "n"  # a staff member's /new form, filing for a caller (bot/staff/new_case.py)
    ESTATE = "e"  # the tenant's choice of estate (bot/tenant/estate_choice.py)


SCOPES = frozenset(Scope)


@dataclass(frozen=True)
class Callback:
    scope: Scope
    action: str
    argument: str = ""

    def encode(self) -> str:
        data = f"{self.scope}:{self.action}" + (f":{self.argument}" if self.argument else "")
        if len(data.encode("utf-8")) > MAX_BYTES:
            raise ValueError(f"callback data longer than {MAX_BYTES} bytes: {data!r}")
        return data


def decode(data: str | None) -> Callback | None:
    """Parse callback data; None for anything we did not produce (an unknown scope included)."""
    if not data or len(data.encode("utf-8")) > MAX_BYTES:
        return None
    parts = data.split(":", 2)
    if len(parts) < 2 or not parts[1] or parts[0] not in SCOPES:
        return None
    return Callback(Scope(parts[0]), parts[1], parts[2] if len(parts) == 3 else "")


MAX_NUMBER = 2**31 - 1  # ids are 32-bit integer columns on PostgreSQL


def number(text: str) -> int | None:
    """A whole number carried in callback data (a case, staff or survey id, a rating); None for anything
    else a forged button may carry — not digits, another script's digits ("²", "٣"), or beyond the id
    columns — which callers treat like an id that does not exist."""
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= MAX_NUMBER else None


def cb(scope: Scope, action: str, argument: str = "") -> str:
    """Encoded callback data. A scope's bare letter is still accepted (callers not yet moved to `Scope`);
    an unknown one raises ValueError."""
    return Callback(Scope(scope), action, argument).encode()
