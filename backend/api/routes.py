"""HTTP API handlers (/api/v1). Every change goes through the case service."""

import hmac
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiohttp import web

from ..context import AppContext
from ..db import database_ok, pending_migrations
from ..domain import Action, Channel, Kind, Role, Severity, Status, normalize_case_number
from ..domain.errors import NotFound, PermissionDenied
from ..metrics import render_metrics
from ..services import queries
from ..services.actors import Actor
from ..services.cases import Change
from ..services.drafts import CaseDraft
from ..services.inbox import record_update, shape_problem, valid_update_id
from . import params
from .errors import BadRequest
from .probes import BOT_PROBE
from .serializers import case_json, event_json

log = logging.getLogger(__name__)
CTX = web.AppKey("ctx", AppContext)
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
    """Ready to serve: database reachable, migrations current, Telegram reachable (when enabled)."""
    ctx = ctx_of(request)
    checks = {"database": "ok" if await database_ok() else "unavailable"}
    if checks["database"] == "ok":
        checks["migrations"] = "current" if not await pending_migrations() else "pending"
    checks["bot"] = await request.app[BOT_PROBE].check(ctx) if ctx.settings.telegram_enabled else "off"
    ready = checks["database"] == "ok" and checks.get("migrations") == "current" and checks["bot"] in ("ok", "off")
    return web.json_response({"status": "ready" if ready else "not ready", **checks}, status=200 if ready else 503)


async def metrics(request: web.Request) -> web.Response:
    return web.Response(body=await render_metrics(), content_type="text/plain", charset="utf-8",
                        headers={"X-Content-Format": "prometheus-0.0.4"})


async def telegram_webhook(request: web.Request) -> web.Response:
    """Telegram posts updates here (BOT_MODE=webhook). 200 only once the update is stored."""
    ctx = ctx_of(request)
    sent = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
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
    return web.json_response({"ok": True})


async def create_case(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    body = await params.json_body(request)
    channel = params.enum_value(Channel, body.get("channel", "phone"), "channel")
    draft = CaseDraft(
        description=params.text(body, "description", required=True, max_length=10_000),
        channel=channel,
        kind=params.enum_value(Kind, body["kind"], "kind") if body.get("kind") is not None else None,
        category=params.choice(body["category"], ctx.settings.policy.category_codes, "category")
        if body.get("category") is not None else None,
        severity=params.enum_value(Severity, body["severity"], "severity") if body.get("severity") is not None else None,
        location=params.text(body, "location", max_length=200),
        unit=params.text(body, "unit", max_length=64),
        expectation=params.text(body, "expectation"),
        subject=params.text(body, "subject", max_length=200),
        contact_name=params.text(body, "contact_name", max_length=100),
        contact_phone=params.text(body, "contact_phone", max_length=32),
        locale=params.choice(body.get("locale", ctx.settings.default_locale), ("zh_CN", "zh_TW", "en"), "locale"),
        client_key=params.text(body, "client_key", max_length=80) or None,
    )
    actor = actor_of(request)
    # A client_key names one case: sending it again with another body is a client's mistake (409).
    case = await ctx.cases.submit(draft, actor, require_same_body=True)
    return web.json_response(case_json(case, ctx.clock.now(), full_phone=sees_full_phone(actor)), status=201)


async def list_cases(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    criteria = queries.CaseFilter(
        statuses=[params.enum_value(Status, v, "status") for v in params.query_list(request, "status")],
        categories=[params.choice(v, ctx.settings.policy.category_codes, "category") for v in params.query_list(request, "category")],
        severities=[params.enum_value(Severity, v, "severity") for v in params.query_list(request, "severity")],
        overdue=params.query_bool(request, "overdue"),
        text=request.query.get("q", "").strip(),
    )
    if len(criteria.text) > 100:
        raise BadRequest("q is longer than 100 characters", field="q")
    page = await queries.list_cases(
        criteria, ctx.clock.now(),
        page=params.query_int(request, "page", 1, 1, 1_000_000),
        per_page=params.query_int(request, "per_page", 20, 1, queries.MAX_PER_PAGE),
    )
    now = ctx.clock.now()
    return web.json_response({
        "items": [case_json(c, now) for c in page.items],
        "page": page.page, "per_page": page.per_page, "total": page.total, "pages": page.pages,
    })


def _number(request: web.Request) -> str:
    number = normalize_case_number(request.match_info["number"])
    if number is None:
        raise NotFound(f"no case {request.match_info['number']}")
    return number


async def get_case(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    found = await queries.case_with_timeline(_number(request))
    if found is None:
        raise NotFound(f"no case {request.match_info['number']}")
    case, events = found
    body = case_json(case, ctx.clock.now(), full_phone=sees_full_phone(actor_of(request)))
    body["timeline"] = [event_json(e) for e in events]
    return web.json_response(body)


ActionHandler = Callable[[AppContext, str, Actor, dict[str, Any]], Awaitable[Change]]


def _action_table() -> dict[str, ActionHandler]:
    t = params.text
    return {
        Action.CLAIM: lambda c, n, a, b: c.cases.claim(n, a),
        Action.ASSIGN: lambda c, n, a, b: c.cases.assign(
            n, a, staff_id=params.optional_int(b, "staff_id", 1, 2**31 - 1),
            department_code=t(b, "department", max_length=32) or None, note=t(b, "note"),
        ),
        Action.START: lambda c, n, a, b: c.cases.start(n, a, t(b, "note")),
        Action.NOTE: lambda c, n, a, b: c.cases.add_note(
            n, a, t(b, "note", required=True), to_tenant=params.boolean(b, "to_tenant", True)
        ),
        Action.RESOLVE: lambda c, n, a, b: c.cases.resolve(n, a, t(b, "resolution", required=True)),
        Action.REOPEN: lambda c, n, a, b: c.cases.reopen(n, a, t(b, "reason", required=True)),
        Action.CLOSE: lambda c, n, a, b: c.cases.close(
            n, a, reason=params.choice(b.get("reason", "manual"), ("confirmed", "no_response", "manual"), "reason"),
            satisfaction=params.optional_int(b, "satisfaction", 1, 5), comment=t(b, "comment"),
        ),
        Action.INVALID: lambda c, n, a, b: c.cases.mark_invalid(n, a, t(b, "reason", required=True)),
        Action.CANCEL: lambda c, n, a, b: c.cases.cancel(n, a, t(b, "reason")),
        Action.ESCALATE: lambda c, n, a, b: c.cases.escalate(n, a, t(b, "reason", required=True)),
        Action.RECATEGORIZE: lambda c, n, a, b: c.cases.change_category(
            n, a, params.choice(b.get("category"), c.settings.policy.category_codes, "category"),
            t(b, "reason", required=True),
        ),
        Action.CHANGE_SEVERITY: lambda c, n, a, b: c.cases.change_severity(
            n, a, params.enum_value(Severity, b.get("severity"), "severity"), t(b, "reason", required=True)
        ),
    }


ACTIONS = _action_table()


async def case_action(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    name = request.match_info["action"]
    handler = ACTIONS.get(name)
    if handler is None:
        raise NotFound(f"no action {name!r}; actions are {', '.join(ACTIONS)}")
    body = await params.json_body(request)
    change = await handler(ctx, _number(request), actor_of(request), body)
    result = case_json(change.case, ctx.clock.now(), full_phone=sees_full_phone(actor_of(request)))
    result["event"] = event_json(change.event)
    return web.json_response(result)


async def stats(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    today = ctx.clock.now().astimezone(ctx.settings.timezone).date()
    end = params.query_date(request, "to") or today
    start = params.query_date(request, "from") or end - timedelta(days=29)
    if start > end:
        raise BadRequest("from must not be after to", field="from")
    if (end - start).days > 366:
        raise BadRequest("the period may be at most 366 days", field="from")
    lower, upper = queries.local_day_bounds(start, end, ctx.settings.timezone)
    return web.json_response(await queries.statistics(lower, upper, ctx.clock.now()))


def require_role(minimum: Role) -> Callable[[web.Request], None]:
    def check(request: web.Request) -> None:
        role = actor_of(request).role
        if role is None or not role.at_least(minimum):
            raise PermissionDenied(f"this needs the {minimum.value} role or higher")

    return check
