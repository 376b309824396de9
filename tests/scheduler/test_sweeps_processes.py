"""#6's exactly-once promise with the scheduler instances as separate OS processes (issue #9).

Two real `qingchu run --only scheduler` processes sweep one PostgreSQL, each with its own connections,
its own event loop and the real clock, as production runs them. While both are ticking, 300 cases whose
assignment clock ran out 1 minute ago appear at once (one committed transaction, as after downtime):
every case climbs exactly one level, each of its messages is queued once, and both processes do part of
the work.

Why both must act: a sweep takes at most `BATCH` (200) cases of one clock, so the first process to tick
leaves at least 100 for the other one, which ticks (every second) before the first one's next tick.
"""

import ast
import asyncio
import json
import os
import signal
import socket
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import pytest
from tortoise.transactions import in_transaction

from backend.clock import FrozenClock
from backend.context import AppContext
from backend.domain import Role
from backend.models import Case, CaseEvent, OutboxMessage
from backend.services.actors import Actor
from scheduler.sweeps import BATCH
from tests.conftest import FakeTriage, on_postgres
from tests.factories import make_staff, tenant_draft

pytestmark = pytest.mark.skipif(
    not on_postgres(),
    reason="scheduler processes sharing one database need PostgreSQL (set TEST_DATABASE_URL)",
)

ROOT = Path(__file__).resolve().parents[2]
CASES = 300
INSTANCES = ("a", "b")
STAFF_CHAT = -1001
STARTUP_SECONDS = 30
WORK_SECONDS = 60
STOP_SECONDS = 10
# Settings the children must not inherit from the developer's shell (backend/config.py reads them).
INHERITED_SETTINGS = frozenset(
    """DATABASE_URL BOT_TOKEN TELEGRAM_API_BASE_URL STAFF_CHAT_ID TIMEZONE DEFAULT_LOCALE HTTP_HOST HTTP_PORT
    CASE_NUMBER_PREFIX POLICY_FILE DUTY_PHONE PHONE_REGION LOG_LEVEL LOG_FORMAT MAX_BODY_BYTES SWEEP_INTERVAL_SECONDS
    TRIAGE_MODEL_FILE DIALOG_IDLE_MINUTES STAFF_TOPICS FLOOD_LIMIT_PER_MINUTE PUBLIC_BASE_URL BOT_MODE
    WEBHOOK_URL WEBHOOK_SECRET SESSION_HOURS DATA_DIR FILE_CACHE_MB""".split()
)


@dataclass
class Instance:
    """One `qingchu run --only scheduler` process and the files its output goes to."""

    name: str
    process: asyncio.subprocess.Process
    out: Path
    err: Path
    files: list[IO[bytes]] = field(default_factory=list)

    def output(self) -> str:
        text = [
            f"--- instance {self.name} (pid {self.process.pid}, exit {self.process.returncode}) ---"
        ]
        for path in (self.out, self.err):
            text.append(
                f"[{path.name}]\n{path.read_text(errors='replace') if path.exists() else ''}"
            )
        return "\n".join(text)

    def records(self) -> list[dict[str, Any]]:
        """The JSON log lines (LOG_FORMAT=json) written so far."""
        found = []
        for line in self.err.read_text(errors="replace").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and "message" in record:
                found.append(record)
        return found

    def logged(self, message: str) -> bool:
        return any(r["message"].startswith(message) for r in self.records())

    def escalated(self) -> int:
        """Assignment escalations this process committed, from its "sweep acted on {...}" lines."""
        prefix = "sweep acted on "
        return sum(
            ast.literal_eval(r["message"][len(prefix) :]).get("assign", 0)
            for r in self.records()
            if r["message"].startswith(prefix)
        )

    def errors_while_running(self) -> list[dict[str, Any]]:
        """ERROR lines before shutdown began (a sweep cancelled by SIGTERM may log one after)."""
        running = []
        for record in self.records():
            if record["message"].startswith("stopping"):
                break
            running.append(record)
        return [r for r in running if r["level"] in ("ERROR", "CRITICAL")]


def child_environment(database_url: str, http_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in INHERITED_SETTINGS}
    env.update(
        DATABASE_URL=database_url,
        SWEEP_INTERVAL_SECONDS="1",  # the minimum backend/config.py accepts
        STAFF_CHAT_ID=str(STAFF_CHAT),  # so each escalation also queues a card refresh
        LOG_FORMAT="json",
        LOG_LEVEL="INFO",
        # --only scheduler must not serve HTTP: the test holds this port, so a bind would fail the process.
        HTTP_HOST="127.0.0.1",
        HTTP_PORT=str(http_port),
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
        PYTHONUNBUFFERED="1",
    )
    return env


async def start_instance(name: str, env: dict[str, str], workdir: Path) -> Instance:
    out, err = workdir / f"{name}.stdout", workdir / f"{name}.stderr"
    files = [out.open("wb"), err.open("wb")]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "backend.cli",
        "run",
        "--only",
        "scheduler",
        cwd=workdir,  # no .env of the developer's is read
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=files[0],
        stderr=files[1],
    )
    return Instance(name, process, out, err, files)


def report(instances: list[Instance]) -> str:
    return "\n".join(i.output() for i in instances)


async def wait_until(condition, seconds: float, instances: list[Instance], what: str) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await condition():
        for instance in instances:
            assert instance.process.returncode is None, (
                f"instance {instance.name} exited early\n{report(instances)}"
            )
        assert asyncio.get_running_loop().time() < deadline, (
            f"timed out waiting for {what}\n{report(instances)}"
        )
        await asyncio.sleep(0.2)


async def per_case(queryset) -> Counter:
    return Counter(await queryset.values_list("case_id", flat=True))


async def test_two_scheduler_processes_act_once_on_each_of_300_due_cases(settings, tmp_path):
    assert CASES > BATCH, "with more due cases than one sweep takes, both processes must act"
    supervisor = await make_staff(Role.SUPERVISOR)  # level 2: each escalation messages them
    # Cases filed 11 minutes ago on the real clock: their 10-minute assignment clock has run out.
    filed = FrozenClock(datetime.now(UTC) - timedelta(minutes=11))
    ctx = AppContext.build(settings, filed, classify=lambda text: FakeTriage())

    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    env = child_environment(settings.database_url, holder.getsockname()[1])
    instances: list[Instance] = []
    try:
        for name in INSTANCES:
            instances.append(await start_instance(name, env, tmp_path))

        async def all_started() -> bool:
            return all(i.logged("scheduler started") for i in instances)

        await wait_until(all_started, STARTUP_SECONDS, instances, "both schedulers to start")

        async with in_transaction():  # the processes see all 300 due cases at once, or none
            for i in range(CASES):
                await ctx.cases.submit(tenant_draft(telegram_id=10_000 + i), Actor.system())
        ids = set(await Case.all().values_list("id", flat=True))
        assert len(ids) == CASES

        async def all_escalated() -> bool:
            return await Case.filter(escalation_level__gte=2).count() >= CASES

        await wait_until(
            all_escalated, WORK_SECONDS, instances, f"all {CASES} cases to be escalated"
        )
        await asyncio.sleep(2.5)  # two more ticks each: a late second action would show now

        for instance in instances:
            assert instance.process.returncode is None, (
                f"instance {instance.name} died\n{report(instances)}"
            )
            instance.process.send_signal(signal.SIGTERM)
        for instance in instances:
            try:
                await asyncio.wait_for(instance.process.wait(), STOP_SECONDS)
            except TimeoutError:
                pytest.fail(
                    f"instance {instance.name} ignored SIGTERM for {STOP_SECONDS}s\n{report(instances)}"
                )
    finally:
        for instance in instances:
            if instance.process.returncode is None:
                instance.process.kill()
                await instance.process.wait()
            for handle in instance.files:
                handle.close()
        holder.close()

    logs = report(instances)
    for instance in instances:
        assert instance.process.returncode == 0, logs
        assert instance.logged("stopped"), logs
        assert not instance.errors_while_running(), logs
        assert not instance.logged("HTTP API listening"), logs

    # Every action exactly once: one escalation event per case, the level moved once.
    events = await CaseEvent.filter(action="escalate")
    assert Counter(e.case_id for e in events) == Counter(dict.fromkeys(ids, 1)), logs
    assert {(e.actor_kind.value, e.actor_name, e.data["level"]) for e in events} == {
        ("system", "scheduler", 2)
    }
    assert await Case.filter(escalation_level=2).count() == CASES
    # … and its messages queued once: the supervisor's alert and the staff card refresh.
    escalations = OutboxMessage.filter(kind="escalation")
    assert await per_case(escalations) == Counter(dict.fromkeys(ids, 1)), logs
    assert set(await escalations.values_list("chat_id", flat=True)) == {supervisor.telegram_id}
    assert await per_case(OutboxMessage.filter(kind="card_refresh")) == Counter(
        dict.fromkeys(ids, 1)
    ), logs
    kinds = Counter(await OutboxMessage.all().values_list("kind", flat=True))
    assert kinds == {
        "receipt": CASES,
        "staff_card": CASES,
        "escalation": CASES,
        "card_refresh": CASES,
    }, logs

    # Both processes did part of the work, and their own counts add up to the database's.
    done = {i.name: i.escalated() for i in instances}
    assert sum(done.values()) == CASES, f"{done}\n{logs}"
    assert all(done.values()), f"one process did everything: {done}\n{logs}"
