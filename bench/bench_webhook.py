"""Webhook and outbox benchmark: real `qingchu run` processes on one PostgreSQL behind Debian's nginx.

    python bench/bench_webhook.py [--tenants 200] [--updates 2000] [--rounds 2] [--concurrency 32] [--keep]

Issue #9: "webhook updates/s and p95 answer time through nginx with one and with two instances (on a 2-core
machine they may be close: print both, honestly), and the outbox drain rate at the Bot API limits."

It uses the scale-out test's harness (tests/integration/cluster.py: the fake Bot API served from this
process, N instances in webhook mode, nginx in front) and measures, for 1 and for 2 instances, each on a
fresh database:

- recording: --updates webhook POSTs through nginx, --concurrency in flight (Telegram itself keeps up to
  40 connections open). The answer time of a POST is the time until nginx returns 200, i.e. until the update
  is durably in the inbox table. Beside it, in the same run, the same POSTs against a trivial aiohttp handler
  (parse the JSON, answer {"ok": true}) in its own process behind an nginx with the same configuration:
  what "nginx + aiohttp doing nothing" costs on this machine, with this client.
- processing: those updates are presses of stale buttons (callback data the bot never made), from --tenants
  chats. Each is handled for real (flood check, tenant lookup, `answerCallbackQuery` at the fake Bot API),
  but answering a button is not a message, so it does not wait for the 30/s send budget: the processing
  rate is the inbox machinery's own (claim, handle, mark processed), measured from the inbox rows.
- replies: one /start per chat. Each needs a sendMessage under the shared 30/s budget, so this rate is
  bound by the send limit, and is printed against it.

Then the outbox drain: a fresh database and two instances; 900 private-chat messages (one per tenant) and
40 messages to one staff group are enqueued in one transaction with backend.services.outbox.enqueue, and the
instances' own delivery loops (every second, `deliver_due` with the PostgreSQL ledger `SharedSendBudget`)
send them. Measured at the fake Bot API: messages/s while the private backlog lasted against 30/s, the most
calls in any 1 s, the most group calls in any 60 s, and whether anything went out twice; from the ledger
table, the slots taken. For comparison, 300 private messages are then drained by one instance alone.

Nothing is asserted; problems are printed as PROBLEM lines. Numbers from a shared 2-core machine are only
as good as it was quiet: the load average is printed before and after.
"""

import argparse
import asyncio
import json
import math
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.integration.cluster is not part of the installed package

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402
from benchkit import (  # noqa: E402
    DEFAULT_PG_SERVER,
    Stopwatch,
    drop_postgres,
    percentile,
    postgres_answers,
)
from tortoise import Tortoise  # noqa: E402
from tortoise.backends.base.executor import EXECUTOR_CACHE  # noqa: E402
from tortoise.transactions import in_transaction  # noqa: E402

from backend.db import tortoise_config  # noqa: E402
from backend.models import OutboxMessage, SendSlot  # noqa: E402
from backend.services.outbox import OutboxKind, enqueue  # noqa: E402
from bot.budget import GLOBAL_PER_SECOND, GROUP_PER_MINUTE, MINUTE, SECOND  # noqa: E402
from bot.fake_telegram.fake_api import max_in_window  # noqa: E402
from tests.integration.cluster import (  # noqa: E402
    HOOK_PATH,
    NGINX,
    SECRET,
    Cluster,
    answers_healthz,
    free_port,
    fresh_database,
    wait_exit,
)

PG_PREFIX = "qingchu_bench_webhook"  # + _1, _2 (webhook, 1 and 2 instances), _drain2, _drain1
STALE = "x"  # callback data the bot never produces: "This button is no longer active"
# the flood limit is 30 updates a minute per chat (FLOOD_LIMIT_PER_MINUTE): stay under it
PER_CHAT = 25
WARMUP = 100
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}

BASELINE_APP = """
import sys
from aiohttp import web

async def hook(request):
    await request.json()
    return web.json_response({"ok": True})

async def health(request):
    return web.Response(text="ok")

app = web.Application()
app.router.add_post(sys.argv[2], hook)
app.router.add_get("/healthz", health)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
"""


# ---- small helpers ----------------------------------------------------------------------------------


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def nginx_version() -> str:
    out = subprocess.run([NGINX, "-v"], capture_output=True, text=True)
    return (out.stderr or out.stdout).strip().split("/")[-1]


def ledger_floor(messages: int) -> float:
    """The shortest time the send ledger allows for `messages` private messages: the first 30 at once,
    then 30 more each time a window of SECOND has passed."""
    return max(0, math.ceil(messages / GLOBAL_PER_SECOND) - 1) * SECOND.total_seconds()


async def metrics_of(http: aiohttp.ClientSession, port: int) -> dict[str, float]:
    """Counters of one instance's /metrics (summed over labels)."""
    totals: dict[str, float] = Counter()
    try:
        async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
            text = await response.text()
    except aiohttp.ClientError:
        return totals
    for line in text.splitlines():
        match = re.match(r"^(qingchu_[a-z_]+_total)(\{[^}]*\})? ([0-9.e+]+)$", line)
        if match:
            totals[match.group(1)] += float(match.group(3))
    return totals


def log_problems(cluster: Cluster) -> list[str]:
    found = []
    for port in cluster.ports:
        path = cluster.workdir / f"instance-{port}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        lines = [line for line in text.splitlines() if " ERROR " in line or " CRITICAL " in line]
        if lines:
            found.append(f"instance {port}: {len(lines)} ERROR lines, first: {lines[0][:200]}")
    return found


# ---- CPU accounting: where the two cores went during a phase -----------------------------------------

HZ = os.sysconf("SC_CLK_TCK")
CPU_PARTS = ("bench", "trivial app", "qingchu", "nginx", "pg (db)", "pg (other)", "rest", "machine")


@dataclass
class Watched:
    """The processes of one measurement, by part."""

    database: str
    instances: set[int] = field(default_factory=set)
    app: set[int] = field(default_factory=set)
    nginx_masters: set[int] = field(default_factory=set)


def _processes() -> list[tuple[int, int, str, float]]:
    """(pid, ppid, command line, CPU seconds) of every process that can be read."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        found.append((int(entry.name), int(stat[1]), cmdline, (int(stat[11]) + int(stat[12])) / HZ))
    return found


def cpu_snapshot(watched: Watched) -> dict[str, float]:
    """CPU seconds used so far by each part (processes that ended in between are lost, a small error)."""
    parts = dict.fromkeys(CPU_PARTS, 0.0)
    me = os.getpid()
    for pid, ppid, cmdline, seconds in _processes():
        if pid == me:
            parts["bench"] += seconds
        elif pid in watched.instances:
            parts["qingchu"] += seconds
        elif pid in watched.app:
            parts["trivial app"] += seconds
        elif pid in watched.nginx_masters or ppid in watched.nginx_masters:
            parts["nginx"] += seconds
        elif cmdline.startswith("postgres") or "/postgresql/" in cmdline:
            parts["pg (db)" if f" {watched.database} " in cmdline else "pg (other)"] += seconds
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    ticks = [int(x) for x in fields[:8]]
    parts["machine"] = (sum(ticks) - ticks[3] - ticks[4]) / HZ  # all but idle and iowait
    return parts


@dataclass
class CpuUse:
    """CPU seconds per part and wall seconds, summed over the stretches measured."""

    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(CPU_PARTS, 0.0))
    wall: float = 0.0

    def add(self, before: dict[str, float], after: dict[str, float], wall: float) -> None:
        for part in CPU_PARTS:
            self.seconds[part] += after[part] - before[part]
        self.wall += wall

    def cores(self) -> dict[str, float]:
        used = {
            part: value / self.wall if self.wall else 0.0 for part, value in self.seconds.items()
        }
        used["rest"] = max(
            0.0, used["machine"] - sum(v for k, v in used.items() if k not in ("rest", "machine"))
        )
        return used


class measure_cpu:
    """`async with measure_cpu(use, watched):` adds the block's CPU use to `use`."""

    def __init__(self, use: CpuUse, watched: Watched) -> None:
        self.use, self.watched = use, watched

    async def __aenter__(self) -> None:
        self.before, self.t = cpu_snapshot(self.watched), time.perf_counter()

    async def __aexit__(self, *exc: object) -> None:
        wall = time.perf_counter() - self.t
        self.use.add(self.before, cpu_snapshot(self.watched), wall)


def print_cpu(rows: list[tuple[str, CpuUse]]) -> None:
    print(
        f"  CPU, in cores (of {os.cpu_count()}), while:".ljust(42)
        + "".join(f"{p:>12}" for p in CPU_PARTS)
    )
    for label, use in rows:
        cores = use.cores()
        print(f"    {label}".ljust(42) + "".join(f"{cores[p]:12.2f}" for p in CPU_PARTS))


# ---- posting ----------------------------------------------------------------------------------------


@dataclass
class Posted:
    latencies: list[float]  # seconds, per POST
    started: list[float]  # time.monotonic() when each POST was sent
    wall: float  # seconds from the first POST sent to the last answered
    failures: int = 0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall

    def ms(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000


def pooled(runs: list[Posted]) -> Posted:
    """Several rounds as one: every latency, the summed wall time."""
    return Posted(
        [x for r in runs for x in r.latencies],
        [x for r in runs for x in r.started],
        sum(r.wall for r in runs),
        sum(r.failures for r in runs),
    )


async def post_all(
    http: aiohttp.ClientSession,
    url: str,
    bodies: list[bytes],
    concurrency: int,
    fallback: Cluster | None = None,
) -> Posted:
    """POST every body with `concurrency` in flight; a failed POST is counted and then delivered by the
    harness's retrying `Cluster.post`, so no update is lost."""
    latencies = [0.0] * len(bodies)
    started = [0.0] * len(bodies)
    work = iter(range(len(bodies)))
    failed: list[int] = []

    async def worker() -> None:
        for i in work:
            started[i] = time.monotonic()
            t = time.perf_counter()
            try:
                async with http.post(url, data=bodies[i], headers=HEADERS) as response:
                    await response.read()
                    ok = response.status == 200
            except aiohttp.ClientError:
                ok = False
            latencies[i] = time.perf_counter() - t
            if not ok:
                failed.append(i)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - t0
    if fallback is not None:
        for i in failed:
            await fallback.post(json.loads(bodies[i]))
    return Posted(latencies, started, wall, len(failed))


# ---- the baseline: trivial aiohttp behind the same nginx configuration --------------------------------


@dataclass
class Baseline:
    proxy: Cluster
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return self.proxy.hook_url

    @staticmethod
    def spawn(workdir: Path) -> tuple[int, subprocess.Popen]:
        workdir.mkdir(parents=True)
        port = free_port()
        return port, subprocess.Popen(
            [sys.executable, "-c", BASELINE_APP, str(port), HOOK_PATH],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    @classmethod
    async def start(cls, workdir: Path) -> "Baseline":
        port, process = cls.spawn(workdir)
        # The harness's nginx set-up with the trivial app as the only upstream (no instances, no fake API).
        proxy = Cluster(workdir, "", [port])
        proxy.http = aiohttp.ClientSession()
        if not await answers_healthz(proxy.http, port, 10):
            raise TimeoutError("the baseline app did not start")
        proxy.start_nginx()
        await proxy.wait_nginx()
        return cls(proxy, process)

    async def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        await wait_exit(self.process, 10)
        await self.proxy.stop()


# ---- webhook: one configuration ----------------------------------------------------------------------


@dataclass
class WebhookResult:
    instances: int
    baselines: list[Posted]  # per round
    posts: list[Posted]
    backlogs: list[int]  # updates not yet processed when the round's last POST was answered
    processed: int
    spans: list[float]  # per round: first received_at to last processed_at, from the inbox rows
    lag_p50: float
    lag_p95: float
    starts: Posted
    replies: int
    reply_span: float
    reply_latencies: list[float]
    max_per_second: int
    per_instance: list[tuple[int, float]]
    problems: list[str] = field(default_factory=list)
    cpu: list[tuple[str, CpuUse]] = field(default_factory=list)

    @property
    def baseline(self) -> Posted:
        return pooled(self.baselines)

    @property
    def posted(self) -> Posted:
        return pooled(self.posts)

    @property
    def processing_rate(self) -> float:
        return self.processed / sum(self.spans) if sum(self.spans) else 0.0

    @property
    def reply_rate(self) -> float:
        return self.replies / self.reply_span if self.reply_span else 0.0


async def wait_processed(conn: asyncpg.Connection, ids: list[int], seconds: float) -> int:
    """Unprocessed updates of `ids` left when all are processed (0) or after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        left = await conn.fetchval(
            "SELECT count(*) FROM inbox_update WHERE update_id = ANY($1::bigint[]) AND processed_at IS NULL",
            ids,
        )
        recorded = await conn.fetchval(
            "SELECT count(*) FROM inbox_update WHERE update_id = ANY($1::bigint[])", ids
        )
        left += len(ids) - recorded
        if left == 0 or time.monotonic() > deadline:
            return left
        await asyncio.sleep(0.05)


async def webhook_config(
    n: int, args: argparse.Namespace, baseline: Baseline, workdir: Path
) -> WebhookResult:
    name = f"{PG_PREFIX}_{n}"
    url = await fresh_database(args.pg_server, name)
    (workdir / f"instances-{n}").mkdir()
    cluster = Cluster(workdir / f"instances-{n}", url, [free_port() for _ in range(n)])
    t = time.perf_counter()
    await cluster.start()
    print(
        f"\n== webhook, {n} instance{'s' if n > 1 else ''} (database {name}; started in "
        f"{time.perf_counter() - t:.1f} s; load average {loadavg()})"
    )
    conn = await asyncpg.connect(url)
    http = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=args.concurrency),
        timeout=aiohttp.ClientTimeout(total=60),
    )
    problems: list[str] = []
    try:
        fake = cluster.fake
        up = fake.updates()
        chats = max(args.tenants, math.ceil(args.updates * args.rounds / PER_CHAT))
        users = [fake.add_user(f"住户{i}") for i in range(chats)]
        # Each person wrote once (not sent to the bot): the presses below are on "buttons" of that message.
        anchors = [up.text(user, "你好").message for user in users]

        def press(i: int) -> bytes:
            k = i % chats
            return json.dumps(up.callback(users[k], anchors[k], STALE).to_dict()).encode()

        warm = [press(i) for i in range(WARMUP)]
        rounds = [
            [press(i) for i in range(r * args.updates, (r + 1) * args.updates)]
            for r in range(args.rounds)
        ]
        starts = [
            json.dumps(up.command(user, "start").to_dict()).encode()
            for user in users[: args.tenants]
        ]

        # Warm-up (untimed): connections to nginx and upstreams, database pools, prepared statements.
        await post_all(http, cluster.hook_url, warm, args.concurrency, cluster)
        await post_all(http, baseline.url, warm, args.concurrency)
        await wait_processed(conn, [json.loads(b)["update_id"] for b in warm], 60)

        # Rounds: the baseline (machine otherwise idle), then the instances, then until the inbox is empty.
        watched = Watched(
            name,
            {p.pid for p in cluster.instances.values()},
            {baseline.process.pid},
            {cluster.nginx.pid, baseline.proxy.nginx.pid},
        )
        cpu_base, cpu_rec, cpu_proc, cpu_rep = CpuUse(), CpuUse(), CpuUse(), CpuUse()
        bases, posts, backlogs, spans, done = [], [], [], [], 0
        for bodies in rounds:
            ids = [json.loads(b)["update_id"] for b in bodies]
            async with measure_cpu(cpu_base, watched):
                bases.append(await post_all(http, baseline.url, bodies, args.concurrency))
            async with measure_cpu(cpu_rec, watched):
                posts.append(
                    await post_all(http, cluster.hook_url, bodies, args.concurrency, cluster)
                )
            backlogs.append(await wait_processed(conn, ids, 0))
            async with measure_cpu(cpu_proc, watched):
                left = await wait_processed(conn, ids, 180)
            if left:
                problems.append(f"{left} of {len(ids)} updates not processed after 180 s")
            row = await conn.fetchrow(
                """SELECT count(processed_at) AS done, extract(epoch FROM max(processed_at) - min(received_at)) AS span
                   FROM inbox_update WHERE update_id = ANY($1::bigint[])""",
                ids,
            )
            done += row["done"]
            spans.append(float(row["span"] or 0))
        all_ids = [json.loads(b)["update_id"] for bodies in rounds for b in bodies]
        lag = await conn.fetchrow(
            """SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - received_at)) AS p50,
                      percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - received_at)) AS p95
               FROM inbox_update WHERE update_id = ANY($1::bigint[])""",
            all_ids,
        )
        answered = [c for c in fake.calls_for("answerCallbackQuery") if c.ok]
        if len(answered) != WARMUP + len(all_ids):
            problems.append(
                f"{len(answered)} answerCallbackQuery accepted for {WARMUP + len(all_ids)} presses"
            )

        # Replies: one /start per chat, each answered with a sendMessage under the shared 30/s budget.
        calls_before = len(fake.calls)
        first_reply: dict[int, float] = {}
        async with measure_cpu(cpu_rep, watched):
            replies = await post_all(http, cluster.hook_url, starts, args.concurrency, cluster)
            start_of = {users[i].id: replies.started[i] for i in range(len(starts))}
            seen = calls_before
            deadline = time.monotonic() + 120
            while len(first_reply) < len(starts) and time.monotonic() < deadline:
                for call in fake.calls[seen:]:
                    if call.method == "sendMessage" and call.ok and call.chat_id in start_of:
                        first_reply.setdefault(call.chat_id, call.timestamp)
                seen = len(fake.calls)
                await asyncio.sleep(0.02)
        if len(first_reply) < len(starts):
            problems.append(
                f"{len(starts) - len(first_reply)} of {len(starts)} /start got no reply in 120 s"
            )
        sends = [c for c in fake.calls[calls_before:] if c.method == "sendMessage" and c.ok]
        doubled = sum(n - 1 for n in Counter(c.chat_id for c in sends).values() if n > 1)
        if doubled:
            problems.append(f"{doubled} /start answered twice")
        reply_latencies = [first_reply[chat] - start_of[chat] for chat in first_reply]
        reply_span = (max(first_reply.values()) - min(replies.started)) if first_reply else 0.0
        await asyncio.sleep(1.5)  # the flood of /start is over; let the last inbox rounds finish
        per_instance = []
        for port in cluster.ports:
            counters = await metrics_of(http, port)
            per_instance.append((port, counters.get("qingchu_updates_total", 0.0)))
        problems += log_problems(cluster)
        return WebhookResult(
            instances=n,
            baselines=bases,
            posts=posts,
            backlogs=backlogs,
            processed=done,
            spans=spans,
            lag_p50=float(lag["p50"] or 0),
            lag_p95=float(lag["p95"] or 0),
            starts=replies,
            replies=len(first_reply),
            reply_span=reply_span,
            reply_latencies=reply_latencies,
            max_per_second=fake.max_calls_in_window(1.0),
            per_instance=per_instance,
            problems=problems,
            cpu=[
                ("baseline POSTs", cpu_base),
                ("qingchu POSTs (recording)", cpu_rec),
                ("after them, until the inbox is empty", cpu_proc),
                ("/start: until the last reply", cpu_rep),
            ],
        )
    finally:
        await http.close()
        await conn.close()
        await cluster.stop()
        await drop(args, name)


def print_webhook(r: WebhookResult, args: argparse.Namespace) -> None:
    b, p = r.baseline, r.posted
    chats = max(args.tenants, math.ceil(args.updates * args.rounds / PER_CHAT))
    print(
        f"  recording: {len(r.posts)} rounds of {args.updates} webhook POSTs (stale button presses from {chats} "
        f"chats), {args.concurrency} in flight; answer = nginx's 200 = the update is in the inbox table;"
    )
    print("  each round: the baseline's POSTs, then qingchu's, then wait until the inbox is empty")
    print(
        "                                                POST/s   p50 ms   p95 ms   max ms  failed  POST/s per round"
    )
    print(
        f"    baseline: trivial aiohttp behind nginx    {b.rate:7.0f}  {b.ms(50):7.1f}  {b.ms(95):7.1f}  "
        f"{b.ms(100):7.1f}  {b.failures:6d}  {' '.join(f'{x.rate:.0f}' for x in r.baselines)}"
    )
    print(
        f"    qingchu webhook, {r.instances} instance{'s' if r.instances > 1 else ' '}            "
        f"{p.rate:7.0f}  {p.ms(50):7.1f}  {p.ms(95):7.1f}  {p.ms(100):7.1f}  {p.failures:6d}  "
        f"{' '.join(f'{x.rate:.0f}' for x in r.posts)}"
    )
    print(
        f"    ratio qingchu/baseline: POST/s {p.rate / b.rate:.2f}, p95 {p.ms(95) / b.ms(95):.1f}x"
    )
    print(
        f"  processing: {r.processed} of {len(p.latencies)} processed; still waiting when a round's last POST "
        f"was answered: {', '.join(map(str, r.backlogs))}"
    )
    rates = " ".join(f"{args.updates / span:.0f}" for span in r.spans if span)
    print(
        f"    {r.processing_rate:.0f} updates/s (per round {rates}; first received_at to last processed_at of "
        f"the round's inbox rows); wait in the inbox p50 {r.lag_p50 * 1000:.0f} ms, p95 {r.lag_p95 * 1000:.0f} ms"
    )
    print(
        "    (no message is sent for these, so this is the inbox loop's own pace, not the 30/s budget)"
    )
    split = ", ".join(f"{port}: {int(n)}" for port, n in r.per_instance)
    print(
        f"    updates handled per instance (qingchu_updates_total, warm-up and /start included): {split}"
    )
    s = r.starts
    lat = r.reply_latencies
    print(
        f"  replies: {len(s.latencies)} /start, one per chat: POST/s {s.rate:.0f}, p95 {s.ms(95):.1f} ms; "
        f"{r.replies} answered"
    )
    if lat:
        print(
            f"    {r.reply_rate:.1f} replies/s from the first POST to the last reply (the budget lets the first "
            f"{GLOBAL_PER_SECOND} out at once, then {GLOBAL_PER_SECOND} per {SECOND.total_seconds():g} s: "
            f"{GLOBAL_PER_SECOND / SECOND.total_seconds():.1f}/s in the long run)"
        )
        floor = ledger_floor(r.replies)
        print(
            f"    the ledger alone needs at least {floor:.1f} s for {r.replies} messages (30 at once, then 30 per "
            f"{SECOND.total_seconds():g} s); they took {r.reply_span:.1f} s from the first POST = "
            f"{floor / r.reply_span:.2f} of what it allows"
        )
        print(
            f"    POST to reply p50 {percentile(lat, 50):.2f} s, p95 {percentile(lat, 95):.2f} s, max {max(lat):.2f} s "
            "(queued behind the send budget)"
        )
    print(f"    most Bot API messages in any 1 s (whole run of this cluster): {r.max_per_second}")
    print_cpu(r.cpu)
    for problem in r.problems:
        print(f"  PROBLEM: {problem}")


# ---- outbox drain ------------------------------------------------------------------------------------


@dataclass
class DrainResult:
    instances: int
    private: int
    group: int
    enqueue_seconds: float
    first_send: float  # seconds after the commit
    last_private: float
    last_group: float
    sent_while_private: int  # messages (private and group) sent up to the last private one
    max_1s: int
    max_1s_private_phase: int
    group_max_60s: int
    sent_twice: int
    private_slots: int
    group_slots: int
    group_per_minute: list[int]
    per_second: list[int]
    sent_rows: int
    failed_rows: int
    pending_rows: int
    refused_allows: float
    per_instance_sent: list[tuple[int, float]]
    problems: list[str]
    cpu: CpuUse

    @property
    def rate(self) -> float:
        return self.sent_while_private / self.last_private if self.last_private else 0.0


async def drain(
    args: argparse.Namespace, workdir: Path, instances: int, private_n: int, group_n: int
) -> DrainResult:
    name = f"{PG_PREFIX}_drain{instances}"
    url = await fresh_database(args.pg_server, name)
    (workdir / f"drain-{instances}").mkdir()
    cluster = Cluster(workdir / f"drain-{instances}", url, [free_port() for _ in range(instances)])
    await cluster.start()
    print(
        f"\n== outbox drain, {instances} instance{'s' if instances > 1 else ''} (database {name}; "
        f"load average {loadavg()})"
    )
    problems: list[str] = []
    EXECUTOR_CACHE.clear()
    await Tortoise.init(config=tortoise_config(url))
    try:
        fake = cluster.fake
        users = [fake.add_user(f"住户{i}") for i in range(private_n)]
        group = fake.add_group("物业工作群")
        t = time.perf_counter()
        now = datetime.now(UTC)
        async with in_transaction() as conn:
            for i, user in enumerate(users):
                await enqueue(
                    conn,
                    chat_id=user.id,
                    kind=OutboxKind.TENANT_UPDATE,
                    now=now,
                    payload={
                        "event": "note",
                        "number": f"QC-BENCH-{i:04d}",
                        "note": "水管已修好",
                        "locale": "zh_CN",
                    },
                )
            for j in range(group_n):
                await enqueue(
                    conn,
                    chat_id=group.id,
                    kind=OutboxKind.REMINDER,
                    now=now,
                    payload={"number": f"QC-BENCH-G{j:03d}"},
                )
        t0 = time.monotonic()  # committed: from now on the instances see the rows
        enqueue_seconds = time.perf_counter() - t
        total = private_n + group_n
        print(
            f"  enqueued {private_n} private messages (one per tenant) and {group_n} to one "
            f"group in one transaction ({enqueue_seconds:.2f} s); the instances' delivery loops send them"
        )
        # Every slot the instances take in the ledger, read as it is written (rows are pruned after 2 min).
        slots: Counter[str] = Counter()
        last_slot = 0

        async def read_slots() -> None:
            nonlocal last_slot
            for slot_id, chat_id in (
                await SendSlot.filter(id__gt=last_slot).order_by("id").values_list("id", "chat_id")
            ):
                slots["private" if chat_id > 0 else "group"] += 1
                last_slot = slot_id

        limit = 60 + 120 * math.ceil(group_n / GROUP_PER_MINUTE) + private_n / 5
        watched = Watched(
            name, {p.pid for p in cluster.instances.values()}, set(), {cluster.nginx.pid}
        )
        cpu_private, before, private_left = CpuUse(), cpu_snapshot(watched), True
        while time.monotonic() - t0 < limit:
            await read_slots()
            if (
                private_left
                and not await OutboxMessage.filter(
                    sent_at=None, failed_at=None, chat_id__gt=0
                ).exists()
            ):
                cpu_private.add(before, cpu_snapshot(watched), time.monotonic() - t0)
                private_left = False
            if not await OutboxMessage.filter(sent_at=None, failed_at=None).exists():
                break
            await asyncio.sleep(0.25)
        await read_slots()
        pending = await OutboxMessage.filter(sent_at=None, failed_at=None).count()
        sent_rows = await OutboxMessage.filter(sent_at__isnull=False).count()
        failed_rows = await OutboxMessage.filter(failed_at__isnull=False).count()
        if pending:
            problems.append(f"{pending} messages still pending after {limit:.0f} s")
        if failed_rows:
            problems.append(f"{failed_rows} messages failed")

        calls = [c for c in fake.message_calls() if c.method == "sendMessage"]
        private = [c.timestamp - t0 for c in calls if isinstance(c.chat_id, int) and c.chat_id > 0]
        grouped = [c.timestamp - t0 for c in calls if c.chat_id == group.id]
        last_private = max(private) if private else 0.0
        sent_twice = sum(
            n - 1
            for n in Counter((c.chat_id, c.params.get("text")) for c in calls).values()
            if n > 1
        )
        if sent_twice:
            problems.append(f"{sent_twice} messages sent twice")
        if len(calls) != total:
            problems.append(f"{len(calls)} sendMessage accepted for {total} outbox rows")
        stamps = [c.timestamp for c in calls]
        phase = [s for s in stamps if s - t0 <= last_private]
        per_minute = [0] * (int(max(grouped, default=0) // 60) + 1)
        for g in grouped:
            per_minute[int(g // 60)] += 1
        per_second = [0] * 20
        for s in stamps:
            if 0 <= int(s - t0) < len(per_second):
                per_second[int(s - t0)] += 1
        per_instance, refused = [], 0.0
        for port in cluster.ports:
            counters = await metrics_of(cluster.http, port)
            per_instance.append((port, counters.get("qingchu_messages_sent_total", 0.0)))
            refused += counters.get("qingchu_rate_limit_waits_total", 0.0)
        problems += log_problems(cluster)
        return DrainResult(
            instances=instances,
            private=len(private),
            group=len(grouped),
            enqueue_seconds=enqueue_seconds,
            first_send=min(c.timestamp for c in calls) - t0 if calls else 0.0,
            last_private=last_private,
            last_group=max(grouped) if grouped else 0.0,
            sent_while_private=len(phase),
            max_1s=fake.max_calls_in_window(1.0),
            max_1s_private_phase=max_in_window(phase, 1.0),
            group_max_60s=fake.max_calls_in_window(60.0, group.id),
            sent_twice=sent_twice,
            private_slots=slots["private"],
            group_slots=slots["group"],
            group_per_minute=per_minute,
            per_second=per_second,
            sent_rows=sent_rows,
            failed_rows=failed_rows,
            pending_rows=pending,
            refused_allows=refused,
            per_instance_sent=per_instance,
            problems=problems,
            cpu=cpu_private,
        )
    finally:
        await Tortoise.close_connections()
        EXECUTOR_CACHE.clear()
        await cluster.stop()
        await drop(args, name)


def print_drain(d: DrainResult) -> None:
    print(
        f"  first message {d.first_send:.2f} s after the commit (the delivery loop runs every second)"
    )
    print(
        f"  private backlog: {d.private} sent, the last {d.last_private:.1f} s after the commit; "
        f"{d.sent_while_private} messages (group ones included) in that time = {d.rate:.1f} msg/s, "
        f"{d.rate / GLOBAL_PER_SECOND:.2f} of {GLOBAL_PER_SECOND}/s"
    )
    floor = ledger_floor(d.sent_while_private)
    print(
        f"    (the ledger counts {GLOBAL_PER_SECOND} per {SECOND.total_seconds():g} s, so "
        f"{GLOBAL_PER_SECOND / SECOND.total_seconds():.1f}/s is its ceiling; it allows these "
        f"{d.sent_while_private} in {floor:.1f} s, they took {d.last_private:.1f} s = "
        f"{floor / d.last_private if d.last_private else 0:.2f} of what it allows)"
    )
    if d.group:
        print(
            f"  group: {d.group} sent, the last {d.last_group:.1f} s after the commit = "
            f"{d.group / d.last_group * 60:.1f} per minute (limit {GROUP_PER_MINUTE}/min, ledger window "
            f"{MINUTE.total_seconds():g} s); per minute after the commit: "
            f"{' '.join(map(str, d.group_per_minute))}"
        )
    print(f"  messages sent in each of the first 20 seconds: {' '.join(map(str, d.per_second))}")
    print(
        f"  most messages in any 1 s: {d.max_1s} (while the private backlog lasted: {d.max_1s_private_phase}); "
        f"most group messages in any 60 s: {d.group_max_60s}"
    )
    print(
        f"  ledger slots taken (send_slot rows): {d.private_slots} for {d.private} private messages sent, "
        f"{d.group_slots} for {d.group} group messages sent; "
        f"{d.private_slots + d.group_slots - d.private - d.group} slots without a send"
    )
    split = ", ".join(f"{port}: {int(n)}" for port, n in d.per_instance_sent)
    print(
        f"  sent per instance (qingchu_messages_sent_total): {split}; budget refusals counted by the instances "
        f"(qingchu_rate_limit_waits_total): {int(d.refused_allows)}"
    )
    print(
        f"  outbox rows: {d.sent_rows} sent, {d.failed_rows} failed, {d.pending_rows} pending; "
        f"{d.sent_twice} sent twice"
    )
    print_cpu([("the private backlog lasted", d.cpu)])
    for problem in d.problems:
        print(f"  PROBLEM: {problem}")


# ---- run ---------------------------------------------------------------------------------------------


async def drop(args: argparse.Namespace, name: str) -> None:
    if args.keep:
        print(f"  (kept database {name})")
    else:
        await drop_postgres(args.pg_server, name)


async def run(args: argparse.Namespace) -> None:
    print(
        f"qingchu webhook benchmark: Python {platform.python_version()}, aiohttp {aiohttp.__version__}, "
        f"nginx {nginx_version()}; {os.cpu_count()} CPUs; load average {loadavg()}"
    )
    conn = await asyncpg.connect(f"{args.pg_server}/postgres")
    try:
        version = await conn.fetchval("SHOW server_version")
    finally:
        await conn.close()
    print(
        f"PostgreSQL {version} at {args.pg_server}; nginx: 1 worker, keepalive 32 to the upstreams "
        "(tests/integration/cluster.py)"
    )
    print("client: this process (aiohttp), which also serves the fake Bot API the instances call")
    workdir = Path(tempfile.mkdtemp(prefix="qingchu-bench-webhook-"))
    results: list[WebhookResult] = []
    drains: list[DrainResult] = []
    try:
        baseline = await Baseline.start(workdir / "baseline")
        try:
            for n in (1, 2):
                result = await webhook_config(n, args, baseline, workdir)
                print_webhook(result, args)
                results.append(result)
        finally:
            await baseline.stop()
        if args.drain_private or args.drain_group:
            drains.append(await drain(args, workdir, 2, args.drain_private, args.drain_group))
            print_drain(drains[-1])
        if args.drain_compare:
            print(
                "\n  for comparison: private messages only, drained by one instance (diagnosis, see the README)"
            )
            drains.append(await drain(args, workdir, 1, args.drain_compare, 0))
            print_drain(drains[-1])
    finally:
        if args.keep:
            print(f"  (kept {workdir}: nginx configuration and instance logs)")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    print(
        f"\n== summary (load average {loadavg()}; ratios against the baseline measured in the same run)"
    )
    for r in results:
        b, p = r.baseline, r.posted
        label = f"{r.instances} instance{'s' if r.instances > 1 else ''}:"
        print(
            f"webhook {label:12} {p.rate:.0f} POST/s, p95 {p.ms(95):.1f} ms "
            f"(baseline {b.rate:.0f} POST/s, p95 {b.ms(95):.1f} ms: ratio {p.rate / b.rate:.2f}); "
            f"processed {r.processing_rate:.0f} updates/s; /start replies {r.reply_rate:.1f}/s "
            f"({ledger_floor(r.replies) / r.reply_span if r.reply_span else 0:.2f} of what the "
            f"{GLOBAL_PER_SECOND}/s ledger allows)"
            + (f"; {len(r.problems)} PROBLEM(s)" if r.problems else "")
        )
    if len(results) == 2:
        one, two = results
        print(
            f"2 instances / 1 instance: POST/s {two.posted.rate / one.posted.rate:.2f}, "
            f"processing {two.processing_rate / one.processing_rate:.2f}, "
            f"replies {two.reply_rate / one.reply_rate:.2f}"
        )
    for d in drains:
        label = "outbox drain:" if d.instances == 2 else "outbox drain, 1 instance, private only:"
        allowed = ledger_floor(d.sent_while_private) / d.last_private if d.last_private else 0
        print(
            f"{label} {d.rate:.1f} msg/s ({d.rate / GLOBAL_PER_SECOND:.2f} of {GLOBAL_PER_SECOND}/s, "
            f"{allowed:.2f} of what the ledger allows), "
            f"max {d.max_1s} in 1 s, "
            + (f"group max {d.group_max_60s} in 60 s, " if d.group else "")
            + f"{d.sent_twice} sent twice, "
            f"{d.private_slots + d.group_slots - d.private - d.group} ledger slots without a send"
            + (f"; {len(d.problems)} PROBLEM(s)" if d.problems else "")
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tenants", type=int, default=200, help="chats posting (at least updates x rounds / 25)"
    )
    parser.add_argument("--updates", type=int, default=2000, help="timed webhook POSTs per round")
    parser.add_argument("--concurrency", type=int, default=32, help="POSTs in flight")
    parser.add_argument(
        "--rounds", type=int, default=2, help="rounds of --updates POSTs (baseline, then qingchu)"
    )
    parser.add_argument(
        "--drain-private", type=int, default=900, help="private messages of the outbox drain"
    )
    parser.add_argument(
        "--drain-group", type=int, default=40, help="messages to one group in the drain"
    )
    parser.add_argument(
        "--drain-compare",
        type=int,
        default=300,
        help="private messages drained by one instance for comparison (0: skip)",
    )
    parser.add_argument(
        "--pg-server",
        default=DEFAULT_PG_SERVER,
        help=f"PostgreSQL server; the databases {PG_PREFIX}_1, _2, _drain2 and _drain1 on it "
        "are dropped and created",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the databases and the work folder (nginx configuration, instance logs)",
    )
    args = parser.parse_args()
    if NGINX is None:
        sys.exit("bench_webhook: needs nginx (apt-get install nginx-light)")
    if not postgres_answers(args.pg_server):
        sys.exit(f"bench_webhook: nothing answers at {args.pg_server}")
    stopwatch = Stopwatch()
    asyncio.run(run(args))
    print(stopwatch.finished())


if __name__ == "__main__":
    main()
