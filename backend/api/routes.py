"""HTTP API handlers (/api/v1). Every change goes through the case service."""

import hmac
import logging
from datetime import timedelta
from typing import Any

from aiohttp import web

from ..context import AppContext
from ..db import database_ok, pending_migrations
from ..domain import Channel, Kind, Role, Severity, Status
from ..domain.errors import NotFound, PermissionDenied
from ..metrics import render_metrics
from ..services import queries
from ..services.actors import Actor
from ..services.drafts import CaseDraft
from ..services.estates import estate_by_code
from ..services.inbox import record_update, shape_problem, valid_update_id
from . import params
from .command_body import ACTIONS, command_from_body
from .errors import BadRequest
from .probes import BOT_PROBE
from .serializers import case_json, event_json

log = logging.getLogger(__name__)
CTX = web.AppKey("ctx", AppContext)

# What the handlers accept; the OpenAPI document (openapi.py) is built from the same numbers.
LOCALES = ("zh_CN", "zh_TW", "en")
MAX_TEXT = params.MAX_TEXT  # notes, reasons, resolution, comment, expectation
NEW_CASE_TEXT = {  # optional text fields of a new case and their limits
    "location": 200,
    "unit": 64,
    "expectation": MAX_TEXT,
    "subject": 200,
    "contact_name": 100,
    "contact_phone": 32,
}
MAX_DESCRIPTION = 10_000
MAX_CLIENT_KEY = 80
MAX_QUERY_TEXT = 100
MAX_PAGE = 1_000_000
DEFAULT_PER_PAGE = 20
STATS_DEFAULT_DAYS = 30  # without `from`: the 30 days ending with `to`
STATS_MAX_DAYS = 366  # from … to, both included
ACTOR_KEY = web.RequestKey("actor", Actor)


def ctx_of(request: web.Request) -> AppContext:
    return request.app[CTX]


def actor_of(request: web.Request) -> Actor:
    return request[ACTOR_KEY]


def sees_full_phone(actor: Actor) -> bool:
    return actor.role is not None and actor.role.at_least(Role.SUPERVISOR)


async def healthz(request: web.Request) -> web.Response:
    ok = await database_ok()
    return web.json_response(
        {"status": "ok" if ok else "degraded", "database": "ok" if ok else "unavailable"},
        status=200 if ok else 503,
    )


async def readyz(request: web.Request) -> web.Response:
    """Ready to serve: database reachable, migrations current, Telegram reachable (when enabled).

    In webhook mode an unreachable Bot API is reported but does not make the instance unready: updates
    still arrive and are recorded, and the outbox sends what waits once Telegram answers again.
    """
    ctx = ctx_of(request)
    checks = {"database": "ok" if await database_ok() else "unavailable"}
    if checks["database"] == "ok":
        checks["migrations"] = "current" if not await pending_migrations() else "pending"
    checks["bot"] = (
        await request.app[BOT_PROBE].check(ctx) if ctx.settings.telegram_enabled else "off"
    )
    bot_ok = checks["bot"] in ("ok", "off") or ctx.settings.bot_mode == "webhook"
    ready = checks["database"] == "ok" and checks.get("migrations") == "current" and bot_ok
    return web.json_response(
        {"status": "ready" if ready else "not ready", **checks}, status=200 if ready else 503
    )


async def metrics(request: web.Request) -> web.Response:
    return web.Response(
        body=await render_metrics(),
        content_type="text/plain",
        charset="utf-8",
        headers={"X-Content-Format": "prometheus-0.0.4"},
    )


async def telegram_webhook(request: web.Request) -> web.Response:
    """Telegram posts updates here (BOT_MODE=webhook). 200 only once the update is stored."""
    ctx = ctx_of(request)
    sent = params.credential_header(request, "X-Telegram-Bot-Api-Secret-Token")
    if not hmac.compare_digest(sent.encode(), ctx.settings.webhook_secret.encode()):
        raise PermissionDenied("wrong or missing secret token")
    # Text the database cannot store is repaired rather than refused: it is what a tenant sent.
    body = await params.json_body(request, repair_text=True)
    if not valid_update_id(body.get("update_id")):
        raise BadRequest("update_id must be a whole number from 0 to 2^63-1", field="update_id")
    problem = shape_problem(body)
    if problem is not None:  # no Telegram update: answering 400 or 500 would only make it come back
        log.warning("webhook update %s dropped: %s", body["update_id"], problem)
        return web.json_response({"ok": True})
    if await record_update(body, ctx.clock.now()):
        ctx.updates_waiting.set()
    else:
        log.info(
            "webhook update %s was recorded before (Telegram redelivered it); ignored",
            body["update_id"],
        )
    return web.json_response({"ok": True})


def _optional_text(body: dict[str, Any], name: str) -> str:
    """One of NEW_CASE_TEXT's fields: empty when not sent."""
    return params.text(body, name, max_length=NEW_CASE_TEXT[name])


async def _estate_id(body: dict[str, Any], actor: Actor) -> int | None:
    """The estate named by its code in `estate` (None: not named, then the token's one estate); 400 for
    a code unknown to the token."""
    code = params.text(body, "estate", max_length=32)
    if not code:
        return actor.home_estate
    estate = await estate_by_code(code)
    if estate is None or not actor.sees_estate(estate.id):
        raise BadRequest(f"no estate {code!r}", field="estate")
    return estate.id


async def create_case(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    body = await params.json_body(request)
    channel = params.enum_value(Channel, params.value_or(body, "channel", Channel.PHONE), "channel")
    draft = CaseDraft(
        description=params.text(body, "description", required=True, max_length=MAX_DESCRIPTION),
        channel=channel,
        kind=params.enum_value(Kind, body["kind"], "kind")
        if body.get("kind") is not None
        else None,
        category=params.choice(body["category"], ctx.settings.policy.category_codes, "category")
        if body.get("category") is not None
        else None,
        severity=params.enum_value(Severity, body["severity"], "severity")
        if body.get("severity") is not None
        else None,
        location=_optional_text(body, "location"),
        unit=_optional_text(body, "unit"),
        expectation=_optional_text(body, "expectation"),
        subject=_optional_text(body, "subject"),
        contact_name=_optional_text(body, "contact_name"),
        contact_phone=_optional_text(body, "contact_phone"),
        locale=params.choice(
            params.value_or(body, "locale", ctx.settings.default_locale), LOCALES, "locale"
        ),
        client_key=params.text(body, "client_key", max_length=MAX_CLIENT_KEY) or None,
        estate_id=await _estate_id(body, actor_of(request)),
    )
    actor = actor_of(request)
    # A client_key names one case: sending it again with another body is a client's mistake (409).
    case = await ctx.cases.submit(draft, actor, require_same_body=True)
    return web.json_response(
        case_json(case, ctx.clock.now(), full_phone=sees_full_phone(actor)), status=201
    )


async def list_cases(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    criteria = queries.CaseFilter(
        statuses=[
            params.enum_value(Status, v, "status") for v in params.query_list(request, "status")
        ],
        categories=[
            params.choice(v, ctx.settings.policy.category_codes, "category")
            for v in params.query_list(request, "category")
        ],
        severities=[
            params.enum_value(Severity, v, "severity")
            for v in params.query_list(request, "severity")
        ],
        overdue=params.query_bool(request, "overdue"),
        text=params.query_text(request, "q", MAX_QUERY_TEXT),
        estate_ids=actor_of(request).estates,
    )
    page = await queries.list_cases(
        criteria,
        ctx.clock.now(),
        page=params.query_int(request, "page", 1, 1, MAX_PAGE),
        per_page=params.query_int(request, "per_page", DEFAULT_PER_PAGE, 1, queries.MAX_PER_PAGE),
    )
    now = ctx.clock.now()
    return web.json_response(
        {
            "items": [case_json(c, now) for c in page.items],
            "page": page.page,
            "per_page": page.per_page,
            "total": page.total,
            "pages": page.pages,
        }
    )


async def get_case(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    number = params.case_number(request)
    found = await queries.case_with_timeline(number)
    if found is None or not actor_of(request).sees_estate(found[0].estate_id):
        raise NotFound(f"no case {number}")
    case, events = found
    body = case_json(case, ctx.clock.now(), full_phone=sees_full_phone(actor_of(request)))
    body["timeline"] = [event_json(e) for e in events]
    return web.json_response(body)


async def case_action(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    name = params.path_value(request, "action")
    command = ACTIONS.get(name)
    if command is None:
        raise NotFound(f"no action {name!r}; actions are {', '.join(ACTIONS)}")
    body = await params.json_body(request)
    number = params.case_number(request)
    change = await ctx.cases.handle(
        command_from_body(command, number, body, ctx.settings), actor_of(request)
    )
    result = case_json(change.case, ctx.clock.now(), full_phone=sees_full_phone(actor_of(request)))
    result["event"] = event_json(change.event)
    return web.json_response(result)


async def stats(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    today = ctx.clock.now().astimezone(ctx.settings.timezone).date()
    end = params.query_date(request, "to") or today
    start = params.query_date(request, "from") or end - timedelta(days=STATS_DEFAULT_DAYS - 1)
    if start > end:
        raise BadRequest("from must not be after to", field="from")
    if (end - start).days + 1 > STATS_MAX_DAYS:
        raise BadRequest(f"the period may be at most {STATS_MAX_DAYS} days", field="from")
    lower, upper = queries.local_day_bounds(start, end, ctx.settings.timezone)
    estates = actor_of(request).estates
    return web.json_response(await queries.statistics(lower, upper, ctx.clock.now(), estates))
