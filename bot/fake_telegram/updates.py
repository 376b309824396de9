"""``UpdateFactory``: builds the updates a person would cause, and records them in the fake.

Every message a user sends is stored in the fake's chat (so the bot can reply to, delete or
quote it and the console can show it); every callback query is tracked so tests can assert the
bot answered it. ``update_id`` increases across the whole fake.
"""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any

from telegram import Message, Update

from bot.fake_telegram.html import utf16_len
from bot.fake_telegram.methods import file_body, photo_sizes
from bot.fake_telegram.model import CallbackRecord, FakeChat, FakeUser, StoredMessage

if TYPE_CHECKING:
    from telegram import Bot

    from bot.fake_telegram.fake_api import FakeBotApi

UserLike = FakeUser | int
ChatLike = FakeChat | int | None
MessageLike = StoredMessage | Message

_AUTO_ENTITIES = (
    ("bot_command", re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z0-9_]{5,32}")),
    ("url", re.compile(r"https?://[^\s<>\"]+")),
)


def detect_entities(text: str) -> list[dict[str, Any]]:
    """The entities Telegram adds to a plain user message: commands, mentions, URLs."""
    found = []
    for kind, pattern in _AUTO_ENTITIES:
        for m in pattern.finditer(text):
            found.append(
                {
                    "type": kind,
                    "offset": utf16_len(text[: m.start()]),
                    "length": utf16_len(m.group(0)),
                }
            )
    return sorted(found, key=lambda e: e["offset"])


class UpdateFactory:
    """Creates ``telegram.Update`` objects bound to ``bot`` (so shortcuts like
    ``update.message.reply_text`` work) and mirrors them into the fake's state."""

    def __init__(self, api: FakeBotApi, bot: Bot | None = None) -> None:
        self.api = api
        self.bot = bot

    # --- plumbing -------------------------------------------------------------------------
    def _user(self, user: UserLike) -> FakeUser:
        return self.api.user(user)

    def _chat(self, user: FakeUser, chat: ChatLike) -> FakeChat:
        target = self.api.chat(user.id if chat is None else chat)
        if target.type != "private" and target.members.get(user.id) in (None, "left"):
            target.members[user.id] = "member"
        return target

    def _update(self, kind: str, payload: dict[str, Any]) -> Update:
        data = {"update_id": self.api.next_update_id(), kind: copy.deepcopy(payload)}
        return Update.de_json(data, self.bot)

    def _incoming(
        self,
        user: UserLike,
        body: dict[str, Any],
        *,
        chat: ChatLike = None,
        thread_id: int | None = None,
        reply_to: MessageLike | None = None,
    ) -> Update:
        person = self._user(user)
        target = self._chat(person, chat)
        data: dict[str, Any] = {
            "message_id": target.take_message_id(),
            "from": person.to_dict(),
            "chat": target.to_dict(),
            "date": self.api.now(),
        }
        if thread_id is not None:
            if thread_id not in target.topics:
                raise LookupError(f"chat {target.id} has no topic {thread_id}")
            data.update(message_thread_id=thread_id, is_topic_message=True)
        if reply_to is not None:
            replied = self.stored(reply_to)
            data["reply_to_message"] = {
                k: v for k, v in replied.data.items() if k != "reply_to_message"
            }
        data.update(body)
        if person.id == target.id:
            person.started = True
        target.messages[data["message_id"]] = StoredMessage(data, outgoing=False)
        return self._update("message", data)

    def stored(self, message: MessageLike) -> StoredMessage:
        """The fake's current record of ``message`` (LookupError if unknown or deleted)."""
        chat_id = message.chat_id
        stored = self.api.chat(chat_id).messages.get(message.message_id)
        if stored is None or stored.deleted:
            raise LookupError(f"message {message.message_id} in chat {chat_id} is not visible")
        return stored

    # --- messages -------------------------------------------------------------------------
    def text(
        self,
        user: UserLike,
        text: str,
        *,
        chat: ChatLike = None,
        thread_id: int | None = None,
        reply_to: MessageLike | None = None,
    ) -> Update:
        """A text message; commands, @mentions and URLs get their entities like Telegram."""
        body: dict[str, Any] = {"text": text}
        entities = detect_entities(text)
        if entities:
            body["entities"] = entities
        return self._incoming(user, body, chat=chat, thread_id=thread_id, reply_to=reply_to)

    def command(
        self,
        user: UserLike,
        command: str,
        args: str = "",
        *,
        chat: ChatLike = None,
        thread_id: int | None = None,
    ) -> Update:
        """``/command args`` (in groups pass ``command="start@bot_name"`` if needed)."""
        text = f"/{command.lstrip('/')}" + (f" {args}" if args else "")
        return self.text(user, text, chat=chat, thread_id=thread_id)

    def photo(
        self,
        user: UserLike,
        data: bytes = b"\xff\xd8\xff fake jpeg",
        *,
        caption: str | None = None,
        chat: ChatLike = None,
        thread_id: int | None = None,
    ) -> Update:
        record = self.api.add_file("photo", data)
        body: dict[str, Any] = {"photo": photo_sizes(self.api, record)}
        if caption:
            body["caption"] = caption
        return self._incoming(user, body, chat=chat, thread_id=thread_id)

    def document(
        self,
        user: UserLike,
        data: bytes = b"%PDF-1.4 fake",
        *,
        file_name: str = "document.pdf",
        mime_type: str = "application/pdf",
        caption: str | None = None,
        chat: ChatLike = None,
    ) -> Update:
        record = self.api.add_file("document", data, file_name=file_name, mime_type=mime_type)
        body: dict[str, Any] = {"document": file_body(record)}
        if caption:
            body["caption"] = caption
        return self._incoming(user, body, chat=chat)

    def sticker(self, user: UserLike, emoji: str = "👍", *, chat: ChatLike = None) -> Update:
        record = self.api.add_file("sticker", b"RIFF fake webp")
        body = {
            "sticker": {
                "file_id": record.file_id,
                "file_unique_id": record.file_unique_id,
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
                "emoji": emoji,
            }
        }
        return self._incoming(user, body, chat=chat)

    def voice(
        self,
        user: UserLike,
        data: bytes = b"OggS fake opus",
        *,
        duration: int = 3,
        chat: ChatLike = None,
    ) -> Update:
        record = self.api.add_file("voice", data, mime_type="audio/ogg")
        body = {"voice": {**file_body(record), "duration": duration}}
        return self._incoming(user, body, chat=chat)

    def location(
        self,
        user: UserLike,
        latitude: float = 31.2304,
        longitude: float = 121.4737,
        *,
        chat: ChatLike = None,
    ) -> Update:
        return self._incoming(
            user, {"location": {"latitude": latitude, "longitude": longitude}}, chat=chat
        )

    def contact(
        self,
        user: UserLike,
        phone_number: str = "+8613800138000",
        *,
        first_name: str | None = None,
        own: bool = True,
        chat: ChatLike = None,
    ) -> Update:
        """A shared contact; ``own=True`` is what a "share my phone number" button sends."""
        person = self._user(user)
        contact: dict[str, Any] = {
            "phone_number": phone_number,
            "first_name": first_name or person.first_name,
        }
        if own:
            contact["user_id"] = person.id
            if person.last_name:
                contact["last_name"] = person.last_name
        return self._incoming(person, {"contact": contact}, chat=chat)

    def edit(self, message: MessageLike, text: str) -> Update:
        """The user edits one of their text messages: an ``edited_message`` update."""
        stored = self.stored(message)
        if stored.outgoing or stored.text is None:
            raise ValueError("only a user's own text message can be edited")
        stored.data["text"] = text
        stored.data.pop("entities", None)
        if entities := detect_entities(text):
            stored.data["entities"] = entities
        stored.data["edit_date"] = self.api.now()
        stored.edited = True
        return self._update("edited_message", stored.data)

    # --- buttons --------------------------------------------------------------------------
    def press(self, user: UserLike, message: MessageLike, label: str) -> Update:
        """Press the inline button labelled ``label`` on the fake's current version of
        ``message``; LookupError if the message or the label is not there."""
        stored = self.stored(message)
        return self.callback(user, stored, stored.callback_data_for(label))

    def callback(self, user: UserLike, message: MessageLike, data: str) -> Update:
        """A callback query with arbitrary ``data`` (e.g. a stale or forged button)."""
        person = self._user(user)
        stored = self.stored(message)
        qid = self.api.next_callback_id()
        self.api.callback_queries[qid] = CallbackRecord(
            qid, person.id, stored.chat_id, stored.message_id, data, self.api.clock()
        )
        payload = {
            "id": qid,
            "from": person.to_dict(),
            "message": stored.data,
            "chat_instance": str(abs(stored.chat_id) * 7919 % 10**12),
            "data": data,
        }
        return self._update("callback_query", payload)

    # --- delivery -------------------------------------------------------------------------
    def redeliver(self, update: Update) -> Update:
        """The same update again (same ``update_id``), as Telegram does after a failed
        webhook delivery."""
        return Update.de_json(update.to_dict(), self.bot)

    def enqueue(self, update: Update) -> Update:
        """Queue ``update`` for getUpdates (polling mode) and return it."""
        self.api.enqueue_update(update)
        return update
