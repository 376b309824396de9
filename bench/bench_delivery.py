"""Delivery benchmark: a burst of cases through the outbox into the in-process Bot API fake, within Telegram's limits.

    python bench/bench_delivery.py [--cases 1000] [--claims 200] [--seed 2026]

What the issue asks: "1 000 cases submitted in a burst -> time until every card is delivered within the rate
limits, with the count of Bot API calls made per case (fewer is better)". Everything runs on SQLite (a fresh
migrated file in a temporary directory, removed at the end) and on the FakeBotApi of bot.fake_telegram, through the
Application's own Bot (bot.app.build_application), exactly as tests/bot/conftest.py builds it.

Time is simulated. The FrozenClock of the AppContext is also the fake's clock, so every Bot API call carries the
simulated second it was made in. The delivery loop is the production one (bot.app.delivery_loop): one SendBudget
for the whole run, one bot.delivery.deliver_due per round, then the clock moves 1 s, until no outbox row is
pending. Rate windows (20 messages a minute into a group, 30 a second overall) are computed here from those
timestamps; the fake runs with enforce_rate_limits=False, so a breach would show as a number, not as a 429.

Scenarios
  1. burst:   --cases cases at one instant (Monday 10:00 Shanghai, business hours): each tenant gets a receipt,
              the staff group a card, ~30% a card photo, ~2% (major) an alert to each of the 2 managers.
  2. claims:  after delivery, agents claim --claims cases (each: tenant update, card refresh, owner brief); every
              second claimed case is also started at once (one more card refresh), so several refreshes of one
              card are pending together and must collapse into one editMessageText.
  3. speed:   wall-clock rows/s of deliver_due with an unlimited budget beside the same Bot API calls replayed
              straight through the same Bot and fake (bot.send_message / send_photo, no database), in
              alternating rounds; the ratio is what matters, absolute rates on a noisy machine mean little.

No timing is asserted anywhere. Correctness checks (every row sent once, no duplicate message, no 429, windows
within the limits) are printed as "ok" or "PROBLEM" lines.
"""

import argparse
import asyncio
import gc
import logging
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from benchdata import person_name
from benchkit import (
    START,
    ErrorCounter,
    StandInTriage,
    StatementCounter,
    Stopwatch,
    counting_errors,
    counting_statements,
    fresh_sqlite,
    settings_for,
    without_incidents,
)
from telegram import Bot, InlineKeyboardMarkup
from telegram.ext import Application
from tortoise import Tortoise

from backend.clock import FrozenClock
from backend.context import AppContext
from backend.db import tortoise_config
from backend.domain import Role
from backend.domain.commands import Claim, Start
from backend.models import Case, OutboxMessage, Staff
from backend.services.actors import Actor
from backend.services.drafts import AttachmentDraft, CaseDraft
from backend.services.outbox import OutboxKind
from bot.app import build_application
from bot.budget import GLOBAL_PER_SECOND, GROUP_PER_MINUTE, SendBudget
from bot.delivery import BATCH, deliver_due
from bot.fake_telegram import ApiCall, FakeBotApi, FakeUser
from bot.fake_telegram.fake_api import max_in_window
from bot.fake_telegram.methods import MESSAGE_METHODS

PHOTO_SHARE = 0.30
MAJOR_EVERY = 50  # 2% of the cases are major: the two managers get an alert each
MANAGERS = 2
AGENTS = 4
# simulated pause between the end of the burst's delivery and the staff's claims
STAFF_PAUSE_S = 300
MAX_ROUNDS = 6 * 3600  # six simulated hours: a loop that never drains stops here and says so

PROBLEMS = [
    ("facility", "卫生间天花板一直在滴水，从昨晚开始"),
    ("facility", "电梯按键失灵，经常停在半层"),
    ("facility", "楼道灯坏了，晚上一片漆黑"),
    ("facility", "单元门禁刷卡没反应"),
    ("environment", "垃圾桶满了好几天没人清理"),
    ("environment", "楼道里有很大的异味"),
    ("noise", "楼上装修从早上七点就开始电钻"),
    ("noise", "空调外机噪音特别大，整夜睡不着"),
    ("parking", "我的固定车位被别人占用了"),
    ("parking", "电动车乱停乱放堵住单元门口"),
    ("billing", "公摊水电费金额明显偏高"),
    ("neighbor", "邻居在楼道堆放杂物"),
]
MAJOR_PROBLEMS = ["地下车库闻到很浓的煤气味", "电梯困人，有人困在电梯里", "配电房冒烟，好像着火了"]
MAJOR_WORDS = ("煤气", "困在电梯", "着火")
LOCALES = ["zh_CN"] * 17 + ["en", "zh_TW"]  # ~90% simplified Chinese
CATEGORY_OF = {text: category for category, text in PROBLEMS}
CASE_NUMBER = re.compile(r"<b>([^<]+)</b>")


def stand_in_classify(text: str) -> StandInTriage:
    """Microseconds per call: this benchmark measures delivery, not NLP (bench/bench_nlp.py does)."""
    if any(word in text for word in MAJOR_WORDS):
        return StandInTriage("security", severity="major", kind="complaint", emergency=True)
    category = CATEGORY_OF.get(text, "other")
    return StandInTriage(category, kind="repair" if category == "facility" else "complaint")


# ---- the world ----------------------------------------------------------------------------------------


@dataclass
class World:
    ctx: AppContext
    clock: FrozenClock
    fake: FakeBotApi
    app: Application
    budget: SendBudget
    staff_chat: int
    tenants: list[FakeUser] = field(default_factory=list)
    managers: list[FakeUser] = field(default_factory=list)
    agents: list[Staff] = field(default_factory=list)
    photos: list[str] = field(default_factory=list)  # file ids the fake knows

    @property
    def bot(self) -> Bot:
        return self.app.bot

    @property
    def t(self) -> float:
        """The simulated clock as the fake records it (Unix seconds)."""
        return self.clock.now().timestamp()


async def build_world(url: str, tenants: int) -> World:
    clock = FrozenClock(START)
    # The fake's clock is the simulated one: every ApiCall.timestamp is a simulated second.
    fake = FakeBotApi(
        enforce_rate_limits=False,
        clock=lambda: clock.now().timestamp(),
        wall_clock=lambda: clock.now().timestamp(),
    )
    # one card per case, as the replay of its Bot API calls expects (bench_storm measures incident cards)
    settings = without_incidents(settings_for(url, bot_token=fake.token, staff_topics=False))
    staff_chat = settings.staff_chat_id
    fake.add_group("物业客服群", chat_id=staff_chat)
    ctx = AppContext.build(settings, clock, classify=stand_in_classify)
    await Tortoise.init(config=tortoise_config(url))
    app = build_application(ctx, request=fake.request(), rate_limit=False)
    await app.initialize()
    world = World(ctx, clock, fake, app, SendBudget(), staff_chat)
    for i in range(tenants):
        world.tenants.append(fake.add_user(person_name(i), language_code="zh-hans"))
    for i in range(MANAGERS):
        user = fake.add_user(f"经理{i + 1}")
        await Staff.create(
            telegram_id=user.id, name=f"刘经理{i + 1}", role=Role.MANAGER, created_at=START
        )
        world.managers.append(user)
    for i in range(AGENTS):
        user = fake.add_user(f"客服{i + 1}")
        world.agents.append(
            await Staff.create(
                telegram_id=user.id,
                name=f"客服小{'王李张赵'[i % 4]}",
                role=Role.AGENT,
                created_at=START,
            )
        )
    for i in range(40):
        world.photos.append(fake.add_file("photo", f"jpeg-bytes-{i}".encode() * 64).file_id)
    return world


# ---- scenario 1: the burst ------------------------------------------------------------------------------


@dataclass
class Burst:
    cases: list[Case]
    photos: int  # cases with at least one photo
    majors: int
    wall: float


def draft_for(
    world: World, i: int, rng: random.Random, *, first: int = 0
) -> tuple[CaseDraft, bool, bool]:
    tenant = world.tenants[i % len(world.tenants)]
    major = (first + i) % MAJOR_EVERY == MAJOR_EVERY // 2
    text = MAJOR_PROBLEMS[i % len(MAJOR_PROBLEMS)] if major else PROBLEMS[i % len(PROBLEMS)][1]
    photos = []
    if rng.random() < PHOTO_SHARE:
        for n in range(rng.choice((1, 1, 1, 2, 3))):
            photos.append(
                AttachmentDraft(
                    file_id=world.photos[(i + n) % len(world.photos)],
                    kind="photo",
                    file_unique_id=f"u-{i}-{n}",
                )
            )
    draft = CaseDraft(
        description=text,
        unit=f"{i % 30 + 1}-{i % 4 + 1}-{(i % 33) + 1}{i % 4 + 1:02d}",
        contact_name=tenant.first_name,
        contact_phone=f"+86 138 {i // 10_000 % 10_000:04d} {i % 10_000:04d}",
        telegram_id=tenant.id,
        locale=LOCALES[i % len(LOCALES)],
        attachments=photos,
        client_key=f"bench-{first + i}",
    )
    return draft, bool(photos), major


async def submit_burst(world: World, n: int, rng: random.Random, *, first: int = 0) -> Burst:
    cases, photos, majors = [], 0, 0
    started = time.perf_counter()
    for i in range(n):
        draft, has_photo, major = draft_for(world, i, rng, first=first)
        cases.append(await world.ctx.cases.submit(draft, Actor.system("bench")))
        photos += has_photo
        majors += major
    return Burst(cases, photos, majors, time.perf_counter() - started)


@dataclass
class Drain:
    """One run of the delivery loop until nothing is pending."""

    started_at: float  # simulated
    first_call: int  # index into fake.calls
    rounds: int = 0
    busy_rounds: int = 0  # rounds that sent something
    sent: int = 0
    retried: int = 0
    failed: int = 0
    wall_deliver: float = 0.0  # inside deliver_due
    wall_total: float = 0.0  # the whole loop, incl. the pending count per round
    drained: bool = True

    @property
    def simulated(self) -> int:
        return self.rounds - 1


async def pending_rows() -> int:
    return await OutboxMessage.filter(sent_at=None, failed_at=None).count()


async def drain(world: World, batch: int = BATCH) -> Drain:
    """The production loop (bot.app.delivery_loop) on simulated time: deliver, then 1 s later again."""
    run = Drain(world.t, len(world.fake.calls))
    started = time.perf_counter()
    while True:
        tick = time.perf_counter()
        report = await deliver_due(world.ctx, world.bot, budget=world.budget, batch=batch)
        run.wall_deliver += time.perf_counter() - tick
        run.rounds += 1
        run.sent, run.retried, run.failed = (
            run.sent + report.sent,
            run.retried + report.retried,
            run.failed + report.failed,
        )
        run.busy_rounds += bool(report.sent or report.retried or report.failed)
        if not await pending_rows():
            break
        if run.rounds >= MAX_ROUNDS:
            run.drained = False
            break
        world.clock.advance(seconds=1)
    run.wall_total = time.perf_counter() - started
    return run


class Unlimited:
    """A budget that never says no: the delivery code's own speed, without the limits."""

    async def take(self, chat_id: int, now: datetime) -> object:
        return chat_id

    async def give_back(self, slot: object, now: datetime) -> None:
        pass

    async def prune(self, now: datetime) -> None:
        pass


# ---- what the fake saw ---------------------------------------------------------------------------------


def message_calls(calls: Iterable[ApiCall], chat_id: int | None = None) -> list[ApiCall]:
    return [
        c
        for c in calls
        if c.ok and c.method in MESSAGE_METHODS and (chat_id is None or c.chat_id == chat_id)
    ]


@dataclass
class Windows:
    group_per_minute: int
    all_per_second: int
    too_many: int  # 429 answers
    other_errors: Counter

    def line(self) -> str:
        return (
            f"max {self.group_per_minute} group messages in any 60 s (limit {GROUP_PER_MINUTE}), "
            f"max {self.all_per_second} messages in any 1 s (limit {GLOBAL_PER_SECOND}), "
            f"{self.too_many} × 429"
        )

    @property
    def within(self) -> bool:
        return (
            self.group_per_minute <= GROUP_PER_MINUTE
            and self.all_per_second <= GLOBAL_PER_SECOND
            and not self.too_many
        )


def windows(calls: list[ApiCall], staff_chat: int) -> Windows:
    sends = message_calls(calls)
    group = [c.timestamp for c in sends if c.chat_id == staff_chat]
    errors = Counter(
        f"{c.method} {c.status} {c.description}" for c in calls if not c.ok and c.status != 429
    )
    return Windows(
        max_in_window(group, 60.0),
        max_in_window((c.timestamp for c in sends), 1.0),
        sum(1 for c in calls if c.status == 429),
        errors,
    )


def fmt_sim(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 100:
        return f"{seconds} s"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"


@dataclass
class KindTimes:
    rows: int
    sent: int
    failed: int
    pending: int
    waits: list[float]  # simulated seconds from creation to sending, per sent row

    @property
    def last(self) -> float:
        return max(self.waits) if self.waits else 0.0

    def describe(self) -> str:
        if not self.waits:
            return f"{self.rows:5} rows, none sent"
        waits = sorted(self.waits)
        p50 = waits[len(waits) // 2]
        p90 = waits[min(len(waits) - 1, int(len(waits) * 0.9))]
        extra = f", {self.failed} failed" if self.failed else ""
        extra += f", {self.pending} NOT SENT" if self.pending else ""
        return (
            f"{self.rows:5} rows: median {fmt_sim(p50):>8}, p90 {fmt_sim(p90):>8}, "
            f"last {fmt_sim(self.last):>8} after enqueueing{extra}"
        )


async def times_by_kind(since_id: int = 0) -> dict[str, KindTimes]:
    rows = await OutboxMessage.filter(id__gt=since_id).values_list(
        "kind", "created_at", "sent_at", "failed_at", "last_error"
    )
    out: dict[str, KindTimes] = {}
    for kind, created, sent, failed, error in rows:
        entry = out.setdefault(kind, KindTimes(0, 0, 0, 0, []))
        entry.rows += 1
        if failed is not None:
            entry.failed += 1
        elif sent is None:
            entry.pending += 1
        else:
            entry.sent += 1
            if error != "superseded by a later refresh":
                entry.waits.append((sent - created).total_seconds())
    return out


def per_method(calls: list[ApiCall]) -> Counter:
    return Counter(c.method for c in calls)


# ---- checks ----------------------------------------------------------------------------------------------


def reply_id(call: ApiCall) -> int | None:
    """The message a send replies to (PTB 22 sends reply_to_message_id as reply_parameters)."""
    return (call.params.get("reply_parameters") or {}).get(
        "message_id", call.params.get("reply_to_message_id")
    )


def report_check(problems: list[str], ok: bool, good: str, bad: str) -> None:
    if ok:
        print(f"    ok: {good}")
    else:
        print(f"    PROBLEM: {bad}")
        problems.append(bad)


async def check_burst(
    world: World, burst: Burst, calls: list[ApiCall], problems: list[str]
) -> None:
    n = len(burst.cases)
    numbers = {case.number for case in burst.cases}
    group_texts = [
        c.params.get("text", "")
        for c in calls
        if c.ok and c.method == "sendMessage" and c.chat_id == world.staff_chat
    ]
    card_numbers = Counter(m.group(1) for text in group_texts if (m := CASE_NUMBER.search(text)))
    twice = sum(1 for k, v in card_numbers.items() if v > 1)
    report_check(
        problems,
        set(card_numbers) == numbers and not twice and len(group_texts) == n,
        f"{n} staff cards, one per case, none twice",
        f"staff cards: {len(group_texts)} sent for {n} cases, {len(numbers - set(card_numbers))} cases "
        f"without a card, {twice} cards sent more than once",
    )
    photos = [c for c in calls if c.ok and c.method == "sendPhoto"]
    card_ids = dict(
        await OutboxMessage.filter(kind=OutboxKind.STAFF_CARD).values_list(
            "case_id", "telegram_message_id"
        )
    )
    case_of = {case.number: case.id for case in burst.cases}
    misplaced = 0
    for call in photos:
        number = call.params.get("caption", "").removeprefix("📷 ").split(" · ")[0]
        if reply_id(call) is None or reply_id(call) != card_ids.get(case_of.get(number)):
            misplaced += 1
    report_check(
        problems,
        len(photos) == burst.photos and not misplaced,
        f"{len(photos)} card photos, each a reply to its own card",
        f"card photos: {len(photos)} sent for {burst.photos} cases with photos, "
        f"{misplaced} not a reply to their own card",
    )
    by_chat = Counter(c.chat_id for c in message_calls(calls))
    tenant_counts = Counter(by_chat.get(t.id, 0) for t in world.tenants[:n])
    report_check(
        problems,
        tenant_counts == Counter({1: n}),
        f"{n} tenants, exactly one receipt each",
        f"tenants by number of messages received: {dict(sorted(tenant_counts.items()))}",
    )
    alerts = [by_chat.get(m.id, 0) for m in world.managers]
    report_check(
        problems,
        alerts == [burst.majors] * len(world.managers),
        f"{len(world.managers)} managers, {burst.majors} alerts each (one per major case)",
        f"manager alerts {alerts} for {burst.majors} major cases",
    )


async def check_rows(problems: list[str], since_id: int = 0) -> None:
    rows = await OutboxMessage.filter(id__gt=since_id)
    unsent = [r for r in rows if r.sent_at is None and r.failed_at is None]
    failed = [r for r in rows if r.failed_at is not None]
    retried = [r for r in rows if r.attempts]
    report_check(
        problems,
        not unsent and not failed,
        f"{len(rows)} outbox rows, all sent, none failed ({len(retried)} needed a retry)",
        f"outbox: {len(unsent)} rows never sent ({Counter(r.kind for r in unsent)}), {len(failed)} failed "
        f"({Counter(r.last_error for r in failed).most_common(3)})",
    )


PRIVATE_KINDS = (
    OutboxKind.RECEIPT,
    OutboxKind.MANAGER_ALERT,
    OutboxKind.TENANT_UPDATE,
    OutboxKind.OWNER_BRIEF,
)


def check_private(problems: list[str], kinds: dict[str, KindTimes], scenario: str) -> None:
    """Private messages only share the 30/s budget: they should all be out within ~rows/30 s, whatever the
    staff group's backlog (tests/bot/test_staff_extras.py: "tenants not held up")."""
    private = {k: kinds[k] for k in PRIVATE_KINDS if k in kinds}
    rows = sum(entry.rows for entry in private.values())
    alone = (
        rows + GLOBAL_PER_SECOND - 1
    ) // GLOBAL_PER_SECOND  # rounds at 30/s with nothing else to send
    late = {k: entry for k, entry in private.items() if entry.last > 2 * alone + 10}
    detail = ", ".join(f"last {k} after {fmt_sim(e.last)}" for k, e in private.items())
    report_check(
        problems,
        not late,
        f"{rows} private messages out within {fmt_sim(2 * alone + 10)} ({detail})",
        f"{scenario}: private messages wait behind the staff group's backlog: {detail}; "
        f"{rows} private rows need ~{fmt_sim(alone)} at {GLOBAL_PER_SECOND}/s",
    )


# ---- scenario 2: staff claim ------------------------------------------------------------------------------


@dataclass
class Claims:
    claimed: int
    started: int
    wall: float


async def staff_act(world: World, cases: list[Case], n: int) -> Claims:
    chosen = cases[:: max(1, len(cases) // n)][:n]
    started = 0
    tick = time.perf_counter()
    for i, case in enumerate(chosen):
        agent = world.agents[i % len(world.agents)]
        actor = Actor.staff(agent.id, agent.name, agent.role)
        await world.ctx.cases.handle(Claim(ref=case.number), actor)
        # “Claim” then “Start” right away: two refreshes of the same card pending together
        if i % 2 == 0:
            await world.ctx.cases.handle(Start(ref=case.number), actor)
            started += 1
    return Claims(len(chosen), started, time.perf_counter() - tick)


# ---- scenario 3: wall-clock speed beside the raw fake ------------------------------------------------------


async def count_statements(
    world: World, cases: int, rng: random.Random, first: int
) -> tuple[int, Counter]:
    """One more untimed round with every SQL statement of deliver_due counted: rows sent, statements by verb."""
    unlimited = Unlimited()
    world.clock.advance(seconds=60)
    await submit_burst(world, cases, rng, first=first)
    counter = StatementCounter(("SELECT", "INSERT", "UPDATE", "DELETE", "BEGIN", "COMMIT"))
    sent = 0
    with counting_statements(counter):
        while (report := await deliver_due(world.ctx, world.bot, budget=unlimited)).sent:
            sent += report.sent
    return sent, counter.verbs


async def replay(bot: Bot, calls: list[ApiCall]) -> int:
    """The same sends straight through the Bot: no database, no rendering, no outbox bookkeeping."""
    for call in calls:
        p = call.params
        markup = (
            InlineKeyboardMarkup.de_json(p["reply_markup"], bot) if p.get("reply_markup") else None
        )
        if call.method == "sendMessage":
            await bot.send_message(
                p["chat_id"], p["text"], parse_mode=p.get("parse_mode"), reply_markup=markup
            )
        elif call.method == "sendPhoto":
            await bot.send_photo(
                p["chat_id"],
                p["photo"],
                caption=p.get("caption"),
                reply_to_message_id=reply_id(call),
            )
        else:
            raise RuntimeError(f"replay does not know {call.method}")
    return len(calls)


@dataclass
class Speed:
    rows: int = 0
    deliver_wall: float = 0.0
    raw_calls: int = 0
    raw_wall: float = 0.0
    api_calls: int = 0
    ratios: list[float] = field(default_factory=list)

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.deliver_wall

    @property
    def raw_per_s(self) -> float:
        return self.raw_calls / self.raw_wall

    @property
    def ratio(self) -> float:
        return self.rows_per_s / self.raw_per_s


async def speed(
    world: World, rounds: int, cases_per_round: int, rng: random.Random, first: int
) -> Speed:
    unlimited = Unlimited()
    result = Speed()
    for r in range(rounds):
        world.clock.advance(seconds=60)
        await submit_burst(world, cases_per_round, rng, first=first + r * cases_per_round)
        rows_before = await OutboxMessage.filter(sent_at__isnull=False).count()
        mark = len(world.fake.calls)
        gc.collect()  # a collection inside one short timed stretch would swamp it
        tick = time.perf_counter()
        while (await deliver_due(world.ctx, world.bot, budget=unlimited, batch=BATCH)).sent:
            pass
        deliver_wall = time.perf_counter() - tick
        rows = await OutboxMessage.filter(sent_at__isnull=False).count() - rows_before
        calls = world.fake.calls[mark:]
        gc.collect()
        tick = time.perf_counter()
        raw = await replay(world.bot, calls)
        raw_wall = time.perf_counter() - tick
        result.rows += rows
        result.deliver_wall += deliver_wall
        result.raw_calls += raw
        result.raw_wall += raw_wall
        result.api_calls += len(calls)
        result.ratios.append((rows / deliver_wall) / (raw / raw_wall))
    return result


# ---- the run -----------------------------------------------------------------------------------------------


def print_methods(label: str, calls: list[ApiCall], per: int, unit: str) -> None:
    counts = per_method(calls)
    detail = ", ".join(f"{m} {n} ({n / per:.2f})" for m, n in counts.most_common())
    print(f"  {label}: {len(calls)} Bot API calls, {len(calls) / per:.2f} per {unit}: {detail}")


def print_kinds(kinds: dict[str, KindTimes]) -> None:
    order = [
        OutboxKind.RECEIPT,
        OutboxKind.STAFF_CARD,
        OutboxKind.CARD_PHOTO,
        OutboxKind.MANAGER_ALERT,
        OutboxKind.TENANT_UPDATE,
        OutboxKind.CARD_REFRESH,
        OutboxKind.OWNER_BRIEF,
    ]
    for kind in sorted(kinds, key=lambda k: order.index(k) if k in order else len(order)):
        print(f"    {kind:15}{kinds[kind].describe()}")


async def run(args: argparse.Namespace, url: str) -> None:
    with counting_errors(logging.WARNING) as errors:
        await _run(args, url, errors)


async def _run(args: argparse.Namespace, url: str, errors: ErrorCounter) -> None:
    problems: list[str] = []
    rng = random.Random(args.seed)
    world = await build_world(url, args.cases)
    try:
        print(
            f"SQLite {url.removeprefix('sqlite://')}; staff group {world.staff_chat}; {args.cases} tenants, "
            f"{MANAGERS} managers, {AGENTS} agents; budget {GLOBAL_PER_SECOND}/s overall, "
            f"{GROUP_PER_MINUTE}/min per group; deliver_due batch {args.batch}"
            + ("" if args.batch == BATCH else f" (NOT the production {BATCH})")
        )

        # 1. the burst
        burst = await submit_burst(world, args.cases, rng)
        rows = await OutboxMessage.all().count()
        print(
            f"\n== 1. burst: {args.cases} cases submitted at {START:%H:%M} UTC in {burst.wall:.1f} s wall "
            f"({args.cases / burst.wall:.0f} submits/s); {burst.photos} with photos, {burst.majors} major; "
            f"{rows} outbox rows ({rows / args.cases:.2f} per case)"
        )
        first = await drain(world, args.batch)
        calls1 = world.fake.calls[first.first_call :]
        kinds1 = await times_by_kind()
        group1 = message_calls(calls1, world.staff_chat)
        print(
            f"  drained after {first.rounds} rounds = {fmt_sim(first.simulated)} simulated"
            + ("" if first.drained else f" (STOPPED at {MAX_ROUNDS} rounds: rows still pending)")
        )
        print_kinds(kinds1)
        last_group = max((c.timestamp for c in group1), default=first.started_at) - first.started_at
        print(
            f"    last group message (card or photo) {fmt_sim(last_group)}; "
            f"{len(group1)} group messages need >= {fmt_sim((len(group1) - 1) // GROUP_PER_MINUTE * 60)} "
            f"at {GROUP_PER_MINUTE}/min"
        )
        print_methods("Bot API", calls1, args.cases, "case")
        w1 = windows(calls1, world.staff_chat)
        print(f"  rate: {w1.line()}")
        print(
            f"  wall: {first.wall_total:.1f} s for {first.rounds} rounds ({first.wall_deliver:.1f} s inside "
            f"deliver_due, {first.wall_deliver / first.rounds * 1000:.2f} ms per round; {first.busy_rounds} rounds "
            f"sent something); {first.sent} sent, {first.retried} retried, {first.failed} failed"
        )
        print("  checks:")
        report_check(problems, w1.within, w1.line(), "rate limits exceeded: " + w1.line())
        report_check(
            problems,
            not w1.other_errors,
            "no error answers from the fake",
            f"error answers: {w1.other_errors.most_common(5)}",
        )
        await check_burst(world, burst, calls1, problems)
        await check_rows(problems)
        check_private(problems, kinds1, "burst")
        receipts = kinds1.get(OutboxKind.RECEIPT)

        # 2. staff claim
        world.clock.advance(seconds=STAFF_PAUSE_S)
        mark_id = (await OutboxMessage.all().order_by("-id").first()).id
        claims = await staff_act(world, burst.cases, args.claims)
        rows2 = await OutboxMessage.filter(id__gt=mark_id).count()
        refreshes = await OutboxMessage.filter(id__gt=mark_id, kind=OutboxKind.CARD_REFRESH).count()
        print(
            f"\n== 2. claims: {claims.claimed} cases claimed ({claims.started} also started at once) "
            f"{fmt_sim(STAFF_PAUSE_S)} after the burst drained, in {claims.wall:.1f} s wall; {rows2} outbox rows, "
            f"{refreshes} card refreshes for {claims.claimed} cards"
        )
        second = await drain(world, args.batch)
        calls2 = world.fake.calls[second.first_call :]
        kinds2 = await times_by_kind(mark_id)
        edits = [c for c in calls2 if c.method == "editMessageText"]
        superseded = await OutboxMessage.filter(
            id__gt=mark_id, last_error="superseded by a later refresh"
        ).count()
        print(
            f"  drained after {second.rounds} rounds = {fmt_sim(second.simulated)} simulated"
            + ("" if second.drained else f" (STOPPED at {MAX_ROUNDS} rounds: rows still pending)")
        )
        print_kinds(kinds2)
        print(
            f"    {len(edits)} editMessageText for {refreshes} refreshes of {claims.claimed} cards "
            f"({superseded} superseded by a later refresh of the same card)"
        )
        print_methods("Bot API", calls2, claims.claimed, "claimed case")
        w2 = windows(calls2, world.staff_chat)
        print(f"  rate: {w2.line()}")
        print(
            f"  wall: {second.wall_total:.1f} s for {second.rounds} rounds ({second.wall_deliver:.1f} s inside "
            f"deliver_due)"
        )
        print("  checks:")
        report_check(problems, w2.within, w2.line(), "rate limits exceeded: " + w2.line())
        edited = Counter(c.params.get("message_id") for c in edits)
        report_check(
            problems,
            len(edits) == claims.claimed and max(edited.values(), default=1) == 1,
            f"{len(edits)} edits, one per claimed card",
            f"{len(edits)} edits for {claims.claimed} claimed cards "
            f"({sum(1 for v in edited.values() if v > 1)} cards edited more than once)",
        )
        bad_edits = [c for c in calls2 if c.method == "editMessageText" and not c.ok]
        report_check(
            problems,
            not bad_edits,
            "every edit accepted",
            f"{len(bad_edits)} edits refused: {Counter(c.description for c in bad_edits).most_common(3)}",
        )
        await check_rows(problems, mark_id)
        check_private(problems, kinds2, "claims")
        all_windows = windows(world.fake.calls, world.staff_chat)

        # 3. speed
        print(
            f"\n== 3. speed: {args.speed_rounds} rounds of {args.speed_cases} more cases, deliver_due with an "
            f"unlimited budget, then the same Bot API calls replayed straight through the Bot"
        )
        fast = await speed(world, args.speed_rounds, args.speed_cases, rng, first=args.cases)
        print(
            f"  deliver_due {fast.rows_per_s:.0f} rows/s ({fast.rows} rows, {fast.api_calls} Bot API calls, "
            f"{fast.deliver_wall:.2f} s); raw Bot -> fake {fast.raw_per_s:.0f} calls/s ({fast.raw_calls} calls, "
            f"{fast.raw_wall:.2f} s)"
        )
        print(
            f"  ratio deliver_due / raw fake: {fast.ratio:.3f}; per round: "
            + " ".join(f"{r:.3f}" for r in fast.ratios)
            + "  (the spread is the machine's noise)"
        )
        print(
            f"  per row: {fast.deliver_wall / fast.rows * 1e3:.2f} ms in deliver_due vs "
            f"{fast.raw_wall / fast.raw_calls * 1e3:.2f} ms for its Bot API call alone"
        )
        counted, verbs = await count_statements(
            world, args.speed_cases, rng, first=args.cases + args.speed_rounds * args.speed_cases
        )
        print(
            f"  SQL per delivered row (one more untimed round, {counted} rows): "
            f"{sum(verbs.values()) / counted:.1f} statements ("
            + ", ".join(f"{verb} {n / counted:.2f}" for verb, n in verbs.most_common())
            + ")"
        )
        if errors.messages:
            note = f"{len(errors.messages)} warnings/errors logged, first: {errors.messages[0]}"
            print(f"  PROBLEM: {note}")
            problems.append(note)

        # summary
        cards = kinds1.get(OutboxKind.STAFF_CARD)
        photos = kinds1.get(OutboxKind.CARD_PHOTO)
        print("\n== summary")
        print(
            f"{args.cases} cases: cards delivered after {fmt_sim(cards.last if cards else 0)} simulated "
            f"({GROUP_PER_MINUTE}/min group limit; photos after {fmt_sim(photos.last if photos else 0)}), "
            f"receipts after {fmt_sim(receipts.last if receipts else 0)}; "
            f"{len(calls1) / args.cases:.2f} Bot API calls per case; "
            f"max {all_windows.group_per_minute} group messages per minute, max {all_windows.all_per_second} "
            f"per second, {all_windows.too_many} × 429"
        )
        tenant_updates = kinds2.get(OutboxKind.TENANT_UPDATE)
        print(
            f"{claims.claimed} claims: {len(edits)} editMessageText for {refreshes} refreshes, drained after "
            f"{fmt_sim(second.simulated)} simulated (tenant updates after "
            f"{fmt_sim(tenant_updates.last if tenant_updates else 0)}); "
            f"{len(calls2) / claims.claimed:.2f} Bot API calls per claim"
        )
        print(
            f"wall: burst delivery {first.wall_total:.1f} s for {fmt_sim(first.simulated)} simulated; deliver_due "
            f"{fast.rows_per_s:.0f} rows/s = {fast.ratio:.2f} × the raw fake ({fast.raw_per_s:.0f} calls/s)"
        )
        print("problems: " + ("none" if not problems else f"{len(problems)}"))
        for problem in problems:
            print(f"  - {problem}")
    finally:
        await world.app.shutdown()
        await Tortoise.close_connections()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument(
        "--cases", type=int, default=1000, help="cases in the burst (one tenant each)"
    )
    parser.add_argument(
        "--claims", type=int, default=200, help="cases the staff claim after delivery"
    )
    parser.add_argument(
        "--speed-rounds", type=int, default=6, help="alternating rounds of the speed measurement"
    )
    parser.add_argument("--speed-cases", type=int, default=100, help="cases per speed round")
    parser.add_argument(
        "--batch",
        type=int,
        default=BATCH,
        help=f"rows deliver_due looks at per round in scenarios 1 and 2 (production: {BATCH})",
    )
    parser.add_argument("--seed", type=int, default=2026, help="random seed (photos per case)")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file afterwards")
    args = parser.parse_args(argv)
    if args.cases < 1 or args.claims < 1 or args.claims > args.cases:
        parser.error("need 1 <= --claims <= --cases")
    return args


async def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    stopwatch = Stopwatch()
    url, cleanup = await fresh_sqlite("qingchu-bench-delivery-", args.keep)
    try:
        await run(args, url)
    finally:
        await cleanup()
    print(stopwatch.finished())


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
