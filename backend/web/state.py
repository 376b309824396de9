"""Typed keys for what the dashboard keeps on the application and on each request."""

import jinja2
from aiohttp import web

from ..context import AppContext
from .viewer import Viewer

CTX = web.AppKey("dashboard_ctx", AppContext)
TEMPLATES = web.AppKey("dashboard_templates", jinja2.Environment)
VIEWER = web.RequestKey("dashboard_viewer", Viewer)

PREFIX = "/dashboard"
STATIC_PREFIX = f"{PREFIX}/static"


def ctx_of(request: web.Request) -> AppContext:
    return request.app[CTX]


def viewer_of(request: web.Request) -> Viewer:
    return request[VIEWER]
