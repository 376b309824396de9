"""Administration: invite codes and API tokens, the two secrets that are shown exactly once.

The secret is rendered directly in the answer to the POST (never in a link, never again: the database keeps
only its hash), with Cache-Control: no-store so no cache or back button brings it back.
"""

from typing import Any

from aiohttp import web

from ..domain import ValidationFailed
from ..services.access_queries import api_token_exists, api_tokens, open_invites
from ..services.staff import INVITE_VALID, create_invite
from ..services.staff_queries import active_department_choices, department_by_code
from ..services.tokens import create_token, revoke_token
from .admin import (
    INVITES_PATH,
    TOKENS_PATH,
    admin_only,
    admin_page,
    department_code_of,
    entered,
    explain,
    field,
    id_of,
    name_of,
)
from .render import formatter, render, see_other
from .state import ctx_of


def _secret_page(request: web.Request, **values: Any) -> web.Response:
    response = render(request, "admin_secret.html", **values)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


# ---- invite codes ------------------------------------------------------------------------------


async def render_invites(
    request: web.Request,
    *,
    error: str | None = None,
    status: int = 200,
    typed: dict[str, str] | None = None,
) -> web.Response:
    fmt = formatter(request)
    invites = await open_invites(fmt.now)
    return admin_page(
        request,
        "admin_invites.html",
        title=fmt.t("Invite codes"),
        error=error,
        status=status,
        invites=invites,
        department_options=await active_department_choices(),
        typed=typed or {},
        path=INVITES_PATH,
    )


@admin_only
async def invites_page(request: web.Request) -> web.Response:
    return await render_invites(request)


@admin_only
async def invite_create(request: web.Request) -> web.Response:
    form = await request.post()
    fmt = formatter(request)
    now = ctx_of(request).clock.now()
    try:
        name = name_of(form)
        code = await create_invite(
            name, field(form, "role"), now, department_code=department_code_of(form)
        )
    except ValidationFailed as error:
        return await render_invites(
            request, error=explain(error, fmt), status=400, typed=entered(form)
        )
    department = await department_by_code((department_code_of(form) or "").lower())
    return _secret_page(
        request,
        title=fmt.t("Invite code"),
        secret=code,
        command=f"/join {code}",
        warning=fmt.t(
            "This code is shown only now. Write it down or pass it on before you leave this page."
        ),
        instruction=fmt.t(
            "Give the code to the colleague. In a private chat with the bot they send:"
        ),
        details=[
            (fmt.t("Name"), name),
            (fmt.t("Role"), fmt.role(field(form, "role"))),
            (fmt.t("Department"), department.name if department else "—"),
            (fmt.t("Valid until"), fmt.when(now + INVITE_VALID)),
        ],
        back=INVITES_PATH,
        back_label=fmt.t("Back to the invite codes"),
    )


# ---- API tokens --------------------------------------------------------------------------------


async def render_tokens(
    request: web.Request,
    *,
    error: str | None = None,
    status: int = 200,
    typed: dict[str, str] | None = None,
) -> web.Response:
    fmt = formatter(request)
    tokens = await api_tokens()
    return admin_page(
        request,
        "admin_tokens.html",
        title=fmt.t("API tokens"),
        error=error,
        status=status,
        tokens=tokens,
        typed=typed or {},
        path=TOKENS_PATH,
    )


@admin_only
async def tokens_page(request: web.Request) -> web.Response:
    return await render_tokens(request)


@admin_only
async def token_create(request: web.Request) -> web.Response:
    form = await request.post()
    fmt = formatter(request)
    try:
        plaintext, token = await create_token(
            name_of(form), field(form, "role"), ctx_of(request).clock.now()
        )
    except ValidationFailed as error:
        return await render_tokens(
            request, error=explain(error, fmt), status=400, typed=entered(form)
        )
    return _secret_page(
        request,
        title=fmt.t("New API token"),
        secret=plaintext,
        warning=fmt.t(
            "Copy this token now. It is shown only once; qingchu keeps only a fingerprint of it."
        ),
        instruction=fmt.t(
            "Programs send it with every request in the header “Authorization: Bearer …”."
        ),
        command=None,
        details=[(fmt.t("Name"), token.name), (fmt.t("Role"), fmt.role(token.role))],
        back=TOKENS_PATH,
        back_label=fmt.t("Back to the API tokens"),
    )


@admin_only
async def token_revoke(request: web.Request) -> web.Response:
    token_id = id_of(request, "token_id")
    if not await api_token_exists(token_id):
        raise web.HTTPNotFound()
    await revoke_token(token_id, ctx_of(request).clock.now())
    return see_other(f"{TOKENS_PATH}?done=revoked")
