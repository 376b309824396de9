"""Files the front desk attaches to a case (scanned letters, photos), kept under DATA_DIR/desk-files.

A file is recognised by its first bytes, never by the name or the browser's type: JPEG, PNG, WebP and
PDF only. It is stored once under its SHA-256 and becomes an attachment whose file_id is "desk:<digest>"
(a Telegram file_id never contains a colon), so the dashboard serves it from disk instead of Telegram.
Kind "document" for all of them: the staff group card's photo is only sent for Telegram photos.
"""

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .drafts import AttachmentDraft

PREFIX = "desk:"
MAX_FILES = 5
MAX_FILE_BYTES = 10 * 1024 * 1024
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)


class UploadRefused(ValueError):
    """Why a file cannot be kept: 'type', 'size' or 'count'."""

    def __init__(self, reason: str, name: str = "") -> None:
        super().__init__(reason)
        self.reason, self.name = reason, name


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes


def media_type(data: bytes) -> str | None:
    """The file's type by its first bytes; None for anything not accepted."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in SIGNATURES if data.startswith(magic)), None)


def check(uploads: list[Upload], limit: int = MAX_FILE_BYTES) -> None:
    """Refuse the whole set when one file is not acceptable or all together exceed `limit` bytes
    (nothing is stored then)."""
    if len(uploads) > MAX_FILES:
        raise UploadRefused("count")
    if sum(len(upload.data) for upload in uploads) > limit:
        raise UploadRefused("size")
    for upload in uploads:
        if not upload.data or media_type(upload.data) is None:
            raise UploadRefused("type", upload.name)


def directory(data_dir: Path) -> Path:
    return data_dir / "desk-files"


def path_of(data_dir: Path, file_id: str) -> Path | None:
    """Where a desk file lies; None for a file_id that is not one (a Telegram file)."""
    digest = file_id.removeprefix(PREFIX)
    if not file_id.startswith(PREFIX) or len(digest) != 64 or not digest.isalnum():
        return None
    return directory(data_dir) / digest


def store(data_dir: Path, uploads: list[Upload]) -> list[AttachmentDraft]:
    """Write each file (atomically, once per content) and describe it as an attachment of the draft."""
    folder = directory(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    drafts = []
    for upload in uploads:
        digest = hashlib.sha256(upload.data).hexdigest()
        target = folder / digest
        if not target.is_file():
            handle, temporary = tempfile.mkstemp(dir=folder)
            with os.fdopen(handle, "wb") as out:
                out.write(upload.data)
            os.replace(temporary, target)
        drafts.append(
            AttachmentDraft(
                file_id=PREFIX + digest,
                kind="document",
                file_unique_id=f"desk-{digest[:48]}",
                caption=upload.name[:200],
            )
        )
    return drafts
