"""The aiohttp application factory: one route table; error, auth and input-check middlewares."""

from dataclasses import dataclass
from urllib.parse import urlparse

from aiohttp import web
from aiohttp.typedefs import Handler

from .. import inputs
from ..context import AppContext
from ..services.actors import Actor
from ..services.tokens import authenticate
from ..web import setup_dashboard
from . import incidents, params, routes
from .errors import error_middleware, error_response
from .openapi import openapi_document
from .probes import BOT_PROBE, BotProbe


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler | None  # None: the OpenAPI document, which is built from this table
    summary: str
    public: bool = False


ROUTES = (
    Route("GET", "/healthz", routes.healthz, "Liveness and database status", public=True),
    Route(
        "GET",
        "/readyz",
        routes.readyz,
        "Ready: database, migrations and Telegram reachable",
        public=True,
    ),
    Route("GET", "/metrics", routes.metrics, "Prometheus metrics", public=True),
    Route("GET", "/api/v1/openapi.json", None, "This OpenAPI document", public=True),
    Route(
        "POST",
        "/api/v1/cases",
        routes.create_case,
        "Register a case received by phone, walk-in, letter or email",
    ),
    Route("GET", "/api/v1/cases", routes.list_cases, "List cases with filters, newest first"),
    Route("GET", "/api/v1/cases/{number}", routes.get_case, "One case with its event timeline"),
    Route("POST", "/api/v1/cases/{number}/actions/{action}", routes.case_action, "Change a case"),
    Route("GET", "/api/v1/stats", routes.stats, "Counts, SLA compliance and times for a period"),
    Route(
        "GET",
        "/api/v1/incidents",
        incidents.list_incidents,
        "Incidents (one outage, many cases), newest first, each with its case numbers",
    ),
    Route(
        "GET",
        "/api/v1/incidents/{incident_id}",
        incidents.get_incident,
        "One incident with its case numbers and its timeline",
    ),
)


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    resource = request.match_info.route.resource
    webhook = request.app.get(WEBHOOK_PATH)
    if resource is None or resource.canonical in PUBLIC_PATHS or resource.canonical == webhook:
        return await handler(request)
    scheme, _, credentials = params.credential_header(request, "Authorization").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return error_response(401, "unauthorized", "send Authorization: Bearer <token>")
    token = await authenticate(credentials.strip(), request.app[routes.CTX].clock.now())
    if token is None:
        return error_response(401, "unauthorized", "the token is unknown or revoked")
    estates = frozenset(token.estate_ids) if token.estate_ids else None
    request[routes.ACTOR_KEY] = Actor.api(token.id, token.name, token.role, estates)
    return await handler(request)


@web.middleware
async def input_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The query string and path parameters of every API request, before any handler reads them."""
    inputs.check_request(request.query, request.match_info)
    return await handler(request)


PUBLIC_PATHS = frozenset(r.path for r in ROUTES if r.public)
WEBHOOK_PATH = web.AppKey("webhook_path", str)


def create_app(ctx: AppContext) -> web.Application:
    app = web.Application(
        middlewares=[error_middleware, auth_middleware, input_middleware],
        client_max_size=ctx.settings.max_body_bytes,
    )
    app[routes.CTX] = ctx
    app[BOT_PROBE] = BotProbe()
    document = openapi_document(ROUTES, ctx.settings)

    async def serve_openapi(request: web.Request) -> web.Response:
        return web.json_response(document)

    for route in ROUTES:
        app.router.add_route(route.method, route.path, route.handler or serve_openapi)
    if ctx.settings.bot_mode == "webhook":
        # The path of WEBHOOK_URL; it checks Telegram's secret token itself instead of a Bearer token.
        path = urlparse(ctx.settings.webhook_url).path or "/"
        app.router.add_route("POST", path, routes.telegram_webhook)
        app[WEBHOOK_PATH] = path
    setup_dashboard(app, ctx)
    return app
