"""Readiness of Telegram: getMe through the configured Bot API, cached briefly so probes stay cheap."""

import asyncio
import time

from aiohttp import web

from ..context import AppContext

CACHE_SECONDS = 30.0
TIMEOUT_SECONDS = 5.0


class BotProbe:
    def __init__(self) -> None:
        self._result: str | None = None
        self._checked_at = 0.0
        self._lock = asyncio.Lock()

    async def check(self, ctx: AppContext) -> str:
        async with self._lock:
            if self._result is None or time.monotonic() - self._checked_at > CACHE_SECONDS:
                self._result = await self._get_me(ctx)
                self._checked_at = time.monotonic()
            return self._result

    @staticmethod
    async def _get_me(ctx: AppContext) -> str:
        from telegram import Bot
        from telegram.error import TelegramError

        token, base = ctx.settings.bot_token or "", ctx.settings.telegram_api_base_url
        bot = (
            Bot(token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot")
            if base
            else Bot(token)
        )
        try:
            async with asyncio.timeout(TIMEOUT_SECONDS):
                async with bot:
                    await bot.get_me()
            return "ok"
        except (TelegramError, TimeoutError, OSError):
            return "unreachable"


BOT_PROBE = web.AppKey("bot_probe", BotProbe)
