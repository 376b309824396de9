"""Photos and documents of a case, fetched from Telegram through the bot (getFile) once, then cached."""

import asyncio
import hashlib
import mimetypes
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from ..config import Settings
from ..domain import normalize_case_number
from ..inputs import whole_number
from ..models import Attachment
from ..services import desk_uploads
from ..services.attachment_queries import attachment_of_case
from .state import ctx_of, viewer_of

if TYPE_CHECKING:  # imported when first needed: without Telegram the dashboard never loads it
    from telegram import Bot

FILE_BOT: "web.AppKey[Bot | None]" = web.AppKey("dashboard_file_bot")  # None without Telegram
CACHE_DIR = web.AppKey("dashboard_file_cache", Path)
CACHE_BYTES = web.AppKey("dashboard_file_cache_bytes", int)  # FILE_CACHE_MB
MAX_BYTES = 20 * 1024 * 1024  # what the Bot API lets a bot download


def make_file_bot(settings: Settings) -> "Bot | None":
    if not settings.telegram_enabled:
        return None
    from telegram import Bot

    token, base = settings.bot_token or "", settings.telegram_api_base_url
    if base:
        return Bot(token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot")
    return Bot(token)


async def close_file_bot(app: web.Application) -> None:
    bot = app.get(FILE_BOT)
    if bot is not None:
        await bot.shutdown()


def _cache_path(app: web.Application, attachment: Attachment) -> Path:
    key = attachment.file_unique_id or attachment.file_id
    return app[CACHE_DIR] / hashlib.sha256(key.encode("utf-8")).hexdigest()


async def _download(bot: "Bot", file_id: str) -> tuple[bytes, str]:
    await bot.initialize()  # once (PTB returns at once when it already is)
    telegram_file = await bot.get_file(file_id)
    if telegram_file.file_size and telegram_file.file_size > MAX_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BYTES, actual_size=telegram_file.file_size)
    data = bytes(await telegram_file.download_as_bytearray())
    return data, telegram_file.file_path or ""


def _store(path: Path, data: bytes, cap: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent)
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(temporary, path)  # atomic: a half-written file is never served
    prune_cache(path.parent, cap, keep=path)


def prune_cache(directory: Path, cap: int, *, keep: Path) -> list[Path]:
    """Remove the least recently stored files until the cache holds at most `cap` bytes (`keep`, the file
    just stored, stays). A removed file is fetched from Telegram again when asked for."""
    files = []
    for entry in directory.iterdir():
        try:
            stat = entry.stat()
        except OSError:  # removed meanwhile by another instance
            continue
        if entry.is_file():
            files.append((stat.st_mtime, stat.st_size, entry))
    total = sum(size for _, size, _ in files)
    removed = []
    for _, size, entry in sorted(files, key=lambda item: item[0]):
        if total <= cap:
            break
        if entry == keep:
            continue
        entry.unlink(missing_ok=True)
        total -= size
        removed.append(entry)
    return removed


async def case_file(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/cases/{number}/files/{attachment_id}: the file, for anyone who may see the case."""
    number = normalize_case_number(request.match_info["number"])
    if number is None:
        raise web.HTTPNotFound()
    attachment_id = whole_number(request.match_info["attachment_id"])
    attachment = (
        None
        if attachment_id is None
        else await attachment_of_case(attachment_id, number, viewer_of(request).estates)
    )
    if attachment is not None and attachment.file_id.startswith(desk_uploads.PREFIX):
        return _desk_file(request, attachment)
    bot = request.app.get(FILE_BOT)
    if attachment is None or bot is None:
        raise web.HTTPNotFound()
    path = _cache_path(request.app, attachment)
    if not path.is_file():
        from telegram.error import TelegramError

        try:
            data, remote_name = await _download(bot, attachment.file_id)
        except (TelegramError, OSError, TimeoutError):  # Telegram unreachable or the file is gone
            raise web.HTTPNotFound() from None
        await asyncio.to_thread(_store, path, data, request.app.get(CACHE_BYTES, 500 * 1024 * 1024))
    else:
        remote_name = ""
    photo = attachment.kind == "photo"
    content_type = (
        "image/jpeg"
        if photo
        else (mimetypes.guess_type(remote_name)[0] or "application/octet-stream")
    )
    return web.FileResponse(
        path,
        headers={
            "Content-Type": content_type,
            "Content-Disposition": "inline"
            if photo
            else f'attachment; filename="case-file-{attachment.id}"',
            "Cache-Control": "private, max-age=86400",
        },
    )


def _desk_file(request: web.Request, attachment: Attachment) -> web.StreamResponse:
    """A file the front desk uploaded (services.desk_uploads): served from disk, by its own type."""
    path = desk_uploads.path_of(ctx_of(request).settings.data_dir, attachment.file_id)
    if path is None or not path.is_file():
        raise web.HTTPNotFound()
    with path.open("rb") as handle:
        kind = desk_uploads.media_type(handle.read(16)) or "application/octet-stream"
    image = kind.startswith("image/")
    return web.FileResponse(
        path,
        headers={
            "Content-Type": kind,
            "Content-Disposition": "inline"
            if image
            else f'attachment; filename="case-file-{attachment.id}.pdf"',
            "Cache-Control": "private, max-age=86400",
        },
    )
