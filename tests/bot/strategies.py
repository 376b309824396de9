"""Hypothesis strategies of Telegram updates, for the bot fuzzer (tests/bot/test_update_fuzz.py).

A strategy draws *what people do* — send a text, press the third button of an old message, share someone
else's contact, edit a message, send the same update twice — as small frozen dataclasses (steps). A
:class:`Scene` turns each step into a Bot API update against the fake's state at that moment (the buttons
that exist now, the dialog step the person is at), so a failing example shrinks to a short transcript.

The cast: a tenant and a neighbour (tenants), a registered agent and a registered manager (staff), and a
stranger who is in the staff group but not registered. The places: each person's private chat with the
bot, the staff group, a group the bot does not know, and a channel.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from telegram import Bot, Poll, PollOption

from backend.services.dialogs import Flow
from bot.dialogs import load_dialog
from bot.fake_telegram import FakeBotApi, FakeChat, FakeUser, StoredMessage
from bot.fake_telegram.model import CallbackRecord
from bot.fake_telegram.updates import detect_entities

# ---- the cast and the places ----------------------------------------------------------------------

TENANT, NEIGHBOUR, AGENT, MANAGER, STRANGER = "tenant", "neighbour", "agent", "manager", "stranger"
TENANTS = (TENANT, NEIGHBOUR)
STAFF = (AGENT, MANAGER)
PEOPLE = (TENANT, NEIGHBOUR, AGENT, MANAGER, STRANGER)
PRIVATE, STAFF_GROUP, OTHER_GROUP = "private", "staff group", "other group"
PLACES = (PRIVATE, STAFF_GROUP, OTHER_GROUP)

ANONYMOUS_ADMIN = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
CHANNEL_BOT = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}

# ---- steps ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Say:
    """A text message (commands included: the fake adds the entities Telegram would)."""

    who: str
    where: str
    text: str


@dataclass(frozen=True)
class Edit:
    """The person edits their latest text message in that chat."""

    who: str
    where: str
    text: str


@dataclass(frozen=True)
class Press:
    """A callback button of a bot message: `message` 0 is the newest message with buttons, higher is an
    older (stale) one; `aged`: Telegram no longer shows the message's content (older than 48 h)."""

    who: str
    where: str
    message: int
    button: int
    aged: bool = False


@dataclass(frozen=True)
class Forge:
    """A callback query with made-up data on the newest bot message of that chat."""

    who: str
    where: str
    data: str


@dataclass(frozen=True)
class Borrow:
    """A button of `owner`'s private chat (their cases, their dialog) pressed in `who`'s private chat."""

    who: str
    owner: str
    message: int
    button: int


@dataclass(frozen=True)
class Share:
    """A shared contact: the person's own (`whose` = who), another person's, or an address-book entry."""

    who: str
    phone: str
    whose: str  # "own" | "other" | "book"


@dataclass(frozen=True)
class Media:
    who: str
    where: str
    kind: str  # photo | document | sticker | location | voice
    caption: str = ""


@dataclass(frozen=True)
class Advance:
    """What the dialog the person is in expects next (the `choice`-th acceptable answer): drives intakes,
    surveys and staff prompts through every step."""

    who: str
    choice: int = 0


@dataclass(frozen=True)
class Again:
    """The update sent `back` updates ago, with the same update_id (Telegram redelivers)."""

    back: int


@dataclass(frozen=True)
class Wait:
    """Time passes: the scheduler sweeps and the outbox is delivered."""

    minutes: int


@dataclass(frozen=True)
class Odd:
    """An update of an unusual shape: no sender, a channel post, an anonymous admin, a service message,
    an update type the bot does not ask for, a callback without message or data …"""

    kind: str
    text: str = ""


ODD_KINDS = (
    "private without from",
    "group without from",
    "channel post",
    "edited channel post",
    "anonymous admin in staff group",
    "anonymous admin in other group",
    "on behalf of a channel",
    "bot added to a group",
    "bot removed from the staff group",
    "new member in staff group",
    "inline query",
    "poll",
    "reaction",
    "unknown update type",
    "empty message",
    "forwarded",
    "callback without message",
    "callback without data",
    "callback from the staff group on a tenant card",
)

# ---- text -----------------------------------------------------------------------------------------

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
EMOJI = st.sampled_from(["😀", "👍🏽", "👨‍👩‍👧‍👦", "🇨🇳", "🔥", "💧", "❤️", "🧯", "\U0001fae0", "🅰️"])
RTL = st.characters(min_codepoint=0x0590, max_codepoint=0x06FF) | st.sampled_from(
    ["\u200f", "\u202e", "\u202b", "\u2067", "\u061c"]
)
CONTROL = st.characters(min_codepoint=1, max_codepoint=0x1F) | st.sampled_from(
    ["\x7f", "\x85", "\u200b", "\u200d", "\u2028", "\u2029", "\ufeff", "\ufffe", "\uffff"]
)
MARKUP = st.sampled_from(
    [
        "<",
        ">",
        "&",
        "&amp;",
        "<b>",
        "</i>",
        '<a href="tg://user?id=1">',
        "&#x27;",
        "\\",
        "_",
        "*",
        "`",
        "[",
        "](",
        "@everyone",
        "https://t.me/x",
        "#tag",
    ]
)
SPACE = st.sampled_from([" ", "\t", "\n", "\r\n", "\u3000", "\u00a0", "\u2003"])
ANY = st.characters(codec="utf-8", exclude_characters="\x00")
WORDS = st.sampled_from(
    [
        "楼道灯坏了",
        "电梯停了",
        "厨房有煤气味",
        "三十多户",
        "漏水",
        "2-1-301",
        "13812345678",
        "王芳",
        "是",
        "没有",
        "yes",
        "no",
        "QC-20261123-0001",
        "/status",
        "/cancel",
        "That's all",
        "✅ Submit",
        "Skip",
    ]
)
# Only through the webhook: what the databases cannot store (the route repairs it); Telegram's own
# getUpdates never carries it.
UNSTORABLE = st.sampled_from(["\x00", "\ud800", "\udfff"])
_SURROGATE = re.compile("[\ud800-\udfff]")


def _fragments(unstorable: bool) -> st.SearchStrategy[str]:
    parts = [WORDS, CJK, EMOJI, RTL, CONTROL, MARKUP, SPACE, ANY]
    return st.one_of(*parts, UNSTORABLE) if unstorable else st.one_of(*parts)


def _repeat(pair: tuple[str, int]) -> str:
    unit, size = pair
    return (unit * (size // len(unit) + 1))[:size]


def texts(*, unstorable: bool = False) -> st.SearchStrategy[str]:
    """What a person types: mostly short mixed text, sometimes nothing or blanks, sometimes huge (around
    the 1 024-character caption and 4 096-character message limits, and far beyond)."""
    fragments = _fragments(unstorable)
    short = st.lists(fragments, max_size=10).map("".join)
    blank = st.sampled_from(["", " ", "\n\n", "\u3000", "\u200b", "\t \r\n"])
    huge = st.tuples(
        st.lists(fragments, min_size=1, max_size=4).map("".join),
        st.sampled_from([1024, 1025, 2000, 4000, 4095, 4096, 4097, 5000, 12_000]),
    ).map(_repeat)
    return st.one_of(short, short, short, blank, huge)


def captions(*, unstorable: bool = False) -> st.SearchStrategy[str]:
    return st.one_of(st.just(""), texts(unstorable=unstorable))


# ---- commands -------------------------------------------------------------------------------------

COMMANDS = (
    "start",
    "help",
    "complain",
    "new",
    "mycases",
    "status",
    "cancel",
    "language",
    "join",
    "duty",
    "dashboard",
    "queue",
    "mine",
    "overdue",
    "case",
    "settings",
    "foo",
    "START",
    "Status",
    "start@qingchu_test_bot",
    "status@qingchu_test_bot",
    "queue@other_bot",
    "complain@other_bot",
)
CASE_NUMBERS = st.sampled_from(
    [
        "QC-20261123-0001",
        "QC-20261123-0002",
        "qc-20261123-0003",
        "QC-20261124-0001",
        "QC-20261123-",
        "QC-20261203-" + "1" * 28,
        "QC-99999999-0001",
        "QC-20261123-0001-0001",
    ]
)


def command_arguments(unstorable: bool) -> st.SearchStrategy[str]:
    return st.one_of(
        st.just(""),
        st.integers(min_value=1, max_value=60).map(
            lambda n: "1234567890" * (n // 10) + "7" * (n % 10)
        ),
        st.just("1" * 40),
        CASE_NUMBERS,
        st.sampled_from(
            ["xx", "en", "zh_CN", "zh-hant", "EN", "on", "off", "ABCDE-FGHJK", "-1", "0"]
        ),
        st.lists(CASE_NUMBERS, min_size=2, max_size=3).map(" ".join),
        texts(unstorable=unstorable),
    )


def command_texts(unstorable: bool = False) -> st.SearchStrategy[str]:
    """`/status` + 40 digits, `/cancel`, `/language xx`, `/start@bot payload`, unknown commands …"""
    return st.builds(
        lambda name, separator, arguments: (
            f"/{name}" + (separator + arguments if arguments else "")
        ),
        st.sampled_from(COMMANDS),
        st.sampled_from([" ", " ", "  ", "\n", "\u3000", ""]),
        command_arguments(unstorable),
    ) | st.sampled_from(
        ["/", "//status", "/ status", " /start", "/start" * 3, "/cancel QC-20261123-0001"]
    )


# ---- callback data --------------------------------------------------------------------------------

SCOPES = ("i", "m", "c", "l", "s", "q", "v", "x", "", "ii", "S")
ACTIONS = (
    "done",
    "safe",
    "cat",
    "cats",
    "unit_again",
    "phone_again",
    "name_again",
    "files_done",
    "expect_skip",
    "submit",
    "edit",
    "edit_field",
    "quit",
    "new",
    "mine",
    "help",
    "open",
    "zh_CN",
    "en",
    "xx",
    "claim",
    "start",
    "note",
    "resolve",
    "assign",
    "dept",
    "to",
    "recat",
    "setcat",
    "setsev",
    "escalate",
    "invalid",
    "yes",
    "no",
    "rate",
    "skip",
    "1",
    "999",
    "",
    "²",
    "2147483648",
    "99999999999999999999",
)
ARGUMENTS = st.one_of(
    st.just(""),
    st.integers(min_value=-5, max_value=10**20).map(str),
    st.sampled_from(
        [
            "1",
            "2",
            "1:1",
            "1:99",
            "1:x",
            "1:facility",
            "1:major",
            "1:1:1",
            "y:lift_trapped:deadbeef",
            "n:gas:",
            "QC-20261123-0001",
            "facility",
            "nonexistent",
            "describe",
            "summary",
            "confirm",
            "1:6",
            "1:0",
            "1:-1",
            "²",
            "٣",
            "1:²",
            "2147483648",
            "1:2147483648",
            "99999999999999999999",
            "1:99999999999999999999",
        ]
    ),
)


def _fit_64_bytes(data: str) -> str:
    kept, size = [], 0
    for (
        char
    ) in data:  # (a lone surrogate, which only the webhook path draws, counts as its 3 bytes)
        size += len(char.encode("utf-8", "surrogatepass"))
        if size > 64:
            break
        kept.append(char)
    return "".join(kept)


def anything(max_size: int, *, unstorable: bool = False) -> st.SearchStrategy[str]:
    """Any text (without NUL unless `unstorable`: see UNSTORABLE)."""
    return st.text(ANY | UNSTORABLE if unstorable else ANY, max_size=max_size)


def callback_data(*, unstorable: bool = False) -> st.SearchStrategy[str]:
    """Forged callback data, at most 64 bytes like Telegram's: our format with unknown scopes, actions and
    arguments, or anything at all."""
    structured = st.builds(
        lambda scope, action, argument: f"{scope}:{action}" + (f":{argument}" if argument else ""),
        st.sampled_from(SCOPES),
        st.sampled_from(ACTIONS),
        ARGUMENTS,
    )
    return (
        st.one_of(
            structured,
            structured,
            anything(64, unstorable=unstorable),
            texts(unstorable=unstorable),
        )
        .map(_fit_64_bytes)
        .map(lambda data: data or "x")
    )


# Numbers a forged button may carry where ours carry an id or a rating: the first case (id 1 exists once a
# case is filed), other scripts' digits, beyond the 32- and 64-bit id columns, not a number at all.
NUMBERS = st.sampled_from(
    [
        "1",
        "1",
        "2",
        "0",
        "5",
        "6",
        "²",
        "٣",
        "１",
        "2147483647",
        "2147483648",
        "9223372036854775808",
        "99999999999999999999",
        "-1",
        "1.5",
        " 1",
        "",
        "x",
    ]
)


def _join(*parts: str) -> str:
    return _fit_64_bytes(":".join(parts))


def staff_button_data() -> st.SearchStrategy[str]:
    """What a staff card's buttons carry (s:ACTION:CASE[:EXTRA]), forged."""
    actions = st.sampled_from(
        [
            "claim",
            "start",
            "note",
            "resolve",
            "assign",
            "dept",
            "to",
            "recat",
            "setcat",
            "setsev",
            "escalate",
            "invalid",
            "close",
            "reopen",
            "",
        ]
    )
    extra = NUMBERS | st.sampled_from(
        ["facility", "nonexistent", "major", "general", "urgent", "other"]
    )
    return st.one_of(
        st.builds(lambda a, c: _join("s", a, c), actions, NUMBERS),
        st.builds(lambda a, c, e: _join("s", a, c, e), actions, NUMBERS, extra),
    )


def tenant_button_data() -> st.SearchStrategy[str]:
    """What a tenant's buttons carry (survey, satisfaction question, their cases, the intake), forged."""
    return st.one_of(
        st.builds(
            lambda a, c: _join("v", a, c),
            st.sampled_from(["yes", "no", "skip", "rate", "x"]),
            NUMBERS,
        ),
        st.builds(lambda c, n: _join("v", "rate", c, n), NUMBERS, NUMBERS),
        st.builds(lambda s, n: _join("q", s, n), NUMBERS, NUMBERS),
        st.builds(lambda n: _join("c", "open", n), CASE_NUMBERS | NUMBERS),
        st.builds(lambda a, n: _join("i", a, n), st.sampled_from(ACTIONS), ARGUMENTS),
        st.builds(
            lambda code: _join("l", code), st.sampled_from(["zh_CN", "en", "xx", "", "zh_TW:1"])
        ),
    )


def phones(*, unstorable: bool = False) -> st.SearchStrategy[str]:
    return PHONES | anything(30, unstorable=unstorable)


PHONES = st.one_of(
    st.sampled_from(
        [
            "+8613812345678",
            "13812345678",
            "+86 138-1234-5678",
            "",
            "+",
            "abc",
            "1" * 40,
            "１３８１２３４５６７８",
            "٠١٣٨١٢٣٤٥٦٧٨",
            "+1 (555) 010-9999",
            "13812345678\n",
            "00861381234567",
            "138 1234 5678 ext. 9",
            "<b>138</b>",
            "+86\u200b13812345678",
        ]
    ),
    st.just("+86 138 1234 5678"),
)

# ---- steps ----------------------------------------------------------------------------------------

people = st.sampled_from(PEOPLE)
places = st.sampled_from(PLACES)
back = st.integers(min_value=0, max_value=8)


def steps(
    *,
    unstorable: bool = False,
    who: st.SearchStrategy[str] = people,
    where: st.SearchStrategy[str] = places,
    waits: bool = True,
) -> st.SearchStrategy[Any]:
    """One thing someone does. `unstorable`: text may hold what only a broken webhook body can (NUL,
    lone surrogates); `waits`: time may pass (hours: dialogs expire, surveys go out)."""
    said = texts(unstorable=unstorable) | command_texts(unstorable)
    waiting = (
        [st.builds(Wait, st.sampled_from([1, 30, 121, 5 * 60, 24 * 60, 4 * 24 * 60]))]
        if waits
        else []
    )
    # Forged buttons of the kind that matters where it matters, unless the caller fixed who and where.
    anyone = who is people
    tenants_at_home = (st.sampled_from(TENANTS), st.just(PRIVATE)) if anyone else (who, where)
    staff_at_work = (
        (st.sampled_from((*STAFF, STRANGER)), st.just(STAFF_GROUP)) if anyone else (who, where)
    )
    return st.one_of(
        st.builds(Say, who, where, said),
        st.builds(Say, who, where, said),
        st.builds(Edit, who, where, said),
        st.builds(Press, who, where, back, st.integers(min_value=0, max_value=20), st.booleans()),
        st.builds(Press, who, where, st.just(0), st.integers(min_value=0, max_value=20)),
        st.builds(Forge, who, where, callback_data(unstorable=unstorable)),
        st.builds(Forge, *tenants_at_home, tenant_button_data()),
        st.builds(Forge, *staff_at_work, staff_button_data()),
        st.builds(
            Borrow, who, st.sampled_from(PEOPLE), back, st.integers(min_value=0, max_value=20)
        ),
        st.builds(
            Share,
            who,
            phones(unstorable=unstorable),
            st.sampled_from(["own", "own", "other", "book"]),
        ),
        st.builds(
            Media,
            who,
            where,
            st.sampled_from(["photo", "document", "sticker", "location", "voice"]),
            captions(unstorable=unstorable),
        ),
        st.builds(Advance, who, st.integers(min_value=0, max_value=3)),
        st.builds(Advance, who, st.integers(min_value=0, max_value=3)),
        st.builds(Again, back),
        *waiting,
        st.builds(Odd, st.sampled_from(ODD_KINDS), said),
    )


def sessions(*, unstorable: bool = False, max_size: int = 25) -> st.SearchStrategy[list[Any]]:
    """Everyone does anything, anywhere; a tenant's complaint is usually under way (the list starts with
    a few steps that drive it) so staff buttons and case numbers exist to be pressed and forged."""
    driving = st.tuples(
        st.lists(st.builds(Advance, st.just(TENANT), st.integers(0, 2)), max_size=14),
        st.lists(
            st.builds(Advance, st.sampled_from((NEIGHBOUR, AGENT, MANAGER)), st.integers(0, 2)),
            max_size=6,
        ),
        st.lists(steps(unstorable=unstorable), min_size=1, max_size=max_size),
    )
    return driving.map(lambda parts: [step for part in parts for step in part])


def dialog_walks(*, who: str = TENANT, max_noise: int = 3) -> st.SearchStrategy[list[Any]]:
    """Every dialog step: the tenant starts an intake and, at each step, first does random things in their
    own chat, then gives the answer the step expects; then staff work the case (random input in the group
    before each of their steps), time passes (the follow-up survey), and the tenant goes on."""
    noise = steps(who=st.just(who), where=st.just(PRIVATE), waits=False)
    tenant_round = st.tuples(
        st.lists(noise, max_size=max_noise), st.builds(Advance, st.just(who), st.integers(0, 3))
    )
    staff_noise = steps(
        who=st.sampled_from((*STAFF, STRANGER)), where=st.just(STAFF_GROUP), waits=False
    )
    staff_round = st.tuples(
        st.lists(staff_noise, max_size=2),
        st.builds(Advance, st.sampled_from((AGENT, AGENT, MANAGER)), st.integers(0, 3)),
    )
    return st.tuples(
        st.lists(tenant_round, min_size=12, max_size=16),
        st.lists(staff_round, min_size=4, max_size=10),
        st.lists(st.builds(Wait, st.sampled_from([5 * 60, 24 * 60])), min_size=1, max_size=1),
        st.lists(tenant_round, min_size=2, max_size=5),
    ).map(_flatten)


def _flatten(parts: tuple[list[Any], ...]) -> list[Any]:
    flat: list[Any] = []
    for rounds in parts:
        for item in rounds:
            if isinstance(item, tuple):
                flat.extend(item[0])
                flat.append(item[1])
            else:
                flat.append(item)
    return flat


# ---- from steps to updates ------------------------------------------------------------------------


class Scene:
    """The people and chats of one example, and the updates their steps make (recorded in the fake, so the
    bot can reply to, edit and quote them as Telegram allows)."""

    def __init__(self, fake: FakeBotApi, bot: Bot, staff_chat_id: int) -> None:
        self.fake = fake
        self.up = fake.updates(bot)
        self.people: dict[str, FakeUser] = {
            TENANT: fake.add_user("王芳", language_code="zh-hans"),
            NEIGHBOUR: fake.add_user("Li", last_name="Wei", username="liwei", language_code="en"),
            AGENT: fake.add_user("小李", language_code="zh-hant"),
            MANAGER: fake.add_user("陈经理", language_code="zh-hans"),
            STRANGER: fake.add_user("路人", language_code="xx"),
        }
        self.staff_group = fake.add_group(
            "物业客服群",
            chat_id=staff_chat_id,
            members=[self.people[p] for p in (*STAFF, STRANGER)],
        )
        self.other_group = fake.add_group("业主群", members=[self.people[p] for p in TENANTS])
        self.channel = FakeChat(
            -1_009_999_000_001, "channel", title="物业公告", bot_status="administrator"
        )
        fake.chats[self.channel.id] = self.channel
        self.sent: list[dict[str, Any]] = []
        self.reached: set[str] = set()  # the dialog steps an Advance found people at

    # --- lookup ---------------------------------------------------------------------------------
    def chat(self, who: str, where: str) -> FakeChat:
        if where == STAFF_GROUP:
            return self.staff_group
        if where == OTHER_GROUP:
            return self.other_group
        return self.fake.chat(self.people[who])

    @classmethod
    def _with_buttons(cls, chat: FakeChat) -> list[StoredMessage]:
        """Bot messages with callback buttons, newest first."""
        return [m for m in reversed(chat.bot_messages()) if cls._callback_buttons(m)]

    @staticmethod
    def _callback_buttons(message: StoredMessage) -> list[str]:
        return [
            b["callback_data"]
            for row in (message.reply_markup or {}).get("inline_keyboard", [])
            for b in row
            if "callback_data" in b
        ]

    def _pick(
        self, chat: FakeChat, message: int, button: int, prefix: str = ""
    ) -> tuple[StoredMessage, str] | None:
        """A message with buttons (`message` 0 the newest) and one of its buttons; with `prefix`, one of
        the matching buttons of the newest message that has any."""
        messages = self._with_buttons(chat)
        if prefix:
            messages = [
                m for m in messages if any(d.startswith(prefix) for d in self._callback_buttons(m))
            ][:1]
        if not messages:
            return None
        chosen = messages[message % len(messages)]
        data = [d for d in self._callback_buttons(chosen) if d.startswith(prefix)]
        return chosen, data[button % len(data)]

    # --- building updates -----------------------------------------------------------------------
    def _keep(self, update: dict[str, Any]) -> dict[str, Any]:
        self.sent.append(update)
        return update

    def _message(self, user: FakeUser, chat: FakeChat, text: str, **extra: Any) -> dict[str, Any]:
        if not _SURROGATE.search(text):
            return self.up.text(user, text, chat=chat.id, **extra).to_dict()
        # The fake finds entities in UTF-16, which a lone surrogate cannot be encoded in: find them in a
        # copy of the same length, then send the text as it is.
        update = self.up.text(user, _SURROGATE.sub("\ufffd", text), chat=chat.id, **extra).to_dict()
        update["message"]["text"] = text
        return update

    def _callback(
        self, user: FakeUser, message: StoredMessage, data: str, *, aged: bool = False
    ) -> dict[str, Any]:
        update = self.up.callback(user, message, data).to_dict()
        if aged:  # Telegram keeps only the chat and the message id of a message older than 48 h
            old = update["callback_query"]["message"]
            update["callback_query"]["message"] = {
                "chat": old["chat"],
                "message_id": old["message_id"],
                "date": 0,
            }
        return update

    def _raw(
        self,
        chat: FakeChat,
        body: dict[str, Any],
        *,
        sender: dict[str, Any] | None,
        kind: str = "message",
    ) -> dict[str, Any]:
        data = {
            "message_id": chat.take_message_id(),
            "chat": chat.to_dict(),
            "date": self.fake.now(),
            **body,
        }
        if sender is not None:
            data["from"] = sender
        chat.messages[data["message_id"]] = StoredMessage(copy.deepcopy(data), outgoing=False)
        return {"update_id": self.fake.next_update_id(), kind: data}

    def _text_body(self, text: str) -> dict[str, Any]:
        body: dict[str, Any] = {"text": text}
        if entities := detect_entities(_SURROGATE.sub("\ufffd", text)):
            body["entities"] = entities
        return body

    def _raw_callback(
        self, user: FakeUser, message: dict[str, Any] | None, data: str | None
    ) -> dict[str, Any]:
        qid = self.fake.next_callback_id()
        chat_id = message["chat"]["id"] if message else None
        self.fake.callback_queries[qid] = CallbackRecord(
            qid,
            user.id,
            chat_id,
            message["message_id"] if message else None,
            data or "",
            self.fake.clock(),
        )
        query: dict[str, Any] = {"id": qid, "from": user.to_dict(), "chat_instance": "42"}
        if message is None:
            query["inline_message_id"] = "AAAAAAAAAAAAAAAA"
        else:
            query["message"] = message
        if data is None:
            query["game_short_name"] = "game"
        else:
            query["data"] = data
        return {"update_id": self.fake.next_update_id(), "callback_query": query}

    async def build(self, step: Any) -> dict[str, Any] | None:
        """The update `step` makes now, as Telegram would post it (None: nothing to do, e.g. no button to
        press yet)."""
        if isinstance(step, Again):
            if not self.sent:
                return None
            return copy.deepcopy(self.sent[-1 - step.back % len(self.sent)])
        update = await self._build(step)
        return None if update is None else self._keep(update)

    async def _build(self, step: Any) -> dict[str, Any] | None:
        match step:
            case Say(who, where, text):
                return self._message(self.people[who], self.chat(who, where), text)
            case Edit(who, where, text):
                person, chat = self.people[who], self.chat(who, where)
                own = [
                    m
                    for m in chat.transcript()
                    if not m.outgoing
                    and m.text is not None
                    and m.data.get("from", {}).get("id") == person.id
                ]
                if not own:
                    return None
                update = self.up.edit(own[-1], _SURROGATE.sub("\ufffd", text)).to_dict()
                update["edited_message"]["text"] = text
                return update
            case Press(who, where, message, button, aged):
                picked = self._pick(self.chat(who, where), message, button)
                return self._callback(self.people[who], *picked, aged=aged) if picked else None
            case Forge(who, where, data):
                chat = self.chat(who, where)
                messages = chat.bot_messages() or chat.transcript()
                return self._callback(self.people[who], messages[-1], data) if messages else None
            case Borrow(who, owner, message, button):
                picked = self._pick(self.chat(owner, PRIVATE), message, button)
                mine = self.chat(who, PRIVATE).bot_messages()
                return (
                    self._callback(self.people[who], mine[-1], picked[1])
                    if picked and mine
                    else None
                )
            case Share(who, phone, whose):
                person = self.people[who]
                if whose == "own":
                    return self.up.contact(person, phone).to_dict()
                if whose == "other":
                    other = self.people[NEIGHBOUR if who == TENANT else TENANT]
                    update = self.up.contact(person, phone, own=False).to_dict()
                    update["message"]["contact"].update(
                        user_id=other.id, first_name=other.first_name
                    )
                    return update
                return self.up.contact(person, phone, first_name="物业王师傅", own=False).to_dict()
            case Media(who, where, kind, caption):
                return self._media(self.people[who], self.chat(who, where), kind, caption)
            case Advance(who, choice):
                return await self._advance(who, choice)
            case Odd(kind, text):
                return self._odd(kind, text)
        raise TypeError(f"not a step: {step!r}")

    def _media(self, person: FakeUser, chat: FakeChat, kind: str, caption: str) -> dict[str, Any]:
        up = self.up
        if kind == "photo":
            return up.photo(person, caption=caption or None, chat=chat.id).to_dict()
        if kind == "document":
            name = (caption or "报告")[:200].replace("/", "_") + ".pdf"
            return up.document(
                person, caption=caption or None, file_name=name, chat=chat.id
            ).to_dict()
        if kind == "sticker":
            return up.sticker(person, chat=chat.id).to_dict()
        if kind == "location":
            latitude = float(len(caption) % 181 - 90)
            return up.location(
                person, latitude, -180.0 if caption else 180.0, chat=chat.id
            ).to_dict()
        return up.voice(person, chat=chat.id, duration=len(caption)).to_dict()

    # --- what each dialog step expects ------------------------------------------------------------
    async def _advance(self, who: str, choice: int) -> dict[str, Any] | None:
        person = self.people[who]
        if who in STAFF:
            return await self._advance_staff(person, choice)
        chat = self.chat(who, PRIVATE)
        dialog = await load_dialog(chat.id, person.id)
        self.reached.add(f"{dialog.flow}:{dialog.state}" if dialog else "no dialog")

        def say(text: str) -> dict[str, Any]:
            return self._message(person, chat, text)

        def press(prefix: str) -> dict[str, Any] | None:
            """The `choice`-th button starting with `prefix` on the newest message that has one."""
            picked = self._pick(chat, 0, choice, prefix)
            return self._callback(person, *picked) if picked else None

        if dialog is None:
            # A follow-up survey waiting: solved / 5 stars (1, 2) or not solved / 2 stars (3); else a new case.
            follow_up = self._pick(chat, 0, {1: 0, 2: 4, 3: 1}.get(choice, 0), "v:")
            if follow_up and choice:
                return self._callback(person, *follow_up)
            return (choice == 3 and press("m:new")) or say(
                ["/complain", "/new", "/complain", "/complain"][choice]
            )
        if dialog.flow == Flow.SURVEY:
            return say(["服务很好，谢谢", "师傅态度一般", "👍", "太慢了"][choice % 4])
        state, draft = dialog.state, dialog.draft
        if state == "describe":
            if not draft.parts or choice == 3:
                return say(
                    [
                        "楼道灯坏了，晚上很黑",
                        "电梯停了",
                        "厨房有很重的煤气味",
                        "我们这栋三十多户都停水了",
                    ][choice % 4]
                )
            return press("i:done")
        if state == "safety":
            return press("i:safe:") if choice % 2 else say(["没有", "是"][choice // 2 % 2])
        if state == "confirm":
            return press("i:cat:") or press("i:cats")
        if state == "unit":
            return (choice == 3 and press("i:unit_again")) or say(
                ["2-1-301", "3栋1单元1202", "商铺 A-12"][choice % 3]
            )
        if state == "phone":
            if choice == 1:
                return self.up.contact(person, "+86 138 1234 5678").to_dict()
            return (choice == 2 and press("i:phone_again")) or say("13812345678")
        if state == "name":
            return (choice % 2 and press("i:name_again")) or say(["王女士", "Mr. Li"][choice % 2])
        if state == "evidence":
            if choice == 1:
                return self.up.photo(person, caption="照片").to_dict()
            return press("i:files_done")
        if state == "expect":
            return say("希望尽快修好") if choice == 1 else press("i:expect_skip")
        if state == "summary":
            return press("i:edit") if choice == 3 else press("i:submit")
        return say("/cancel")

    async def _advance_staff(self, person: FakeUser, choice: int) -> dict[str, Any] | None:
        chat = self.staff_group
        dialog = await load_dialog(chat.id, person.id)
        self.reached.add(f"{dialog.flow}:{dialog.state}" if dialog else "staff without prompt")
        if dialog is not None:
            reply = [
                "师傅已到现场",
                "已更换灯泡，恢复正常",
                "不属于物业范围，请联系供电局",
                "需要主管协调",
            ][choice % 4]
            prompt = chat.bot_messages()[-1] if chat.bot_messages() else None
            return self.up.text(person, reply, chat=chat.id, reply_to=prompt).to_dict()
        cards = [
            m
            for m in self._with_buttons(chat)
            if any(d.startswith("s:") for d in self._callback_buttons(m))
        ]
        if not cards:
            return self._message(person, chat, "/queue")
        buttons = self._callback_buttons(cards[0])
        for action in ("claim", "start", "resolve", "note"):  # the usual way forward, mostly
            usual = [d for d in buttons if d.split(":")[1] == action]
            if usual and choice < 3:
                return self._callback(person, cards[0], usual[0])
        return self._callback(person, cards[0], buttons[choice % len(buttons)])

    # --- odd shapes --------------------------------------------------------------------------------
    def _odd(self, kind: str, text: str) -> dict[str, Any] | None:
        tenant, stranger = self.people[TENANT], self.people[STRANGER]
        private = self.chat(TENANT, PRIVATE)
        body = self._text_body(text or "/start")
        match kind:
            case "private without from":
                return self._raw(private, body, sender=None)
            case "group without from":
                return self._raw(self.other_group, body, sender=None)
            case "channel post":
                return self._raw(
                    self.channel,
                    {**body, "sender_chat": self.channel.to_dict()},
                    sender=None,
                    kind="channel_post",
                )
            case "edited channel post":
                update = self._raw(
                    self.channel,
                    {**body, "sender_chat": self.channel.to_dict()},
                    sender=None,
                    kind="edited_channel_post",
                )
                update["edited_channel_post"]["edit_date"] = self.fake.now()
                return update
            case "anonymous admin in staff group":
                return self._raw(
                    self.staff_group,
                    {**body, "sender_chat": self.staff_group.to_dict()},
                    sender=ANONYMOUS_ADMIN,
                )
            case "anonymous admin in other group":
                return self._raw(
                    self.other_group,
                    {**body, "sender_chat": self.other_group.to_dict()},
                    sender=ANONYMOUS_ADMIN,
                )
            case "on behalf of a channel":
                return self._raw(
                    self.other_group,
                    {**body, "sender_chat": self.channel.to_dict()},
                    sender=CHANNEL_BOT,
                )
            case "bot added to a group" | "bot removed from the staff group":
                added = kind == "bot added to a group"
                chat = self.other_group if added else self.staff_group
                change = {
                    "chat": chat.to_dict(),
                    "from": stranger.to_dict(),
                    "date": self.fake.now(),
                    "old_chat_member": {
                        "status": "left" if added else "administrator",
                        "user": self.fake.bot_user.to_dict(),
                        **({} if added else _ADMIN_RIGHTS),
                    },
                    "new_chat_member": {
                        "status": "member" if added else "left",
                        "user": self.fake.bot_user.to_dict(),
                    },
                }
                return {"update_id": self.fake.next_update_id(), "my_chat_member": change}
            case "new member in staff group":
                return self._raw(
                    self.staff_group,
                    {"new_chat_members": [stranger.to_dict()]},
                    sender=stranger.to_dict(),
                )
            case "inline query":
                return {
                    "update_id": self.fake.next_update_id(),
                    "inline_query": {
                        "id": "77",
                        "from": tenant.to_dict(),
                        "query": text[:256],
                        "offset": "",
                    },
                }
            case (
                "poll"
            ):  # built by the library, so it has whatever fields the current Bot API requires
                poll = Poll(
                    "5",
                    text[:300] or "?",
                    [PollOption("a", 1, persistent_id="0")],
                    1,
                    False,
                    True,
                    Poll.REGULAR,
                    False,
                    allows_revoting=False,
                    members_only=False,
                )
                return {"update_id": self.fake.next_update_id(), "poll": poll.to_dict()}
            case "reaction":
                target = private.transcript()
                return {
                    "update_id": self.fake.next_update_id(),
                    "message_reaction": {
                        "chat": private.to_dict(),
                        "message_id": target[-1].message_id if target else 1,
                        "user": tenant.to_dict(),
                        "date": self.fake.now(),
                        "old_reaction": [],
                        "new_reaction": [{"type": "emoji", "emoji": "👍"}],
                    },
                }
            case "unknown update type":
                return {
                    "update_id": self.fake.next_update_id(),
                    "future_update": {"id": 1, "text": text},
                }
            case "empty message":
                return self._raw(private, {}, sender=tenant.to_dict())
            case "forwarded":
                origin = {
                    "type": "user",
                    "sender_user": self.people[NEIGHBOUR].to_dict(),
                    "date": self.fake.now(),
                }
                return self._raw(
                    private, {**body, "forward_origin": origin}, sender=tenant.to_dict()
                )
            case "callback without message":
                return self._raw_callback(tenant, None, text[:64] or "m:new")
            case "callback without data":
                messages = private.bot_messages()
                return self._raw_callback(tenant, messages[-1].data, None) if messages else None
            case "callback from the staff group on a tenant card":
                cards = self._with_buttons(self.staff_group)
                if not cards:
                    return None
                return self._callback(tenant, cards[0], self._callback_buttons(cards[0])[0])
        raise ValueError(f"unknown odd kind {kind!r}")


_ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
}
