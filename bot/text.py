"""Text → Telegram message: the one place that knows Telegram's length limits and when to escape.

Pure functions, no I/O. Every sender in ``bot/`` passes its text through here:

=================  ==========  ======  =================================================================
what               limit       markup  when it is too long
=================  ==========  ======  =================================================================
message text       4 096       HTML    :func:`fit` (one message, cut + a "more" line) or :func:`split`
photo caption      1 024       plain   :func:`caption` (cut + a "more" line)
button press toast 200         plain   :func:`alert` (cut + "…")
button label       64          plain   :func:`label` (cut + "…")
forum topic name   128         plain   :func:`label` with ``MAX_TOPIC``
=================  ==========  ======  =================================================================

Which of ``fit`` and ``split`` a sender uses is its choice, written where it sends:

* **fit** (shorten) when the message must stay one message or the reader can read the rest elsewhere: the
  staff card is edited in place (an edit cannot become two messages), and staff have the dashboard, so
  their messages end with "… more in the dashboard"; a tenant's update names ``/status`` for the full text.
  An outbox row is always one message, so a retried send never repeats half of it.
* **split** when the whole text matters and the reader has nowhere else to read it: a tenant's ``/status``
  timeline (tenants have no dashboard). Parts are capped (``max_parts``) so one command cannot flood a chat;
  the last part then ends with the "more" line.

Lengths are counted as Telegram counts them: the visible text after HTML parsing (tags removed, entities
decoded), in UTF-16 code units (an emoji outside the BMP counts twice; this is never less than Python's
``len``). A cut is never made inside a tag or an entity, never between a character and its combining marks
or an emoji joiner; tags open at the cut are closed (and reopened in the next part of a split). A line break
near the limit is preferred to a cut inside a line.

HTML escaping belongs to HTML only: toasts, labels, captions and topic names are plain text and must be
built from unescaped values (``Turn.plain``, not ``Turn.t``).
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

from telegram import InlineKeyboardButton

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_ALERT = 200
MAX_LABEL = 64
MAX_TOPIC = 128
MAX_PARTS = 10
ELLIPSIS = "…"
# A line break at least this far into the allowed length is preferred to a cut inside a line.
LINE_BREAK_REACH = 0.5

_TOKEN = re.compile(
    r"<[^<>]*>"  # a tag (Telegram's tags never contain < or >; attribute values are escaped)
    r"|&(?:#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,7}|[a-zA-Z]{1,10});"  # an entity
    r"|.",  # one character
    re.DOTALL,
)
_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_JOINERS = {"\u200d", "\ufe0e", "\ufe0f"}  # zero-width joiner, variation selectors


@dataclass(frozen=True)
class _Token:
    raw: str
    visible: str  # what it shows ("" for a tag)
    tag: str = ""  # tag name, for tags
    closing: bool = False

    @property
    def width(self) -> int:
        return utf16_len(self.visible)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, Telegram's unit."""
    return len(text.encode("utf-16-le")) // 2


def _decode(entity: str) -> str:
    body = entity[1:-1]
    if body.startswith("#"):
        try:
            return chr(int(body[2:], 16) if body[1:2] in ("x", "X") else int(body[1:]))
        except (ValueError, OverflowError):
            return entity
    return _ENTITIES.get(body.lower(), entity)


def _tokens(text: str, markup: bool) -> list[_Token]:
    if not markup:
        return [_Token(ch, ch) for ch in text]
    tokens = []
    for match in _TOKEN.finditer(text):
        raw = match.group(0)
        if raw.startswith("<") and len(raw) > 1:
            closing = raw.startswith("</")
            name = raw[2 if closing else 1 : -1].strip().split(None, 1)
            tokens.append(_Token(raw, "", (name[0] if name else "").lower(), closing))
        elif raw.startswith("&") and len(raw) > 1:
            tokens.append(_Token(raw, _decode(raw)))
        else:
            tokens.append(_Token(raw, raw))
    return tokens


def visible_length(text: str, *, markup: bool = True) -> int:
    """What Telegram counts against its limits: the text after HTML parsing, in UTF-16 units."""
    return sum(token.width for token in _tokens(text, markup))


def visible_text(text: str) -> str:
    """The visible text of an HTML message (tags dropped, entities decoded)."""
    return "".join(token.visible for token in _tokens(text, True))


def esc(text: str | None) -> str:
    """Escape a value for an HTML message (and only there)."""
    return html.escape(text or "", quote=False)


# ---- cutting --------------------------------------------------------------------------------------


def _is_flag_half(char: str) -> bool:
    return "\U0001f1e6" <= char <= "\U0001f1ff"  # regional indicators: two make a flag


def _may_cut_before(tokens: list[_Token], index: int) -> bool:
    """Not between a character and what joins it: combining marks, ZWJ, variation selectors, skin tones,
    the two halves of a flag."""
    if index <= 0 or index >= len(tokens):
        return True
    following, previous = tokens[index].visible, tokens[index - 1].visible
    if following and (
        following[0] in _JOINERS
        or unicodedata.combining(following[0])
        or "\U0001f3fb" <= following[0] <= "\U0001f3ff"
    ):
        return False
    if previous and previous[-1] == "\u200d":
        return False
    if following and previous and _is_flag_half(following[0]) and _is_flag_half(previous[-1]):
        halves = 0
        while index - halves > 0 and _is_flag_half(tokens[index - halves - 1].visible[-1:] or "x"):
            halves += 1
        return halves % 2 == 0
    return True


def _cut_index(tokens: list[_Token], budget: int) -> int:
    """How many tokens to keep so that their visible width stays within `budget`: after the last line
    break within reach, else at the last allowed character boundary."""
    used, fits, line_break = 0, 0, 0
    for index, token in enumerate(tokens):
        if used + token.width > budget:
            break
        used += token.width
        if token.visible == "\n":
            line_break = index  # cut before the break: the "more" line brings its own
        if _may_cut_before(tokens, index + 1):
            fits = index + 1
    else:
        return len(tokens)
    if line_break and _width(tokens[:line_break]) >= budget * LINE_BREAK_REACH:
        return line_break
    return fits


def _width(tokens: list[_Token]) -> int:
    return sum(token.width for token in tokens)


def _open_tags(tokens: list[_Token]) -> list[_Token]:
    stack: list[_Token] = []
    for token in tokens:
        if not token.tag:
            continue
        if token.closing:
            if stack and stack[-1].tag == token.tag:
                stack.pop()
        else:
            stack.append(token)
    return stack


def _cut(tokens: list[_Token], budget: int) -> tuple[str, list[_Token], list[_Token]]:
    """Cut within `budget`: (the kept text with every tag still open closed, the tags that were open,
    the remaining tokens)."""
    keep = _cut_index(tokens, max(budget, 0))
    while keep < len(tokens) and tokens[keep].tag and tokens[keep].closing:
        keep += 1  # a tag that closes right at the cut stays with its text
    # Whitespace and tags that open with nothing after them go to the next part.
    while keep and (
        tokens[keep - 1].visible.isspace() or tokens[keep - 1].tag and not tokens[keep - 1].closing
    ):
        keep -= 1
    kept, rest = tokens[:keep], tokens[keep:]
    opened = _open_tags(kept)
    text = "".join(token.raw for token in kept) + "".join(
        f"</{token.tag}>" for token in reversed(opened)
    )
    while rest and rest[0].visible.isspace():  # the next part starts with its first word
        rest = rest[1:]
    return text, opened, rest


def _more_room(more: str, markup: bool, limit: int) -> tuple[str, int]:
    """The "more" line to use and the room it takes. The bare ellipsis follows the text on its line; any
    other "more" gets its own line, unless it would take over half the message (then: the ellipsis)."""
    if more and more != ELLIPSIS:
        width = visible_length(more, markup=markup) + 1  # with the line break before it
        if width <= limit // 2:
            return more, width
    return ELLIPSIS, utf16_len(ELLIPSIS)


def _shortened(tokens: list[_Token], limit: int, more: str, markup: bool) -> str:
    more, room = _more_room(more, markup, limit)
    kept, _, _ = _cut(tokens, limit - room)
    if more == ELLIPSIS:
        return kept + ELLIPSIS
    return f"{kept}\n{more}" if kept else more


def fit(text: str, limit: int = MAX_TEXT, *, markup: bool = True, more: str = ELLIPSIS) -> str:
    """`text` unchanged when Telegram accepts it, else cut to `limit` with `more` as the last line.

    `more` says where the rest is ("… more in the dashboard: …"); it is written in the same markup as
    `text` (HTML-escaped for HTML).
    """
    tokens = _tokens(text, markup)
    if _width(tokens) <= limit:
        return text
    return _shortened(tokens, limit, more, markup)


def split(
    text: str,
    limit: int = MAX_TEXT,
    *,
    markup: bool = True,
    more: str = ELLIPSIS,
    max_parts: int = MAX_PARTS,
) -> list[str]:
    """`text` as consecutive messages of at most `limit` each, cut at line breaks where possible; formatting
    open at a cut goes on in the next part. Beyond `max_parts` the last part ends with `more`."""
    tokens = _tokens(text, markup)
    parts: list[str] = []
    while tokens:
        if _width(tokens) <= limit:
            parts.append("".join(token.raw for token in tokens))
            break
        if len(parts) >= max_parts - 1:
            parts.append(_shortened(tokens, limit, more, markup))
            break
        kept, reopen, rest = _cut(tokens, limit)
        if not kept or len(rest) >= len(
            tokens
        ):  # nothing fits (not with real limits): never loop forever
            parts.append(_shortened(tokens, limit, more, markup))
            break
        parts.append(kept)
        tokens = reopen + rest if any(token.visible.strip() for token in rest) else []
    return parts or [text]


def shorten(text: str, limit: int) -> str:
    """A plain value (a description, a note) cut to `limit` characters with "…" — before it is escaped."""
    text = text or ""
    if visible_length(text, markup=False) <= limit:
        return text
    kept, _, _ = _cut(_tokens(text, False), limit - utf16_len(ELLIPSIS))
    return kept.rstrip() + ELLIPSIS


def caption(text: str, *, markup: bool = False, more: str = ELLIPSIS) -> str:
    """A media caption (1 024)."""
    return fit(text, MAX_CAPTION, markup=markup, more=more)


def alert(text: str | None) -> str | None:
    """The toast or alert of a pressed button: plain text (never escaped), at most 200."""
    return shorten(text, MAX_ALERT) if text else text


def label(text: str, limit: int = MAX_LABEL) -> str:
    """A button label or topic name: plain text on one line, at most `limit`."""
    return shorten(" ".join((text or "").split()), limit)


def button(text: str, callback_data: str) -> InlineKeyboardButton:
    """An inline button: plain label (see :func:`label`) and its callback data."""
    return InlineKeyboardButton(label(text), callback_data=callback_data)
