"""Talking to Telegram without Telegram: a strict in-process fake of the Bot API.

* :class:`FakeBotApi` — the state machine (``handle(method, params, files)``), set-up,
  inspection and fault injection;
* :class:`FakeRequest` — the python-telegram-bot ``BaseRequest`` adapter (``fake.request()``);
* :class:`UpdateFactory` — builds the updates a person causes (``fake.updates(bot)``);
* :func:`serve_fake_bot_api` — the same fake over HTTP, for multi-process tests.
"""

from bot.fake_telegram.errors import ApiError, SimulatedNetworkError
from bot.fake_telegram.fake_api import FakeBotApi
from bot.fake_telegram.model import ApiCall, CallbackRecord, FakeChat, FakeUser, StoredMessage
from bot.fake_telegram.request import FakeRequest
from bot.fake_telegram.server import FakeApiServer, create_app, serve_fake_bot_api
from bot.fake_telegram.updates import UpdateFactory

__all__ = [
    "ApiCall",
    "ApiError",
    "CallbackRecord",
    "FakeApiServer",
    "FakeBotApi",
    "FakeChat",
    "FakeRequest",
    "FakeUser",
    "SimulatedNetworkError",
    "StoredMessage",
    "UpdateFactory",
    "create_app",
    "serve_fake_bot_api",
]
