"""The reader's own settings: the dashboard language, kept on the session."""

from aiohttp import web

from ..i18n import SUPPORTED
from ..services.signin import set_session_locale
from .render import see_other
from .state import PREFIX, viewer_of


def safe_next(value: object) -> str:
    """Only a path inside the dashboard: never another site (open redirect), never a second header line.

    The form sends the page's own address, which is URL-encoded: printable ASCII without spaces.
    Anything else (CR/LF, other control characters, backslashes) leads to the overview.
    """
    if (
        isinstance(value, str)
        and (value == PREFIX or value.startswith(PREFIX + "/"))
        and value.isascii()
        and value.isprintable()
        and " " not in value
        and "\\" not in value
    ):
        return value
    return f"{PREFIX}/"


async def set_language(request: web.Request) -> web.Response:
    form = await request.post()
    locale = form.get("locale")
    if locale in SUPPORTED:
        await set_session_locale(viewer_of(request).session, locale)
    return see_other(safe_next(form.get("next")))
