"""Telegram ``parse_mode=MarkdownV2`` parsing (after tdlib's ``parse_markdown_v2``).

Covers what bots actually send: escapes, bold/italic/underline/strikethrough/spoiler, inline
code, pre blocks with a language, ``[text](url)`` links and ``>`` blockquotes. Every reserved
character outside an entity must be escaped, exactly as Telegram demands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.fake_telegram.html import EntityParseError, utf16_len

_RESERVED = "_*[]()~`>#+-=|{}.!"
_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "code": "Code",
    "pre": "Pre",
}


@dataclass
class _Open:
    type: str
    start: int  # UTF-16 offset in the output
    byte_offset: int  # in the source, for error messages
    language: str | None = None


def _byte(src: str, i: int) -> int:
    return len(src[:i].encode("utf-8"))


def _closes(top: _Open, src: str, i: int) -> int:
    """Length of the closing marker of ``top`` at ``src[i]``, or 0."""
    c = src[i]
    nxt = src[i + 1] if i + 1 < len(src) else ""
    match top.type:
        case "bold":
            return 1 if c == "*" else 0
        case "italic":
            return 1 if c == "_" and nxt != "_" else 0
        case "underline":
            return 2 if c == "_" and nxt == "_" else 0
        case "strikethrough":
            return 1 if c == "~" else 0
        case "spoiler":
            return 2 if c == "|" and nxt == "|" else 0
        case "text_link":
            return 1 if c == "]" else 0
        case "code":
            return 1 if c == "`" else 0
        case "pre":
            return 3 if src.startswith("```", i) else 0
    return 0


def parse_markdown_v2(src: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse MarkdownV2 into ``(text, entities)`` or raise :class:`EntityParseError`."""
    out: list[str] = []
    out_len = 0
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    quote_start: int | None = None
    i, n = 0, len(src)

    def emit(chars: str) -> None:
        nonlocal out_len
        out.append(chars)
        out_len += utf16_len(chars)

    while i < n:
        c = src[i]
        if c == "\\" and i + 1 < n and 0 < ord(src[i + 1]) <= 126:
            emit(src[i + 1])
            i += 2
            continue
        in_code = bool(stack) and stack[-1].type in ("code", "pre")
        if in_code and c != "`":
            emit(c)
            i += 1
            continue
        if c == "\n" and quote_start is not None and not src.startswith(">", i + 1):
            entities.append(
                {"type": "blockquote", "offset": quote_start, "length": out_len - quote_start}
            )
            quote_start = None
        if c not in _RESERVED:
            emit(c)
            i += 1
            continue
        if c == ">" and (i == 0 or src[i - 1] == "\n"):
            if quote_start is None:
                quote_start = out_len
            i += 1
            continue
        if stack and (size := _closes(stack[-1], src, i)):
            top = stack.pop()
            i += size
            entity: dict[str, Any] = {
                "type": top.type,
                "offset": top.start,
                "length": out_len - top.start,
            }
            if top.type == "text_link":
                url, i = _link_url(src, i, top)
                if url is None:
                    continue
                entity["url"] = url
            if top.type == "pre" and top.language:
                entity["language"] = top.language
            if entity["length"] > 0:
                entities.append(entity)
            continue
        i = _open_entity(src, i, stack, out_len)
    if quote_start is not None and out_len > quote_start:
        entities.append(
            {"type": "blockquote", "offset": quote_start, "length": out_len - quote_start}
        )
    if stack:
        top = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_NAMES[top.type]} entity at byte offset {top.byte_offset}"
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _open_entity(src: str, i: int, stack: list[_Open], out_len: int) -> int:
    c = src[i]
    nxt = src[i + 1] if i + 1 < len(src) else ""
    here = _byte(src, i)
    if c == "_" and nxt == "_":
        stack.append(_Open("underline", out_len, here))
        return i + 2
    if c == "|" and nxt == "|":
        stack.append(_Open("spoiler", out_len, here))
        return i + 2
    if c == "`" and src.startswith("```", i):
        end_of_line = src.find("\n", i + 3)
        language = None
        j = i + 3
        if end_of_line >= 0:
            first = src[i + 3 : end_of_line]
            if first and not any(ch.isspace() for ch in first) and "`" not in first:
                language, j = first, end_of_line + 1
        stack.append(_Open("pre", out_len, here, language))
        return j
    simple = {"*": "bold", "_": "italic", "~": "strikethrough", "[": "text_link", "`": "code"}
    if c in simple:
        stack.append(_Open(simple[c], out_len, here))
        return i + 1
    raise EntityParseError(
        f"Character '{c}' is reserved and must be escaped with the preceding '\\'"
    )


def _link_url(src: str, i: int, top: _Open) -> tuple[str | None, int]:
    """Read ``(url)`` after ``]``; returns (url or None, index after it)."""
    if i >= len(src) or src[i] != "(":
        return None, i
    url: list[str] = []
    j = i + 1
    while j < len(src) and src[j] != ")":
        if src[j] == "\\" and j + 1 < len(src):
            j += 1
        url.append(src[j])
        j += 1
    if j >= len(src):
        raise EntityParseError(f"Can't find end of a url at byte offset {_byte(src, i + 1)}")
    return "".join(url), j + 1
