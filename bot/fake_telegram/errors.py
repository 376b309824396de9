"""Errors the fake Bot API answers with (as Telegram's error JSON) or simulates (network)."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API error answer: HTTP status plus Telegram's ``description``."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            data["parameters"] = self.parameters
        return data


def bad_request(message: str) -> ApiError:
    return ApiError(400, f"Bad Request: {message}")


def forbidden(message: str) -> ApiError:
    return ApiError(403, f"Forbidden: {message}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


class SimulatedNetworkError(Exception):
    """An injected transport failure: the request never got an answer.

    The PTB adapter turns it into ``telegram.error.TimedOut`` / ``NetworkError``; the HTTP server
    answers 502 so that an HTTP client sees a network-level failure.
    """

    def __init__(self, timed_out: bool = False):
        super().__init__("timed out" if timed_out else "simulated network failure")
        self.timed_out = timed_out
