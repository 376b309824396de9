"""HTML pages from Jinja templates. Autoescaping is always on: tenant text is never markup."""

from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from ..domain import Role
from ..i18n import N_, SUPPORTED, pick_locale
from ..labels import language_name
from .format import Formatter
from .state import PREFIX, STATIC_PREFIX, TEMPLATES, VIEWER, ctx_of

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
HTML_LANG = {"zh_CN": "zh-CN", "zh_TW": "zh-TW", "en": "en"}


class NavItem:
    """One entry of the top navigation; later slices (staff, invites, API tokens) add theirs here."""

    def __init__(self, path: str, label: str, minimum: Role = Role.AGENT) -> None:
        self.path, self.label, self.minimum = path, label, minimum


NAVIGATION = (
    NavItem(f"{PREFIX}/", N_("Overview")),
    NavItem(f"{PREFIX}/cases", N_("Cases")),
    NavItem(f"{PREFIX}/reports", N_("Reports"), Role.MANAGER),
    NavItem(f"{PREFIX}/admin", N_("Administration"), Role.ADMIN),
)


def build_environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,  # every template, whatever its extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def request_locale(request: web.Request) -> str:
    """The viewer's language; before sign-in, the browser's first language or the default."""
    viewer = request.get(VIEWER)
    if viewer is not None:
        return viewer.locale
    default = ctx_of(request).settings.default_locale
    first = request.headers.get("Accept-Language", "").split(",")[0].split(";")[0].strip()
    return pick_locale(first, default) if first else default


def formatter(request: web.Request) -> Formatter:
    ctx = ctx_of(request)
    return Formatter(ctx.settings, request_locale(request), ctx.clock.now())


def render(
    request: web.Request, template: str, *, status: int = 200, **values: Any
) -> web.Response:
    fmt = formatter(request)
    viewer = request.get(VIEWER)
    navigation = [
        item for item in NAVIGATION if viewer is not None and viewer.at_least(item.minimum)
    ]
    page = (
        request.app[TEMPLATES]
        .get_template(template)
        .render(
            _=fmt.t,
            fmt=fmt,
            viewer=viewer,
            locale=fmt.locale,
            html_lang=HTML_LANG.get(fmt.locale, "zh-CN"),
            languages=[(code, language_name(code)) for code in SUPPORTED],
            navigation=navigation,
            current_path=request.path,
            here=request.path_qs,
            static=STATIC_PREFIX,
            prefix=PREFIX,
            csrf_token=viewer.csrf_token if viewer else "",
            **values,
        )
    )
    response = web.Response(text=page, content_type="text/html", charset="utf-8", status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def message_page(
    request: web.Request, status: int, title: str, text: str, **values: Any
) -> web.Response:
    """A friendly page for refusals and errors (title and text are msgids; `values` fill the text)."""
    fmt = formatter(request)
    return render(
        request, "message.html", status=status, title=fmt.t(title), text=fmt.t(text, **values)
    )


class Refused(Exception):
    """Raised by a view for a request it cannot serve: the pipeline answers with a message page."""

    def __init__(self, status: int, title: str, text: str, **values: Any) -> None:
        super().__init__(text)
        self.status, self.title, self.text, self.values = status, title, text, values

    def page(self, request: web.Request) -> web.Response:
        return message_page(request, self.status, self.title, self.text, **self.values)


def see_other(location: str) -> web.Response:
    """POST/redirect/GET."""
    return web.Response(status=303, headers={"Location": location})
