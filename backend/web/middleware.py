"""The dashboard's own request pipeline: input checks, session, CSRF, friendly errors, security headers.

It sits in front of the API middlewares and answers every /dashboard request itself, so the API's
Bearer-token check and JSON errors never apply to the browser pages, and the API never sees a cookie.
"""

import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.web_urldispatcher import StaticResource

from .. import inputs
from ..domain import Role, ValidationFailed
from ..i18n import N_
from ..services.estates import estate_scope_of
from ..services.signin import session_for
from .auth import Handler, body_limit, cookie_value, is_public, sign_in_needed
from .csrf import FIELD, origin_allowed, token_matches
from .render import Refused, message_page
from .state import PREFIX, VIEWER, ctx_of
from .viewer import Viewer

log = logging.getLogger(__name__)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_dashboard_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


@web.middleware
async def dashboard_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not is_dashboard_path(request.path):
        return await handler(request)
    try:
        response = await _dispatch(request)
    except web.HTTPException as exc:
        response = _from_http_exception(request, exc)
    except Refused as refusal:
        response = refusal.page(request)
    except Exception:
        log.exception("dashboard error on %s %s", request.method, request.path)
        response = message_page(
            request,
            500,
            N_("Something went wrong"),
            N_("Something went wrong on our side. It was logged; please try again later."),
        )
    response.headers.update(SECURITY_HEADERS)
    return response


async def _dispatch(request: web.Request) -> web.StreamResponse:
    match_info = request.match_info
    if match_info.http_exception is not None:
        raise match_info.http_exception
    if isinstance(match_info.route.resource, StaticResource) or is_public(match_info.handler):
        _check(inputs.check_request, request.query, match_info)
        return await match_info.handler(request)
    ctx = ctx_of(request)
    found = await session_for(cookie_value(request), ctx.clock.now())
    if found is None:
        return sign_in_needed(request)
    session, staff = found
    if (limit := body_limit(match_info.handler)) is not None and request.method not in SAFE_METHODS:
        request = request.clone(client_max_size=max(limit, ctx.settings.max_body_bytes))
    request[VIEWER] = Viewer(session, staff, await estate_scope_of(staff.id, Role(staff.role)))
    # After sign-in: the refusal is in their language.
    _check(inputs.check_request, request.query, match_info)
    if request.method not in SAFE_METHODS:
        form = await request.post()  # read here for every form: the handlers get it from the cache
        if not token_matches(form.get(FIELD), session) or not origin_allowed(
            request, ctx.settings.base_url
        ):
            return message_page(
                request,
                403,
                N_("This form has expired"),
                N_("The form could not be checked. Please reload the page and try again."),
            )
        _check(inputs.check_form, form)
    return await match_info.handler(request)


def _check(check: Callable[..., None], *values: Any) -> None:
    """Input the database cannot store (see backend.inputs) is refused before any handler reads it."""
    try:
        check(*values)
    except ValidationFailed as exc:
        raise Refused(
            400,
            N_("Request refused"),
            N_(
                "The field “{field}” contains a character that cannot be saved. Please remove it and try again."
            ),
            field=exc.details.get("field", ""),
        ) from None


def _from_http_exception(request: web.Request, exc: web.HTTPException) -> web.StreamResponse:
    if exc.status < 400:
        return web.Response(status=exc.status, headers=exc.headers)
    if exc.status == 404:
        return message_page(request, 404, N_("Not found"), N_("There is nothing at this address."))
    if exc.status == 405:
        page = message_page(
            request, 405, N_("Not allowed"), N_("This address does not accept that request.")
        )
        if "Allow" in exc.headers:  # which methods the address does take (RFC 9110)
            page.headers["Allow"] = exc.headers["Allow"]
        return page
    if exc.status == 413:
        return message_page(request, 413, N_("Too large"), N_("What you sent is too large."))
    return message_page(
        request, exc.status, N_("Request refused"), N_("The request could not be handled.")
    )
