"""Intake-dialog benchmark: complete tenant dialogs through the real Application beside a durable echo bot.

    python bench/bench_dialog.py [--db sqlite|postgres|both] [--dialogs 200] [--profile]

For each database it creates a fresh, migrated database and drives --dialogs complete intake dialogs, each
by a different tenant, through bot.app.build_application and the in-process Bot API fake (bot.fake_telegram),
exactly as tests/bot/test_tenant_intake.py does:

    /complain, description, “That's all”, “✅ Correct”, unit, shared contact, “Call me …”, “Skip”,
    “Skip”, “✅ Submit”                                             (10 updates per dialog)

The baseline is a durable echo bot: the same PTB Application set-up fed the same number of updates of the
same shapes through the same fake, whose one handler records each update (one INSERT keyed by update_id,
one upsert of the chat's row) in one committed transaction on the dialog's own database connection, then
replies. A bare echo bot (MessageHandler reply_text, CallbackQueryHandler answer; no database) is timed
too, for information. The three run in alternating rounds so all see the same machine. Only
Application.process_update is timed (building the updates and finding the buttons is harness work, done
between the timings, for all bots alike). Target: the dialog's updates/s >= 50% of the durable echo's.
The last line is `dialog/durable-echo ratio: sqlite=X.XX postgres=Y.YY` (n/a: not measured).

By default the classifier is a keyword stand-in (NLP excluded: bench/bench_nlp.py measures it);
--classifier nlp uses the real nlp.classify. An untimed pass counts SQL statements (Tortoise's DEBUG log),
database round trips (driver calls, incl. BEGIN/COMMIT and asyncpg's pool reset) and Bot API calls per step.
--profile runs one more batch under cProfile and prints where the time per update goes.
"""

import argparse
import cProfile
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import benchkit
from benchdata import person_name
from benchkit import (
    NOISY,
    ORM_FUNCTIONS,
    STAFF_CHAT_ID,
    START,
    Chunk,
    ErrorCounter,
    RoundTrips,
    Series,
    StandInTriage,
    StatementCounter,
    Stopwatch,
    Target,
    alternate,
    counting_errors,
    counting_round_trips,
    counting_statements,
    for_each_database,
    noisy,
    print_profile,
    ratio_line,
    round_ratios,
    run_main,
    settings_for,
)
from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from backend.clock import FrozenClock
from backend.context import AppContext
from backend.i18n import _
from backend.models import Case, Dialog, InboxUpdate, OutboxMessage
from bot.app import build_application
from bot.fake_telegram import FakeBotApi, FakeChat, FakeUser, StoredMessage, UpdateFactory

TARGET_RATIO = 0.50
DIALOG, DURABLE, ECHO = "dialog", "durable echo", "bare echo"
# the frozen clock moves a little per dialog; 3000 dialogs stay within the day
SECONDS_PER_DIALOG = 3


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
CATEGORY_OF = {text: category for category, text in PROBLEMS}


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
        name = person_name(i)
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


# ---- the durable echo ----------------------------------------------------------------------------

ECHO_TABLES = (
    "CREATE TABLE IF NOT EXISTS bench_echo_update (update_id BIGINT PRIMARY KEY, "
    "chat_id BIGINT NOT NULL, kind VARCHAR(16) NOT NULL, received_at {timestamp} NOT NULL)",
    "CREATE TABLE IF NOT EXISTS bench_echo_chat (chat_id BIGINT PRIMARY KEY, "
    "updates INT NOT NULL, last_update_id BIGINT NOT NULL, updated_at {timestamp} NOT NULL)",
)
TIMESTAMP = {"sqlite": "TIMESTAMP", "postgres": "TIMESTAMPTZ"}
RECORD_UPDATE = (
    "INSERT INTO bench_echo_update (update_id, chat_id, kind, received_at) "
    "VALUES ({0}, {1}, {2}, {3})"
)
UPSERT_CHAT = (
    "INSERT INTO bench_echo_chat (chat_id, updates, last_update_id, updated_at) "
    "VALUES ({0}, 1, {1}, {2}) ON CONFLICT (chat_id) DO UPDATE SET "
    "updates = bench_echo_chat.updates + 1, last_update_id = excluded.last_update_id, "
    "updated_at = excluded.updated_at"
)


def placeholders(dialect: str, sql: str, n: int) -> str:
    return sql.format(*("?" if dialect == "sqlite" else f"${i + 1}" for i in range(n)))


async def create_echo_tables() -> None:
    conn = get_connection("default")
    for sql in ECHO_TABLES:
        await conn.execute_script(sql.format(timestamp=TIMESTAMP[conn.capabilities.dialect]))


def build_durable_echo_application(fake: FakeBotApi, clock: FrozenClock) -> Application:
    """The same PTB set-up as the echo bot, whose one handler first records the update durably: one
    INSERT keyed by update_id and one upsert of the chat's row, committed in one transaction on the
    dialog's own Tortoise connection (same driver, PRAGMAs and pool), then replies."""
    dialect = get_connection("default").capabilities.dialect
    record_update = placeholders(dialect, RECORD_UPDATE, 4)
    upsert_chat = placeholders(dialect, UPSERT_CHAT, 3)

    async def record_and_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = update.effective_chat.id
        kind = "callback_query" if update.callback_query else "message"
        now = clock.now()
        async with in_transaction() as conn:
            await conn.execute_query(record_update, [update.update_id, chat_id, kind, now])
            await conn.execute_query(upsert_chat, [chat_id, update.update_id, now])
        if update.callback_query:
            await update.callback_query.answer()
            return
        message = update.effective_message
        text = message.text or (message.contact.phone_number if message.contact else None) or "?"
        await message.reply_text(text)

    request = fake.request()
    application = (
        Application.builder()
        .token(fake.token)
        .request(request)
        .get_updates_request(request)
        .build()
    )
    application.add_handler(TypeHandler(Update, record_and_reply))
    return application


async def durable_echo_sane(updates: int) -> str:
    """ "" if the durable echo recorded every update it was given, else what is wrong."""
    conn = get_connection("default")
    recorded = (await conn.execute_query_dict("SELECT COUNT(*) AS n FROM bench_echo_update"))[0][
        "n"
    ]
    counted = (
        await conn.execute_query_dict("SELECT COALESCE(SUM(updates), 0) AS n FROM bench_echo_chat")
    )[0]["n"]
    if recorded == counted == updates:
        return ""
    return f"durable echo recorded {recorded} updates, counted {counted} per chat, of {updates}"


# ---- counting ---------------------------------------------------------------------------------------


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
    ("bot/fake_telegram/request.py", "do_request"),
    *ORM_FUNCTIONS,
)


# ---- one database -----------------------------------------------------------------------------------


@dataclass
class Outcome:
    name: str
    dialog: Timings | None = None
    echo: Timings | None = None
    durable: Timings | None = None
    series: dict[str, Series] = field(default_factory=dict)
    steps: list[StepCounts] | None = None
    durable_trips: RoundTrips | None = None
    counted: int = 0
    sane: bool = True
    skipped: str = ""
    dialog_tenants: list[Tenant] = field(default_factory=list)
    durable_updates: int = 0

    def ratio(self, baseline: str) -> float:
        return self.series[DIALOG].rate / self.series[baseline].rate

    def lines(self) -> list[str]:
        if self.skipped:
            return [f"{self.name:9}skipped: {self.skipped}"]
        verdict = "ok" if self.ratio(DURABLE) >= TARGET_RATIO else "MISSED"
        dialog = self.series[DIALOG]
        return [
            f"{self.name:9}dialog {dialog.rate:.1f} updates/s ({dialog.rate / UPDATES_PER_DIALOG:.1f} "
            f"dialogs/s)  durable echo {self.series[DURABLE].rate:.0f} updates/s  ratio "
            f"{self.ratio(DURABLE):.2f} (target >= {TARGET_RATIO:.2f}: {verdict})",
            f"{'':9}bare echo {self.series[ECHO].rate:.0f} updates/s  dialog/bare-echo ratio "
            f"{self.ratio(ECHO):.3f} (informational: the bare echo writes nothing)",
        ]

    def per_update_line(self) -> str:
        if self.skipped or not self.steps:
            return ""
        updates = UPDATES_PER_DIALOG * self.counted
        statements = sum(sum(s.statements.values()) for s in self.steps)
        trips = sum(sum(s.trips.values()) for s in self.steps)
        calls = sum(sum(s.api.values()) for s in self.steps)
        durable = ""
        if self.durable_trips is not None:
            durable = (
                f"; durable echo: 2 / {sum(self.durable_trips.count.values()) / updates:.1f} / 1.0"
            )
        return (
            f"{'':9}per update: {statements / updates:.1f} SQL statements, {trips / updates:.1f} database round "
            f"trips, {calls / updates:.1f} Bot API calls{durable}"
        )


def per_update(counter_total: int, updates: int) -> str:
    return f"{counter_total / updates:.1f}"


def print_steps(
    outcome: Outcome, steps: list[StepCounts], counted: int, durable_trips: RoundTrips
) -> None:
    dialog, echo, durable = outcome.dialog, outcome.echo, outcome.durable
    print(
        f"\n  per step (time: mean ms inside process_update over {dialog.dialogs} timed dialogs; "
        f"counts: mean over {counted} counted dialogs)"
    )
    print(
        f"    {'step':24}{'dialog ms':>10}{'durable':>9}{'echo ms':>9}{'SQL':>6}{'DB trips':>10}"
        f"{'Bot API':>9}  statements"
    )
    for i, name in enumerate(STEPS):
        s = steps[i]
        detail = " ".join(f"{verb} {n / counted:.0f}" for verb, n in s.statements.most_common())
        print(
            f"    {name:24}{dialog.per_step[i] / dialog.dialogs * 1000:10.2f}"
            f"{durable.per_step[i] / durable.dialogs * 1000:9.2f}"
            f"{echo.per_step[i] / echo.dialogs * 1000:9.2f}"
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
        f"({', '.join(f'{m} {n / updates:.2f}' for m, n in api.most_common())}); echo bots: 1.0"
    )
    d = durable_trips
    print(
        f"    durable echo per update: 2 SQL statements, {per_update(sum(d.count.values()), updates)} "
        f"database round trips ({', '.join(f'{v} {n / updates:.2f}' for v, n in d.count.most_common())}), "
        f"{sum(d.seconds.values()) / updates * 1e6:.0f} µs waiting on them"
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


async def count_durable_echo(driver: Driver, people: People, n: int) -> RoundTrips:
    """Round trips of n more durable-echo 'dialogs', untimed."""
    trips = RoundTrips()
    with counting_round_trips(trips):
        for _ in range(n):
            await driver.echo(people.tenant(), Timings())
    return trips


async def bench_database(
    target: Target, args: argparse.Namespace, classify: Callable[[str], Any], problems: list[str]
) -> Outcome:
    outcome = Outcome(target.name)
    clock = FrozenClock(START)
    fake = FakeBotApi()
    settings = settings_for(target.url, bot_token=fake.token)
    fake.add_group("物业客服群", chat_id=STAFF_CHAT_ID)
    ctx = AppContext.build(settings, clock, classify=classify)
    await create_echo_tables()
    apps = {
        DIALOG: build_application(ctx, request=fake.request(), rate_limit=False),
        DURABLE: build_durable_echo_application(fake, clock),
        ECHO: build_echo_application(fake),
    }
    for app in apps.values():
        await app.initialize()
    print(f"\n== {target.name}: {target.url} ({target.driver})")
    try:
        with counting_errors() as errors:
            await _bench(outcome, args, clock, fake, apps, problems)
            durable_problem = await durable_echo_sane(outcome.durable_updates)
            outcome.sane = await sanity(fake, outcome.dialog_tenants, errors)
            if durable_problem:
                print(f"  sanity: FAILED: {durable_problem}")
                outcome.sane = False
    finally:
        for app in apps.values():
            await app.shutdown()
    return outcome


async def _bench(
    outcome: Outcome,
    args: argparse.Namespace,
    clock: FrozenClock,
    fake: FakeBotApi,
    apps: dict[str, Application],
    problems: list[str],
) -> None:
    people = {name: People(fake, problems) for name in apps}
    drivers = {name: Driver(app, fake) for name, app in apps.items()}
    timings = {name: Timings() for name in apps}

    async def play(name: str, n: int, into: Timings) -> None:
        for _i in range(n):
            if name == DIALOG:
                clock.advance(seconds=SECONDS_PER_DIALOG)
                await drivers[name].intake(people[name].tenant(), into)
            else:
                await drivers[name].echo(people[name].tenant(), into)

    def chunk(name: str) -> Chunk:
        async def run(lo: int, hi: int) -> tuple[int, float]:
            round_timings = Timings()
            await play(name, hi - lo, round_timings)
            timings[name].add(round_timings)
            return round_timings.updates, round_timings.seconds

        return run

    for name in apps:  # imports, statement caches, catalogs, first pages of the files
        await play(name, args.warmup, Timings())
    rounds = max(1, min(args.rounds, args.dialogs))
    started = time.perf_counter()
    outcome.series = await alternate(args.dialogs, rounds, {name: chunk(name) for name in apps})
    wall = time.perf_counter() - started
    outcome.dialog, outcome.durable, outcome.echo = timings[DIALOG], timings[DURABLE], timings[ECHO]
    inside = sum(t.seconds for t in timings.values())
    print(
        f"  {args.dialogs} dialogs ({outcome.dialog.updates} updates), as many durable-echo and bare-echo "
        f"updates, in {rounds} alternating rounds after {args.warmup} warm-up dialogs each; {wall:.1f} s "
        f"wall ({inside:.1f} s inside process_update, the rest builds updates)"
    )
    for line in outcome.lines():
        print("  " + line)
    ratios = round_ratios(outcome.series[DIALOG], outcome.series[DURABLE])
    print(
        "  dialog/durable-echo per round: "
        + " ".join(f"{r:.3f}" for r in ratios)
        + "  (the spread is the machine's noise)"
    )
    if noisy(ratios):
        print(f"  {NOISY}")

    counted = outcome.counted = max(1, args.count)
    outcome.steps = await count_per_step(drivers[DIALOG], people[DIALOG], clock, counted)
    outcome.durable_trips = await count_durable_echo(drivers[DURABLE], people[DURABLE], counted)
    print_steps(outcome, outcome.steps, counted, outcome.durable_trips)

    if args.profile:
        profile = cProfile.Profile()
        profiled = Timings()
        started = time.perf_counter()
        profile.enable()
        await play(DIALOG, args.profile_dialogs, profiled)
        profile.disable()
        print_profile(
            profile, profiled.updates, time.perf_counter() - started, "update", KEY_FUNCTIONS
        )
    outcome.dialog_tenants = people[DIALOG].created
    outcome.durable_updates = len(people[DURABLE].created) * UPDATES_PER_DIALOG


def summary(outcomes: list[Outcome], classifier: str, stopwatch: Stopwatch) -> None:
    print(f"\n== summary (updates/s inside Application.process_update; classifier: {classifier})")
    for outcome in outcomes:
        for line in outcome.lines():
            print(line)
        if outcome.per_update_line():
            print(outcome.per_update_line())
    if any(not o.skipped and o.ratio(DURABLE) < TARGET_RATIO for o in outcomes):
        print("target missed: --profile shows where the time per update goes")
    print(stopwatch.finished())
    print(
        ratio_line(
            "dialog/durable-echo",
            {o.name: o.ratio(DURABLE) for o in outcomes if not o.skipped},
        )
    )


async def run(args: argparse.Namespace) -> int:
    stopwatch = Stopwatch()
    classify, classifier = pick_classifier(args.classifier)
    problems = problems_for(classify)
    print(f"classifier: {classifier}")
    print(
        f"python-telegram-bot through bot.fake_telegram.FakeBotApi; {UPDATES_PER_DIALOG} updates per dialog; "
        "durable echo: one handler recording the update (INSERT by update_id, upsert of the chat's row, "
        "one transaction) then replying; bare echo: MessageHandler reply_text + CallbackQueryHandler answer"
    )
    outcomes = await for_each_database(
        args,
        lambda target: bench_database(target, args, classify, problems),
        lambda name, reason: Outcome(name, skipped=reason),
    )
    summary(outcomes, classifier, stopwatch)
    return 0 if all(o.sane for o in outcomes) else 1


def main() -> None:
    parser = benchkit.parser(__doc__, "qingchu_bench_dialog", seed=None)
    parser.add_argument(
        "--dialogs",
        type=int,
        default=200,
        help="timed dialogs (and as many durable-echo and bare-echo 'dialogs')",
    )
    parser.add_argument("--rounds", type=int, default=6, help="alternating rounds")
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
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    run_main(lambda: run(args))


if __name__ == "__main__":
    main()
