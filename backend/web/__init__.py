"""The manager web dashboard under /dashboard: the same app, services and role rules as the API.

`setup_dashboard(app, ctx)` is the only public entry: it adds the routes and the dashboard's request
pipeline (session, CSRF, friendly error pages, security headers) to the application.
"""

from aiohttp import web

from ..context import AppContext
from .files import CACHE_BYTES, CACHE_DIR, FILE_BOT, close_file_bot, make_file_bot
from .middleware import SECURITY_HEADERS, dashboard_middleware
from .render import build_environment
from .routes import add_routes
from .state import CTX, PREFIX, TEMPLATES

__all__ = ["PREFIX", "SECURITY_HEADERS", "setup_dashboard"]


def setup_dashboard(app: web.Application, ctx: AppContext) -> None:
    app[CTX] = ctx
    app[TEMPLATES] = build_environment()
    app[FILE_BOT] = make_file_bot(ctx.settings)
    app[CACHE_DIR] = ctx.settings.data_dir / "file-cache"
    app[CACHE_BYTES] = ctx.settings.file_cache_mb * 1024 * 1024
    app.on_cleanup.append(close_file_bot)
    # First in line: dashboard requests are answered by the dashboard's own pipeline, the rest pass on.
    app.middlewares.insert(0, dashboard_middleware)
    add_routes(app.router)
