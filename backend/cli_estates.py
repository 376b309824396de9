"""`qingchu estate add|edit|list|poster` (docs/domain.md#estates)."""

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from .clock import SystemClock
from .config import Settings
from .domain.estates import EstateError, deep_link
from .models import Estate, Resident, StaffEstate
from .services.estates import add_estate, edit_estate, estate_by_code, estates

EXIT_USAGE = 2


def _hours(text: str | None, holidays: str | None) -> dict[str, Any] | None:
    """--hours 08:00-20:00 and --holidays 2027-01-01,… as the estate's business_hours (None: unchanged)."""
    if text is None and holidays is None:
        return None
    hours: dict[str, Any] = {}
    if text:
        start, sep, end = text.partition("-")
        if not sep:
            raise EstateError(f"--hours {text!r}: write the opening hours like 08:00-20:00")
        hours.update(start=start.strip(), end=end.strip())
    if holidays:
        hours["holidays"] = [day.strip() for day in holidays.split(",") if day.strip()]
    return hours


def _settings_of(args: argparse.Namespace) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ("name", "address", "timezone", "duty_phone", "staff_chat_id"):
        value = getattr(args, name, None)
        if value is not None:
            values[name] = value
    if getattr(args, "active", None) is not None:
        values["active"] = args.active == "yes"
    return values


async def _bot_username(settings: Settings, given: str | None) -> str | None:
    if given:
        return given.lstrip("@")
    if settings.bot_username:
        return settings.bot_username
    if not settings.telegram_enabled:
        return None
    from .bot_api import bot_client

    async with bot_client(settings) as bot:
        return (await bot.get_me()).username


async def run_estate_command(settings: Settings, args: argparse.Namespace) -> int:
    now = SystemClock().now()
    command = args.estate_command
    if command == "list":
        return await _list(settings)
    if command == "poster":
        return await _poster(settings, args)
    values = _settings_of(args)
    hours = _hours(args.hours, args.holidays)
    if command == "add":
        values.pop("name", None)
        if hours is not None:
            values["business_hours"] = hours
        estate = await add_estate(args.code, args.name, now, settings, **values)
        print(f"estate {estate.code} ({estate.name}) added")
    else:
        current = await estate_by_code(args.code)
        if hours is not None and current is not None:
            values["business_hours"] = {**(current.business_hours or {}), **hours}
        estate = await edit_estate(args.code, now, settings, new_code=args.new_code, **values)
        print(f"estate {estate.code} ({estate.name}) saved")
    return 0


async def _list(settings: Settings) -> int:
    rows = await estates()
    username = settings.bot_username
    for estate in rows:
        residents = await Resident.filter(estate_id=estate.id).count()
        staff = await StaffEstate.filter(estate_id=estate.id).count()
        chat = estate.staff_chat_id if estate.staff_chat_id is not None else "(STAFF_CHAT_ID)"
        link = deep_link(username, estate.code) if username else f"?start={estate.code}"
        state = "active" if estate.active else "inactive"
        print(
            f"{estate.code}\t{estate.name}\t{state}\tstaff group {chat}\t"
            f"{residents} residents\t{staff} staff\t{link}"
        )
    if not rows:
        print(
            "no estates; add one with `qingchu estate add --code CODE --name NAME --staff-chat-id ID`",
            file=sys.stderr,
        )
    return 0


async def _poster(settings: Settings, args: argparse.Namespace) -> int:
    from . import posters
    from .i18n import translations

    estate: Estate | None = await estate_by_code(args.code)
    if estate is None:
        print(
            f"qingchu: no estate {args.code!r}; `qingchu estate list` shows the codes",
            file=sys.stderr,
        )
        return EXIT_USAGE
    username = await _bot_username(settings, args.bot_username)
    if not username:
        print(
            "qingchu: the poster needs the bot's username: set BOT_USERNAME (or BOT_TOKEN, then it "
            "is asked from Telegram), or pass --bot-username",
            file=sys.stderr,
        )
        return EXIT_USAGE
    out = Path(args.out or f"poster-{estate.code}.png")
    if out.suffix.lower() not in (".png", ".pdf"):
        print("qingchu: --out: the poster is written as .png or .pdf", file=sys.stderr)
        return EXIT_USAGE
    locale = args.locale or settings.default_locale
    text = posters.poster_text(
        estate.name,
        deep_link(username, estate.code),
        estate.duty_phone or settings.duty_phone,
        translations(locale).gettext,
    )
    render = posters.poster_pdf if out.suffix.lower() == ".pdf" else posters.poster_png
    await asyncio.to_thread(out.write_bytes, render(text))
    print(f"poster of {estate.code} written to {out} ({deep_link(username, estate.code)})")
    return 0
