"""Intake-dialog benchmark: complete tenant dialogs through the real Application beside a bare echo bot.

    python bench/bench_dialog.py [--db sqlite|postgres|both] [--dialogs 200] [--profile]

For each database it creates a fresh, migrated database and drives --dialogs complete intake dialogs, each
by a different tenant, through bot.app.build_application and the in-process Bot API fake (bot.transport),
exactly as tests/bot/test_tenant_intake.py does:

    /complain, description, “That's all”, “✅ Correct”, unit, shared contact, “Call me …”, “Skip”,
    “Skip”, “✅ Submit”                                             (10 updates per dialog)

The baseline is a bare echo bot (one MessageHandler replying with the same text, one CallbackQueryHandler
answering) run through the same fake on the same number of updates of the same shapes, interleaved in
rounds with the dialogs so both see the same machine. Only Application.process_update is timed (building
the updates and finding the buttons is harness work, done between the timings, for both bots alike).
Target: the dialog's updates/s >= 25% of the echo bot's. Ratios compare numbers from one run only; absolute
rates on a noisy 2-core machine mean little. Nothing here asserts on timings.

By default the classifier is a keyword stand-in (NLP excluded: bench/bench_nlp.py measures it);
--classifier nlp uses the real nlp.classify. An untimed pass counts SQL statements (Tortoise's DEBUG log),
database round trips (driver calls, incl. BEGIN/COMMIT and asyncpg's pool reset) and Bot API calls per step.
--profile runs one more batch under cProfile and prints where the time per update goes.
"""

import argparse
import asyncio
import cProfile
import logging
import pstats
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite
import aiosqlite.core
import asyncpg
import asyncpg.connection
from benchdb import fresh_postgres, fresh_sqlite, postgres_answers
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE

from backend.clock import FrozenClock
from backend.config import load_settings
from backend.context import AppContext
from backend.db import tortoise_config
from backend.i18n import _
from backend.models import Case, Dialog, InboxUpdate, OutboxMessage
from bot.app import build_application
from bot.transport import FakeBotApi, FakeChat, FakeUser, StoredMessage, UpdateFactory

PG_DATABASE = "qingchu_bench_dialog"
DEFAULT_PG_SERVER = "postgres://postgres@127.0.0.1:5432"
TARGET_RATIO = 0.25
STAFF_CHAT_ID = -1001234567890
# Monday 23 November 2026, 10:00 in Shanghai: business hours (no duty alerts), one case counter day.
START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
SECONDS_PER_DIALOG = (
    3  # the frozen clock moves a little per dialog; 3000 dialogs stay within the day
)


def t(message: str, **values: object) -> str:
    """A button label as the tenant sees it (zh_CN), like tests/bot/conftest.py's t()."""
    return _(message, "zh_CN", **values)


# ---- what tenants say -------------------------------------------------------------------------------

PROBLEMS = [
    ("facility", "卫生间天花板一直在滴水，从昨晚开始"),
    ("facility", "电梯按键失灵，经常停在半层"),
    ("facility", "楼道灯坏了，晚上一片漆黑"),
    ("facility", "单元门禁刷卡没反应"),
    ("facility", "厨房下水道堵塞，水排不下去"),
    ("environment", "垃圾桶满了好几天没人清理"),
    ("environment", "楼道里有很大的异味"),
    ("noise", "楼上装修从早上七点就开始电钻"),
    ("noise", "空调外机噪音特别大，整夜睡不着"),
    ("parking", "我的固定车位被别人占用了"),
    ("parking", "电动车乱停乱放堵住单元门口"),
    ("billing", "公摊水电费金额明显偏高"),
    ("service", "客服电话一直没人接"),
    ("neighbor", "邻居在楼道堆放杂物"),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = [
    "芳",
    "伟",
    "娜",
    "敏",
    "静",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "霞",
]
CATEGORY_OF = {text: category for category, text in PROBLEMS}


@dataclass
class StandInTriage:
    """What the keyword stand-in says (the fields the bot and CaseService read), cf. tests/conftest.py."""

    category: str
    severity: str = "general"
    kind: str = "repair"
    confidence: float = 0.9
    alternatives: tuple[str, ...] = ("environment", "other")
    emergency: bool = False


def stand_in_classify(text: str) -> StandInTriage:
    """A dictionary lookup costing microseconds: the benchmark measures the bot and the case core."""
    category = next((code for phrase, code in CATEGORY_OF.items() if phrase in text), "other")
    return StandInTriage(category, kind="repair" if category == "facility" else "complaint")


def pick_classifier(name: str) -> tuple[Callable[[str], Any], str]:
    if name == "fake":
        return (
            stand_in_classify,
            "keyword stand-in (NLP excluded: bench/bench_nlp.py measures nlp.classify)",
        )
    try:
        import nlp
    except ImportError as exc:
        print(f"nlp is not importable ({exc}); using the keyword stand-in")
        return pick_classifier("fake")
    started = time.perf_counter()
    nlp.load()
    loaded = time.perf_counter() - started
    return nlp.classify, f"real nlp.classify (loaded in {loaded:.1f} s, outside the timings)"


def problems_for(classify: Callable[[str], Any]) -> list[str]:
    """The descriptions that walk the normal path (an emergency is filed early and asks other questions)."""
    texts = []
    for _category, text in PROBLEMS:
        triage = classify(text)
        if not (getattr(triage, "emergency", False) or getattr(triage, "severity", "") == "major"):
            texts.append(text)
    if not texts:
        raise SystemExit("the classifier calls every benchmark description an emergency")
    return texts


@dataclass
class Tenant:
    user: FakeUser
    description: str
    unit: str
    phone: str


class People:
    """Deterministic tenants, each with their own private chat in the fake."""

    def __init__(self, fake: FakeBotApi, problems: list[str]) -> None:
        self.fake, self.problems = fake, problems
        self.created: list[Tenant] = []

    def tenant(self) -> Tenant:
        i = len(self.created)
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i // len(SURNAMES)) % len(GIVEN)]
        user = self.fake.add_user(name, language_code="zh-hans")
        unit = f"{i % 30 + 1}-{i % 4 + 1}-{(i % 33) + 1}{i % 4 + 1:02d}"
        phone = f"+86 138 {i // 10_000 % 10_000:04d} {i % 10_000:04d}"
        tenant = Tenant(user, self.problems[i % len(self.problems)], unit, phone)
        self.created.append(tenant)
        return tenant


# ---- the two bots -----------------------------------------------------------------------------------

STEPS = (
    "/complain",
    "description",
    "“That's all”",
    "“✅ Correct”",
    "unit",
    "shared contact",
    "“Call me …”",
    "“Skip” (files)",
    "“Skip” (expectation)",
    "“✅ Submit”",
)
UPDATES_PER_DIALOG = len(STEPS)


def with_button(chat: FakeChat, label: str) -> StoredMessage:
    for message in reversed(chat.bot_messages()):
        if any(label == text for row in message.buttons for text, _ in row):
            return message
    last = chat.last().content if chat.bot_messages() else ""
    raise LookupError(f"no message with a button {label!r} in chat {chat.id}; last: {last!r}")


@dataclass
class Timings:
    """Seconds inside Application.process_update, per step of the dialog."""

    per_step: list[float] = field(default_factory=lambda: [0.0] * UPDATES_PER_DIALOG)
    dialogs: int = 0

    def add(self, other: "Timings") -> None:
        self.per_step = [a + b for a, b in zip(self.per_step, other.per_step, strict=True)]
        self.dialogs += other.dialogs

    @property
    def seconds(self) -> float:
        return sum(self.per_step)

    @property
    def updates(self) -> int:
        return self.dialogs * UPDATES_PER_DIALOG


class Driver:
    """Plays one tenant's dialog (or the echo equivalent) through one Application."""

    def __init__(self, app: Application, fake: FakeBotApi) -> None:
        self.app, self.fake = app, fake
        self.up: UpdateFactory = fake.updates(app.bot)

    async def _timed(self, timings: Timings, step: int, update: Update) -> None:
        started = time.perf_counter()
        await self.app.process_update(update)
        timings.per_step[step] += time.perf_counter() - started

    async def intake(self, tenant: Tenant, timings: Timings) -> None:
        up, user = self.up, tenant.user
        chat = self.fake.chat(user)

        def press(label: str) -> Update:
            return up.press(user, with_button(chat, label), label)

        plan: list[Callable[[], Update]] = [
            lambda: up.command(user, "complain"),
            lambda: up.text(user, tenant.description),
            lambda: press(t("That's all")),
            lambda: press(t("✅ Correct")),
            lambda: up.text(user, tenant.unit),
            lambda: up.contact(user, tenant.phone),
            lambda: press(t("Call me {name}", name=user.first_name)),
            lambda: press(t("Skip")),
            lambda: press(t("Skip")),
            lambda: press(t("✅ Submit")),
        ]
        for step, make in enumerate(plan):
            await self._timed(timings, step, make())
        timings.dialogs += 1

    async def echo(self, tenant: Tenant, timings: Timings) -> None:
        """The same update kinds in the same order; presses hit the bot's last message."""
        up, user = self.up, tenant.user
        chat = self.fake.chat(user)

        def press() -> Update:
            return up.callback(user, chat.last(), "i:done")

        plan: list[Callable[[], Update]] = [
            lambda: up.command(user, "complain"),
            lambda: up.text(user, tenant.description),
            press,
            press,
            lambda: up.text(user, tenant.unit),
            lambda: up.contact(user, tenant.phone),
            press,
            press,
            press,
            press,
        ]
        for step, make in enumerate(plan):
            await self._timed(timings, step, make())
        timings.dialogs += 1


def build_echo_application(fake: FakeBotApi) -> Application:
    """A bare PTB bot: echo every message, answer every button press."""

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        text = message.text or (message.contact.phone_number if message.contact else None) or "?"
        await message.reply_text(text)

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer()

    request = fake.request()
    application = (
        Application.builder()
        .token(fake.token)
        .request(request)
        .get_updates_request(request)
        .build()
    )
    application.add_handler(MessageHandler(filters.ALL, echo))
    application.add_handler(CallbackQueryHandler(answer))
    return application


# ---- counting ---------------------------------------------------------------------------------------


def verb_of(sql: object) -> str:
    words = str(sql).split(None, 1)
    return words[0].upper().strip(";") if words else "?"


class StatementCounter(logging.Handler):
    """Counts the SQL statements Tortoise logs on `tortoise.db_client` at DEBUG, by verb."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.verbs: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        sql = record.args[0] if isinstance(record.args, tuple) and record.args else record.msg
        verb = verb_of(sql)
        if verb in ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "PRAGMA"):
            self.verbs[verb] += 1


@contextmanager
def counting_statements(counter: StatementCounter) -> Iterator[None]:
    logger = logging.getLogger("tortoise.db_client")
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(counter)
    try:
        yield
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)
        logger.propagate = propagate


@dataclass
class RoundTrips:
    """Calls that wait for the database, by kind, with the time each kind kept the caller waiting."""

    count: Counter[str] = field(default_factory=Counter)
    seconds: Counter[str] = field(default_factory=Counter)

    def clear(self) -> None:
        self.count.clear()
        self.seconds.clear()

    async def timed(self, label: str, call: Awaitable[Any]) -> Any:
        started = time.perf_counter()
        try:
            return await call
        finally:
            self.count[label] += 1
            self.seconds[label] += time.perf_counter() - started


@contextmanager
def counting_round_trips(trips: RoundTrips) -> Iterator[None]:
    """Every call that waits for the database: an aiosqlite worker-thread hop, or an asyncpg message
    exchange (statements, BEGIN/COMMIT, and the reset query the pool runs when a connection is released)."""
    sqlite_execute = aiosqlite.core.Connection._execute
    pg_execute = asyncpg.connection.Connection.execute
    pg_private = asyncpg.connection.Connection._execute

    async def sqlite_hop(self, fn, *args, **kwargs):
        name = getattr(fn, "__name__", "?")
        label = (
            verb_of(args[0])
            if name in ("execute", "_execute_fetchall", "_execute_insert") and args
            else name.upper()
        )
        return await trips.timed(label, sqlite_execute(self, fn, *args, **kwargs))

    async def pg_simple(self, query, *args, **kwargs):
        if args:  # with arguments it goes through _execute, counted there
            return await pg_execute(self, query, *args, **kwargs)
        text = str(query).lstrip()
        label = (
            "pool reset"
            if text.startswith(("SELECT pg_advisory_unlock_all", "RESET", "CLOSE ALL"))
            else verb_of(text)
        )
        return await trips.timed(label, pg_execute(self, query, *args, **kwargs))

    async def pg_extended(self, query, *args, **kwargs):
        return await trips.timed(verb_of(query), pg_private(self, query, *args, **kwargs))

    aiosqlite.core.Connection._execute = sqlite_hop
    asyncpg.connection.Connection.execute = pg_simple
    asyncpg.connection.Connection._execute = pg_extended
    try:
        yield
    finally:
        aiosqlite.core.Connection._execute = sqlite_execute
        asyncpg.connection.Connection.execute = pg_execute
        asyncpg.connection.Connection._execute = pg_private


@dataclass
class StepCounts:
    statements: Counter[str] = field(default_factory=Counter)
    trips: Counter[str] = field(default_factory=Counter)
    trip_seconds: Counter[str] = field(default_factory=Counter)
    api: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


async def count_per_step(
    driver: Driver, people: People, clock: FrozenClock, n: int
) -> list[StepCounts]:
    """n more dialogs, untimed, with statements, round trips and Bot API calls counted per step."""
    steps = [StepCounts() for _ in STEPS]
    statement_counter, trips = StatementCounter(), RoundTrips()
    original = driver._timed

    async def counted(timings: Timings, step: int, update: Update) -> None:
        statement_counter.verbs.clear()
        trips.clear()
        calls = len(driver.fake.calls)
        started = time.perf_counter()
        await original(timings, step, update)
        steps[step].seconds += time.perf_counter() - started
        steps[step].statements.update(statement_counter.verbs)
        steps[step].trips.update(trips.count)
        steps[step].trip_seconds.update(trips.seconds)
        steps[step].api.update(call.method for call in driver.fake.calls[calls:])

    driver._timed = counted  # type: ignore[method-assign]
    try:
        with counting_statements(statement_counter), counting_round_trips(trips):
            for _ in range(n):
                clock.advance(seconds=SECONDS_PER_DIALOG)
                await driver.intake(people.tenant(), Timings())
    finally:
        del driver._timed
    return steps


# ---- profiling --------------------------------------------------------------------------------------

ROOT = str(Path(__file__).resolve().parents[1])
LAYERS = (
    ("/bot/transport/", "Bot API fake (harness)"),
    ("/tortoise/", "Tortoise ORM"),
    ("/pypika", "pypika (SQL building)"),
    ("/aiosqlite/", "aiosqlite"),
    ("/asyncpg/", "asyncpg"),
    ("/telegram/", "python-telegram-bot"),
    (f"{ROOT}/bot/", "bot/ (product)"),
    (f"{ROOT}/backend/", "backend/ (product)"),
    ("/babel/", "babel/gettext"),
    ("/gettext.py", "babel/gettext"),
    ("/asyncio/", "asyncio event loop"),
    ("/selectors.py", "asyncio event loop"),
    ("/json/", "json"),
    ("/logging/", "logging"),
    ("/copy.py", "copy.deepcopy (update factory)"),
)
BUILT_INS = (
    ("select.epoll", "idle in epoll (waiting for the database)"),
    ("SimpleQueue", "aiosqlite thread handoff (put_nowait)"),
    ("_socket.socket", "socket send/recv (asyncpg)"),
)
KEY_FUNCTIONS = (
    ("telegram/ext/_application.py", "process_update"),
    ("bot/app.py", "take_once"),
    ("bot/turn.py", "of"),
    ("bot/turn.py", "reply"),
    ("bot/turn.py", "answer"),
    ("bot/dialogs.py", "load_dialog"),
    ("bot/dialogs.py", "save_dialog"),
    ("bot/dialogs.py", "clear_dialog"),
    ("backend/services/cases.py", "submit"),
    ("bot/delivery.py", "deliver_due"),
    ("telegram/_bot.py", "_post"),
    ("bot/transport/request.py", "do_request"),
    ("tortoise/models.py", "get_or_none"),
    ("tortoise/models.py", "update_or_create"),
    ("tortoise/models.py", "create"),
    ("tortoise/backends/base/executor.py", "execute_select"),
    ("tortoise/backends/base/executor.py", "execute_insert"),
)


def layer_of(filename: str, name: str) -> str:
    if filename == "~":
        return next((layer for needle, layer in BUILT_INS if needle in name), "other C built-ins")
    return next(
        (layer for needle, layer in LAYERS if needle in filename),
        "other Python (stdlib, libraries)",
    )


def print_profile(profile: cProfile.Profile, updates: int, wall: float) -> None:
    stats = pstats.Stats(profile)
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, dict]] = stats.stats  # type: ignore[attr-defined]
    per_update = 1e6 / updates
    layers: Counter[str] = Counter()
    for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in raw.items():
        layers[layer_of(filename, name)] += tottime
    accounted = sum(layers.values())
    print(
        f"\n  profile (cProfile, main thread): {updates} updates, {wall:.2f} s wall, {wall / updates * 1e6:.0f} µs "
        f"per update; the profiler slows Python code down, so read shares, not absolute numbers"
    )
    print("    own time by layer (µs per update, share):")
    for layer, seconds in layers.most_common():
        if seconds * per_update >= 5:
            print(f"      {layer:42}{seconds * per_update:8.0f}  {seconds / accounted:6.1%}")
    print(
        "    inclusive time of key functions (µs per update; a coroutine counts only while it runs, "
        "and each resumption is one entry):"
    )
    for suffix, name in KEY_FUNCTIONS:
        for (filename, _line, fname), (_cc, nc, _tt, cumtime, _callers) in raw.items():
            if fname == name and filename.endswith(suffix):
                print(
                    f"      {suffix + ':' + name:58}{cumtime * per_update:8.0f}   entries/update {nc / updates:5.1f}"
                )
    print("    top 15 functions by own time:")
    top = sorted(raw.items(), key=lambda item: item[1][2], reverse=True)[:15]
    for (filename, line, name), (_cc, nc, tottime, _ct, _callers) in top:
        where = name if filename == "~" else f"{_short(filename)}:{line}({name})"
        print(f"      {tottime * per_update:7.0f} µs  {nc / updates:6.1f}×  {where}")


def _short(filename: str) -> str:
    for marker in ("site-packages/", f"{ROOT}/", "/lib/python3.11/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


# ---- databases --------------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    url: str
    driver: str
    cleanup: Callable[[], Awaitable[None]]


async def open_sqlite(keep: bool) -> Target:
    url, cleanup = await fresh_sqlite("qingchu-bench-dialog-", keep)
    return Target("sqlite", url, f"aiosqlite {aiosqlite.__version__}", cleanup)


async def open_postgres(server: str, keep: bool) -> Target:
    url, cleanup, _ = await fresh_postgres(server, PG_DATABASE, keep)
    return Target("postgres", url, f"asyncpg {asyncpg.__version__}", cleanup)


# ---- one database -----------------------------------------------------------------------------------


class ErrorCounter(logging.Handler):
    """Errors logged anywhere (the bot's on_error logs every failed update)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.name}: {record.getMessage()}")


@dataclass
class Outcome:
    name: str
    dialog: Timings | None = None
    echo: Timings | None = None
    steps: list[StepCounts] | None = None
    round_ratios: list[float] = field(default_factory=list)
    counted: int = 0
    sane: bool = True
    skipped: str = ""

    @property
    def dialog_rate(self) -> float:
        return self.dialog.updates / self.dialog.seconds

    @property
    def echo_rate(self) -> float:
        return self.echo.updates / self.echo.seconds

    @property
    def ratio(self) -> float:
        return self.dialog_rate / self.echo_rate

    def line(self) -> str:
        if self.skipped:
            return f"{self.name:9}skipped: {self.skipped}"
        verdict = "ok" if self.ratio >= TARGET_RATIO else "MISSED"
        return (
            f"{self.name:9}dialog {self.dialog_rate:.1f} updates/s "
            f"({self.dialog.dialogs / self.dialog.seconds:.1f} dialogs/s)  echo {self.echo_rate:.0f} updates/s  "
            f"ratio {self.ratio:.2f} (target >= {TARGET_RATIO:.2f}: {verdict})"
        )

    def per_update_line(self) -> str:
        if self.skipped or not self.steps:
            return ""
        updates = UPDATES_PER_DIALOG * self.counted
        statements = sum(sum(s.statements.values()) for s in self.steps)
        trips = sum(sum(s.trips.values()) for s in self.steps)
        calls = sum(sum(s.api.values()) for s in self.steps)
        return (
            f"{'':9}per update: {statements / updates:.1f} SQL statements, {trips / updates:.1f} database round "
            f"trips, {calls / updates:.1f} Bot API calls (echo: 0 / 0 / 1.0)"
        )


def per_update(counter_total: int, updates: int) -> str:
    return f"{counter_total / updates:.1f}"


def print_steps(dialog: Timings, echo: Timings, steps: list[StepCounts], counted: int) -> None:
    print(
        f"\n  per step (time: mean ms inside process_update over {dialog.dialogs} timed dialogs; "
        f"counts: mean over {counted} counted dialogs)"
    )
    print(
        f"    {'step':24}{'dialog ms':>10}{'echo ms':>9}{'SQL':>6}{'DB trips':>10}{'Bot API':>9}  statements"
    )
    for i, name in enumerate(STEPS):
        s = steps[i]
        detail = " ".join(f"{verb} {n / counted:.0f}" for verb, n in s.statements.most_common())
        print(
            f"    {name:24}{dialog.per_step[i] / dialog.dialogs * 1000:10.2f}{echo.per_step[i] / echo.dialogs * 1000:9.2f}"
            f"{sum(s.statements.values()) / counted:6.1f}{sum(s.trips.values()) / counted:10.1f}"
            f"{sum(s.api.values()) / counted:9.1f}  {detail}"
        )
    updates = counted * UPDATES_PER_DIALOG
    statements = Counter[str]()
    trips = Counter[str]()
    trip_seconds = Counter[str]()
    api = Counter[str]()
    for s in steps:
        statements.update(s.statements)
        trips.update(s.trips)
        trip_seconds.update(s.trip_seconds)
        api.update(s.api)
    waited = sum(trip_seconds.values())
    busy = sum(s.seconds for s in steps)
    print(
        f"    per update: {per_update(sum(statements.values()), updates)} SQL statements "
        f"({', '.join(f'{v} {n / updates:.2f}' for v, n in statements.most_common())})"
    )
    print(
        f"                {per_update(sum(trips.values()), updates)} database round trips "
        f"({', '.join(f'{v} {n / updates:.2f}' for v, n in trips.most_common())})"
    )
    print(
        f"                {waited / updates * 1e6:.0f} µs waiting on them of {busy / updates * 1e6:.0f} µs per update "
        f"(counted pass, {waited / busy:.0%}); mean µs per trip: "
        + ", ".join(f"{v} {trip_seconds[v] / n * 1e6:.0f}" for v, n in trips.most_common())
    )
    print(
        f"                {per_update(sum(api.values()), updates)} Bot API calls "
        f"({', '.join(f'{m} {n / updates:.2f}' for m, n in api.most_common())}); echo bot: 1.0"
    )


async def sanity(fake: FakeBotApi, tenants: list[Tenant], errors: ErrorCounter) -> bool:
    """N cases, one per tenant, each tenant one delivered receipt naming their case, no dialog left over."""
    problems = []
    cases = await Case.all().prefetch_related("complainant")
    by_tenant = defaultdict(list)
    for case in cases:
        by_tenant[case.complainant.telegram_id if case.complainant else None].append(case)
    receipts = await OutboxMessage.filter(kind="receipt").values_list("chat_id", "sent_at")
    receipts_by_chat = Counter(chat_id for chat_id, _sent in receipts)
    if len(cases) != len(tenants):
        problems.append(f"{len(cases)} cases for {len(tenants)} dialogs")
    for tenant in tenants:
        theirs = by_tenant.get(tenant.user.id, [])
        if len(theirs) != 1:
            problems.append(f"tenant {tenant.user.id} has {len(theirs)} cases")
            continue
        if receipts_by_chat[tenant.user.id] != 1:
            problems.append(
                f"tenant {tenant.user.id} got {receipts_by_chat[tenant.user.id]} receipts"
            )
        if not any(theirs[0].number in text for text in fake.chat(tenant.user).texts()):
            problems.append(
                f"tenant {tenant.user.id} never saw their case number {theirs[0].number}"
            )
    unsent = sum(1 for _chat, sent in receipts if sent is None)
    if unsent:
        problems.append(f"{unsent} receipts not sent")
    leftover = await Dialog.all().count()
    if leftover:
        problems.append(f"{leftover} dialogs left open")
    unanswered = fake.unanswered_callback_queries()
    if unanswered:
        problems.append(f"{len(unanswered)} button presses not answered")
    if errors.messages:
        problems.append(f"{len(errors.messages)} errors logged, first: {errors.messages[0]}")
    updates = await InboxUpdate.all().count()
    if problems:
        print("  sanity: FAILED: " + "; ".join(problems[:8]) + (" …" if len(problems) > 8 else ""))
        return False
    print(
        f"  sanity: ok: {len(cases)} cases for {len(tenants)} tenants, each tenant one receipt (sent, naming "
        f"their case), {updates} updates recorded, no dialog left open, every press answered, no errors"
    )
    return True


async def bench_database(
    target: Target, args: argparse.Namespace, classify: Callable[[str], Any], problems: list[str]
) -> Outcome:
    outcome = Outcome(target.name)
    clock = FrozenClock(START)
    fake = FakeBotApi()
    base = load_settings(env={}, env_file=None)
    settings = replace(
        base,
        database_url=target.url,
        bot_token=fake.token,
        staff_chat_id=STAFF_CHAT_ID,
        duty_phone="400-800-1234",
    )
    fake.add_group("物业客服群", chat_id=STAFF_CHAT_ID)
    ctx = AppContext.build(settings, clock, classify=classify)
    errors = ErrorCounter()
    logging.getLogger().addHandler(errors)
    await Tortoise.init(config=tortoise_config(target.url))
    app = build_application(ctx, request=fake.request(), rate_limit=False)
    echo_app = build_echo_application(fake)
    await app.initialize()
    await echo_app.initialize()
    print(f"\n== {target.name}: {target.url} ({target.driver})")
    try:
        dialog_people = People(fake, problems)
        echo_people = People(fake, problems)
        bot, echo_bot = Driver(app, fake), Driver(echo_app, fake)

        async def dialogs(n: int, timings: Timings) -> None:
            for _ in range(n):
                clock.advance(seconds=SECONDS_PER_DIALOG)
                await bot.intake(dialog_people.tenant(), timings)

        async def echoes(n: int, timings: Timings) -> None:
            for _ in range(n):
                await echo_bot.echo(echo_people.tenant(), timings)

        await dialogs(
            args.warmup, Timings()
        )  # imports, statement caches, catalogs, first pages of the files
        await echoes(args.warmup, Timings())
        dialog, echo = Timings(), Timings()
        rounds = max(1, min(args.rounds, args.dialogs))
        started = time.perf_counter()
        for r in range(rounds):
            chunk = args.dialogs // rounds + (1 if r < args.dialogs % rounds else 0)
            round_dialog, round_echo = Timings(), Timings()
            first, second = (echoes, round_echo), (dialogs, round_dialog)
            for run, timings in (first, second) if r % 2 == 0 else (second, first):
                await run(chunk, timings)
            dialog.add(round_dialog)
            echo.add(round_echo)
            outcome.round_ratios.append(
                (round_dialog.updates / round_dialog.seconds)
                / (round_echo.updates / round_echo.seconds)
            )
        wall = time.perf_counter() - started
        outcome.dialog, outcome.echo = dialog, echo
        print(
            f"  {args.dialogs} dialogs ({dialog.updates} updates) and {echo.updates} echo updates in {rounds} "
            f"interleaved rounds after {args.warmup} warm-up dialogs each; {wall:.1f} s wall "
            f"({dialog.seconds + echo.seconds:.1f} s inside process_update, the rest builds updates)"
        )
        print("  " + outcome.line())
        print(
            "  ratio per round: "
            + " ".join(f"{r:.3f}" for r in outcome.round_ratios)
            + "  (the spread is the machine's noise)"
        )

        counted = outcome.counted = max(1, args.count)
        outcome.steps = await count_per_step(bot, dialog_people, clock, counted)
        print_steps(dialog, echo, outcome.steps, counted)

        if args.profile:
            profile = cProfile.Profile()
            timings = Timings()
            started = time.perf_counter()
            profile.enable()
            await dialogs(args.profile_dialogs, timings)
            profile.disable()
            print_profile(profile, timings.updates, time.perf_counter() - started)

        outcome.sane = await sanity(fake, dialog_people.created, errors)
    finally:
        await echo_app.shutdown()
        await app.shutdown()
        await Tortoise.close_connections()
        logging.getLogger().removeHandler(errors)
    return outcome


def summary(outcomes: list[Outcome], classifier: str) -> None:
    print(f"\n== summary (updates/s inside Application.process_update; classifier: {classifier})")
    for outcome in outcomes:
        print(outcome.line())
        if outcome.per_update_line():
            print(outcome.per_update_line())
    if any(not o.skipped and o.ratio < TARGET_RATIO for o in outcomes):
        print("target missed: --profile shows where the time per update goes")


async def run(args: argparse.Namespace) -> int:
    classify, classifier = pick_classifier(args.classifier)
    problems = problems_for(classify)
    print(f"classifier: {classifier}")
    print(
        f"python-telegram-bot through bot.transport.FakeBotApi; {UPDATES_PER_DIALOG} updates per dialog; "
        f"echo baseline: MessageHandler reply_text + CallbackQueryHandler answer"
    )
    names = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    outcomes = []
    for name in names:
        if name == "postgres" and not postgres_answers(args.pg_server):
            print(f"\n== postgres: skipped, nothing answers at {args.pg_server}")
            outcomes.append(Outcome(name, skipped=f"nothing answers at {args.pg_server}"))
            continue
        # Tortoise caches each model's INSERT text per (connection name, table) for the whole process, so a
        # second database of another dialect under the same name "default" would reuse SQLite's "?" SQL.
        EXECUTOR_CACHE.clear()
        target = await (
            open_sqlite(args.keep) if name == "sqlite" else open_postgres(args.pg_server, args.keep)
        )
        try:
            outcomes.append(await bench_database(target, args, classify, problems))
        finally:
            await target.cleanup()
    summary(outcomes, classifier)
    return 0 if all(o.sane for o in outcomes) else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--dialogs", type=int, default=200, help="timed dialogs (and as many echo 'dialogs')"
    )
    parser.add_argument("--rounds", type=int, default=4, help="interleaved echo/dialog rounds")
    parser.add_argument("--warmup", type=int, default=10, help="untimed dialogs (and echoes) first")
    parser.add_argument(
        "--count", type=int, default=20, help="untimed dialogs with statements and calls counted"
    )
    parser.add_argument(
        "--classifier",
        choices=("fake", "nlp"),
        default="fake",
        help="fake: keyword stand-in (default, NLP excluded); nlp: the real nlp.classify",
    )
    parser.add_argument(
        "--profile", action="store_true", help="profile one more batch of dialogs with cProfile"
    )
    parser.add_argument("--profile-dialogs", type=int, default=50)
    parser.add_argument(
        "--pg-server",
        default=DEFAULT_PG_SERVER,
        help=f"PostgreSQL server; the database {PG_DATABASE} on it is dropped and created",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the SQLite file / PostgreSQL database"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    started = time.perf_counter()
    code = asyncio.run(run(args))
    print(f"(finished in {time.perf_counter() - started:.0f} s)")
    sys.exit(code)


if __name__ == "__main__":
    main()
