"""Telegram-style ``parse_mode=HTML`` parsing: returns the plain text and its entities.

Mirrors tdlib's ``parse_html`` closely enough that the error texts match what the Bot API says
after ``"Bad Request: can't parse entities: "``. Offsets and lengths are in UTF-16 code units,
as in the Bot API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,7}|[a-zA-Z]{1,10});")
_ATTR_NAME_RE = re.compile(r"[a-zA-Z0-9_-]+")

_TAG_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; ``str(exc)`` is tdlib's wording."""


@dataclass
class _Open:
    tag: str
    start: int  # UTF-16 offset in the output text
    attrs: dict[str, str] = field(default_factory=dict)


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (the unit of Bot API entity offsets)."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(src: str, index: int) -> int:
    return len(src[:index].encode("utf-8"))


def _decode_entity(src: str, i: int) -> tuple[str, int] | None:
    """Decode an HTML entity at ``src[i] == '&'``; return (char, length) or None."""
    m = _ENTITY_RE.match(src, i)
    if not m:
        return None
    body = m.group(1)
    if body.startswith("#"):
        try:
            code = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
            char = chr(code)
        except (ValueError, OverflowError):
            return None
        if code == 0:
            return None
        return char, m.end() - i
    named = _NAMED_ENTITIES.get(body)
    return (named, m.end() - i) if named is not None else None


def _unescape_attr(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "&":
            dec = _decode_entity(value, i)
            if dec:
                out.append(dec[0])
                i += dec[1]
                continue
        out.append(value[i])
        i += 1
    return "".join(out)


def _parse_attrs(src: str, i: int, tag: str, begin: int) -> tuple[dict[str, str], int]:
    """Parse attributes from ``src[i]`` up to and including the closing ``>``."""
    attrs: dict[str, str] = {}
    n = len(src)
    while True:
        while i < n and src[i].isspace():
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
        if src[i] == ">":
            return attrs, i + 1
        m = _ATTR_NAME_RE.match(src, i)
        if not m:
            raise EntityParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset {_byte_offset(src, begin)}'
            )
        name = m.group(0).lower()
        i = m.end()
        while i < n and src[i].isspace():
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
        if src[i] != "=":
            attrs[name] = ""
            continue
        i += 1
        while i < n and src[i].isspace():
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
        if src[i] in "\"'":
            quote = src[i]
            end = src.find(quote, i + 1)
            if end < 0:
                raise EntityParseError(
                    f"Unclosed start tag at byte offset {_byte_offset(src, begin)}"
                )
            value = src[i + 1 : end]
            i = end + 1
        else:
            j = i
            while j < n and not src[j].isspace() and src[j] != ">":
                j += 1
            value = src[i:j]
            i = j
        attrs[name] = _unescape_attr(value)


def _entity_for(opened: _Open, length: int) -> dict[str, Any] | None:
    tag = opened.tag
    entity: dict[str, Any] = {"type": _TAG_TYPES[tag], "offset": opened.start, "length": length}
    if tag == "a":
        url = opened.attrs.get("href", "")
        m = re.fullmatch(r"tg://user\?id=(\d+)", url)
        if m:
            entity = {
                "type": "text_mention",
                "offset": opened.start,
                "length": length,
                "user": {"id": int(m.group(1)), "is_bot": False, "first_name": ""},
            }
        elif not url:
            return None  # tdlib drops links without a usable URL
        else:
            entity["url"] = url
    elif tag == "pre" and opened.attrs.get("language"):
        entity["language"] = opened.attrs["language"]
    elif tag == "blockquote" and "expandable" in opened.attrs:
        entity["type"] = "expandable_blockquote"
    elif tag == "tg-emoji":
        entity["custom_emoji_id"] = opened.attrs.get("emoji-id", "")
    return entity


def parse_html(src: str, *, strict_escapes: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into ``(text, entities)`` or raise :class:`EntityParseError`.

    ``strict_escapes`` also rejects a bare ``&`` or ``>``: the Bot API documents that they must
    be escaped, but tdlib tolerates them. The fake is stricter by default so that unescaped user
    input is caught in tests before a ``<`` in production breaks the message.
    """
    out: list[str] = []
    out_len = 0  # UTF-16 length of "".join(out)
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    i, n = 0, len(src)
    while i < n:
        ch = src[i]
        if ch == "&":
            dec = _decode_entity(src, i)
            if dec:
                out.append(dec[0])
                out_len += utf16_len(dec[0])
                i += dec[1]
                continue
            if strict_escapes:
                raise EntityParseError(
                    f"Character '&' at byte offset {_byte_offset(src, i)} must be escaped as "
                    "&amp; (the fake is stricter than tdlib here)"
                )
        if ch == ">" and strict_escapes:
            raise EntityParseError(
                f"Character '>' at byte offset {_byte_offset(src, i)} must be escaped as &gt; "
                "(the fake is stricter than tdlib here)"
            )
        if ch != "<":
            out.append(ch)
            out_len += utf16_len(ch)
            i += 1
            continue
        begin = i
        i += 1
        if i < n and src[i] == "/":
            end = src.find(">", i)
            if end < 0:
                raise EntityParseError(
                    f"Unclosed end tag at byte offset {_byte_offset(src, begin)}"
                )
            name = src[i + 1 : end].strip().lower()
            if not stack:
                raise EntityParseError(
                    f"Unexpected end tag at byte offset {_byte_offset(src, begin)}"
                )
            top = stack[-1]
            if name != top.tag:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(src, begin)}, expected "
                    f'"</{top.tag}>", found "</{name}>"'
                )
            stack.pop()
            i = end + 1
            length = out_len - top.start
            if length > 0:
                entity = _entity_for(top, length)
                if entity is not None:
                    _merge_code_into_pre(entities, entity, top)
            continue
        j = i
        while j < n and not src[j].isspace() and src[j] != ">":
            j += 1
        if j >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
        tag = src[i:j].lower()
        if tag not in _TAG_TYPES:
            raise EntityParseError(
                f'Unsupported start tag "{tag}" at byte offset {_byte_offset(src, begin)}'
            )
        attrs, i = _parse_attrs(src, j, tag, begin)
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(src, begin)}'
            )
        if tag == "code" and stack and stack[-1].tag == "pre":
            lang = attrs.get("class", "")
            if lang.startswith("language-"):
                stack[-1].attrs["language"] = lang[len("language-") :]
        stack.append(_Open(tag, out_len, attrs))
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _merge_code_into_pre(
    entities: list[dict[str, Any]], entity: dict[str, Any], top: _Open
) -> None:
    """``<pre><code class="language-x">`` is one pre entity, not pre + code."""
    if top.tag == "pre":
        entities[:] = [
            e
            for e in entities
            if not (
                e["type"] == "code"
                and e["offset"] == entity["offset"]
                and e["length"] == entity["length"]
            )
        ]
    entities.append(entity)


def strip_text(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Trim surrounding whitespace like Telegram does, shifting/clipping entities."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    fixed: list[dict[str, Any]] = []
    for e in entities:
        start = max(e["offset"] - lead, 0)
        end = min(e["offset"] + e["length"] - lead, total)
        if end > start:
            fixed.append({**e, "offset": start, "length": end - start})
    return stripped, fixed
