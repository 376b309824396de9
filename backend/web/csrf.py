"""Cross-site request forgery protection: every state-changing form carries the session's token."""

import hmac
from urllib.parse import urlsplit

from aiohttp import web

from ..models import WebSession

FIELD = "csrf_token"


def token_matches(sent: object, session: WebSession) -> bool:
    """Constant-time comparison of the form's token with the session's secret."""
    if not isinstance(sent, str) or not sent or not session.csrf_token:
        return False
    return hmac.compare_digest(sent.encode("utf-8"), session.csrf_token.encode("utf-8"))


def origin_allowed(request: web.Request, base_url: str) -> bool:
    """A browser's Origin header, when sent, must name this site (its host or PUBLIC_BASE_URL)."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    try:
        parts = urlsplit(origin)
    except ValueError:  # not a URL ("http://["): no browser sends that for this site
        return False
    base = urlsplit(base_url)
    return parts.netloc == request.host or (parts.scheme, parts.netloc) == (
        base.scheme,
        base.netloc,
    )
