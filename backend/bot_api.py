"""A Bot API client outside the running bot (CLI, dashboard file downloads, readiness probe)."""

from telegram import Bot

from .config import Settings


def bot_client(settings: Settings) -> Bot:
    """A client for the configured token, on the configured Bot API server when one is set
    (TELEGRAM_API_BASE_URL: a local Bot API server, or the fake Telegram in tests).

    PTB refuses an empty token, so callers check `settings.telegram_enabled` first.
    """
    token, base = settings.bot_token or "", settings.telegram_api_base_url
    if not base:
        return Bot(token)
    return Bot(token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot")
