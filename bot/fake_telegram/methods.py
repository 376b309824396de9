"""Bot API method handlers of the fake, declared in one table at the bottom.

Each handler gets the fake, the normalised parameters and the uploaded files, returns the
``result`` Telegram would return, or raises :class:`ApiError`. Handlers validate everything
before changing state, so a rejected call leaves no trace but the call log.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.fake_telegram import validation
from bot.fake_telegram.errors import ApiError, bad_request
from bot.fake_telegram.model import FakeChat, FileRecord, StoredMessage

if TYPE_CHECKING:
    from bot.fake_telegram.fake_api import FakeBotApi, Files

Params = dict[str, Any]

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
MESSAGE_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
    }
)


# --- shared pieces --------------------------------------------------------------------------
def _strict(api: FakeBotApi) -> bool:
    return api.strict_html_escapes


def _markup(p: Params) -> dict[str, Any] | None:
    markup = p.get("reply_markup")
    return None if markup is None else validation.reply_markup(markup)


def _thread(chat: FakeChat, p: Params) -> int | None:
    thread = p.get("message_thread_id")
    if thread is None or not chat.is_forum:
        return None
    if thread not in chat.topics:
        raise bad_request("message thread not found")
    return int(thread)


def _reply_target(chat: FakeChat, p: Params) -> StoredMessage | None:
    params = p.get("reply_parameters") or {}
    mid = params.get("message_id", p.get("reply_to_message_id"))
    if mid is None:
        return None
    target = chat.messages.get(int(mid))
    if target is None or target.deleted:
        allow = params.get("allow_sending_without_reply", p.get("allow_sending_without_reply"))
        if allow:
            return None
        raise bad_request("message to be replied not found")
    return target


def _store_outgoing(
    api: FakeBotApi,
    chat: FakeChat,
    p: Params,
    body: dict[str, Any],
    markup: dict[str, Any] | None,
    thread: int | None,
    reply: StoredMessage | None,
) -> StoredMessage:
    """Commit a new bot message (everything has been validated before)."""
    data: dict[str, Any] = {
        "message_id": chat.take_message_id(),
        "from": api.bot_user.to_dict(),
        "chat": chat.to_dict(),
        "date": api.now(),
    }
    if thread is not None:
        data.update(message_thread_id=thread, is_topic_message=True)
    if reply is not None:
        data["reply_to_message"] = {k: v for k, v in reply.data.items() if k != "reply_to_message"}
    data.update(body)
    if markup is not None:
        if "inline_keyboard" in markup:
            data["reply_markup"] = markup
        elif "keyboard" in markup:
            chat.reply_keyboard = markup
        elif markup.get("remove_keyboard"):
            chat.reply_keyboard = None
    if p.get("has_spoiler"):
        data["has_media_spoiler"] = True
    stored = StoredMessage(data, outgoing=True)
    chat.messages[stored.message_id] = stored
    api.notify("sent", stored)
    return stored


def _text_body(text: str, entities: list[dict[str, Any]], key: str = "text") -> dict[str, Any]:
    body: dict[str, Any] = {key: text}
    if entities:
        body["entities" if key == "text" else "caption_entities"] = entities
    return body


def _caption_body(api: FakeBotApi, p: Params) -> dict[str, Any]:
    text, entities = validation.caption(p, strict_escapes=_strict(api))
    return _text_body(text, entities, "caption") if text else {}


def _resolve_file(api: FakeBotApi, value: Any, files: Files, field: str, kind: str) -> FileRecord:
    """A file given as upload, ``attach://name``, URL or existing file_id."""
    if value is None or value == "":
        upload = files.get(field)
        if upload is None:
            raise bad_request(f"there is no {field} in the request")
        return api.add_file(kind, upload[1], file_name=upload[0], mime_type=upload[2])
    value = str(value)
    if value.startswith("attach://"):
        upload = files.get(value[len("attach://") :])
        if upload is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return api.add_file(kind, upload[1], file_name=upload[0], mime_type=upload[2])
    if value.startswith(("http://", "https://")):
        return api.add_file(kind, b"", file_name=value.rsplit("/", 1)[-1] or None)
    record = api.files.get(value)
    if record is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if record.kind != kind and "photo" in (kind, record.kind):
        raise bad_request(
            f"can't use file of type {record.kind.capitalize()} as {kind.capitalize()}"
        )
    return record


def photo_sizes(api: FakeBotApi, record: FileRecord) -> list[dict[str, Any]]:
    """Telegram returns several sizes; the fake gives a thumbnail and the full photo."""
    thumb = api.add_file("photo", record.data, file_name=record.file_name)
    size = len(record.data)
    return [
        {
            "file_id": thumb.file_id,
            "file_unique_id": thumb.file_unique_id,
            "width": 90,
            "height": 90,
            "file_size": min(size, 2048),
        },
        {
            "file_id": record.file_id,
            "file_unique_id": record.file_unique_id,
            "width": 1280,
            "height": 960,
            "file_size": size,
        },
    ]


def file_body(record: FileRecord) -> dict[str, Any]:
    body: dict[str, Any] = {
        "file_id": record.file_id,
        "file_unique_id": record.file_unique_id,
        "file_size": len(record.data),
    }
    if record.file_name:
        body["file_name"] = record.file_name
    if record.mime_type:
        body["mime_type"] = record.mime_type
    return body


def _media_body(api: FakeBotApi, kind: str, record: FileRecord) -> dict[str, Any]:
    if kind == "photo":
        return {"photo": photo_sizes(api, record)}
    if kind == "video":
        return {"video": {**file_body(record), "width": 1280, "height": 720, "duration": 1}}
    if kind == "audio":
        return {"audio": {**file_body(record), "duration": 1}}
    return {"document": file_body(record)}


# --- sending --------------------------------------------------------------------------------
def send_message(api: FakeBotApi, p: Params, files: Files) -> dict[str, Any]:
    chat = api.target_chat(p.get("chat_id"))
    text, entities = validation.message_text(p, strict_escapes=_strict(api))
    markup, thread, reply = _markup(p), _thread(chat, p), _reply_target(chat, p)
    body = _text_body(text, entities)
    if p.get("link_preview_options"):
        body["link_preview_options"] = p["link_preview_options"]
    return _store_outgoing(api, chat, p, body, markup, thread, reply).data


def _send_file(kind: str) -> Callable[[FakeBotApi, Params, Files], dict[str, Any]]:
    def handler(api: FakeBotApi, p: Params, files: Files) -> dict[str, Any]:
        chat = api.target_chat(p.get("chat_id"))
        caption = _caption_body(api, p)
        markup, thread, reply = _markup(p), _thread(chat, p), _reply_target(chat, p)
        record = _resolve_file(api, p.get(kind), files, kind, kind)
        body = {**_media_body(api, kind, record), **caption}
        return _store_outgoing(api, chat, p, body, markup, thread, reply).data

    handler.__name__ = f"send_{kind}"
    return handler


def _group_item_kind(item: object) -> str:
    """The ``type`` of one sendMediaGroup item; only these four may be grouped."""
    kind = item.get("type") if isinstance(item, dict) else None
    if isinstance(kind, str) and kind in ("photo", "video", "document", "audio"):
        return kind
    raise bad_request("can't parse InputMedia: unsupported media type")


def send_media_group(api: FakeBotApi, p: Params, files: Files) -> list[dict[str, Any]]:
    chat = api.target_chat(p.get("chat_id"))
    media = p.get("media")
    if not isinstance(media, list) or not 2 <= len(media) <= 10:
        raise bad_request("media group must contain 2-10 items")
    kinds = [_group_item_kind(item) for item in media]
    for solo in ("document", "audio"):
        if solo in kinds and any(k != solo for k in kinds):
            raise bad_request(f"{solo} can't be mixed with other media types")
    captions = [_caption_body(api, {"parse_mode": p.get("parse_mode"), **item}) for item in media]
    thread, reply = _thread(chat, p), _reply_target(chat, p)
    records = [
        _resolve_file(api, item.get("media"), files, "media", item["type"]) for item in media
    ]
    group_id = api.next_media_group_id()
    return [
        _store_outgoing(
            api,
            chat,
            p,
            {"media_group_id": group_id, **_media_body(api, kind, record), **caption},
            None,
            thread,
            reply,
        ).data
        for kind, record, caption in zip(kinds, records, captions, strict=True)
    ]


def send_chat_action(api: FakeBotApi, p: Params, files: Files) -> bool:
    chat = api.target_chat(p.get("chat_id"))
    action = p.get("action")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    _thread(chat, p)
    chat.last_action = action
    return True


# --- editing and deleting -------------------------------------------------------------------
def _editable(api: FakeBotApi, p: Params) -> StoredMessage:
    if p.get("inline_message_id"):
        raise bad_request("the fake does not support inline messages")
    chat = api.target_chat(p.get("chat_id"))
    mid = p.get("message_id")
    if mid is None:
        raise bad_request("message identifier is not specified")
    msg = chat.messages.get(mid)
    if msg is None or msg.deleted:
        raise bad_request("message to edit not found")
    if not msg.outgoing or msg.is_service:
        raise bad_request("message can't be edited")
    return msg


def _inline_markup(p: Params) -> dict[str, Any] | None:
    markup = p.get("reply_markup")
    return None if markup is None else validation.inline_keyboard(markup)


def _apply_edit(
    api: FakeBotApi,
    msg: StoredMessage,
    key: str,
    text: str | None,
    entities: list[dict[str, Any]],
    markup: dict[str, Any] | None,
) -> dict[str, Any]:
    ent_key = "entities" if key == "text" else "caption_entities"
    old = (msg.data.get(key), msg.data.get(ent_key) or [], msg.data.get("reply_markup"))
    if old == (text, entities, markup):
        raise bad_request(NOT_MODIFIED)
    for field, value in ((key, text), (ent_key, entities or None), ("reply_markup", markup)):
        if value is None:
            msg.data.pop(field, None)
        else:
            msg.data[field] = value
    msg.data["edit_date"] = api.now()
    msg.edited = True
    api.notify("edited", msg)
    return copy.deepcopy(msg.data)


def edit_message_text(api: FakeBotApi, p: Params, files: Files) -> dict[str, Any]:
    msg = _editable(api, p)
    text, entities = validation.message_text(p, strict_escapes=_strict(api))
    markup = _inline_markup(p)
    if msg.text is None:
        raise bad_request("there is no text in the message to edit")
    return _apply_edit(api, msg, "text", text, entities, markup)


def edit_message_caption(api: FakeBotApi, p: Params, files: Files) -> dict[str, Any]:
    msg = _editable(api, p)
    text, entities = validation.caption(p, strict_escapes=_strict(api))
    markup = _inline_markup(p)
    if msg.text is not None:
        raise bad_request("there is no caption in the message to edit")
    return _apply_edit(api, msg, "caption", text or None, entities, markup)


def edit_message_reply_markup(api: FakeBotApi, p: Params, files: Files) -> dict[str, Any]:
    msg = _editable(api, p)
    markup = _inline_markup(p)
    key = "text" if msg.text is not None else "caption"
    ent_key = "entities" if key == "text" else "caption_entities"
    return _apply_edit(api, msg, key, msg.data.get(key), msg.data.get(ent_key) or [], markup)


def delete_message(api: FakeBotApi, p: Params, files: Files) -> bool:
    chat = api.target_chat(p.get("chat_id"), sending=False)
    msg = chat.messages.get(p.get("message_id", -1))
    if msg is None or msg.deleted:
        raise bad_request("message to delete not found")
    if (
        not msg.outgoing
        and chat.type != "private"
        and chat.bot_status not in ("administrator", "creator")
    ):
        raise bad_request("message can't be deleted")
    msg.deleted = True
    api.notify("deleted", msg)
    return True


def delete_messages(api: FakeBotApi, p: Params, files: Files) -> bool:
    chat = api.target_chat(p.get("chat_id"), sending=False)
    ids = p.get("message_ids")
    if isinstance(ids, str):
        ids = json.loads(ids)
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise bad_request("message_ids must contain 1-100 items")
    for mid in ids:
        msg = chat.messages.get(int(mid))
        if msg is not None and not msg.deleted:
            msg.deleted = True
            api.notify("deleted", msg)
    return True


# --- callback queries -----------------------------------------------------------------------
def answer_callback_query(api: FakeBotApi, p: Params, files: Files) -> bool:
    query = api.callback_queries.get(str(p.get("callback_query_id", "")))
    if query is None or query.answered:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    if len(p.get("text") or "") > validation.MAX_CALLBACK_ANSWER:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answered = True
    query.answer = {k: p[k] for k in ("text", "show_alert", "url", "cache_time") if k in p}
    api.notify("answered", query)
    return True


# --- bot, chats, files ----------------------------------------------------------------------
def get_me(api: FakeBotApi, p: Params, files: Files) -> dict[str, Any]:
    return {
        **api.bot_user.to_dict(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def _commands_key(p: Params) -> tuple[str, str]:
    scope = p.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), p.get("language_code") or ""


def set_my_commands(api: FakeBotApi, p: Params, files: Files) -> bool:
    api.commands[_commands_key(p)] = validation.bot_commands(p.get("commands"))
    return True


def get_my_commands(api: FakeBotApi, p: Params, files: Files) -> list[dict[str, str]]:
    return list(api.commands.get(_commands_key(p), []))


def delete_my_commands(api: FakeBotApi, p: Params, files: Files) -> bool:
    api.commands.pop(_commands_key(p), None)
    return True


def get_file(api: FakeBotApi, p: Params, files: Files) -> dict[str, Any]:
    record = api.files.get(str(p.get("file_id", "")))
    if record is None:
        raise bad_request("invalid file_id")
    return {
        "file_id": record.file_id,
        "file_unique_id": record.file_unique_id,
        "file_size": len(record.data),
        "file_path": record.file_path,
    }


def get_chat(api: FakeBotApi, p: Params, files: Files) -> dict[str, Any]:
    chat = api.target_chat(p.get("chat_id"), sending=False)
    gifts = {
        "unlimited_gifts": False,
        "limited_gifts": False,
        "unique_gifts": False,
        "premium_subscription": False,
        "gifts_from_channels": False,
    }
    return {
        **chat.to_dict(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": gifts,
    }


def _member(user: dict[str, Any], status: str) -> dict[str, Any]:
    if status == "administrator":
        rights = (
            "can_be_edited",
            "is_anonymous",
            "can_manage_chat",
            "can_delete_messages",
            "can_manage_video_chats",
            "can_restrict_members",
            "can_promote_members",
            "can_change_info",
            "can_invite_users",
            "can_post_stories",
            "can_edit_stories",
            "can_delete_stories",
            "can_pin_messages",
            "can_manage_topics",
        )
        flags = {
            r: r not in ("can_be_edited", "is_anonymous", "can_promote_members") for r in rights
        }
        return {"status": status, "user": user, **flags}
    if status == "creator":
        return {"status": status, "user": user, "is_anonymous": False}
    if status == "kicked":
        return {"status": status, "user": user, "until_date": 0}
    return {"status": status, "user": user}


def get_chat_member(api: FakeBotApi, p: Params, files: Files) -> dict[str, Any]:
    chat = api.target_chat(p.get("chat_id"), sending=False)
    uid = p.get("user_id")
    if uid == api.bot_user.id:
        status = "member" if chat.type == "private" else chat.bot_status
        return _member(api.bot_user.to_dict(), status)
    user = api.users.get(uid) if isinstance(uid, int) else None
    if user is None:
        raise bad_request("user not found")
    if chat.type == "private":
        if uid != chat.id:
            raise bad_request("user not found")
        return _member(user.to_dict(), "member")
    return _member(user.to_dict(), chat.members.get(user.id, "left"))


def create_forum_topic(api: FakeBotApi, p: Params, files: Files) -> dict[str, Any]:
    chat = api.target_chat(p.get("chat_id"))
    if not chat.is_forum:
        raise bad_request("the chat is not a forum")
    name = str(p.get("name") or "")
    if not 1 <= len(name) <= 128:
        raise bad_request("TOPIC_NAME_EMPTY" if not name else "TOPIC_NAME_INVALID")
    color = int(p.get("icon_color", 7322096))
    topic = {"name": name, "icon_color": color}
    stored = _store_outgoing(api, chat, p, {"forum_topic_created": topic}, None, None, None)
    chat.topics[stored.message_id] = name
    stored.data.update(message_thread_id=stored.message_id, is_topic_message=True)
    return {"message_thread_id": stored.message_id, **topic}


# --- updates and webhook --------------------------------------------------------------------
def get_updates(api: FakeBotApi, p: Params, files: Files) -> list[dict[str, Any]]:
    if api.webhook is not None:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    limit = min(max(int(p.get("limit", 100)), 1), 100)
    return api.take_updates(p.get("offset"), limit, p.get("allowed_updates"))


def set_webhook(api: FakeBotApi, p: Params, files: Files) -> bool:
    url = str(p.get("url") or "")
    if p.get("drop_pending_updates"):
        api.drop_pending_updates()
    if not url:
        api.webhook = None
        return True
    if not url.startswith("https://") and not (api.local_mode and url.startswith("http://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    api.webhook = {
        "url": url,
        "secret_token": p.get("secret_token"),
        "allowed_updates": p.get("allowed_updates"),
        "max_connections": p.get("max_connections", 40),
    }
    return True


def delete_webhook(api: FakeBotApi, p: Params, files: Files) -> bool:
    api.webhook = None
    if p.get("drop_pending_updates"):
        api.drop_pending_updates()
    return True


def get_webhook_info(api: FakeBotApi, p: Params, files: Files) -> dict[str, Any]:
    info: dict[str, Any] = {
        "url": "",
        "has_custom_certificate": False,
        "pending_update_count": len(api.pending_updates),
    }
    if api.webhook is not None:
        info.update(url=api.webhook["url"], max_connections=api.webhook["max_connections"])
        if api.webhook["allowed_updates"]:
            info["allowed_updates"] = api.webhook["allowed_updates"]
    return info


def close(api: FakeBotApi, p: Params, files: Files) -> bool:
    api.closed = True
    return True


Handler = Callable[["FakeBotApi", Params, "Files"], Any]

_TABLE: dict[str, Handler] = {
    "getMe": get_me,
    "sendMessage": send_message,
    "sendPhoto": _send_file("photo"),
    "sendDocument": _send_file("document"),
    "sendMediaGroup": send_media_group,
    "sendChatAction": send_chat_action,
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "deleteMessages": delete_messages,
    "answerCallbackQuery": answer_callback_query,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "getFile": get_file,
    "getChat": get_chat,
    "getChatMember": get_chat_member,
    "createForumTopic": create_forum_topic,
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "close": close,
    "logOut": close,
}
HANDLERS: dict[str, Handler] = {name.lower(): fn for name, fn in _TABLE.items()}
"""Telegram method names are case-insensitive."""
CANONICAL: dict[str, str] = {name.lower(): name for name in _TABLE}
