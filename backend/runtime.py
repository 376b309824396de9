"""Composition root: the only module that wires the API, the scheduler and the bot together."""

import asyncio
import contextlib
import logging
import signal

from aiohttp import web

from .api.app import create_app
from .config import Settings
from .context import AppContext
from .db import close_database, open_database
from .services.triage import load_triage

log = logging.getLogger("qingchu")


PARTS = ("api", "bot", "scheduler", "sender")


def parse_parts(text: str | None) -> frozenset[str]:
    """'api,bot' → {'api', 'bot'}; empty means every part. ValueError names an unknown part."""
    if not text:
        return frozenset(PARTS)
    parts = {p.strip() for p in text.split(",") if p.strip()}
    unknown = parts - set(PARTS)
    if unknown or not parts:
        raise ValueError(
            f"unknown part(s) {', '.join(sorted(unknown)) or '(none)'}; choose from {', '.join(PARTS)}"
        )
    return frozenset(parts)


async def serve(
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
    parts: frozenset[str] = frozenset(PARTS),
) -> None:
    """Run the chosen parts in one event loop until SIGINT/SIGTERM (or `stop` is set).

    api: the HTTP API (and dashboard); bot: Telegram updates; scheduler: sweeps and cron jobs;
    sender: outbox delivery. Several processes may each run some of them against one PostgreSQL.
    """
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)

    await open_database(settings.database_url, auto_migrate=settings.is_sqlite, create=True)
    await asyncio.to_thread(
        load_triage, settings
    )  # dictionaries load once, before the first complaint
    ctx = AppContext.build(settings)
    runner = web.AppRunner(create_app(ctx), access_log=None)
    scheduler = None
    bot = None
    try:
        if "api" in parts:
            await runner.setup()
            site = web.TCPSite(runner, settings.http_host, settings.http_port)
            await site.start()
            log.info("HTTP API listening on http://%s:%s", settings.http_host, settings.http_port)

        if "scheduler" in parts:
            from scheduler import build_scheduler

            scheduler = build_scheduler(ctx)
            scheduler.start()
            log.info(
                "scheduler started (sweep every %ss)", int(settings.sweep_interval.total_seconds())
            )

        telegram_parts = parts & {"bot", "sender"}
        if telegram_parts and settings.telegram_enabled:
            from bot.app import start_bot

            bot = await start_bot(ctx, receive="bot" in parts, send="sender" in parts)
            log.info("Telegram started: %s", ", ".join(sorted(telegram_parts)))
        elif telegram_parts:
            log.warning(
                "Telegram is off: set BOT_TOKEN (from @BotFather) in .env or the environment to enable the bot"
            )
        await stop.wait()
        log.info("stopping …")
    finally:
        if bot is not None:
            await bot.stop()
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        await runner.cleanup()
        await close_database()
        log.info("stopped")
