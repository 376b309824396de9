"""Logging set-up: readable lines by default, one JSON object per line with LOG_FORMAT=json.

Each record carries the update id and case number it concerns when the code handling it set them
(see `log_context`), so an operator can follow one complaint through every instance's logs.
"""

import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TextIO

_update_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("update_id", default=None)
_case: contextvars.ContextVar[str | None] = contextvars.ContextVar("case", default=None)


@contextmanager
def log_context(*, update_id: int | None = None, case: str | None = None) -> Iterator[None]:
    update_token = _update_id.set(update_id) if update_id is not None else None
    case_token = _case.set(case) if case is not None else None
    try:
        yield
    finally:
        if case_token is not None:
            _case.reset(case_token)
        if update_token is not None:
            _update_id.reset(update_token)


def set_update(update_id: int | None) -> None:
    """For handlers that cannot wrap their work in `log_context` (the whole update is one task)."""
    _update_id.set(update_id)


def current_update() -> int | None:
    """The Telegram update being handled in this task, if any."""
    return _update_id.get()


def set_case(number: str | None) -> None:
    _case.set(number)


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.update_id = _update_id.get()
        record.case = _case.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("update_id", "case"):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        tags = " ".join(
            f"{k}={getattr(record, k)}"
            for k in ("update_id", "case")
            if getattr(record, k, None) is not None
        )
        return f"{line} [{tags}]" if tags else line


class CurrentStderr(logging.StreamHandler[TextIO]):
    """Writes to whatever `sys.stderr` is at the time of the record, not the one seen at start-up
    (a test runner or a daemon wrapper may replace and close it)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


# Libraries whose INFO lines are routine, not news: Tortoise's "Tortoise-ORM shutdown", APScheduler's two lines
# per job run, httpx's line per Bot API request (with the bot token in its URL). They log at LOG_LEVEL=DEBUG.
CHATTY_LIBRARIES = ("tortoise", "apscheduler", "httpx", "httpcore", "aiosqlite")


def configure_logging(level: str, fmt: str, *, service: bool = True) -> None:
    """Log records to stderr.

    `service` (`qingchu run`): our records at LOG_LEVEL. Otherwise (a command a person typed) only warnings and
    errors, so its output is what the command did; LOG_LEVEL=DEBUG shows everything in both cases.
    """
    handler = CurrentStderr()
    handler.addFilter(ContextFilter())
    handler.setFormatter(
        JsonFormatter()
        if fmt == "json"
        else TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    debug = logging.getLevelName(level) <= logging.DEBUG
    root.setLevel(level if service or debug else max(logging.getLevelName(level), logging.WARNING))
    for (
        name
    ) in CHATTY_LIBRARIES:  # a logger's own level wins over the root's: never below the root's
        logging.getLogger(name).setLevel(
            logging.NOTSET if debug else max(logging.WARNING, root.level)
        )
