"""Direct Bot API calls (replies inside a conversation) under the same budget as the outbox.

PTB's own `AIORateLimiter` counts apart from the outbox, and per process: with several instances each would
send 30 a second. This limiter asks the budget the outbox uses instead and waits for a free slot. Outbox delivery takes its
slot before calling the Bot API and marks the call with `slot_taken`, so a message is never counted twice.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Iterator
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram.ext import BaseRateLimiter

from backend.metrics import RATE_LIMIT_WAITS

from .budget import Budget, is_group

log = logging.getLogger(__name__)

# Calls that put or change a message in a chat: what Telegram's limits are about.
SENDING = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "sendLocation",
        "sendContact",
        "sendVideo",
        "sendVoice",
        "sendAudio",
        "sendAnimation",
        "sendSticker",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
        "editMessageMedia",
    }
)
MAX_WAIT = timedelta(
    seconds=70
)  # longer than the group window: after it a slot must have come free

_slot_taken: ContextVar[bool] = ContextVar("slot_taken", default=False)


@contextlib.contextmanager
def slot_taken() -> Iterator[None]:
    """Calls made inside this block already hold a slot of the budget."""
    token = _slot_taken.set(True)
    try:
        yield
    finally:
        _slot_taken.reset(token)


def wall_clock() -> datetime:
    return datetime.now(UTC)


class SendLimiter(BaseRateLimiter[None]):
    def __init__(self, budget: Budget, now: Callable[[], datetime] = wall_clock) -> None:
        self.budget = budget
        self.now = now

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> Any:
        if endpoint not in SENDING or _slot_taken.get():
            return await callback(*args, **kwargs)
        slot = await self._wait_for_slot(_chat_id(data))
        try:
            return await callback(*args, **kwargs)
        finally:
            if slot is not None:
                await self.budget.give_back(slot, self.now())

    async def _wait_for_slot(self, chat_id: int) -> object | None:
        started = self.now()
        pause = 1.0 if is_group(chat_id) else 0.05
        while (slot := await self.budget.take(chat_id, self.now())) is None:
            RATE_LIMIT_WAITS.inc()
            if self.now() - started > MAX_WAIT:
                log.warning("no send slot for chat %s after %s; sending anyway", chat_id, MAX_WAIT)
                return None
            await asyncio.sleep(pause)
        return slot


def _chat_id(data: dict[str, Any]) -> int:
    try:
        return int(data.get("chat_id") or 0)
    except (TypeError, ValueError):  # "@channelname": count it as a group
        return -1
