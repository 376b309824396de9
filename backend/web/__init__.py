"""The manager web dashboard under /dashboard: the same app, services and role rules as the API.

`setup_dashboard(app, ctx)` is the only public entry: it adds the routes and the dashboard's request
pipeline (session, CSRF, friendly error pages, security headers) to the application.
"""

from pathlib import Path

from aiohttp import web

from ..context import AppContext
from .files import CACHE_DIR, FILE_BOT, close_file_bot, make_file_bot
from .middleware import SECURITY_HEADERS, dashboard_middleware
from .render import build_environment
from .routes import add_routes
from .state import CTX, PREFIX, TEMPLATES

__all__ = ["PREFIX", "SECURITY_HEADERS", "setup_dashboard"]



def setup_dashboard(app: web.Application, ctx: AppContext) -> None:
    app[CTX] = ctx
    app[TEMPLATES] = build_environment()
    app[FILE_BOT] = make_file_bot(ctx.settings)
    app[CACHE_DIR] = Path("data") / "file-cache"
    app.on_cleanup.append(close_file_bot)
    # First in line: dashboard requests are answered by the dashboard's own pipeline, the rest pass on.
    app.middlewares.insert(0, dashboard_middleware)
    add_routes(app.router)
