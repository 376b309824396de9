"""State records of the fake Bot API: users, chats, stored messages, files, calls.

These are plain data holders plus the inspection helpers tests and the console read
(``chat.last()``, ``chat.texts()``, ``chat.find()``, ``chat.buttons()``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Button = tuple[str, str | None]
"""``(label, callback_data or url or other action value)`` as shown to a person."""

_ACTION_FIELDS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


@dataclass(eq=False)
class FakeUser:
    """A Telegram user (a person) known to the fake."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    blocked_bot: bool = False
    """The user blocked the bot: sends to the private chat answer 403."""
    started: bool = True
    """The user pressed Start; otherwise the bot can't initiate a conversation (403)."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass(eq=False)
class StoredMessage:
    """One message as the fake keeps it; ``data`` is the Bot API ``Message`` JSON."""

    data: dict[str, Any]
    outgoing: bool
    """Sent by the bot (True) or delivered to it by the update factory (False)."""
    edited: bool = False
    deleted: bool = False

    @property
    def message_id(self) -> int:
        return int(self.data["message_id"])

    @property
    def chat_id(self) -> int:
        return int(self.data["chat"]["id"])

    @property
    def text(self) -> str | None:
        return self.data.get("text")

    @property
    def caption(self) -> str | None:
        return self.data.get("caption")

    @property
    def content(self) -> str:
        """Text or caption (empty string for media without caption)."""
        return self.text if self.text is not None else (self.caption or "")

    @property
    def entities(self) -> list[dict[str, Any]]:
        return list(self.data.get("entities") or self.data.get("caption_entities") or [])

    @property
    def photo(self) -> list[dict[str, Any]] | None:
        return self.data.get("photo")

    @property
    def document(self) -> dict[str, Any] | None:
        return self.data.get("document")

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        """The inline keyboard attached to the message, if any."""
        return self.data.get("reply_markup")

    @property
    def message_thread_id(self) -> int | None:
        return self.data.get("message_thread_id")

    @property
    def is_service(self) -> bool:
        return "forum_topic_created" in self.data

    @property
    def buttons(self) -> list[list[Button]]:
        """Inline keyboard rows as ``[(label, callback_data|url|...), ...]``."""
        markup = self.reply_markup or {}
        rows: list[list[Button]] = []
        for row in markup.get("inline_keyboard", []):
            rows.append([(b["text"], _action_value(b)) for b in row])
        return rows

    def callback_data_for(self, label: str) -> str:
        """The callback_data of the button labelled ``label``; LookupError if absent."""
        for row in (self.reply_markup or {}).get("inline_keyboard", []):
            for button in row:
                if button.get("text") == label:
                    if "callback_data" not in button:
                        raise LookupError(f"button {label!r} is not a callback button: {button}")
                    return str(button["callback_data"])
        labels = [text for row in self.buttons for text, _ in row]
        raise LookupError(
            f"no button {label!r} on message {self.message_id} in chat {self.chat_id}; "
            f"buttons: {labels}"
        )

    def __repr__(self) -> str:
        flags = "".join(f" {f}" for f in ("edited", "deleted") if getattr(self, f))
        who = "bot" if self.outgoing else "user"
        return f"<StoredMessage {self.chat_id}/{self.message_id} {who}{flags} {self.content!r}>"


def _action_value(button: dict[str, Any]) -> str | None:
    for key in _ACTION_FIELDS:
        if key in button:
            value = button[key]
            return value if isinstance(value, str) else key
    return None


@dataclass(eq=False)
class FakeChat:
    """A chat known to the fake, with its message history and inspection helpers."""

    id: int
    type: str  # "private" | "group" | "supergroup" | "channel"
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_forum: bool = False
    bot_status: str = "member"
    """The bot's own membership: creator/administrator/member/left/kicked."""
    members: dict[int, str] = field(default_factory=dict)
    topics: dict[int, str] = field(default_factory=dict)
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    reply_keyboard: dict[str, Any] | None = None
    """The reply keyboard currently shown to the user (set/cleared by the bot's sends)."""
    last_action: str | None = None
    """The last chat action (typing, upload_photo, ...) the bot sent."""
    next_message_id: int = 1

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        if self.is_forum:
            data["is_forum"] = True
        return data

    def take_message_id(self) -> int:
        mid = self.next_message_id
        self.next_message_id += 1
        return mid

    # --- inspection -----------------------------------------------------------------------
    def transcript(self) -> list[StoredMessage]:
        """All visible messages in order, both directions, without service messages."""
        return [m for m in self.messages.values() if not m.deleted and not m.is_service]

    def bot_messages(self) -> list[StoredMessage]:
        """Visible messages sent by the bot, oldest first."""
        return [m for m in self.transcript() if m.outgoing]

    def last(self) -> StoredMessage:
        """The bot's most recent visible message (LookupError if there is none)."""
        msgs = self.bot_messages()
        if not msgs:
            raise LookupError(f"the bot has no visible message in chat {self.id}")
        return msgs[-1]

    def texts(self) -> list[str]:
        """Text or caption of each visible bot message, oldest first."""
        return [m.content for m in self.bot_messages()]

    def find(self, substring: str) -> StoredMessage:
        """The most recent visible bot message containing ``substring`` (LookupError if none)."""
        for msg in reversed(self.bot_messages()):
            if substring in msg.content:
                return msg
        raise LookupError(
            f"no bot message containing {substring!r} in chat {self.id}: {self.texts()}"
        )

    def buttons(self, message: StoredMessage | None = None) -> list[list[Button]]:
        """Inline keyboard rows of ``message`` (default: the bot's last message)."""
        return (message or self.last()).buttons

    def get(self, message_id: int) -> StoredMessage:
        """A stored message by id, including deleted ones (KeyError if never existed)."""
        return self.messages[message_id]


@dataclass(eq=False)
class FileRecord:
    """A file the fake knows: uploaded by the bot or sent by a user through the factory."""

    file_id: str
    file_unique_id: str
    kind: str  # photo | document | sticker | voice | video | audio | animation
    data: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None


@dataclass(eq=False)
class CallbackRecord:
    """A callback query produced by the update factory and whether the bot answered it."""

    id: str
    user_id: int
    chat_id: int | None
    message_id: int | None
    data: str
    created_at: float
    answered: bool = False
    answer: dict[str, Any] | None = None


@dataclass(eq=False)
class ApiCall:
    """One Bot API call as the fake received it, with how it was answered."""

    method: str
    params: dict[str, Any]
    files: list[str]
    timestamp: float
    """``clock()`` (monotonic by default) when the call arrived."""
    status: int = 200
    description: str | None = None
    chat_id: int | str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    def __repr__(self) -> str:
        extra = "" if self.ok else f" -> {self.status} {self.description}"
        return f"<ApiCall {self.method} chat={self.chat_id}{extra}>"
