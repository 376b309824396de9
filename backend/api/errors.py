"""Every error leaves the API as JSON {"error": {"code", "message"}} with the right status."""

import json
import logging
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from ..domain import (
    Conflict,
    DomainError,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)

log = logging.getLogger(__name__)

STATUS_OF: dict[type[DomainError], int] = {
    ValidationFailed: 400,
    PermissionDenied: 403,
    NotFound: 404,
    IllegalTransition: 409,
    Conflict: 409,
}


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> web.Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return web.json_response({"error": body}, status=status)


class BadRequest(ValidationFailed):
    """Raised by parameter parsing; `field` names what was wrong."""


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except DomainError as exc:
        status = next((s for cls, s in STATUS_OF.items() if isinstance(exc, cls)), 400)
        return error_response(status, exc.code, exc.message, _jsonable(exc.details))
    except web.HTTPRequestEntityTooLarge:
        return error_response(413, "too_large", "the request body is too large")
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = {
            401: "unauthorized",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
        }.get(exc.status, "http_error")
        response = error_response(exc.status, code, exc.reason or code)
        if "Allow" in exc.headers:  # a 405 says which methods the address takes (RFC 9110)
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(
            500, "internal_error", "something went wrong on our side; it was logged"
        )


def _jsonable(details: dict[str, Any]) -> dict[str, Any]:
    try:
        json.dumps(details)
        return details
    except TypeError:
        return {k: str(v) for k, v in details.items()}
