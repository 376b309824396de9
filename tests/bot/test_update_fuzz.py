"""The bot under a fuzzer (issue 14): Hypothesis draws what tenants, staff and strangers do
(tests/bot/strategies.py) and the updates go through the webhook route and through polling's path
(getUpdates from the fake, then `application.process_update`) to the real Application.

For every update: the webhook never answers 5xx; nothing is logged at ERROR (the bot's error handler logs
every unhandled exception there, and the outbox every message it gives up on); the update is answered in
its chat (a message, an edit or an answered callback query) or the bot logs that it ignores it.
Afterwards: each case has its creation event first and its last event names its status, the daily case
counters match the cases, every outbox row is delivered (none stuck, none failed) and every webhook
update in the inbox is processed.

Bounded for CI: a fixed number of examples, derandomised (the same examples every run), a fresh
database per example (a copy of the migrated SQLite template, or PostgreSQL emptied, as in tests/conftest).
"""

import itertools
import json
import logging
import os
import re
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from tortoise import Tortoise

from backend.api.app import create_app
from backend.clock import FrozenClock
from backend.config import load_settings
from backend.context import AppContext
from backend.domain import Role
from backend.logs import ContextFilter, current_update, set_update
from backend.models import Case, CaseCounter, CaseEvent, InboxUpdate, OutboxMessage
from backend.services.inbox import chat_of
from bot.app import build_application
from bot.fake_telegram import FakeBotApi
from bot.fake_telegram.methods import MESSAGE_METHODS
from bot.webhook import process_inbox
from scheduler.sweeps import sweep_all
from tests.bot import strategies as fuzz
from tests.conftest import open_clean_database
from tests.factories import make_staff

SECRET = "fuzz-secret-token-0123456789abcdef"
HOOK = "/telegram/hook"
IGNORED = re.compile(
    r"\b(ignored|dropped)\b"
)  # how the bot's log lines say it leaves an update unanswered


def bounded(examples: int) -> settings:
    """A fixed number of examples, the same ones every run (derandomised); FUZZ_EXAMPLES=500 digs deeper on a
    workstation, FUZZ_RANDOM=1 draws other examples than CI's."""
    return settings(
        max_examples=int(os.environ.get("FUZZ_EXAMPLES", examples)),
        derandomize=not os.environ.get("FUZZ_RANDOM"),
        database=None,
        deadline=None,
        print_blob=False,
        suppress_health_check=list(HealthCheck),
    )


# ---- the world of one example ---------------------------------------------------------------------


@dataclass
class Triage:
    """A deterministic stand-in for nlp.classify that still reaches every branch of the intake."""

    category: str = "facility"
    severity: str = "general"
    kind: str = "repair"
    confidence: float = 0.9
    alternatives: tuple[str, ...] = ("environment", "noise")
    emergency: bool = False
    triggers: tuple[str, ...] = ()
    safety_check: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def triage(text: str) -> Triage:
    if "煤气" in text:
        return Triage("security", "major", "complaint", emergency=True, triggers=("gas",))
    if "电梯停" in text:
        return Triage("facility", safety_check="lift_trapped")
    if "三十多户" in text:
        return Triage("utilities", "major", "complaint")
    return Triage()


class RecordingApi(FakeBotApi):
    """The fake Bot API, noting which update each call was made for (the bot names the update it handles
    in a context variable, also when several chats are handled at once)."""

    def handle(self, method, params=None, files=None, *, token=None):
        try:
            return super().handle(method, params, files, token=token)
        finally:
            if self.calls:
                self.calls[-1].update_id = current_update()


class Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.addFilter(ContextFilter())  # each record names the update being handled
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@asynccontextmanager
async def recording_logs() -> AsyncIterator[Recorder]:
    recorder, root = Recorder(), logging.getLogger()
    ours = [logging.getLogger(name) for name in ("bot", "backend", "scheduler")]
    levels = [logger.level for logger in ours]
    for logger in ours:
        logger.setLevel(logging.DEBUG)
    root.addHandler(recorder)
    try:
        yield recorder
    finally:
        root.removeHandler(recorder)
        for logger, level in zip(ours, levels, strict=True):
            logger.setLevel(level)


@dataclass
class World:
    mode: str  # "webhook" | "polling"
    ctx: AppContext
    clock: FrozenClock
    fake: RecordingApi
    app: Any
    scene: fuzz.Scene
    logs: Recorder
    http: TestClient | None = None
    transcript: list[str] = field(default_factory=list)

    # --- driving --------------------------------------------------------------------------------
    async def run(self, steps: list[Any]) -> None:
        for step in steps:
            if isinstance(step, fuzz.Wait):
                await self.wait(step.minutes)
                continue
            update = await self.scene.build(step)
            if update is None:
                self.transcript.append(f"{_short(step)}: nothing to do")
                continue
            self.transcript.append(f"{_short(step)} → update {update['update_id']}")
            calls, records = len(self.fake.calls), len(self.logs.records)
            await self.deliver(update)
            self.check_no_errors(records)
            self.check_answered(update, calls, records)
        await self.check_invariants()
        for reached in sorted(self.scene.reached):
            event(f"reached {reached}")
        for status in await Case.all().values_list("status", flat=True):
            event(f"a case ended {status}")
        aged = sum(1 for s in steps if isinstance(s, fuzz.Press) and s.aged)
        event(f"presses on aged messages: {min(aged, 3)}")

    async def deliver(self, update: dict[str, Any]) -> None:
        set_update(None)
        if self.mode == "webhook":
            response = await self.http.post(
                HOOK,
                data=json.dumps(update),
                headers={
                    "X-Telegram-Bot-Api-Secret-Token": SECRET,
                    "Content-Type": "application/json",
                },
            )
            body = await response.text()
            assert response.status < 500, self.explain(
                f"webhook answered {response.status}: {body}"
            )
            assert response.status == 200, self.explain(
                f"webhook refused a Telegram update: {body}"
            )
            await process_inbox(self.ctx, self.app)
        else:  # what the Updater does: getUpdates, process, confirm with the next offset
            self.fake.enqueue_update(update)
            received = await self.app.bot.get_updates(timeout=0)
            for item in received:
                await self.app.process_update(item)
                set_update(None)
            if received:
                await self.app.bot.get_updates(offset=received[-1].update_id + 1, timeout=0)
        set_update(None)

    async def wait(self, minutes: int) -> None:
        self.transcript.append(f"wait {minutes} min")
        records = len(self.logs.records)
        self.clock.advance(minutes=minutes)
        set_update(None)
        await sweep_all(self.ctx)
        await self.ctx.deliver()
        self.check_no_errors(records)

    # --- checks ---------------------------------------------------------------------------------
    def explain(self, problem: str) -> str:
        lines = "\n".join(self.transcript[-30:])
        return f"{problem}\n--- what happened (last 30 steps) ---\n{lines}"

    def check_no_errors(self, since: int) -> None:
        errors = [r for r in self.logs.records[since:] if r.levelno >= logging.ERROR]
        if errors:
            formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")
            shown = "\n".join(formatter.format(r) for r in errors)
            raise AssertionError(self.explain(f"logged at ERROR:\n{shown}"))

    def check_answered(self, update: dict[str, Any], calls: int, records: int) -> None:
        """Answered in its chat (a message, an edit, an answered callback query) or deliberately ignored
        with a log line that names the update."""
        update_id, chat_id = update["update_id"], chat_of(update)
        query = update.get("callback_query")
        if query is not None:
            answered = self.fake.callback_queries[query["id"]].answered
            assert answered, self.explain(
                f"callback query of update {update_id} was not answered: {query.get('data')!r}"
            )
            return
        ours = [
            c
            for c in self.fake.calls[calls:]
            if c.ok and getattr(c, "update_id", None) == update_id
        ]
        if any(c.method in MESSAGE_METHODS and c.chat_id == chat_id for c in ours):
            return
        named = re.compile(rf"\bupdate {update_id}\b")
        logged = [
            r
            for r in self.logs.records[records:]
            if r.name.split(".")[0] in ("bot", "backend")
            and (getattr(r, "update_id", None) == update_id or named.search(r.getMessage()))
            and IGNORED.search(r.getMessage())
        ]
        assert logged, self.explain(
            f"update {update_id} was neither answered nor logged as ignored: {json.dumps(update, ensure_ascii=False)[:600]}"
        )

    async def check_invariants(self) -> None:
        records = len(self.logs.records)
        set_update(None)
        # Every outbox row can be delivered: rounds until nothing waits (a minute apart, for the group's
        # 20-a-minute budget).
        for _ in range(30):
            await self.ctx.deliver()
            if not await OutboxMessage.filter(sent_at=None, failed_at=None).exists():
                break
            self.clock.advance(seconds=61)
        self.check_no_errors(records)
        stuck = await OutboxMessage.filter(sent_at=None).values(
            "id", "kind", "chat_id", "last_error", "attempts"
        )
        assert not stuck, self.explain(f"outbox rows not delivered: {stuck}")

        cases = {c.id: c for c in await Case.all()}
        events: dict[int, list[CaseEvent]] = {}
        for row in await CaseEvent.all().order_by("id"):
            events.setdefault(row.case_id, []).append(row)
        for case in cases.values():
            history = events.get(case.id, [])
            assert history and history[0].action == "submit", self.explain(
                f"{case.number} has no creation event first"
            )
            assert [e.action for e in history].count("submit") == 1, self.explain(
                f"{case.number}: two creation events"
            )
            assert history[-1].to_status == case.status.value, self.explain(
                f"{case.number} is {case.status.value} but its last event says {history[-1].to_status}"
            )

        numbers = [c.number.rsplit("-", 2) for c in cases.values()]
        per_day = Counter(day for _, day, _ in numbers)
        highest = {day: max(int(seq) for _, d, seq in numbers if d == day) for day in per_day}
        counters = {c.day: c.last_sequence for c in await CaseCounter.all()}
        assert counters == dict(per_day) == highest, self.explain(
            f"case counters {counters} do not match the cases {dict(per_day)} (highest {highest})"
        )

        waiting = await InboxUpdate.filter(payload__isnull=False, processed_at=None).values_list(
            "update_id", flat=True
        )
        assert not waiting, self.explain(f"inbox updates never processed: {waiting}")


def _short(step: Any, limit: int = 300) -> str:
    shown = repr(step)
    return shown if len(shown) <= limit else f"{shown[:limit]}… ({len(shown)} characters)"


_examples = itertools.count()


@asynccontextmanager
async def world(template: str, folder: Path, mode: str) -> AsyncIterator[World]:
    """A fresh database, fake Bot API, Application (and webhook server) for one example."""
    url = await open_clean_database(template, folder / f"example-{next(_examples)}")
    clock, fake = FrozenClock(), RecordingApi()
    settings_ = replace(
        load_settings(env={}, env_file=None),
        database_url=url,
        staff_chat_id=-1001,
        duty_phone="400-800-1234",
        bot_token=fake.token,
        flood_limit=1000,
    )
    if mode == "webhook":
        settings_ = replace(
            settings_,
            bot_mode="webhook",
            webhook_url=f"https://desk.example.org{HOOK}",
            webhook_secret=SECRET,
        )
    ctx = AppContext.build(settings_, clock, classify=triage)
    app = build_application(ctx, request=fake.request(), rate_limit=False)
    http = None
    async with recording_logs() as logs:
        try:
            await app.initialize()
            scene = fuzz.Scene(fake, app.bot, settings_.staff_chat_id)
            await make_staff(Role.AGENT, name="小李", telegram_id=scene.people[fuzz.AGENT].id)
            await make_staff(Role.MANAGER, name="陈经理", telegram_id=scene.people[fuzz.MANAGER].id)
            if mode == "webhook":
                http = TestClient(TestServer(create_app(ctx)))
                await http.start_server()
            yield World(mode, ctx, clock, fake, app, scene, logs, http)
        finally:
            if http is not None:
                await http.close()
            await app.shutdown()
            await Tortoise.close_connections()


# ---- the fuzzers ----------------------------------------------------------------------------------


@bounded(50)
@given(steps=fuzz.sessions(unstorable=True))
async def test_updates_through_the_webhook(migrated_template, tmp_path, steps):
    async with world(migrated_template, tmp_path, "webhook") as desk:
        await desk.run(steps)


@bounded(50)
@given(steps=fuzz.sessions())
async def test_updates_through_polling(migrated_template, tmp_path, steps):
    async with world(migrated_template, tmp_path, "polling") as desk:
        await desk.run(steps)


@bounded(30)
@given(steps=fuzz.dialog_walks(), mode=st.sampled_from(["polling", "webhook"]))
async def test_every_dialog_step_with_random_input(migrated_template, tmp_path, steps, mode):
    async with world(migrated_template, tmp_path, mode) as desk:
        await desk.run(steps)
