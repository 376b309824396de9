"""Decode Bot API parameters the way Telegram does.

Over HTTP every parameter arrives as a string (form or multipart) or as JSON; objects such as
``reply_markup`` are JSON-encoded strings. Normalising them here keeps the method handlers
independent of the transport.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.fake_telegram.errors import bad_request

_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "media",
        "commands",
        "scope",
        "allowed_updates",
        "reply_parameters",
        "link_preview_options",
        "results",
    }
)
_INT_FIELDS = frozenset(
    {
        "message_id",
        "message_thread_id",
        "reply_to_message_id",
        "user_id",
        "offset",
        "limit",
        "cache_time",
        "from_chat_id",
        "duration",
        "width",
        "height",
        "max_connections",
        "icon_color",
    }
)
_FLOAT_FIELDS = frozenset({"timeout", "latitude", "longitude"})
_BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "allow_sending_without_reply",
        "has_spoiler",
        "disable_web_page_preview",
        "show_caption_above_media",
        "disable_content_type_detection",
        "only_if_banned",
        "allow_paid_broadcast",
    }
)
_TRUE = {"true", "1", "True", "yes"}


def _to_int(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise bad_request(f"invalid {name} specified")
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise bad_request(f"invalid {name} specified") from None


def normalize(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Return parameters with JSON objects decoded and numbers/booleans typed."""
    out: dict[str, Any] = {}
    for name, value in raw.items():
        if value is None:
            continue
        if name in _JSON_FIELDS and isinstance(value, str | bytes):
            try:
                value = json.loads(value)
            except ValueError:
                if name == "reply_markup":
                    raise bad_request("can't parse reply keyboard markup JSON object") from None
                raise bad_request(f"can't parse {name} JSON object") from None
        elif name in _INT_FIELDS:
            value = _to_int(name, value)
        elif name in _FLOAT_FIELDS:
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise bad_request(f"invalid {name} specified") from None
        elif name in _BOOL_FIELDS and not isinstance(value, bool):
            value = str(value) in _TRUE
        elif name == "chat_id":
            value = _chat_id(value)
        elif name in ("text", "caption") and not isinstance(value, str):
            value = str(value)
        out[name] = value
    return out


def _chat_id(value: Any) -> int | str:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if text.startswith("@"):
        return text
    try:
        return int(text)
    except ValueError:
        raise bad_request("chat not found") from None
