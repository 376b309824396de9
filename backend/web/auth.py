"""Sign-in by one-time link, the session cookie, sign-out."""

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .. import inputs
from ..i18n import N_
from ..services.signin import end_session, redeem_sign_in_link
from .render import message_page, see_other
from .state import PREFIX, ctx_of, viewer_of

COOKIE = "qingchu_session"
# Link-preview fetchers (Telegram's own among them) must not use up a one-time link.
PREVIEW_AGENTS = (
    "TelegramBot",
    "TwitterBot",
    "facebookexternalhit",
    "Slackbot",
    "WhatsApp",
    "Discordbot",
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def public(handler: Handler) -> Handler:
    """Mark a dashboard handler that works without a session."""
    handler.dashboard_public = True  # type: ignore[attr-defined]
    return handler


def is_public(handler: Any) -> bool:
    return bool(getattr(handler, "dashboard_public", False))


def accepts_files(limit: int) -> Callable[[Handler], Handler]:
    """Mark a dashboard form handler whose form may carry files: its body may be `limit` bytes, more than
    MAX_BODY_BYTES (which stays the limit of every other request)."""

    def mark(handler: Handler) -> Handler:
        handler.dashboard_body_limit = limit  # type: ignore[attr-defined]
        return handler

    return mark


def body_limit(handler: Any) -> int | None:
    limit = getattr(handler, "dashboard_body_limit", None)
    return limit if isinstance(limit, int) else None


def cookie_value(request: web.Request) -> str | None:
    """The session cookie; one that cannot be a session token (bytes that are not UTF-8) counts as none."""
    return inputs.credential(request.cookies.get(COOKIE)) or None


def sign_in_needed(request: web.Request) -> web.Response:
    return message_page(
        request,
        401,
        N_("Please sign in"),
        N_("Send /dashboard to the bot in a private chat to get a sign-in link for the dashboard."),
    )


@public
async def sign_in(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    agent = request.headers.get("User-Agent", "")
    if any(bot in agent for bot in PREVIEW_AGENTS):
        return message_page(
            request, 200, N_("Sign-in link"), N_("Open this link in your browser to sign in.")
        )
    now = ctx.clock.now()
    opened = await redeem_sign_in_link(request.match_info["token"], ctx.settings, now)
    if opened is None:
        return message_page(
            request,
            410,
            N_("This sign-in link no longer works"),
            N_(
                "Each link works once and only for 10 minutes. Send /dashboard to the bot for a new one."
            ),
        )
    response = see_other(f"{PREFIX}/")
    response.set_cookie(
        COOKIE,
        opened.token,
        path=PREFIX,
        httponly=True,
        samesite="Lax",
        secure=ctx.settings.base_url.startswith("https://"),
        max_age=max(0, int((opened.session.expires_at - now).total_seconds())),
    )
    return response


async def sign_out(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    await end_session(viewer_of(request).session, ctx.clock.now())
    response = message_page(
        request,
        200,
        N_("Signed out"),
        N_("You are signed out. Send /dashboard to the bot to sign in again."),
    )
    response.del_cookie(COOKIE, path=PREFIX)
    return response
