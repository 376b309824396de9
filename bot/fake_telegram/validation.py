"""Telegram's content rules: formatted text, captions, keyboards, commands."""

from __future__ import annotations

import re
from typing import Any

from bot.fake_telegram.errors import bad_request
from bot.fake_telegram.html import EntityParseError, parse_html, strip_text
from bot.fake_telegram.markdown import parse_markdown_v2

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER = 200

_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")

Formatted = tuple[str, list[dict[str, Any]]]


def format_text(
    text: str | None,
    parse_mode: str | None,
    entities: list[dict[str, Any]] | None,
    *,
    strict_escapes: bool,
) -> Formatted:
    """Apply ``parse_mode`` (or explicit ``entities``) and trim like Telegram."""
    text = text or ""
    if entities is not None:
        result: Formatted = (text, list(entities))
    elif parse_mode is None or parse_mode == "":
        result = (text, [])
    else:
        mode = parse_mode.lower()
        try:
            if mode == "html":
                result = parse_html(text, strict_escapes=strict_escapes)
            elif mode == "markdownv2":
                result = parse_markdown_v2(text)
            elif mode == "markdown":
                result = (text, [])  # legacy Markdown is not validated by the fake
            else:
                raise bad_request(f"unsupported parse_mode {parse_mode!r}")
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
    return strip_text(*result)


def message_text(params: dict[str, Any], *, strict_escapes: bool) -> Formatted:
    text, entities = format_text(
        params.get("text"),
        params.get("parse_mode"),
        params.get("entities"),
        strict_escapes=strict_escapes,
    )
    if not text:
        raise bad_request("message text is empty")
    if len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    return text, entities


def caption(params: dict[str, Any], *, strict_escapes: bool) -> Formatted:
    text, entities = format_text(
        params.get("caption"),
        params.get("parse_mode"),
        params.get("caption_entities"),
        strict_escapes=strict_escapes,
    )
    if len(text) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return text, entities


def inline_keyboard(markup: Any) -> dict[str, Any]:
    """Validate an ``InlineKeyboardMarkup`` and return its canonical form."""
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list):
        raise bad_request("can't parse inline keyboard markup JSON object")
    canonical: list[list[dict[str, Any]]] = []
    for row in rows:
        if not isinstance(row, list):
            raise bad_request("can't parse inline keyboard markup JSON object")
        canonical.append([_inline_button(b) for b in row])
    return {"inline_keyboard": canonical}


def _inline_button(button: Any) -> dict[str, Any]:
    if not isinstance(button, dict):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad_request("can't parse inline keyboard button: Text must be non-empty")
    actions = [key for key in _INLINE_ACTIONS if key in button]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request(
            "can't parse inline keyboard button: exactly one of the optional "
            f"fields must be used, got {', '.join(actions)}"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        size = len(str(data).encode("utf-8"))
        if not isinstance(data, str) or not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not re.match(r"(https?|tg)://\S+$", url):
            raise bad_request("BUTTON_URL_INVALID")
    return dict(button)


def reply_markup(markup: Any) -> dict[str, Any]:
    """Validate any reply markup (inline, reply keyboard, remove, force reply)."""
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        return inline_keyboard(markup)
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request("can't parse reply keyboard markup JSON object")
        for row in rows:
            for button in row:
                label = button if isinstance(button, str) else (button or {}).get("text")
                if not isinstance(label, str) or not label:
                    raise bad_request("keyboard button text is empty")
        return dict(markup)
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return dict(markup)
    raise bad_request("can't parse reply keyboard markup JSON object")


def bot_commands(commands: Any) -> list[dict[str, str]]:
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    result = []
    for item in commands:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand JSON object")
        command, description = item.get("command"), item.get("description")
        if not isinstance(command, str) or not _COMMAND_RE.fullmatch(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        result.append({"command": command, "description": description})
    return result
