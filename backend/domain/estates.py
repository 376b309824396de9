"""Estates: codes, deep links and each estate's office settings over the deployment's (docs/domain.md#estates).

An estate's empty setting means "the deployment's": a single-estate deployment keeps STAFF_CHAT_ID,
DUTY_PHONE, TIMEZONE and the policy's business hours, and a company of many estates sets them per estate.
"""

import re
from dataclasses import dataclass, replace
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import DomainError
from .policy import WEEKDAYS, BusinessHours, PolicyError, _clock_time, _dates

# Telegram's start parameter allows A-Z, a-z, 0-9, _ and - (up to 64 characters): a code is the parameter.
CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
_START = re.compile(r"/start(?:@\w+)?\s+(\S+)\s*", re.IGNORECASE)


class EstateError(DomainError):
    code = "estate_error"


def check_code(code: str) -> str:
    """`code` trimmed, or EstateError: it must work as a Telegram deep link's start parameter."""
    code = (code or "").strip()
    if not CODE.fullmatch(code):
        raise EstateError(
            f"estate code {code!r}: use 1–32 letters, digits, _ or - (it becomes the bot link "
            "https://t.me/<bot>?start=CODE)",
            field="code",
        )
    return code


def deep_link(bot_username: str, code: str) -> str:
    """The link that opens the bot and sends `/start CODE` (a QR code on the lobby poster)."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"


def start_parameter(text: str) -> str | None:
    """The CODE of "/start CODE" (what a deep link sends), else None."""
    match = _START.fullmatch(text or "")
    return match.group(1) if match else None


def check_timezone(name: str) -> str:
    """An IANA time zone name ("Asia/Hong_Kong"), or "" for the deployment's."""
    name = (name or "").strip()
    if not name:
        return ""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise EstateError(
            f"time zone {name!r} is unknown; use a name like Asia/Shanghai or Asia/Hong_Kong",
            field="timezone",
        ) from None
    return name


def business_hours_over(base: BusinessHours, raw: dict[str, Any]) -> BusinessHours:
    """The estate's hours: the keys it sets ("start", "end", "days", "holidays", "extra_working_days")
    over the policy's. Raises EstateError naming a bad key."""
    try:
        changes: dict[str, Any] = {}
        if "start" in raw:
            changes["start"] = _clock_time(raw["start"], "start")
        if "end" in raw:
            changes["end"] = _clock_time(raw["end"], "end")
        if "days" in raw:
            days = raw["days"]
            if not isinstance(days, list) or any(d not in WEEKDAYS for d in days):
                raise PolicyError(f"days: expected a list of {', '.join(WEEKDAYS)}")
            changes["days"] = frozenset(WEEKDAYS.index(d) for d in days)
        for key in ("holidays", "extra_working_days"):
            if key in raw:
                changes[key] = _dates(raw[key], key)
        hours = replace(base, **changes)
    except PolicyError as exc:
        raise EstateError(f"business hours: {exc}", field="business_hours") from None
    if hours.end <= hours.start:
        raise EstateError("business hours: the end must be later than the start")
    return hours


@dataclass(frozen=True)
class Office:
    """Where an estate's cases go and which clock they run on, its settings over the deployment's."""

    estate_id: int | None
    staff_chat_id: int | None
    duty_phone: str
    timezone: ZoneInfo
    business_hours: BusinessHours


def office_of(
    estate: Any | None,
    *,
    staff_chat_id: int | None,
    duty_phone: str,
    timezone: ZoneInfo,
    business_hours: BusinessHours,
) -> Office:
    """The office of `estate` (an Estate row, or None: the deployment's own settings)."""
    if estate is None:
        return Office(None, staff_chat_id, duty_phone, timezone, business_hours)
    hours = business_hours
    if estate.business_hours:
        try:
            hours = business_hours_over(business_hours, estate.business_hours)
        except EstateError:
            hours = business_hours  # checked when saved; a bad stored value never stops a case
    return Office(
        estate.id,
        estate.staff_chat_id if estate.staff_chat_id is not None else staff_chat_id,
        estate.duty_phone or duty_phone,
        ZoneInfo(estate.timezone) if estate.timezone else timezone,
        hours,
    )


_CLOCK = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_DATE_SEPARATORS = re.compile(r"[\s,，、;；]+")


def clock_text(text: str) -> str | None:
    """ "8:00" or "08:00" as "08:00"; None for anything that is no time of day."""
    match = _CLOCK.fullmatch((text or "").strip())
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    return f"{hour:02d}:{minute:02d}" if hour < 24 and minute < 60 else None


def hours_from_form(
    opens: str, closes: str, closed_on: str, base: BusinessHours, current: dict[str, Any] | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The estate's business_hours from the form's "opens", "closes" and "closed_on" (dates separated by
    commas), over `current` (its other keys, such as "days", are kept); an empty field removes its key,
    so the policy's value applies. Returns the hours and the problems by field: "time", "order" (closes
    at or before it opens) or "date"."""
    hours = {k: v for k, v in (current or {}).items() if k not in ("start", "end", "holidays")}
    problems: dict[str, str] = {}
    for name, key, text in (("opens", "start", opens), ("closes", "end", closes)):
        if text.strip():
            value = clock_text(text)
            if value is None:
                problems[name] = "time"
            else:
                hours[key] = value
    days = [day for day in _DATE_SEPARATORS.split(closed_on.strip()) if day]
    try:
        if days:
            hours["holidays"] = sorted({date.fromisoformat(day).isoformat() for day in days})
    except ValueError:
        problems["closed_on"] = "date"
    if not problems:
        start = time.fromisoformat(hours["start"]) if "start" in hours else base.start
        end = time.fromisoformat(hours["end"]) if "end" in hours else base.end
        if end <= start:
            problems["closes"] = "order"
    return hours, problems


def hours_text(hours: BusinessHours) -> str:
    """ "08:00–20:00"."""
    return f"{hours.start:%H:%M}–{hours.end:%H:%M}"
