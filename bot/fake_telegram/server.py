"""Serve a :class:`FakeBotApi` over HTTP like ``api.telegram.org``.

``POST|GET /bot<token>/<method>`` accepts query, form, JSON and multipart bodies; files are at
``GET /file/bot<token>/<file_path>``. A PTB bot reaches it with
``base_url="http://HOST:PORT/bot"`` and ``base_file_url="http://HOST:PORT/file/bot"``.

Control routes for tests in another process (not part of Telegram's API):
``POST /_fake/updates`` (body: an update JSON, queued for getUpdates),
``GET /_fake/calls`` and ``GET /_fake/chats/{chat_id}``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from bot.fake_telegram.errors import SimulatedNetworkError
from bot.fake_telegram.fake_api import FakeBotApi

FAKE_KEY = web.AppKey("fake_bot_api", FakeBotApi)


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, Any]]:
    params: dict[str, Any] = dict(request.query)
    files: dict[str, tuple[str | None, bytes, str | None]] = {}
    ctype = request.content_type
    if request.method != "POST" or not request.can_read_body:
        return params, files
    if ctype == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            params.update(body)
    elif ctype.startswith("multipart/"):
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            content = await part.read()
            if part.filename is not None:
                files[part.name] = (part.filename, bytes(content), part.headers.get("Content-Type"))
            else:
                params[part.name] = bytes(content).decode("utf-8")
    else:
        params.update(await request.post())
    return params, files


async def bot_method(request: web.Request) -> web.Response:
    fake = request.app[FAKE_KEY]
    try:
        params, files = await _read_params(request)
    except ValueError:
        return web.json_response(
            {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: can't parse request body",
            },
            status=400,
        )
    try:
        status, body = await fake.handle_async(
            request.match_info["method"], params, files, token=request.match_info["token"]
        )
    except SimulatedNetworkError:
        status, body = 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
    return web.json_response(body, status=status, dumps=_dumps)


async def download(request: web.Request) -> web.Response:
    fake = request.app[FAKE_KEY]
    data = None
    if request.match_info["token"] == fake.token:
        data = fake.download(request.match_info["path"])
    if data is None:
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )
    return web.Response(body=data, content_type="application/octet-stream")


async def push_update(request: web.Request) -> web.Response:
    fake = request.app[FAKE_KEY]
    update = await request.json()
    if "update_id" not in update:
        update["update_id"] = fake.next_update_id()
    fake.enqueue_update(update)
    return web.json_response({"ok": True, "result": update["update_id"]})


async def list_calls(request: web.Request) -> web.Response:
    fake = request.app[FAKE_KEY]
    calls = [
        {
            "method": c.method,
            "params": c.params,
            "files": c.files,
            "timestamp": c.timestamp,
            "status": c.status,
            "description": c.description,
        }
        for c in fake.calls
    ]
    return web.json_response({"ok": True, "result": calls}, dumps=_dumps)


async def chat_messages(request: web.Request) -> web.Response:
    fake = request.app[FAKE_KEY]
    try:
        chat = fake.chat(int(request.match_info["chat_id"]))
    except (LookupError, ValueError):
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )
    messages = [{**m.data, "_outgoing": m.outgoing, "_edited": m.edited} for m in chat.transcript()]
    return web.json_response({"ok": True, "result": messages}, dumps=_dumps)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)


def create_app(fake: FakeBotApi) -> web.Application:
    app = web.Application(client_max_size=50 * 1024 * 1024)
    app[FAKE_KEY] = fake
    app.router.add_routes(
        [
            web.route("*", r"/bot{token}/{method}", bot_method),
            web.get(r"/file/bot{token}/{path:.+}", download),
            web.post("/_fake/updates", push_update),
            web.get("/_fake/calls", list_calls),
            web.get(r"/_fake/chats/{chat_id}", chat_messages),
        ]
    )
    return app


@dataclass
class FakeApiServer:
    """A running server; ``base_url``/``base_file_url`` are what PTB's ``Bot`` needs."""

    runner: web.AppRunner
    host: str
    port: int

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    async def close(self) -> None:
        await self.runner.cleanup()


async def serve_fake_bot_api(
    fake: FakeBotApi, host: str = "127.0.0.1", port: int = 0
) -> FakeApiServer:
    """Start serving ``fake``; ``port=0`` picks a free port (see ``.port``)."""
    runner = web.AppRunner(create_app(fake), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_port = port
    for address in runner.addresses:
        if isinstance(address, tuple):
            bound_port = int(address[1])
            break
    return FakeApiServer(runner, host, bound_port)
