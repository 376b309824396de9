"""``FakeRequest``: a python-telegram-bot ``BaseRequest`` answered by a :class:`FakeBotApi`.

It hands the fake exactly what would go over the wire (string-encoded parameters and multipart
files), so the in-process path and the HTTP server exercise the same parsing.
"""

from __future__ import annotations

import asyncio
import json
from http import HTTPStatus
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.fake_telegram.errors import SimulatedNetworkError

if TYPE_CHECKING:
    from telegram._utils.types import ODVInput

    from bot.fake_telegram.fake_api import FakeBotApi


def _read(content: bytes | IO[bytes]) -> bytes:
    if isinstance(content, bytes):
        return content
    data = content.read()
    return data if isinstance(data, bytes) else bytes(data)


class FakeRequest(BaseRequest):
    """In-process transport to a :class:`FakeBotApi`.

    ``latency`` (seconds) is awaited on every call, to make concurrency visible in tests; by
    default the call still yields once to the event loop like real I/O would.
    """

    __slots__ = ("_api", "_initialized", "_latency", "_read_timeout")

    def __init__(
        self, api: FakeBotApi, *, latency: float = 0.0, read_timeout: float | None = 5.0
    ) -> None:
        self._api = api
        self._latency = latency
        self._read_timeout = read_timeout
        self._initialized = False

    @property
    def api(self) -> FakeBotApi:
        return self._api

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        self._initialized = True

    async def shutdown(self) -> None:
        self._initialized = False

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if not self._initialized:
            raise RuntimeError("FakeRequest is not initialized!")
        await asyncio.sleep(self._latency)
        path = unquote(urlsplit(url).path)
        if "/file/bot" in path:
            return self._download(path)
        head, _, api_method = path.rpartition("/")  # .../bot<token>/<method>
        token = head.rsplit("/", 1)[-1].removeprefix("bot")
        params: dict[str, Any] = dict(request_data.json_parameters) if request_data else {}
        files = {
            name: (field[0], _read(field[1]), field[2] if len(field) > 2 else None)
            for name, field in (request_data.multipart_data if request_data else {}).items()
        }
        try:
            status, body = await self._api.handle_async(api_method, params, files, token=token)
        except SimulatedNetworkError as exc:
            if exc.timed_out:
                raise TimedOut("Timed out (simulated by FakeBotApi)") from exc
            raise NetworkError("httpx.ConnectError: simulated by FakeBotApi") from exc
        return status, json.dumps(body, ensure_ascii=False).encode("utf-8")

    def _download(self, path: str) -> tuple[int, bytes]:
        # /file/bot<token>/<file_path>
        rest = path.split("/file/bot", 1)[1]
        token, _, file_path = rest.partition("/")
        data = self._api.download(file_path) if token == self._api.token else None
        if data is None:
            return HTTPStatus.NOT_FOUND, b'{"ok":false,"error_code":404,"description":"Not Found"}'
        return HTTPStatus.OK, data
