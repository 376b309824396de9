"""The front desk: register a complaint that comes by phone, in person or by letter, while the caller waits.

GET /dashboard/cases/new is the form; it works without JavaScript, and static/desk.js adds the caller
lookup and live triage as the operator types (views_desk_lookup.py). POST files the case through the case service (or, when the operator chose one of the
caller's open cases, adds the description to it as an internal note and a supplement) and redirects to
/dashboard/cases/{number}/filed: the number, the promised times and a sentence to read back.

A viewer who sees more than one (active) estate chooses the estate of a new case ("estate", required,
one they see); with one estate the field is hidden and that estate is used.

A double submit files one case: the form carries a client_key, and the service returns the case already
filed for it. An override of triage's category is recorded by the service as a triage correction.
"""

import asyncio
import logging
import secrets
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from ..domain import Channel, Severity, ValidationFailed
from ..domain.commands import AddNote, Attachment, Supplement
from ..domain.contact import normalize_phone, regions_for
from ..i18n import N_, SUPPORTED
from ..labels import language_name, trigger_name
from ..models import Case, Estate
from ..services import desk_queries, desk_uploads
from ..services.drafts import MAX_DESCRIPTION, CaseDraft
from ..services.estates import estate_by_id, estates, office_of_estate
from .auth import accepts_files
from .files import MAX_BYTES
from .format import Formatter
from .render import formatter, render, see_other
from .state import PREFIX, ctx_of, viewer_of
from .viewer import Viewer
from .views_desk_lookup import DESCRIPTION_PROBLEM, PHONE_INVALID, classify, text_field

log = logging.getLogger(__name__)

DESK_PATH = f"{PREFIX}/cases/new"
CHANNELS = (
    Channel.PHONE,
    Channel.WALK_IN,
    Channel.LETTER,
    Channel.EMAIL,
    Channel.SUGGESTION_BOX,
    Channel.OTHER,
)
LIMITS = {"name": 100, "unit": 64, "location": 200, "expectation": 4000}
TEXT_FIELDS = ("phone", "name", "unit", "location", "description", "expectation")
# The draft's field names, where a refusal of the service names one.
FORM_FIELD = {"contact_phone": "phone", "contact_name": "name"}
PROBLEMS = {
    "phone": N_("Please enter a valid phone number (a call always has one)."),
    "phone_invalid": PHONE_INVALID,
    "description": DESCRIPTION_PROBLEM,
    "name": N_("At most 100 characters."),
    "unit": N_("At most 64 characters."),
    "location": N_("At most 200 characters."),
    "expectation": N_("At most 4000 characters."),
    "channel": N_("Choose how the complaint came in."),
    "category": N_("Choose a category from the list."),
    "severity": N_("Choose a severity from the list."),
    "supplement_to": N_("That case is not an open case of this caller any more."),
    "estate": N_("Choose the estate the case belongs to."),
    "files:type": N_("Only photos (JPEG, PNG, WebP) and PDF scans can be attached."),
    "files:size": N_("The files are too large (at most {megabytes} MB together)."),
    "files:count": N_("At most {count} files per case."),
}


# The files of one form together: the desk's own limit, within what the dashboard may fetch back from
# Telegram (files.MAX_BYTES). The form's body may be twice that (auth.accepts_files; MAX_BODY_BYTES stays
# the limit elsewhere): files up to twice too large are refused with the form and its text kept; beyond
# that the server stops reading (413), which desk.js prevents by checking the files before sending.
UPLOAD_LIMIT = min(desk_uploads.MAX_FILE_BYTES, MAX_BYTES)


@dataclass
class DeskForm:
    """What the operator typed, and what is wrong with it (by field)."""

    values: dict[str, str]
    uploads: list[desk_uploads.Upload] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def blank(cls, default_locale: str) -> "DeskForm":
        values = {name: "" for name in TEXT_FIELDS}
        values.update(
            channel=Channel.PHONE.value,
            locale=default_locale,
            category="",
            category_auto="",
            severity="",
            severity_auto="",
            supplement_to="",
            estate="",
            client_key=secrets.token_urlsafe(18),
        )
        return cls(values)

    @classmethod
    def read(cls, form: Any, default_locale: str) -> "DeskForm":
        blank = cls.blank(default_locale)
        values = {name: text_field(form, name) for name in blank.values}
        values["client_key"] = values["client_key"][:80] or blank.values["client_key"]
        uploads = [
            desk_uploads.Upload(item.filename or "", item.file.read())
            for item in form.getall("files", [])
            if isinstance(item, FileField) and item.filename
        ]
        return cls(values, uploads)

    def chosen(self, name: str) -> str | None:
        """A category or severity the operator chose; None when it is triage's (or left automatic)."""
        value = self.values[name]
        return value if value and value != self.values[f"{name}_auto"] else None


async def estate_choices(viewer: Viewer) -> list[Estate]:
    """The active estates the viewer sees: where a case they file may go."""
    return [e for e in await estates(active_only=True) if viewer.actor.sees_estate(e.id)]


def filing_estate_of(desk: DeskForm, choices: list[Estate], home_estate: int | None) -> int | None:
    """The estate of the new case: the one chosen among several (an error when it is not one of them),
    the only one, or — when the viewer sees no active estate — their home estate (the service's rule)."""
    if len(choices) == 1:
        return choices[0].id
    if not choices:
        return home_estate
    chosen = desk.values["estate"]
    for estate in choices:
        if chosen == str(estate.id):
            return estate.id
    desk.errors["estate"] = PROBLEMS["estate"]
    return None


def _check(desk: DeskForm, request: web.Request) -> str:
    """Fill desk.errors; the phone in E.164 ('' when none was typed)."""
    ctx = ctx_of(request)
    values, errors = desk.values, desk.errors
    if values["locale"] not in SUPPORTED:
        values["locale"] = ctx.settings.default_locale
    if values["channel"] not in {c.value for c in CHANNELS}:
        errors["channel"] = PROBLEMS["channel"]
    phone = ""
    if values["phone"]:
        regions = regions_for(values["locale"], ctx.settings.phone_region)
        phone = normalize_phone(values["phone"], regions) or ""
        if not phone:
            errors["phone"] = PROBLEMS["phone_invalid"]
    elif values["channel"] == Channel.PHONE.value:
        errors["phone"] = PROBLEMS["phone"]
    if not values["description"] or len(values["description"]) > MAX_DESCRIPTION:
        errors["description"] = PROBLEMS["description"]
    for name, limit in LIMITS.items():
        if len(values[name]) > limit:
            errors[name] = PROBLEMS[name]
    if values["category"] and ctx.settings.policy.category(values["category"]) is None:
        errors["category"] = PROBLEMS["category"]
    if values["severity"] and values["severity"] not in {s.value for s in Severity}:
        errors["severity"] = PROBLEMS["severity"]
    try:
        desk_uploads.check(desk.uploads, UPLOAD_LIMIT)
    except desk_uploads.UploadRefused as refused:
        errors["files"] = PROBLEMS[f"files:{refused.reason}"]
    return phone


def _page(
    request: web.Request, desk: DeskForm, choices: list[Estate], *, status: int = 200
) -> web.Response:
    ctx = ctx_of(request)
    fmt = formatter(request)
    policy = ctx.settings.policy
    megabytes = f"{UPLOAD_LIMIT / (1024 * 1024):.1f}".removesuffix(".0")
    errors = {
        name: fmt.t(text, megabytes=megabytes, count=desk_uploads.MAX_FILES)
        for name, text in desk.errors.items()
    }
    return render(
        request,
        "desk.html",
        status=status,
        title=fmt.t("New case"),
        form=desk.values,
        errors=errors,
        files_lost=bool(desk.errors and desk.uploads),
        channels=[(c.value, fmt.channel(c)) for c in CHANNELS],
        categories=[(code, fmt.category(code)) for code in policy.category_codes],
        severities=[(s.value, fmt.severity(s)) for s in Severity],
        case_languages=[(code, language_name(code)) for code in SUPPORTED],
        max_files=desk_uploads.MAX_FILES,
        max_bytes=UPLOAD_LIMIT,
        megabytes=megabytes,
        estates=[(str(e.id), f"{e.name} ({e.code})") for e in choices] if len(choices) > 1 else [],
        only_estate=str(choices[0].id) if len(choices) == 1 else "",
    )


async def desk_form(request: web.Request) -> web.Response:
    """GET /dashboard/cases/new."""
    viewer = viewer_of(request)
    choices = await estate_choices(viewer)
    desk = DeskForm.blank(ctx_of(request).settings.default_locale)
    home = viewer.actor.home_estate
    if home is not None and any(estate.id == home for estate in choices):
        desk.values["estate"] = str(home)
    return _page(request, desk, choices)


@accepts_files(2 * UPLOAD_LIMIT)
async def desk_save(request: web.Request) -> web.Response:
    """POST /dashboard/cases/new: file the case, or add it to one of the caller's open cases."""
    ctx = ctx_of(request)
    desk = DeskForm.read(await request.post(), ctx.settings.default_locale)
    phone = _check(desk, request)
    viewer = viewer_of(request)
    choices = await estate_choices(viewer)
    target = None
    if desk.values["supplement_to"] and not desk.errors:
        target = await _open_case_of(phone, desk.values["supplement_to"], viewer)
        if target is None:
            desk.errors["supplement_to"] = PROBLEMS["supplement_to"]
            desk.values["supplement_to"] = ""
    # adding to an open case keeps that case's estate; only a new case needs one
    estate_id = (
        None if target is not None else filing_estate_of(desk, choices, viewer.actor.home_estate)
    )
    if desk.errors:
        return _page(request, desk, choices, status=400)
    stored = await asyncio.to_thread(desk_uploads.store, ctx.settings.data_dir, desk.uploads)
    if target is not None:
        await _supplement(request, desk, target, stored)
        return see_other(f"{PREFIX}/cases/{target.number}/filed?added=1")
    values = desk.values
    draft = CaseDraft(
        description=values["description"],
        channel=Channel(values["channel"]),
        category=desk.chosen("category"),
        severity=Severity(chosen) if (chosen := desk.chosen("severity")) else None,
        location=values["location"],
        unit=values["unit"],
        expectation=values["expectation"],
        contact_name=values["name"],
        contact_phone=phone,
        locale=values["locale"],
        client_key=f"desk:{values['client_key']}",
        attachments=stored,
        triage=classify(request, values["description"]),
        estate_id=estate_id,
    )
    try:
        case = await ctx.cases.submit(draft, viewer_of(request).actor)
    except ValidationFailed as error:
        name = str(error.details.get("field", "description"))
        desk.errors[FORM_FIELD.get(name, name)] = PROBLEMS.get(
            FORM_FIELD.get(name, name), PROBLEMS["description"]
        )
        return _page(request, desk, choices, status=400)
    await _deliver_now(request)
    return see_other(f"{PREFIX}/cases/{case.number}/filed")


async def _open_case_of(phone: str, number: str, viewer: Viewer) -> Case | None:
    """The case to add to: an open case of this caller (by phone) the viewer may see, else None."""
    for case in await desk_queries.caller_cases(phone, estate_ids=viewer.estates):
        if case.number == number and desk_queries.is_open(case):
            return case
    return None


async def _supplement(
    request: web.Request,
    desk: DeskForm,
    target: Case,
    stored: list[Any],
) -> None:
    """The caller's new words as an internal note on the open case, their other details as a supplement."""
    ctx, actor, values = ctx_of(request), viewer_of(request).actor, desk.values
    fmt = Formatter(ctx.settings, target.locale, ctx.clock.now())
    note = fmt.t(
        "The caller added ({channel}): {text}",
        channel=fmt.channel(values["channel"]),
        text=values["description"],
    )
    if await desk_queries.same_note_since(target.id, note, fmt.now - timedelta(minutes=10)):
        return  # the same form sent twice (a double click, a resent POST): added once
    await ctx.cases.handle(AddNote(ref=target.number, note=note, to_tenant=False), actor)
    details = {
        name: values[key] or None
        for name, key in (("location", "location"), ("expectation", "expectation"))
    }
    attachments = tuple(
        Attachment(item.file_id, item.kind, item.file_unique_id, item.caption) for item in stored
    )
    if any(details.values()) or attachments:
        await ctx.cases.handle(
            Supplement(ref=target.number, attachments=attachments, **details), actor
        )


async def _deliver_now(request: web.Request) -> None:
    """Send what the case queued (an emergency's alerts) now when the bot runs in this process."""
    try:
        with suppress(RuntimeError):  # no bot here: the outbox is sent where one runs
            await ctx_of(request).deliver()
    except Exception:  # the case is filed; the outbox sender tries again
        log.exception("immediate delivery after a desk case failed")


async def filed_page(request: web.Request) -> web.Response:
    """GET /dashboard/cases/{number}/filed: the number and promises, and what to read to the caller."""
    ctx = ctx_of(request)
    case = await desk_queries.case_by_number(request.match_info["number"])
    if case is None or not viewer_of(request).sees_case(case):
        raise web.HTTPNotFound()
    fmt = formatter(request)
    caller = Formatter(ctx.settings, case.locale, fmt.now)
    read_back = caller.t(
        "Your case number is {number}. We will contact you before {time}.",
        number=case.number,
        time=caller.when(case.promised_feedback_at),
    )
    return render(
        request,
        "desk_done.html",
        title=fmt.t("Case registered"),
        case=case,
        added=request.query.get("added") == "1",
        read_back=read_back,
        read_back_lang=case.locale.replace("_", "-"),
        promises=[
            (fmt.t("Owner promised by"), fmt.when(case.promised_assign_at)),
            (fmt.t("Feedback promised by"), fmt.when(case.promised_feedback_at)),
            (fmt.t("Resolution promised by"), fmt.when(case.promised_resolve_at)),
        ],
        emergency=bool((case.triage or {}).get("emergency")),
        triggers=", ".join(
            trigger_name(t, fmt.locale) for t in (case.triage or {}).get("triggers") or ()
        ),
        duty_phone=(await office_of_estate(None, case.estate_id, ctx.settings)).duty_phone or "",
        estate=await estate_by_id(case.estate_id) if case.estate_id is not None else None,
    )
