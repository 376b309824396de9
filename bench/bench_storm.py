"""Storm benchmark: 300 tenants of one building report one water cut within two minutes (issue #17).

    python bench/bench_storm.py [--db sqlite|postgres|both] [--tenants 300] [--window 120]

What the issue asks: "300 tenants of one building report a water cut within 2 minutes through the fake Bot
API at Telegram's limits. It prints: receipts delivered (goal 300/300), time until the last receipt,
messages posted to the staff group (goal <= 10 for the whole storm), time until the incident's first card,
and time for one incident note to reach all 300 tenants, against the ceiling Telegram's 30 messages/second
allows (goal >= 0.8 of it)."

Per database (a fresh migrated SQLite file or PostgreSQL database `qingchu_bench_storm`, benchkit):

- **The desk.** The real Application (`bot.app.build_application`, with its send limiter) on the in-process
  Bot API fake (`bot.fake_telegram`, rate limits enforced: a breach is a 429), the staff group, two
  managers and two agents. The classifier is the real `nlp.classify` (the storm's varied wording is the
  point: what category each description gets decides what is grouped), `--classifier fake` a stand-in.
- **Simulated time.** The FrozenClock of the AppContext is also the fake's clock. Every actor is a task that
  waits only through `Sim.sleep`; the clock moves to the next wake-up when every task is waiting, so work
  takes no simulated time and every wait takes exactly its own. The actors: each tenant (start times
  spread over `--window` seconds, then the intake dialog of bench_dialog.py step by step with a few
  seconds of reading and typing between steps, in zh_CN, zh_TW or en), the production delivery loop
  (`bot.app.delivery_loop`'s round: the app's own `ctx.deliver` with the app's own budget, again after
  `interval` s, or after `over_budget_pause` s while messages wait for slots), the app's send limiter for
  direct replies (`bot.rate_limit.SendLimiter`: same budget, its waits on the simulated clock) and the
  scheduler's sweep every `SWEEP_INTERVAL` (it opens collective-complaint incidents).
- **The storm** lasts until every dialog is done and the outbox is empty (or `--max-minutes`).
- **The note.** A minute later a manager sends one progress note to each incident the storm opened, as
  staff do it: "📢 Progress to all…" on the incident card in the staff group, then a reply to the prompt
  (`note_through_the_card`; through `Incidents.send_note` when the group has no such card). The fan-out
  time runs from the first reply to the last tenant's note, against the ceiling 30 messages/second allows
  (tenants / 30 s); each incident's own fan-out is printed too.

Nothing is asserted on timings; correctness checks print `ok:` or `PROBLEM:`. The last line per database is
`storm: receipts=300/300 staff_group_posts=N note_ratio=Y.YY note_reached=300/300 db=NAME`.
"""

import argparse
import asyncio
import heapq
import inspect
import itertools
import logging
import random
import time
import types
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from benchdata import person_name
from benchkit import (
    START,
    ErrorCounter,
    StandInTriage,
    Stopwatch,
    Target,
    counting_errors,
    for_each_database,
    header,
    parser,
    run_main,
    settings_for,
)
from telegram import Update
from telegram.ext import Application

from backend.clock import FrozenClock
from backend.context import AppContext
from backend.domain import Role
from backend.domain.contact import building_of
from backend.domain.messages import OutboxKind
from backend.i18n import _
from backend.models import Case, Incident, OutboxMessage, Staff
from backend.services.actors import Actor
from bot.app import build_application, delivery_loop
from bot.budget import GLOBAL_PER_SECOND, GROUP_PER_MINUTE, is_group
from bot.fake_telegram import ApiCall, FakeBotApi, FakeChat, FakeUser, StoredMessage
from bot.fake_telegram.fake_api import max_in_window
from bot.fake_telegram.methods import MESSAGE_METHODS
from bot.rate_limit import MAX_WAIT, SendLimiter
from scheduler.sweeps import sweep_all

log = logging.getLogger("bench.storm")

BUILDING = "5"
# the production delivery loop's pace, read from bot.app.delivery_loop itself
_LOOP = inspect.signature(delivery_loop).parameters
INTERVAL = float(_LOOP["interval"].default)
OVER_BUDGET_PAUSE = float(_LOOP["over_budget_pause"].default)
EDIT_METHODS = frozenset(m for m in MESSAGE_METHODS if m.startswith("edit"))
POST_METHODS = MESSAGE_METHODS - EDIT_METHODS
STUCK_AFTER_S = 120  # wall seconds without any task waiting on the simulated clock: a harness bug
NOTE_PAUSE_S = 60  # staff start sending the note this long after the storm is over
NOTE_TYPING_S = 15.0  # typing the note after pressing the card's button
NOTE_PASTE_S = 3.0  # pasting it again for the next incident
MANAGERS = 2
AGENTS = 2

# ---- what the tenants say ----------------------------------------------------------------------------

# Written for this benchmark: one water cut, said many ways (some name the building, most do not).
WORDING = {
    "zh_CN": [
        "5栋停水了",
        "我家没水",
        "5栋停水了，什么时候恢复？",
        "家里水龙头拧开一滴水都没有",
        "突然停水了，也没看到通知",
        "5栋整栋楼都没水了",
        "没水了，做不了饭也洗不了澡",
        "从中午开始就停水，请问怎么回事",
        "自来水停了，马桶也冲不了",
        "5栋又停水，能不能给个恢复时间",
        "楼里没有水，家里有老人，很着急",
        "水压越来越小，现在完全没水了",
    ],
    "zh_TW": [
        "5座冇水",
        "屋企冇水呀，幾時先有水？",
        "5棟停水了，什麼時候恢復？",
        "家裡水龍頭完全沒有水",
        "突然停水，都冇通知過",
        "成棟樓都冇水，請盡快處理",
    ],
    "en": [
        "No water in building 5",
        "Our tap has no water since noon",
        "The water is cut off, when will it be back?",
        "Water supply stopped in our flat, no notice was given",
        "No running water at all, cannot cook or shower",
    ],
}
LOCALE_WEIGHTS = {"zh_CN": 70, "zh_TW": 15, "en": 15}
LANGUAGE_CODE = {"zh_CN": "zh-hans", "zh_TW": "zh-hant", "en": "en"}
ENGLISH_NAMES = ["Alex", "Sam", "Jamie", "Chris", "Morgan", "Taylor", "Jordan", "Casey", "Robin"]
NOTE_TEXT = "预计 18:00 恢复供水，给大家带来不便，非常抱歉。"

# seconds a tenant reads and types before each step (after the bot's previous answer)
PAUSES = (
    (0.0, 0.0),  # /complain at the start time
    (5.0, 15.0),  # types the description
    (2.0, 5.0),  # "That's all"
    (2.0, 4.0),  # "Correct"
    (4.0, 10.0),  # types the unit
    (2.0, 5.0),  # shares the contact
    (2.0, 4.0),  # "Call me ..."
    (1.0, 3.0),  # "Skip" (files)
    (1.0, 3.0),  # "Skip" (expectation)
    (2.0, 5.0),  # "Submit"
    (2.0, 4.0),  # "No" to the safety question, when triage is unsure and asks one
)


def water_triage(text: str) -> StandInTriage:
    """--classifier fake: every storm message is a utilities repair (what nlp says for most of them)."""
    return StandInTriage("utilities", kind="repair", alternatives=("facility", "other"))


def pick_classifier(name: str) -> tuple[Callable[[str], Any], str]:
    if name == "fake":
        return water_triage, "stand-in: every message a utilities repair"
    try:
        import nlp
    except ImportError as exc:
        print(f"nlp is not importable ({exc}); using the stand-in")
        return pick_classifier("fake")
    started = time.perf_counter()
    nlp.load()
    return nlp.classify, f"real nlp.classify (loaded in {time.perf_counter() - started:.1f} s)"


@dataclass
class Tenant:
    index: int
    user: FakeUser
    locale: str
    description: str
    unit: str
    phone: str
    start: float  # simulated seconds after the storm began
    pauses: list[float]
    began_at: float | None = None
    submitted_at: float | None = None
    failure: str = ""
    safety_question: bool = False


def unit_for(i: int, locale: str) -> str:
    """Distinct flats of building 5 (100 per entrance: 25 floors x 4 flats), written the tenant's way."""
    entrance, rest = divmod(i, 100)
    floor, flat = divmod(rest, 4)
    entrance, floor, flat = entrance + 1, floor + 1, flat + 1
    if locale == "zh_TW":
        if i % 2:
            return f"{BUILDING}座{entrance}單元{floor}樓{'ABCD'[flat - 1]}室"
        return f"{BUILDING}棟{entrance}單元{floor}{flat:02d}"
    if locale == "zh_CN" and i % 3 == 0:
        return f"{BUILDING}栋{entrance}单元{floor}{flat:02d}"
    return f"{BUILDING}-{entrance}-{floor}{flat:02d}"


def make_tenants(fake: FakeBotApi, n: int, window: float, rng: random.Random) -> list[Tenant]:
    locales = rng.choices(list(LOCALE_WEIGHTS), weights=list(LOCALE_WEIGHTS.values()), k=n)
    starts = sorted(rng.uniform(0.0, window) for _ in range(n))
    tenants = []
    for i in range(n):
        locale = locales[i]
        name = ENGLISH_NAMES[i % len(ENGLISH_NAMES)] if locale == "en" else person_name(i)
        user = fake.add_user(name, language_code=LANGUAGE_CODE[locale])
        wording = WORDING[locale]
        tenants.append(
            Tenant(
                i,
                user,
                locale,
                wording[rng.randrange(len(wording))],
                unit_for(i, locale),
                f"+86 139 5500 {i:04d}",
                starts[i],
                [rng.uniform(lo, hi) for lo, hi in PAUSES],
            )
        )
    return tenants


# ---- simulated time ------------------------------------------------------------------------------------


class Sim:
    """Simulated time for tasks that wait only through `sleep`: the clock moves to the next wake-up when every
    task is waiting on it (or finished), so work takes no simulated time and every wait exactly its own."""

    def __init__(self, clock: FrozenClock) -> None:
        self.clock = clock
        self.origin = clock.now()
        self._wakeups: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._busy = 0
        self._idle = asyncio.Event()
        self.tasks: list[asyncio.Task[Any]] = []

    @property
    def t(self) -> float:
        """Simulated seconds since the storm began."""
        return (self.clock.now() - self.origin).total_seconds()

    def stamp(self, unix: float) -> float:
        """A fake ApiCall timestamp (Unix seconds) as seconds since the storm began."""
        return unix - self.origin.timestamp()

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        self._busy += 1
        task = asyncio.get_running_loop().create_task(self._run(coro))
        self.tasks.append(task)
        return task

    async def _run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        try:
            return await coro
        finally:
            self._release()

    def _release(self) -> None:
        self._busy -= 1
        if self._busy == 0:
            self._idle.set()

    async def sleep(self, seconds: float) -> None:
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._wakeups, (self.t + max(0.0, seconds), next(self._order), woken))
        self._release()
        try:
            await woken  # run() counts this task busy again before waking it
        except asyncio.CancelledError:
            if not woken.done():
                self._busy += 1  # _run's finally releases it once more
            raise

    async def run(self, done: Callable[[], bool], until: float) -> bool:
        """Wake tasks one at a time in simulated-time order (ties in the order they went to sleep, so a run
        is reproducible) until `done()` holds when all are waiting; False if the clock would pass `until`
        (simulated seconds) first."""
        while True:
            while self._busy:
                self._idle.clear()
                try:
                    await asyncio.wait_for(self._idle.wait(), STUCK_AFTER_S)
                except TimeoutError:
                    raise RuntimeError(
                        f"simulated time stuck at {self.t:.2f} s: a task waits on something other "
                        "than Sim.sleep"
                    ) from None
            if done() or not self._wakeups:
                return True
            when, order, woken = heapq.heappop(self._wakeups)
            if when > until:
                heapq.heappush(self._wakeups, (when, order, woken))
                return False
            if woken.done():  # its task was cancelled
                continue
            if when > self.t:
                self.clock.set(self.origin + timedelta(seconds=when))
            self._busy += 1
            woken.set_result(None)

    def advance_to(self, seconds: float) -> None:
        """Move the clock forward to `seconds` with nothing due before it (after run() returned False)."""
        if self._wakeups and self._wakeups[0][0] < seconds:
            raise RuntimeError("a task is due before that moment")
        self.clock.set(self.origin + timedelta(seconds=max(seconds, self.t)))

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks.clear()


def on_simulated_time(app: Application, sim: Sim, state: "State") -> str:
    """The app's send limiter for direct replies, its clock and its waits on simulated time (the same
    budget object the delivery round uses)."""
    limiter = app.bot.rate_limiter
    if not isinstance(limiter, SendLimiter):
        return "no send limiter: direct replies are not counted against the budget"
    limiter.now = sim.clock.now

    async def wait_for_slot(self: SendLimiter, chat_id: int) -> object | None:
        # bot.rate_limit.SendLimiter._wait_for_slot with Sim.sleep for asyncio.sleep
        started = self.now()
        pause = 1.0 if is_group(chat_id) else 0.05
        while (slot := await self.budget.take(chat_id, self.now())) is None:
            state.limiter_waits += 1
            if self.now() - started > MAX_WAIT:
                log.warning("no send slot for chat %s after %s; sending anyway", chat_id, MAX_WAIT)
                return None
            await sim.sleep(pause)
        state.reply_waits.append((self.now() - started).total_seconds())
        return slot

    limiter._wait_for_slot = types.MethodType(wait_for_slot, limiter)  # type: ignore[method-assign]
    return f"{type(limiter.budget).__name__} shared by direct replies and the outbox"


@dataclass
class State:
    tenants_left: int = 0
    quiet: bool = False  # every dialog done and nothing pending in the outbox
    rounds: int = 0
    rounds_over_budget: int = 0
    deliver_wall: float = 0.0
    limiter_waits: int = 0
    # per direct reply: simulated seconds until it had its send slot
    reply_waits: list[float] = field(default_factory=list)
    sweeps: int = 0


# ---- the world -------------------------------------------------------------------------------------------


@dataclass
class World:
    ctx: AppContext
    clock: FrozenClock
    fake: FakeBotApi
    app: Application
    sim: Sim
    state: State
    staff_chat: int
    budget: str
    tenants: list[Tenant] = field(default_factory=list)
    managers: list[Staff] = field(default_factory=list)
    manager_users: list[FakeUser] = field(default_factory=list)


async def build_world(target: Target, args: argparse.Namespace, classify: Callable) -> World:
    clock = FrozenClock(START)
    fake = FakeBotApi(
        enforce_rate_limits=True,
        clock=lambda: clock.now().timestamp(),
        wall_clock=lambda: clock.now().timestamp(),
    )
    settings = settings_for(target.url, bot_token=fake.token, staff_topics=False)
    fake.add_group("物业客服群", chat_id=settings.staff_chat_id)
    ctx = AppContext.build(settings, clock, classify=classify)
    app = build_application(ctx, request=fake.request())
    await app.initialize()
    state, sim = State(), Sim(clock)
    budget = on_simulated_time(app, sim, state)
    world = World(ctx, clock, fake, app, sim, state, settings.staff_chat_id, budget)
    for i in range(MANAGERS):
        user = fake.add_user(f"经理{i + 1}")
        world.manager_users.append(user)
        world.managers.append(
            await Staff.create(
                telegram_id=user.id, name=f"刘经理{i + 1}", role=Role.MANAGER, created_at=START
            )
        )
    for i in range(AGENTS):
        user = fake.add_user(f"客服{i + 1}")
        await Staff.create(
            telegram_id=user.id, name=f"客服小{'王李'[i]}", role=Role.AGENT, created_at=START
        )
    world.tenants = make_tenants(fake, args.tenants, args.window, random.Random(args.seed))
    return world


# ---- the actors ------------------------------------------------------------------------------------------


def with_button(chat: FakeChat, label: str) -> StoredMessage:
    for message in reversed(chat.bot_messages()):
        if any(label == text for row in message.buttons for text, _ in row):
            return message
    last = chat.last().content if chat.bot_messages() else ""
    raise LookupError(f"no button {label!r}; the bot's last message: {last!r}")


async def tenant_dialog(world: World, tenant: Tenant) -> None:
    """The intake dialog of bench_dialog.py, with the tenant's own pauses on the simulated clock."""
    sim, up, user, locale = world.sim, world.fake.updates(world.app.bot), tenant.user, tenant.locale
    chat = world.fake.chat(user)

    def press(label: str) -> Update:
        return up.press(user, with_button(chat, label), label)

    plan: list[Callable[[], Update]] = [
        lambda: up.command(user, "complain"),
        lambda: up.text(user, tenant.description),
        lambda: press(_("That's all", locale)),
        lambda: press(_("✅ Correct", locale)),
        lambda: up.text(user, tenant.unit),
        lambda: up.contact(user, tenant.phone),
        lambda: press(_("Call me {name}", locale, name=user.first_name)),
        lambda: press(_("Skip", locale)),
        lambda: press(_("Skip", locale)),
        lambda: press(_("✅ Submit", locale)),
    ]
    step = 0
    try:
        await sim.sleep(tenant.start)
        tenant.began_at = sim.t
        for step, make in enumerate(plan):
            if step:
                await sim.sleep(tenant.pauses[step])
            await world.app.process_update(make())
            if step == 1:
                await answer_safety_question(world, tenant, chat, up)
        tenant.submitted_at = sim.t
    except LookupError as exc:
        tenant.failure = f"step {step + 1}: {exc}"
    finally:
        world.state.tenants_left -= 1


async def answer_safety_question(world: World, tenant: Tenant, chat: FakeChat, up: Any) -> None:
    """When triage is unsure it asks one yes/no safety question first (bot/tenant/safety.py): nobody is in
    danger in a water cut, so the tenant answers "No" and the intake goes on."""
    last = chat.last()
    no = _("No", tenant.locale)
    if any(no == text for row in last.buttons for text, _data in row):
        tenant.safety_question = True
        await world.sim.sleep(tenant.pauses[-1])
        await world.app.process_update(up.press(tenant.user, last, no))


async def pending_rows() -> int:
    return await OutboxMessage.filter(sent_at=None, failed_at=None).count()


async def delivery(world: World) -> None:
    """bot.app.delivery_loop on the simulated clock: the app's own deliver round (its budget), then again after
    INTERVAL, or after OVER_BUDGET_PAUSE while messages wait for send slots."""
    state, deliver = world.state, world.ctx.deliver
    while True:
        pause = INTERVAL
        tick = time.perf_counter()
        try:
            report = await deliver()
            if report.over_budget:
                pause = OVER_BUDGET_PAUSE
                state.rounds_over_budget += 1
        except Exception:
            log.exception("outbox delivery round failed")
            report = None
        state.deliver_wall += time.perf_counter() - tick
        state.rounds += 1
        state.quiet = (
            state.tenants_left == 0
            and report is not None
            and not report.over_budget
            and not await pending_rows()
        )
        await world.sim.sleep(pause)


async def scheduler(world: World) -> None:
    """The APScheduler interval job: sweep_all every SWEEP_INTERVAL, the first one interval after start."""
    interval = world.ctx.settings.sweep_interval.total_seconds()
    while True:
        await world.sim.sleep(interval)
        try:
            await sweep_all(world.ctx)
        except Exception:
            log.exception("sweep failed")
        world.state.sweeps += 1


# ---- the incident note -------------------------------------------------------------------------------------


@dataclass
class NoteRun:
    # simulated seconds: when the note was first sent (the first reply to a prompt)
    sent_at: float | None = None
    how: str | None = None  # None: the code has no incident note
    done: bool = False
    error: str = ""
    replies: dict[int, float] = field(default_factory=dict)  # incident id: when its note was sent


async def manager_sends_note(world: World, incident_ids: list[int], note: NoteRun) -> None:
    """A manager sends one progress note to the storm's incidents: through the incident card's button when
    the staff group has the cards, else through the service."""
    try:
        note.how = await note_through_the_card(world, incident_ids, note)
        if note.how is None:
            note.sent_at = world.sim.t
            note.how = await send_incident_note(world, incident_ids, NOTE_TEXT)
    except Exception as exc:  # reported, not raised: the storm's numbers still print
        note.error = f"{type(exc).__name__}: {exc}"
    finally:
        note.done = True
        world.state.quiet = False  # the delivery loop says again when the outbox is empty


async def note_through_the_card(world: World, incident_ids: list[int], note: NoteRun) -> str | None:
    """What staff do in the group: press "📢 Progress to all…" on each incident card, then (after typing)
    reply to each prompt with the note; the note counts as sent at the first reply. None when the code or
    the group has no such card."""
    try:
        from bot.callbacks import cb
        from bot.staff.card import SCOPE
        from bot.staff.incident_card import NOTE, PROMPTS
    except ImportError:
        return None
    sim, fake, user = world.sim, world.fake, world.manager_users[0]
    group, up = fake.chat(world.staff_chat), fake.updates(world.app.bot)

    def card_with(data: str) -> StoredMessage | None:
        for message in reversed(group.bot_messages()):
            if any(d == data for row in message.buttons for _label, d in row):
                return message
        return None

    def prompt_for(incident_id: int) -> StoredMessage | None:
        # the fake keeps no ForceReply markup: the prompt is the message with the prompt's text
        text = _(PROMPTS[NOTE], "zh_CN", id=incident_id)  # the manager writes in zh_CN
        for message in reversed(group.bot_messages()):
            if (message.text or "") == text:
                return message
        return None

    cards = {i: card_with(cb(SCOPE, NOTE, str(i))) for i in incident_ids}
    if any(card is None for card in cards.values()):
        return None
    # One prompt at a time (the staff member's open prompt is one dialog): press, type (or paste the same
    # text again for the next incident), reply.
    for n, (incident_id, card) in enumerate(cards.items()):
        await world.app.process_update(up.callback(user, card, cb(SCOPE, NOTE, str(incident_id))))
        prompt = prompt_for(incident_id)
        if prompt is None:
            raise LookupError(f"no prompt for the note of incident #{incident_id}")
        await sim.sleep(NOTE_TYPING_S if n == 0 else NOTE_PASTE_S)
        if note.sent_at is None:
            note.sent_at = sim.t
        note.replies[incident_id] = sim.t
        await world.app.process_update(
            up.text(user, NOTE_TEXT, chat=world.staff_chat, reply_to=prompt)
        )
    return (
        f'by a manager in the staff group: "📢 Progress to all…" on {len(cards)} incident card(s), '
        f"each followed by a reply to its prompt ({NOTE_TYPING_S:g} s typing, {NOTE_PASTE_S:g} s to paste "
        "it again)"
    )


async def send_incident_note(world: World, incident_ids: list[int], text: str) -> str | None:
    """The service way (no card in the group): a manager sends one progress note to every tenant linked
    to the storm's incidents; None while the code has no way to do it."""
    send = getattr(getattr(world.ctx.cases, "incidents", None), "send_note", None)
    if send is None:
        return None
    manager = world.managers[0]
    actor = Actor.staff(manager.id, manager.name, Role.MANAGER)
    reached = 0
    for incident_id in incident_ids:
        sent = await send(incident_id, text, actor, f"bench-storm-note-{incident_id}")
        reached += sent.cases
    await world.ctx.deliver()  # as a staff action does once it is recorded (bot/staff/actions.py)
    return (
        f"Incidents.send_note as a manager to {len(incident_ids)} incident(s), {reached} cases; then "
        "ctx.deliver() at once, as a staff action does"
    )


# ---- what the fake saw -------------------------------------------------------------------------------------


def sends(calls: list[ApiCall], methods: frozenset[str] = MESSAGE_METHODS) -> list[ApiCall]:
    return [c for c in calls if c.ok and c.method in methods]


def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    if seconds < 100:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m {secs:02d}s ({seconds:.0f} s)"


@dataclass
class Outcome:
    name: str
    receipts: int = 0
    tenants: int = 0
    staff_posts: int | None = None
    note_ratio: float | None = None
    note_reached: int | None = None
    problems: list[str] = field(default_factory=list)
    skipped: str = ""

    def last_line(self) -> str:
        if self.skipped:
            return f"storm: receipts=n/a staff_group_posts=n/a note_ratio=n/a db={self.name} ({self.skipped})"
        ratio = "n/a" if self.note_ratio is None else f"{self.note_ratio:.2f}"
        posts = "n/a" if self.staff_posts is None else str(self.staff_posts)
        reached = "n/a" if self.note_reached is None else f"{self.note_reached}/{self.tenants}"
        return (
            f"storm: receipts={self.receipts}/{self.tenants} staff_group_posts={posts} "
            f"note_ratio={ratio} note_reached={reached} db={self.name}"
        )


def check(outcome: Outcome, ok: bool, good: str, bad: str) -> None:
    if ok:
        print(f"    ok: {good}")
    else:
        print(f"    PROBLEM: {bad}")
        outcome.problems.append(bad)


def windows_line(calls: list[ApiCall], staff_chat: int) -> tuple[bool, str]:
    messages = sends(calls)
    group = max_in_window([c.timestamp for c in messages if c.chat_id == staff_chat], 60.0)
    overall = max_in_window([c.timestamp for c in messages], 1.0)
    too_many = sum(1 for c in calls if c.status == 429)
    line = (
        f"max {group} staff-group messages in any 60 s (limit {GROUP_PER_MINUTE}), max {overall} "
        f"messages in any 1 s (limit {GLOBAL_PER_SECOND}), {too_many} x 429 from the fake"
    )
    return group <= GROUP_PER_MINUTE and overall <= GLOBAL_PER_SECOND and not too_many, line


# ---- the run ---------------------------------------------------------------------------------------------


async def measure(
    target: Target, args: argparse.Namespace, classify: Callable, how: str
) -> Outcome:
    print(f"\n== {target.name}: {target.url} ({target.driver}, {target.name} {target.version})")
    with counting_errors(logging.WARNING) as errors:
        world = await build_world(target, args, classify)
        try:
            return await storm(world, args, how, errors, Outcome(target.name, tenants=args.tenants))
        finally:
            await world.sim.stop()
            await world.app.shutdown()


async def storm(
    world: World, args: argparse.Namespace, how: str, errors: ErrorCounter, outcome: Outcome
) -> Outcome:
    sim, state, fake = world.sim, world.state, world.fake
    locales = Counter(t.locale for t in world.tenants)
    print(
        f"  {args.tenants} tenants of building {BUILDING} ({', '.join(f'{k} {v}' for k, v in locales.items())}), "
        f"start times over {args.window:.0f} s, {len(set(t.description for t in world.tenants))} wordings; "
        f"classifier: {how}"
    )
    print(
        f"  budget: {world.budget}; delivery loop every {INTERVAL:g} s, {OVER_BUDGET_PAUSE:g} s while "
        f"over budget; sweep every {world.ctx.settings.sweep_interval.total_seconds():g} s; "
        "simulated time, Bot API fake enforcing 30/s and 20/min per group"
    )

    # -- the storm
    state.tenants_left = len(world.tenants)
    for tenant in world.tenants:
        sim.spawn(tenant_dialog(world, tenant))
    sim.spawn(delivery(world))
    sim.spawn(scheduler(world))
    wall = time.perf_counter()
    finished = await sim.run(lambda: state.quiet, until=args.max_minutes * 60)
    wall = time.perf_counter() - wall
    storm_end = sim.t
    storm_calls = list(fake.calls)
    print(
        f"  storm over after {fmt_s(storm_end)} simulated"
        + (
            ""
            if finished
            else f" (STOPPED at --max-minutes {args.max_minutes}: work still pending)"
        )
        + f", {wall:.1f} s wall; {state.rounds} delivery rounds ({state.rounds_over_budget} over budget, "
        f"{state.deliver_wall:.1f} s wall in them), {state.sweeps} sweeps, {state.limiter_waits} direct-reply "
        "waits for a slot"
    )

    storm_sends = [c.timestamp for c in sends(storm_calls)]
    busiest = max_in_window(storm_sends, 60.0)
    print(
        f"  messages sent during the storm: {len(storm_sends)}; in the busiest 60 s: {busiest} "
        f"({busiest / 60:.1f}/s; the budget allows at most {GLOBAL_PER_SECOND}/s)"
    )
    waits = sorted(state.reply_waits)
    if waits:
        waited = [w for w in waits if w > 0]
        print(
            f"  direct replies (the dialog's answers, under the same budget): {len(waits)}, {len(waited)} "
            f"waited for a slot; wait p50 {waits[len(waits) // 2]:.2f} s, p95 "
            f"{waits[int(len(waits) * 0.95)]:.2f} s, max {waits[-1]:.2f} s"
        )

    # -- receipts
    tenant_chats = {t.user.id: t for t in world.tenants}
    cases = await case_rows(tenant_chats)
    receipts = await OutboxMessage.filter(kind=OutboxKind.RECEIPT).values(
        "chat_id", "created_at", "sent_at"
    )
    sent = [r for r in receipts if r["sent_at"] is not None and r["chat_id"] in tenant_chats]
    per_chat = Counter(r["chat_id"] for r in sent)
    outcome.receipts = sum(1 for chat in tenant_chats if per_chat[chat] >= 1)
    origin = sim.origin
    last_receipt = max(((r["sent_at"] - origin).total_seconds() for r in sent), default=None)
    waits = sorted((r["sent_at"] - r["created_at"]).total_seconds() for r in sent)
    submitted = [t.submitted_at for t in world.tenants if t.submitted_at is not None]
    print(
        f"  receipts delivered: {outcome.receipts}/{args.tenants}; last receipt {fmt_s(last_receipt)} after the "
        f"storm began (last dialog submitted at {fmt_s(max(submitted, default=None))}); "
        f"submit to receipt median {fmt_s(waits[len(waits) // 2] if waits else None)}, "
        f"max {fmt_s(waits[-1] if waits else None)}"
    )

    # -- the staff group
    group_posts = [c for c in sends(storm_calls, POST_METHODS) if c.chat_id == world.staff_chat]
    group_edits = [c for c in sends(storm_calls, EDIT_METHODS) if c.chat_id == world.staff_chat]
    outcome.staff_posts = len(group_posts)
    by_method = Counter(c.method for c in group_posts)
    pending_group = await OutboxMessage.filter(
        chat_id=world.staff_chat, sent_at=None, failed_at=None
    ).count()
    first_post = sim.stamp(group_posts[0].timestamp) if group_posts else None
    print(
        f"  staff group: {len(group_posts)} messages posted during the storm (goal <= 10; "
        + ", ".join(f"{m} {n}" for m, n in by_method.most_common())
        + f"), {len(group_edits)} edits; {pending_group} still waiting in the outbox; first post at "
        f"{fmt_s(first_post)}, last at {fmt_s(sim.stamp(group_posts[-1].timestamp) if group_posts else None)}"
    )
    rows_by_kind = Counter(
        await OutboxMessage.filter(chat_id=world.staff_chat).values_list("kind", flat=True)
    )
    print(
        "    staff-group outbox rows by kind: "
        + (", ".join(f"{k} {n}" for k, n in rows_by_kind.most_common()) or "none")
    )

    # -- incidents
    incidents = await Incident.all().order_by("id")
    linked = Counter(c["incident_id"] for c in cases if c["incident_id"] is not None)
    categories = Counter(c["category"] for c in cases)
    buildings = Counter(c["building"] or building_of(c.get("unit", "") or "") for c in cases)
    asked = [t for t in world.tenants if t.safety_question]
    if asked:
        print(
            f"  {len(asked)} tenants were asked the safety question first (answered No), e.g. for "
            f"{asked[0].description!r}"
        )
    print(
        f"  cases filed: {len(cases)}; categories: "
        + ", ".join(f"{k} {n}" for k, n in categories.most_common())
        + "; buildings: "
        + ", ".join(f"{k or '(none)'} {n}" for k, n in buildings.most_common())
    )
    if incidents:
        for incident in incidents:
            print(
                f"  incident #{incident.id} ({incident.category}, building {incident.building}) opened at "
                f"{fmt_s((incident.created_at - origin).total_seconds())}: {linked[incident.id]} cases linked"
            )
    else:
        print("  incidents: none")
    print(f"    cases in no incident: {sum(1 for c in cases if c['incident_id'] is None)}")
    carded = set(
        await OutboxMessage.filter(
            chat_id=world.staff_chat, kind=OutboxKind.STAFF_CARD
        ).values_list("case_id", flat=True)
    )
    if carded:
        first_open = min((i.created_at for i in incidents), default=None)
        print(
            f"    cases with a staff card of their own: {len(carded)}; of them now in an incident: "
            f"{sum(1 for c in cases if c['id'] in carded and c['incident_id'] is not None)}, filed before "
            f"the first incident opened: "
            + (
                str(sum(1 for c in cases if c["id"] in carded and c["received_at"] < first_open))
                if first_open
                else "n/a"
            )
        )
    card_at, card_kind = await incident_card_time(world)
    print(
        f"  incident's first card: {fmt_s(card_at)} after the storm began"
        + (
            f" ({card_kind})"
            if card_at is not None
            else " (no staff-group message about an incident)"
        )
    )

    # -- checks of the storm
    print("  checks:")
    failed = [t for t in world.tenants if t.failure or t.submitted_at is None]
    check(
        outcome,
        not failed,
        f"all {args.tenants} dialogs completed",
        f"{len(failed)} dialogs not completed, first: "
        + (f"tenant {failed[0].index} {failed[0].failure or 'unfinished'}" if failed else ""),
    )
    check(
        outcome,
        len(cases) == args.tenants,
        f"{len(cases)} cases, one per tenant",
        f"{len(cases)} cases for {args.tenants} tenants",
    )
    check(
        outcome,
        all(per_chat[chat] == 1 for chat in tenant_chats) and len(sent) == len(tenant_chats),
        "each tenant exactly one receipt",
        f"receipts per tenant: {Counter(per_chat[chat] for chat in tenant_chats)}",
    )
    ok, line = windows_line(storm_calls, world.staff_chat)
    check(outcome, ok, line, "rate limits: " + line)

    # -- the note
    incident_of = {c["complainant__telegram_id"]: c["incident_id"] for c in cases}
    await note_fan_out(world, args, outcome, incidents, storm_end, incident_of)

    ok, line = windows_line(fake.calls, world.staff_chat)
    print("  whole run:")
    check(outcome, ok, line, "rate limits (whole run): " + line)
    other = Counter(
        f"{c.method} {c.status} {c.description}" for c in fake.calls if not c.ok and c.status != 429
    )
    check(
        outcome,
        not other,
        "no error answers from the fake",
        f"error answers: {other.most_common(3)}",
    )
    refused = [c for c in fake.calls if not c.ok and c.method in EDIT_METHODS]
    if refused:
        first_kind = dict(
            await OutboxMessage.filter(chat_id=world.staff_chat, telegram_message_id__isnull=False)
            .order_by("-id")
            .values_list("telegram_message_id", "kind")
        )
        of = Counter(first_kind.get(c.params.get("message_id"), "?") for c in refused)
        print(
            "    refused edits by the message they edit (its outbox kind): "
            + ", ".join(f"{kind} {n}" for kind, n in of.most_common())
        )
    check(
        outcome,
        not errors.messages,
        "no warnings or errors logged",
        f"{len(errors.messages)} warnings/errors logged, first: {errors.messages[0] if errors.messages else ''}",
    )
    calls_per_tenant = len(fake.calls) / args.tenants
    print(
        f"  Bot API calls: {len(fake.calls)} ({calls_per_tenant:.1f} per tenant): "
        + ", ".join(f"{m} {n}" for m, n in Counter(c.method for c in fake.calls).most_common(6))
    )
    print(f"  problems: {len(outcome.problems) or 'none'}")
    return outcome


async def case_rows(tenant_chats: dict[int, Tenant]) -> list[dict[str, Any]]:
    """The storm's cases, with the tenant's chat (through the complainant)."""
    rows = await Case.all().values(
        "id",
        "number",
        "category",
        "building",
        "unit",
        "incident_id",
        "received_at",
        "complainant__telegram_id",
    )
    return [r for r in rows if r["complainant__telegram_id"] in tenant_chats]


async def incident_card_time(world: World) -> tuple[float | None, str]:
    """When the first staff-group message about an incident went out (simulated seconds since the storm
    began), and which outbox kind it was: the incident card (OutboxKind.INCIDENT_CARD) when the code has
    one, else any staff-group row whose kind names an incident."""
    card = getattr(OutboxKind, "INCIDENT_CARD", None)
    rows = OutboxMessage.filter(chat_id=world.staff_chat, sent_at__isnull=False)
    if card is not None:
        rows = rows.filter(kind=card)
    else:
        kinds = await OutboxMessage.filter(chat_id=world.staff_chat).values_list("kind", flat=True)
        rows = rows.filter(kind__in=sorted({k for k in kinds if "incident" in k}) or ["-"])
    first = await rows.order_by("sent_at").first()
    if first is None:
        return None, ""
    return (first.sent_at - world.sim.origin).total_seconds(), first.kind


async def note_fan_out(
    world: World,
    args: argparse.Namespace,
    outcome: Outcome,
    incidents: list[Incident],
    storm_end: float,
    incident_of: dict[int, int | None],
) -> None:
    """A quiet minute after the storm a manager sends one note to the storm's incidents; the time from
    then until the last tenant received it, against tenants / 30 messages a second."""
    sim, fake, state = world.sim, world.fake, world.state
    if not incidents:
        print("  note fan-out: n/a (no incident to send a note from)")
        return
    await sim.run(lambda: False, until=storm_end + NOTE_PAUSE_S)
    sim.advance_to(storm_end + NOTE_PAUSE_S)
    mark = len(fake.calls)
    note = NoteRun()
    sim.spawn(manager_sends_note(world, [i.id for i in incidents], note))
    finished = await sim.run(lambda: note.done and state.quiet, until=sim.t + args.max_minutes * 60)
    if note.error:
        print(f"  note fan-out: n/a (sending the note failed: {note.error})")
        outcome.problems.append(f"sending the note failed: {note.error}")
        return
    if note.how is None or note.sent_at is None:
        print("  note fan-out: n/a (no incident note yet)")
        return
    how, note_at = note.how, note.sent_at
    tenant_chats = {t.user.id for t in world.tenants}
    notes = [
        c
        for c in sends(fake.calls[mark:], POST_METHODS)
        if c.chat_id in tenant_chats and NOTE_TEXT in str(c.params.get("text", ""))
    ]
    per_chat = Counter(c.chat_id for c in notes)
    each = []
    for incident_id, replied in sorted(note.replies.items()):
        mine = [c for c in notes if incident_of.get(c.chat_id) == incident_id]
        if mine:
            last = sim.stamp(max(c.timestamp for c in mine)) - replied
            each.append(
                f"    incident #{incident_id}: its note sent {replied - note_at:.1f} s after the first, reached "
                f"its {len(mine)} tenants {last:.1f} s after its own sending (ceiling "
                f"{len(mine) / GLOBAL_PER_SECOND:.1f} s)"
            )
    reached = outcome.note_reached = len(per_chat)
    took = (sim.stamp(max(c.timestamp for c in notes)) - note_at) if notes else None
    ceiling = reached / GLOBAL_PER_SECOND
    if took:
        outcome.note_ratio = ceiling / took
        print(
            f"  note fan-out: {took:.1f} s for {reached} tenants, ceiling {ceiling:.1f} s, ratio "
            f"{outcome.note_ratio:.2f} (goal >= 0.80)"
            + ("" if reached == args.tenants else f" (NOT all {args.tenants} tenants reached)")
        )
    else:
        print(f"  note fan-out: n/a (the note reached {reached} of {args.tenants} tenants)")
    for line in each:
        print(line)
    print(
        f"    {how}; first note "
        f"{fmt_s(max(0.0, sim.stamp(min(c.timestamp for c in notes)) - note_at) if notes else None)}"
        f" after sending"
        + ("" if finished else f" (STOPPED after --max-minutes {args.max_minutes}: still pending)")
    )
    after = fake.calls[mark:]
    most = max_in_window([c.timestamp for c in sends(after)], 1.0)
    group = [c for c in after if c.chat_id == world.staff_chat and c.method in MESSAGE_METHODS]
    edits = [c for c in group if c.method in EDIT_METHODS]
    refused = sum(1 for c in group if not c.ok)
    others = len(sends(after)) - len(notes) - sum(1 for c in group if c.ok)
    print(
        f"    most messages in any 1 s during the fan-out: {most}; besides the notes: staff group "
        f"{len(group) - len(edits)} posts and {len(edits)} edits ({refused} refused by the fake, each "
        f"still a send slot), {others} other messages"
    )
    check(
        outcome,
        reached == len(tenant_chats) and all(n == 1 for n in per_chat.values()),
        "every tenant got the note once",
        f"the note reached {reached} of {len(tenant_chats)} tenants; notes per reached tenant: "
        f"{dict(Counter(per_chat.values()))}",
    )


async def main() -> int:
    ap = parser(__doc__, "qingchu_bench_storm")
    ap.add_argument("--tenants", type=int, default=300, help="tenants of the building who report")
    ap.add_argument(
        "--window", type=float, default=120.0, help="seconds over which the dialogs start"
    )
    ap.add_argument(
        "--classifier",
        choices=("nlp", "fake"),
        default="nlp",
        help="nlp: the real nlp.classify; fake: every message a utilities repair",
    )
    ap.add_argument(
        "--max-minutes",
        type=float,
        default=30.0,
        help="simulated minutes after which the storm (or the note) is cut off",
    )
    args = ap.parse_args()
    if args.tenants < 1:
        ap.error("--tenants must be at least 1")
    stopwatch = Stopwatch()
    header("storm benchmark")
    classify, how = pick_classifier(args.classifier)
    outcomes = await for_each_database(
        args,
        lambda target: measure(target, args, classify, how),
        lambda name, reason: Outcome(name, tenants=args.tenants, skipped=reason),
    )
    print("\n== summary")
    for outcome in outcomes:
        if outcome.problems:
            print(
                f"{outcome.name}: {len(outcome.problems)} problems: " + "; ".join(outcome.problems)
            )
    print(stopwatch.finished())
    for outcome in outcomes:
        print(outcome.last_line())
    return 0


if __name__ == "__main__":
    run_main(main)
