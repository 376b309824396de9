"""``FakeBotApi``: an in-process, transport-free state machine of the Telegram Bot API.

Entry point: :meth:`FakeBotApi.handle` (``method, params, files -> (status, body)``), the same
shape an HTTP server or a PTB ``BaseRequest`` needs. Everything else is set-up (users, groups),
inspection (chats, calls, callback queries) and fault injection for tests.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.fake_telegram import methods
from bot.fake_telegram.errors import (
    ApiError,
    SimulatedNetworkError,
    bad_request,
    forbidden,
    too_many_requests,
)
from bot.fake_telegram.model import (
    ApiCall,
    CallbackRecord,
    FakeChat,
    FakeUser,
    FileRecord,
    StoredMessage,
)
from bot.fake_telegram.params import normalize

if TYPE_CHECKING:
    from telegram import Bot, Update

    from bot.fake_telegram.request import FakeRequest
    from bot.fake_telegram.updates import UpdateFactory

Listener = Callable[[str, "StoredMessage | CallbackRecord"], None]
"""Called with ``("sent"|"edited"|"deleted", message)`` or ``("answered", callback_record)``."""

Files = Mapping[str, tuple[str | None, bytes, str | None]]
"""Uploaded files by multipart field name: ``(filename, content, mime_type)``."""

FAULT_KINDS = ("retry_after", "network", "timeout", "forbidden", "bad_request")
GROUP_LIMIT_PER_MINUTE = 20
GLOBAL_LIMIT_PER_SECOND = 30


@dataclass
class _Fault:
    method: str
    chat_id: int | str | None
    kind: str
    retry_after: int
    description: str | None
    remaining: int


class FakeBotApi:
    """A strict fake of the Telegram Bot API for one bot.

    ``clock`` (monotonic, for rate measurement) and ``wall_clock`` (Unix time, for message
    dates) are injectable so tests can move time. ``first_update_id`` lets a new session on an
    existing database continue after the updates it already recorded (``qingchu chat``).
    """

    def __init__(
        self,
        token: str = "123456789:TEST-TOKEN",
        *,
        bot_username: str = "qingchu_test_bot",
        bot_name: str = "清楚",
        enforce_rate_limits: bool = False,
        local_mode: bool = False,
        strict_html_escapes: bool = True,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        first_update_id: int = 10_000,
    ) -> None:
        self.token = token
        head = token.split(":", 1)[0]
        self.bot_user = FakeUser(
            int(head) if head.isdigit() else 1, bot_name, username=bot_username, is_bot=True
        )
        self.enforce_rate_limits = enforce_rate_limits
        self.local_mode = (
            local_mode  # like `telegram-bot-api --local`: plain http webhooks are accepted
        )
        self.strict_html_escapes = strict_html_escapes
        self.clock = clock
        self.wall_clock = wall_clock

        self.users: dict[int, FakeUser] = {}
        self.chats: dict[int, FakeChat] = {}
        self.files: dict[str, FileRecord] = {}
        self.callback_queries: dict[str, CallbackRecord] = {}
        self.calls: list[ApiCall] = []
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.webhook: dict[str, Any] | None = None
        self.closed = False
        self.listeners: list[Listener] = []
        self._updates: list[dict[str, Any]] = []
        self._faults: list[_Fault] = []
        self._waiters: set[asyncio.Future[None]] = set()
        self._ids = itertools.count(1)
        self._user_ids = itertools.count(100_000_001)
        self._group_ids = itertools.count(1)
        self._update_ids = itertools.count(first_update_id)
        self._callback_ids = itertools.count(4_000_000_000_000_000_001)
        self._media_groups = itertools.count(13_000_000_000_000_001)

    # --- set-up ---------------------------------------------------------------------------
    def add_user(
        self,
        first_name: str = "Tenant",
        *,
        user_id: int | None = None,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = "zh-hans",
        started: bool = True,
    ) -> FakeUser:
        """A person, with the private chat between them and the bot."""
        user = FakeUser(
            user_id or next(self._user_ids),
            first_name,
            last_name,
            username,
            language_code,
            started=started,
        )
        self.users[user.id] = user
        self.chats[user.id] = FakeChat(
            user.id, "private", username=username, first_name=first_name, last_name=last_name
        )
        return user

    def add_group(
        self,
        title: str = "Staff",
        *,
        members: Iterable[FakeUser] | Mapping[FakeUser, str] = (),
        supergroup: bool = True,
        forum: bool = False,
        chat_id: int | None = None,
        username: str | None = None,
        bot_status: str = "administrator",
    ) -> FakeChat:
        """A group/supergroup (``forum=True`` for topics) the bot is in with ``bot_status``."""
        n = next(self._group_ids)
        if chat_id is None:
            chat_id = -(1_000_000_000_000 + n) if supergroup else -(4_000_000_000 + n)
        chat = FakeChat(
            chat_id,
            "supergroup" if supergroup else "group",
            title=title,
            username=username,
            is_forum=forum and supergroup,
            bot_status=bot_status,
        )
        statuses = members if isinstance(members, Mapping) else dict.fromkeys(members, "member")
        for user, status in statuses.items():
            chat.members[user.id] = status
        self.chats[chat_id] = chat
        return chat

    def block(self, user: FakeUser | int, blocked: bool = True) -> None:
        """The user blocks (or unblocks) the bot: sends to them answer 403."""
        self.user(user).blocked_bot = blocked

    def subscribe(self, listener: Listener) -> None:
        """Be told about every bot message sent, edited or deleted and every answered
        callback query (the console uses this to show what the bot does, as it happens)."""
        self.listeners.append(listener)

    def notify(self, event: str, subject: StoredMessage | CallbackRecord) -> None:
        for listener in list(self.listeners):
            listener(event, subject)

    # --- lookup ---------------------------------------------------------------------------
    def user(self, user: FakeUser | int) -> FakeUser:
        uid = user if isinstance(user, int) else user.id
        try:
            return self.users[uid]
        except KeyError:
            raise LookupError(f"the fake knows no user {uid}") from None

    def chat(self, chat: FakeChat | FakeUser | int | str) -> FakeChat:
        """A known chat by id, ``@username``, or the private chat of a user."""
        if isinstance(chat, FakeChat):
            return chat
        if isinstance(chat, FakeUser):
            chat = chat.id
        if isinstance(chat, str):
            for candidate in self.chats.values():
                if candidate.username and f"@{candidate.username}".lower() == chat.lower():
                    return candidate
            raise LookupError(f"the fake knows no chat {chat}")
        try:
            return self.chats[chat]
        except KeyError:
            raise LookupError(f"the fake knows no chat {chat}") from None

    def message(self, chat: FakeChat | FakeUser | int, message_id: int) -> StoredMessage:
        return self.chat(chat).get(message_id)

    # --- files ----------------------------------------------------------------------------
    def add_file(
        self, kind: str, data: bytes, *, file_name: str | None = None, mime_type: str | None = None
    ) -> FileRecord:
        n = next(self._ids)
        ext = {"photo": "jpg", "voice": "oga", "sticker": "webp"}.get(kind, "bin")
        if file_name and "." in file_name:
            ext = file_name.rsplit(".", 1)[1]
        folder = {"photo": "photos", "document": "documents", "voice": "voice"}.get(kind, kind)
        record = FileRecord(
            f"fake-{kind}-{n:06d}",
            f"u{n:06d}",
            kind,
            data,
            f"{folder}/file_{n}.{ext}",
            file_name,
            mime_type,
        )
        self.files[record.file_id] = record
        return record

    def file_bytes(self, file_id: str) -> bytes:
        """The content of a known file (KeyError if unknown)."""
        return self.files[file_id].data

    def download(self, file_path: str) -> bytes | None:
        """Content by ``file_path`` as returned by getFile (the ``/file/bot<token>/`` URL)."""
        for record in self.files.values():
            if record.file_path == file_path:
                return record.data
        return None

    # --- updates --------------------------------------------------------------------------
    def next_update_id(self) -> int:
        return next(self._update_ids)

    def next_callback_id(self) -> str:
        return str(next(self._callback_ids))

    def next_media_group_id(self) -> str:
        return str(next(self._media_groups))

    def updates(self, bot: Bot | None = None) -> UpdateFactory:
        """An update factory bound to this fake (pass the application's bot for shortcuts)."""
        from bot.fake_telegram.updates import UpdateFactory

        return UpdateFactory(self, bot)

    def enqueue_update(self, update: Update | Mapping[str, Any]) -> None:
        """Queue an update for getUpdates (polling mode) and wake long polls."""
        data = dict(update) if isinstance(update, Mapping) else update.to_dict()
        self._updates.append(data)
        for waiter in list(self._waiters):
            if not waiter.done():
                waiter.get_loop().call_soon_threadsafe(_resolve, waiter)

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self._updates)

    def drop_pending_updates(self) -> None:
        self._updates.clear()

    def take_updates(
        self, offset: int | None, limit: int, allowed: list[str] | None
    ) -> list[dict[str, Any]]:
        """getUpdates semantics: ``offset`` confirms (drops) all earlier updates."""
        if offset is not None and offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        queue = self._updates
        if offset is not None and offset < 0:
            queue = queue[offset:]
        if allowed:
            queue = [u for u in queue if any(k in u for k in allowed)]
        return [dict(u) for u in queue[:limit]]

    def request(self, **kwargs: Any) -> FakeRequest:
        """A PTB ``BaseRequest`` that talks to this fake (one per Bot request slot)."""
        from bot.fake_telegram.request import FakeRequest

        return FakeRequest(self, **kwargs)

    # --- callback queries -----------------------------------------------------------------
    def unanswered_callback_queries(self) -> list[CallbackRecord]:
        return [q for q in self.callback_queries.values() if not q.answered]

    def assert_all_callback_queries_answered(self) -> None:
        pending = self.unanswered_callback_queries()
        if pending:
            raise AssertionError(f"unanswered callback queries: {pending}")

    # --- faults ---------------------------------------------------------------------------
    def fail_next(
        self,
        method: str,
        chat_id: int | str | None = None,
        kind: str = "retry_after",
        retry_after: int = 3,
        *,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (to ``chat_id`` if given) fail.

        ``kind``: ``retry_after`` (429), ``network``/``timeout`` (no answer at all),
        ``forbidden`` (403, blocked by the user), ``bad_request`` (400, ``description``).
        Injected faults act before the call has any effect.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {FAULT_KINDS}")
        self._faults.append(_Fault(method.lower(), chat_id, kind, retry_after, description, times))

    def _take_fault(self, method: str, chat_id: int | str | None) -> _Fault | None:
        for fault in self._faults:
            if fault.method == method.lower() and fault.chat_id in (None, chat_id):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _raise_fault(self, fault: _Fault) -> None:
        match fault.kind:
            case "retry_after":
                raise too_many_requests(fault.retry_after)
            case "network" | "timeout":
                raise SimulatedNetworkError(timed_out=fault.kind == "timeout")
            case "forbidden":
                raise ApiError(403, fault.description or "Forbidden: bot was blocked by the user")
            case _:
                raise ApiError(400, fault.description or "Bad Request: injected failure")

    # --- calls and rates ------------------------------------------------------------------
    def calls_for(self, method: str, chat_id: int | str | None = None) -> list[ApiCall]:
        return [
            c
            for c in self.calls
            if c.method.lower() == method.lower() and (chat_id is None or c.chat_id == chat_id)
        ]

    def message_calls(self, chat_id: int | None = None) -> list[ApiCall]:
        """Successful message-producing calls (sends and edits), optionally for one chat."""
        return [
            c
            for c in self.calls
            if c.ok
            and c.method in methods.MESSAGE_METHODS
            and (chat_id is None or c.chat_id == chat_id)
        ]

    def max_calls_in_window(self, window: float, chat_id: int | None = None) -> int:
        """The most message calls that fell in any ``window``-second span (rate checks)."""
        return max_in_window([c.timestamp for c in self.message_calls(chat_id)], window)

    def _check_rate(self, method: str, chat_id: int | str | None, now: float) -> None:
        if not self.enforce_rate_limits or method not in methods.MESSAGE_METHODS:
            return
        recent = [c.timestamp for c in self.message_calls() if now - c.timestamp < 1.0]
        if len(recent) >= GLOBAL_LIMIT_PER_SECOND:
            raise too_many_requests(max(1, math.ceil(recent[0] + 1.0 - now)))
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is not None and chat.type != "private":
            in_chat = [c.timestamp for c in self.message_calls(chat.id) if now - c.timestamp < 60.0]
            if len(in_chat) >= GROUP_LIMIT_PER_MINUTE:
                raise too_many_requests(max(1, math.ceil(in_chat[0] + 60.0 - now)))

    # --- entry points ---------------------------------------------------------------------
    def handle(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        files: Files | None = None,
        *,
        token: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API call as Telegram would: ``(http_status, json_body)``.

        Raises :class:`SimulatedNetworkError` for injected network faults. ``token`` (from the
        URL) is checked when given.
        """
        if token is not None and token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        handler = methods.HANDLERS.get(method.lower())
        now = self.clock()
        call = ApiCall(
            methods.CANONICAL.get(method.lower(), method),
            dict(params or {}),
            sorted(files or {}),
            now,
        )
        try:
            if handler is None:
                raise ApiError(404, "Not Found")
            p = normalize(params or {})
            call.params, call.chat_id = p, p.get("chat_id")
            fault = self._take_fault(call.method, call.chat_id)
            if fault is not None:
                self._raise_fault(fault)
            self._check_rate(call.method, call.chat_id, now)
            result = handler(self, p, files or {})
        except ApiError as exc:
            call.status, call.description = exc.status, exc.description
            return exc.status, exc.body()
        except SimulatedNetworkError as exc:
            call.status, call.description = 0, str(exc)
            raise
        finally:
            # Appended last so that rate checks only see earlier calls.
            self.calls.append(call)
        return 200, {"ok": True, "result": result}

    async def handle_async(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        files: Files | None = None,
        *,
        token: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Like :meth:`handle`, but getUpdates long-polls (awaits new updates up to timeout)."""
        if method.lower() == "getupdates" and not self._updates and self.webhook is None:
            try:
                timeout = float(normalize(params or {}).get("timeout", 0))
            except ApiError:
                timeout = 0.0
            if timeout > 0:
                await self._wait_for_update(timeout)
        return self.handle(method, params, files, token=token)

    async def _wait_for_update(self, seconds: float) -> None:
        """Await the next enqueued update, at most ``seconds`` (cancellation-safe)."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            async with asyncio.timeout(seconds):
                await waiter
        except TimeoutError:
            pass
        finally:
            self._waiters.discard(waiter)

    # --- helpers used by the method handlers ----------------------------------------------
    def target_chat(self, chat_id: int | str | None, *, sending: bool = True) -> FakeChat:
        """Resolve ``chat_id`` and check the bot may write there (400/403 like Telegram)."""
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        try:
            chat = self.chat(chat_id)
        except LookupError:
            raise bad_request("chat not found") from None
        if not sending:
            return chat
        if chat.type == "private":
            user = self.users.get(chat.id)
            if user is not None and user.blocked_bot:
                raise forbidden("bot was blocked by the user")
            if user is not None and not user.started:
                raise forbidden("bot can't initiate conversation with a user")
        elif chat.bot_status == "kicked":
            raise forbidden(f"bot was kicked from the {chat.type} chat")
        elif chat.bot_status == "left":
            raise forbidden(f"bot is not a member of the {chat.type} chat")
        return chat

    def now(self) -> int:
        return int(self.wall_clock())


def max_in_window(stamps: Iterable[float], window: float) -> int:
    """The most stamps in any half-open span of `window` seconds (Telegram's way of counting a rate)."""
    ordered = sorted(stamps)
    best, lo = 0, 0
    for hi, t in enumerate(ordered):
        while t - ordered[lo] >= window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
