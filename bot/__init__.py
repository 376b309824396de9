"""Telegram front end. Opts in to python-telegram-bot's timedelta durations (RetryAfter.retry_after)."""

import os

os.environ.setdefault("PTB_TIMEDELTA", "1")
