"""The manager web dashboard under /dashboard: the same app, services and role rules as the API.

`setup_dashboard(app, ctx)` is the only public entry: it adds the routes and the dashboard's request
pipeline (session, CSRF, friendly error pages, security headers) to the application.
"""

from aiohttp import web

from ..context import AppContext
from .middleware import SECURITY_HEADERS, dashboard_middleware
from .render import build_environment
from .routes import add_routes
from .state import CTX, PREFIX, TEMPLATES

__all__ = ["PREFIX", "SECURITY_HEADERS", "setup_dashboard"]


def setup_dashboard(app: web.Application, ctx: AppContext) -> None:
    app[CTX] = ctx
    app[TEMPLATES] = build_environment()
    # First in line: dashboard requests are answered by the dashboard's own pipeline, the rest pass on.
    app.middlewares.insert(0, dashboard_middleware)
    add_routes(app.router)
