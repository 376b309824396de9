"""Administration: estates (add, edit) and each estate's resident register (upload, check, import, export).

The rules are the services' (services/estates.py, services/residents.py), the same as the CLI's
(cli_estates.py, cli_residents.py): these pages only read forms and say what went wrong beside the field.
"""

import asyncio
import io
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField
from openpyxl import Workbook

from .. import posters
from ..cli_residents import NOTHING_IMPORTED, problem_line
from ..domain.contact import mask_phone, regions_for
from ..domain.estates import CODE, EstateError, deep_link, hours_from_form, hours_text
from ..domain.residents import check_rows, read_header
from ..i18n import N_, SUPPORTED, translations
from ..inputs import whole_number
from ..models import Estate
from ..resident_files import MAX_FILE_BYTES, ResidentFileError, read_table
from ..services.estates import add_estate, edit_estate, estate_by_code, estates, office_for
from ..services.residents import (
    ImportResult,
    household_count,
    import_residents,
    register_rows_for_export,
    resident_count,
    residents_of,
)
from ..spreadsheet import safe_row
from .admin import ESTATES_PATH, Form, admin_only, admin_page, entered
from .admin import field as form_field
from .auth import accepts_files
from .files import FILE_BOT
from .render import formatter, see_other
from .state import ctx_of

RESIDENTS_SHOWN = 200
STAFF_CHAT_ID = re.compile(r"-?[1-9]\d{0,15}")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ESTATE_PROBLEMS = {
    "code": N_("Use 1–32 letters, digits, _ or -. The code becomes the residents' bot link."),
    "code_taken": N_("Another estate already uses this code."),
    "name": N_("Please enter a name (at most 100 characters)."),
    "timezone": N_("Unknown time zone. Use a name such as Asia/Shanghai or Asia/Hong_Kong."),
    "duty_phone": N_("At most 32 characters."),
    "staff_chat_id": N_(
        "Enter the staff group's chat id (digits, often starting with -100), or leave it empty."
    ),
    "opens": N_("Enter a time such as 08:00, or leave it empty."),
    "closes": N_("Enter a time such as 20:00, or leave it empty."),
    "closes_order": N_("The closing time must be later than the opening time."),
    "closed_on": N_("Enter dates such as 2027-01-01, separated by commas."),
    "business_hours": N_("Please check the opening hours."),
}
NO_BOT_USERNAME = N_(
    "The poster needs the bot's username. Please set BOT_USERNAME in the settings and try again."
)
POSTER_TYPES = {"png": "image/png", "pdf": "application/pdf"}
CHECK_ESTATE = N_("Please correct the marked fields; everything you typed is kept.")
ESTATE_SAVED = N_("Estate {code} saved.")
CHECKED = N_(
    "Check only: {added} would be added, {updated} updated, {unchanged} unchanged. Nothing was saved."
)
IMPORTED = N_("Imported: {added} added, {updated} updated, {unchanged} unchanged.")
RESIDENT_ROLES = {"owner": N_("Owner"), "tenant": N_("Tenant"), "shop": N_("Shop")}
NO_FILE_CHOSEN = N_("Please choose a CSV or Excel (.xlsx) file.")


def _estate_values(form: Form, *, with_active: bool) -> tuple[dict[str, Any], dict[str, str]]:
    """The editable settings as typed, and the problems found before the service sees them."""
    values: dict[str, Any] = {
        "name": form_field(form, "name"),
        "address": form_field(form, "address"),
        "duty_phone": form_field(form, "duty_phone"),
        "timezone": form_field(form, "timezone"),
    }
    problems: dict[str, str] = {}
    chat = form_field(form, "staff_chat_id")
    if chat and not STAFF_CHAT_ID.fullmatch(chat):
        problems["staff_chat_id"] = ESTATE_PROBLEMS["staff_chat_id"]
    number = whole_number(chat.removeprefix("-"), 16) if chat and not problems else None
    values["staff_chat_id"] = -number if number and chat.startswith("-") else number
    if with_active:
        values["active"] = form.get("active") == "on"
    return values, problems


async def render_estates(
    request: web.Request,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    editing: str = "",
    status: int = 200,
) -> web.Response:
    fmt = formatter(request)
    ctx = ctx_of(request)
    username = await _bot_username(request)
    rows = []
    for estate in await estates():
        rows.append(
            {
                "estate": estate,
                "residents": await resident_count(estate.id),
                "households": await household_count(estate.id),
                "hours": _hours_shown(estate, ctx.settings),
                "hours_typed": _hours_typed(estate.business_hours),
                "link": deep_link(username, estate.code) if username else "",
            }
        )
    errors = errors or {}
    done_code = request.query.get("saved", "") if status == 200 else ""
    done_code = done_code if CODE.fullmatch(done_code) else ""
    return admin_page(
        request,
        "admin_estates.html",
        title=fmt.t("Estates"),
        error=fmt.t(CHECK_ESTATE) if errors else None,
        status=status,
        rows=rows,
        errors={name: fmt.t(text) for name, text in errors.items()},
        typed=typed or {},
        editing=editing,
        saved=fmt.t(ESTATE_SAVED, code=done_code) if done_code else "",
        path=ESTATES_PATH,
        locales=SUPPORTED,
    )


def _hours_shown(estate: Estate, settings: Any) -> str:
    """The estate's effective opening hours ("08:00–20:00"), or "policy" when it sets none of its own."""
    if not estate.business_hours:
        return "policy"
    return hours_text(office_for(estate, settings).business_hours)


def _hours_typed(raw: dict[str, Any] | None) -> dict[str, str]:
    """The stored hours as the edit form shows them."""
    raw = raw or {}
    return {
        "opens": str(raw.get("start", "")),
        "closes": str(raw.get("end", "")),
        "closed_on": ", ".join(str(day) for day in raw.get("holidays") or ()),
    }


async def _bot_username(request: web.Request, *, ask_telegram: bool = False) -> str:
    """BOT_USERNAME, else the dashboard bot's own once known (getMe, asked only for a poster, at most
    5 s: PTB keeps it after initialize), else ""."""
    username = ctx_of(request).settings.bot_username
    if username:
        return username.lstrip("@")
    bot = request.app.get(FILE_BOT)
    if bot is None:
        return ""
    from telegram.error import TelegramError

    try:
        if ask_telegram:
            await asyncio.wait_for(bot.initialize(), timeout=5)
        return bot.username or ""
    except RuntimeError:  # not initialised yet: the list shows no link until a poster was made
        return ""
    except (TelegramError, OSError, TimeoutError):
        return ""


@admin_only
async def estate_poster_png(request: web.Request) -> web.Response:
    return await _poster(request, "png")


@admin_only
async def estate_poster_pdf(request: web.Request) -> web.Response:
    return await _poster(request, "pdf")


async def _poster(request: web.Request, kind: str) -> web.Response:
    """The lobby poster of the estate, in ?locale= (one of SUPPORTED; else the viewer's language)."""
    ctx = ctx_of(request)
    fmt = formatter(request)
    estate = await _estate_or_404(request)
    username = await _bot_username(request, ask_telegram=True)
    if not username:
        return admin_page(
            request,
            "admin_residents.html",
            title=fmt.t("Residents of {estate}", estate=estate.name),
            error=fmt.t(NO_BOT_USERNAME),
            status=400,
            outcome=None,
            **await _residents_context(request, estate),
        )
    asked = request.query.get("locale", "")
    locale = asked if asked in SUPPORTED else fmt.locale
    text = posters.poster_text(
        estate.name,
        deep_link(username, estate.code),
        office_for(estate, ctx.settings).duty_phone,
        translations(locale).gettext,
    )
    render = posters.poster_pdf if kind == "pdf" else posters.poster_png
    body = await asyncio.to_thread(render, text)
    return web.Response(
        body=body,
        content_type=POSTER_TYPES[kind],
        headers={
            "Content-Disposition": f'attachment; filename="poster-{estate.code}-{locale}.{kind}"',
            "Cache-Control": "no-store",
        },
    )


@admin_only
async def estates_page(request: web.Request) -> web.Response:
    return await render_estates(request)


@admin_only
async def estate_add(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    form = await request.post()
    code = form_field(form, "code")
    values, problems = _estate_values(form, with_active=False)
    if code and await estate_by_code(code) is not None:
        problems["code"] = ESTATE_PROBLEMS["code_taken"]
    if not problems:
        try:
            name = values.pop("name")
            estate = await add_estate(code, name, ctx.clock.now(), ctx.settings, **values)
            return see_other(f"{ESTATES_PATH}?saved={estate.code}")
        except EstateError as error:
            name_of_field = str(error.details.get("field", "")) or "code"
            problems[name_of_field] = ESTATE_PROBLEMS.get(name_of_field, ESTATE_PROBLEMS["code"])
    return await render_estates(request, errors=problems, typed=entered(form), status=400)


async def _estate_or_404(request: web.Request) -> Estate:
    estate = await estate_by_code(request.match_info["code"])
    if estate is None:
        raise web.HTTPNotFound()
    return estate


@admin_only
async def estate_edit(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    estate = await _estate_or_404(request)
    form = await request.post()
    values, problems = _estate_values(form, with_active=True)
    hours, hour_problems = hours_from_form(
        form_field(form, "opens"),
        form_field(form, "closes"),
        form_field(form, "closed_on"),
        ctx.settings.policy.business_hours,
        estate.business_hours,
    )
    for name, kind in hour_problems.items():
        problems[name] = ESTATE_PROBLEMS["closes_order" if kind == "order" else name]
    values["business_hours"] = hours
    if not problems:
        try:
            await edit_estate(estate.code, ctx.clock.now(), ctx.settings, **values)
            return see_other(f"{ESTATES_PATH}?saved={estate.code}")
        except EstateError as error:
            name_of_field = str(error.details.get("field", "")) or "name"
            problems[name_of_field] = ESTATE_PROBLEMS.get(name_of_field, ESTATE_PROBLEMS["name"])
    typed = entered(form)
    typed.setdefault("active", "")
    return await render_estates(
        request, errors=problems, typed=typed, editing=estate.code, status=400
    )


# ---- residents ---------------------------------------------------------------------------------


@dataclass
class UploadOutcome:
    """What an upload came to: a file refused, problems by line, or the counts (checked or written)."""

    refusal: str = ""
    problems: list[str] = field(default_factory=list)
    omitted: int = 0
    total: int = 0
    summary: str = ""
    dry_run: bool = True


def _counts(result: ImportResult) -> dict[str, str]:
    return {
        "added": str(result.added),
        "updated": str(result.updated),
        "unchanged": str(result.unchanged),
    }


async def _upload(request: web.Request, estate: Estate, form: Form) -> UploadOutcome:
    ctx = ctx_of(request)
    fmt = formatter(request)
    dry_run = form.get("mode") != "import"
    item = form.get("file")
    if not isinstance(item, FileField) or not item.filename:
        return UploadOutcome(refusal=fmt.t(NO_FILE_CHOSEN), dry_run=dry_run)
    data = item.file.read()
    try:
        header, table = read_table(data, item.filename)
        columns, header_problems = read_header(header)
        if header_problems:
            lines = [problem_line(p, header, columns, fmt.locale) for p in header_problems]
            return _refused(fmt, lines, 0, dry_run)
        regions = regions_for(fmt.locale, ctx.settings.phone_region)
        good, problems = check_rows(table, columns, regions)
    except ResidentFileError as error:
        return UploadOutcome(refusal=fmt.t(error.msgid, **error.params), dry_run=dry_run)
    if problems:
        lines = [problem_line(p, header, columns, fmt.locale) for p in problems]
        return _refused(fmt, lines, problems.omitted, dry_run)
    result = await import_residents(estate.id, good, ctx.clock.now(), dry_run=dry_run)
    summary = fmt.t(CHECKED if dry_run else IMPORTED, **_counts(result))
    return UploadOutcome(summary=summary, dry_run=dry_run)


def _refused(fmt: Any, lines: list[str], omitted: int, dry_run: bool) -> UploadOutcome:
    total = len(lines) + omitted
    return UploadOutcome(
        problems=lines,
        omitted=omitted,
        total=total,
        summary=fmt.t(NOTHING_IMPORTED, count=str(total)),
        dry_run=dry_run,
    )


def _role_name(fmt: Any, role: str) -> str:
    label = RESIDENT_ROLES.get(role)
    return fmt.t(label) if label else role


async def render_residents(
    request: web.Request, estate: Estate, outcome: UploadOutcome | None = None, status: int = 200
) -> web.Response:
    fmt = formatter(request)
    return admin_page(
        request,
        "admin_residents.html",
        title=fmt.t("Residents of {estate}", estate=estate.name),
        status=status,
        outcome=outcome,
        **await _residents_context(request, estate),
    )


async def _residents_context(request: web.Request, estate: Estate) -> dict[str, Any]:
    fmt = formatter(request)
    shown = await residents_of(estate.id, limit=RESIDENTS_SHOWN)
    username = await _bot_username(request)
    return dict(
        estate=estate,
        count=await resident_count(estate.id),
        households=await household_count(estate.id),
        residents=[
            {
                "building": r.building,
                "unit": r.unit,
                "name": r.name,
                "phone": mask_phone(r.phone),
                "role": _role_name(fmt, str(getattr(r.role, "value", r.role))),
            }
            for r in shown
        ],
        shown_limit=RESIDENTS_SHOWN,
        path=ESTATES_PATH,
        residents_path=f"{ESTATES_PATH}/{estate.code}/residents",
        link=deep_link(username, estate.code) if username else "",
        locales=SUPPORTED,
    )


@admin_only
async def residents_page(request: web.Request) -> web.Response:
    return await render_residents(request, await _estate_or_404(request))


@admin_only
@accepts_files(MAX_FILE_BYTES + 1024 * 1024)
async def residents_upload(request: web.Request) -> web.Response:
    estate = await _estate_or_404(request)
    outcome = await _upload(request, estate, await request.post())
    status = 400 if outcome.refusal or outcome.problems else 200
    return await render_residents(request, estate, outcome, status)


@admin_only
async def residents_xlsx(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    estate = await _estate_or_404(request)
    table = await register_rows_for_export(estate.id, region=ctx.settings.phone_region)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("residents")
    for row in table:
        sheet.append(safe_row(list(row)))
    buffer = io.BytesIO()
    book.save(buffer)
    return web.Response(
        body=buffer.getvalue(),
        content_type=XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="residents-{estate.code}.xlsx"',
            "Cache-Control": "no-store",
        },
    )
