"""Case numbers tenants can quote: PREFIX-YYYYMMDD-NNNN (local date, daily sequence)."""

import re
from datetime import date

MAX_LENGTH = 32  # the case.number column
_NUMBER = re.compile(r"^[A-Z][A-Z0-9]{0,9}-\d{8}-\d{4,}$")


def format_case_number(prefix: str, day: date, sequence: int) -> str:
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    return f"{prefix}-{day:%Y%m%d}-{sequence:04d}"


def normalize_case_number(text: str) -> str | None:
    """Accept what a tenant types (lower case, spaces, full-width dash); None if it cannot be one.

    Every reader of a typed number (API, dashboard, bot) goes through here, so a number longer than
    any stored one is "not found" rather than an error of the database layer.
    """
    cleaned = text.strip().upper().replace("－", "-").replace("—", "-").replace(" ", "")
    return cleaned if len(cleaned) <= MAX_LENGTH and _NUMBER.match(cleaned) else None
