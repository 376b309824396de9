"""Sweep benchmark: one scheduler sweep over 100 000 cases with 0 due and with 1 000 due, on SQLite and PostgreSQL.

    python bench/bench_sweep.py [--db sqlite|postgres|both] [--cases 100000] [--due 1000]

The cost of a sweep must follow the due work, not the size of the table. For each database it creates a
fresh, migrated database and seeds a desk in steady state: a year of history (mostly closed); a live set of
open cases and resolved cases awaiting the follow-up survey whose clocks all lie in the future (as the
scheduler leaves them: missed promises already escalated and re-armed, old open cases already major); two
collective incidents already linked and no other building/category with three households in the window;
40 intake dialogs under way, none idle. Then
  1. with --small cases (the same live set and the most recent history: the same desk, younger) it captures
     the SELECTs one idle sweep_all runs (from Tortoise's DEBUG log, so whatever scheduler/sweeps.py does
     today is measured) and times sweep_all with 0 due and each statement on its own (median of --runs);
  2. adds the older history (--cases in all) and measures the same again: the ratio big/small is the number
     to watch (1.0 = the 0-due cost does not grow with the table);
  3. shows the plan of every statement and whether an index condition bounds its read: SQLite's EXPLAIN
     QUERY PLAN, PostgreSQL's EXPLAIN ANALYZE of both the custom and the generic plan, and which of the two
     the driver's cached prepared statement actually used (pg_prepared_statements);
  4. beside the times it prints "work", a count that does not depend on how busy the machine is: SQLite VM
     instructions (progress handler) of one sweep, PostgreSQL shared buffers of the plans used;
  5. makes exactly --due open cases due (the assignment clock of new cases, the resolution clock of the
     others, as after a scheduler outage), runs sweep_all until a sweep acts on nothing (BATCH = 200 per
     sweep kind, so several sweeps), reports the total and per-case time, and checks that every due case
     was acted on exactly once (one escalate event each, escalation level up by one or kept at the top,
     clock re-armed in the future or stopped) and nothing else was.
Timings are only compared within one run: absolute numbers on a noisy 2-core machine mean little. Nothing
here asserts a time; a broken invariant (something due in the 0-due table, a case acted on twice) stops it.
See bench/README.md.
"""

import argparse
import logging
import random
import re
import statistics as pystats
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import benchkit
from benchdata import CATEGORY_WEIGHTS, KIND_OF, SURNAMES, received_times
from benchkit import Stopwatch, Target, analyze, counting_statements, for_each_database, run_main
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from backend.clock import FrozenClock
from backend.config import Settings, load_settings
from backend.context import AppContext
from backend.domain import (
    Channel,
    Kind,
    Role,
    Severity,
    Status,
    due_times,
    format_case_number,
    is_business_time,
)
from backend.domain.contact import building_of
from backend.models import (
    Case,
    CaseEvent,
    Complainant,
    Department,
    Dialog,
    Incident,
    OutboxMessage,
    Staff,
)
from backend.services.queries import OPEN_STATUSES
from scheduler.sweeps import BATCH, CLOCK_SWEEPS, sweep_all

# Monday 23 November 2026, 10:00 in Shanghai: "now" for the seed and every sweep.
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
# cases made due and swept once before timing (warms the act path, counts its statements)
WARM_DUE = 20

# ---- realistic content ------------------------------------------------------------------------------

PROBLEMS = {
    "facility": [
        "卫生间天花板漏水，滴到地板上了",
        "电梯按键失灵，经常停在半层",
        "楼道灯坏了，晚上一片漆黑",
        "单元门禁刷卡没反应",
    ],
    "environment": ["垃圾桶满了好几天没人清理", "楼道里有很大的异味", "地下车库积水发臭"],
    "noise": [
        "楼上装修从早上七点就开始电钻",
        "空调外机噪音特别大，整夜睡不着",
        "施工噪音扰民，周末也不停",
    ],
    "parking": ["我的固定车位被别人占用了", "消防通道上长期停着车", "地下车库道闸经常抬不起来"],
    "billing": ["物业费收费标准和合同不一致", "公摊水电费金额明显偏高", "停车费涨价没有提前通知"],
    "security": ["晚上有陌生人尾随进入单元门", "小区监控坏了好几个", "快递柜附近有人偷拿快递"],
    "service": ["客服电话一直没人接", "维修师傅态度很差", "报修三次都说等通知"],
    "neighbor": ["邻居家的狗整天叫", "楼上高空抛物，阳台上都是烟头", "邻居在楼道堆放杂物"],
    "utilities": ["整栋楼突然停水了，没有任何通知", "小区停电两个小时了", "宽带网络信号太差"],
    "other": ["想咨询一下装修申请需要什么材料", "建议小区增加儿童游乐设施"],
}
FILLERS = [
    "已经持续好几天了",
    "希望尽快派人处理",
    "之前反映过一次但一直没有解决",
    "家里有老人和小孩，很不方便",
    "麻烦物业尽快给个答复",
    "拍了照片可以提供",
    "请维修师傅上门前先打电话联系",
    "白天上班不在家，晚上七点以后方便",
    "谢谢",
]
BUILDINGS = 400  # ~340 cases a day: a desk for several large estates, buildings 1-400
# Two collective complaints of the last two days, already linked by an earlier sweep: (category, building).
INCIDENTS = (("facility", "7"), ("utilities", "12"))
INCIDENT_HOUSEHOLDS = 4
DIALOGS = 40  # tenants in the middle of an intake dialog, none idle long enough to be put aside


# ---- the seed: a desk in steady state ---------------------------------------------------------------


@dataclass
class Seed:
    rows: list[
        dict[str, Any]
    ]  # Case fields; owner/department/complainant/incident ids are indexes for now
    live: list[
        int
    ]  # open + resolved (awaiting the survey): identical in the small and the full table
    history: list[int]  # closed, invalid, cancelled


class Desk:
    """Deterministic generator of a year of cases, ending in the state the scheduler leaves behind."""

    def __init__(self, seed: int, settings: Settings, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.settings, self.policy, self.tz, self.now = (
            settings,
            settings.policy,
            settings.timezone,
            now,
        )
        self.top = self.policy.top_level
        self.since = now - self.policy.collective_window
        # households per (building, category) among open cases in the collective window
        self.households: dict[tuple[str, str], set[str]] = {}

    def unit(self) -> str:
        r = self.rng
        return (
            f"{r.randint(1, BUILDINGS)}-{r.randint(1, 4)}-{r.randint(1, 33)}{r.randint(1, 4):02d}"
        )

    def category(self) -> str:
        return self.rng.choices(list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values()))[0]

    def contact(self) -> tuple[str, str]:
        r = self.rng
        return r.choice(SURNAMES) + r.choice(
            ("女士", "先生", "阿姨", "师傅")
        ), f"1{r.choice('3589')}{r.randrange(10**9):09d}"

    def description(self, category: str) -> str:
        r = self.rng
        fillers = r.choices(FILLERS, k=r.choices((0, 1, 2, 3, 5, 8), (15, 25, 25, 15, 12, 8))[0])
        return "，".join([r.choice(PROBLEMS[category]), *fillers]) + "。"

    def _ladder(self, due: datetime, step: timedelta, level: int) -> tuple[datetime | None, int]:
        """A promise the scheduler already acted on: one level up per miss, re-armed until the top."""
        clock: datetime | None = due
        while clock is not None and clock <= self.now:
            level = min(level + 1, self.top)
            clock = clock + step if level < self.top else None
        return clock, level

    def _free_unit(self, category: str, unit: str) -> str:
        """Keep every building/category below the collective threshold in the window (re-roll the unit)."""
        limit = self.policy.collective_households - 1
        for _ in range(200):
            key = (building_of(unit), category)
            households = self.households.setdefault(key, set())
            if key not in INCIDENT_KEYS and (unit in households or len(households) < limit):
                households.add(unit)
                return unit
            unit = self.unit()
        raise RuntimeError("cannot spread the open cases of the collective window: raise BUILDINGS")

    def case(
        self,
        received: datetime,
        *,
        incident: int | None = None,
        unit: str | None = None,
        category: str | None = None,
    ) -> dict[str, Any]:
        r, policy, now = self.rng, self.policy, self.now
        category = category or self.category()
        severity = r.choices((Severity.GENERAL, Severity.IMPORTANT, Severity.MAJOR), (80, 17, 3))[0]
        kind = r.choices(
            (KIND_OF.get(category, Kind.COMPLAINT), Kind.INQUIRY, Kind.SUGGESTION), (85, 10, 5)
        )[0]
        channel = r.choices(
            (Channel.CHAT, Channel.PHONE, Channel.WALK_IN, Channel.EMAIL), (70, 22, 5, 3)
        )[0]
        age = now - received
        open_share = 0.65 if age < timedelta(days=3) else 0.20 if age < timedelta(days=30) else 0.01
        v: dict[str, Any] = {}
        level = 1
        if incident is not None or r.random() < open_share:
            unit = unit or self.unit()
            if incident is None and received >= self.since:
                unit = self._free_unit(category, unit)
            status = (
                Status.NEW
                if age < timedelta(hours=1)
                else r.choices((Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS), (20, 30, 50))[0]
            )
            if incident is not None:
                severity, status = Severity.MAJOR, Status.IN_PROGRESS
                v["incident_id"] = incident
            if age >= timedelta(days=policy.major_after_days):
                severity = Severity.MAJOR  # the aging sweep made it major long ago
            due = due_times(received, severity, policy, self.tz)
            clocks = policy.sla[severity]
            v["hard_due_at"] = due.hard_limit
            if status is Status.NEW:
                v["assign_due_at"], level = self._ladder(due.assign, clocks.assign, level)
                v["feedback_due_at"] = due.first_feedback if due.first_feedback > now else None
            else:
                assigned = received + min(timedelta(minutes=r.uniform(1, 40)), age / 2)
                v.update(
                    assigned_at=assigned,
                    owner_id=r.randrange(len(AGENTS)),
                    department_id=r.randrange(4),
                )
                if status is Status.IN_PROGRESS or r.random() < 0.5:
                    v["first_feedback_at"] = assigned + (now - assigned) * r.uniform(0.05, 0.5)
                else:
                    v["feedback_due_at"] = due.first_feedback if due.first_feedback > now else None
            v["resolve_due_at"], level = self._ladder(due.resolve, clocks.resolve, level)
        else:
            unit = unit or self.unit()
            due = due_times(received, severity, policy, self.tz)
            assigned = received + min(timedelta(minutes=r.uniform(1, 40)), age / 3)
            status = Status.CLOSED
            if age < timedelta(days=7) and r.random() < 0.4:
                status = self._resolved(v, received, assigned, severity, channel)
            else:
                status = r.choices((Status.CLOSED, Status.INVALID, Status.CANCELLED), (93, 4, 3))[0]
                if status is Status.INVALID:
                    v.update(invalid_reason="重复提交，已合并到之前的工单", closed_at=assigned)
                elif status is Status.CANCELLED:
                    v.update(
                        close_reason="cancelled",
                        closed_at=received + min(timedelta(minutes=30), age / 2),
                    )
                else:
                    self._resolved(v, received, assigned, severity, channel, final=True)
        due = due_times(received, severity, policy, self.tz)
        name, phone = self.contact()
        last = max(
            x
            for x in (
                received,
                *(
                    v.get(k)
                    for k in ("assigned_at", "first_feedback_at", "resolved_at", "closed_at")
                ),
            )
            if x
        )
        return dict(
            kind=kind,
            category=category,
            category_suggested=category,
            severity=severity,
            status=status,
            channel=channel,
            description=self.description(category),
            unit=unit,
            building=building_of(unit),
            contact_name=name,
            contact_phone=phone,
            locale=r.choices(("zh_CN", "zh_TW", "en"), (90, 7, 3))[0],
            complainant_id=r.randrange(TENANTS) if channel is Channel.CHAT else None,
            escalation_level=level,
            off_hours=not is_business_time(received, policy.business_hours, self.tz),
            triage={
                "kind": kind.value,
                "category": category,
                "severity": severity.value,
                "confidence": round(r.uniform(0.4, 0.99), 2),
            },
            promised_assign_at=due.assign,
            promised_feedback_at=due.first_feedback,
            promised_resolve_at=due.resolve,
            received_at=received,
            created_at=received,
            updated_at=last,
            **v,
        )

    def _resolved(
        self,
        v: dict[str, Any],
        received: datetime,
        assigned: datetime,
        severity: Severity,
        channel: Channel,
        final: bool = False,
    ) -> Status:
        """Resolved, then the survey: still awaiting it (clocks in the future) or closed."""
        r, policy, now = self.rng, self.policy, self.now
        clocks = policy.sla[severity]
        took = (
            clocks.resolve * r.uniform(0.05, 0.9)
            if r.random() < 0.85
            else clocks.resolve * r.uniform(1.05, 3)
        )
        resolved = min(received + took, received + (now - received) * 0.9)
        assigned = min(assigned, resolved)
        v.update(
            assigned_at=assigned,
            first_feedback_at=assigned + (resolved - assigned) / 2,
            resolved_at=resolved,
            resolution="已安排师傅上门处理完毕",
            owner_id=r.randrange(len(AGENTS)),
            department_id=r.randrange(4),
        )
        sent = resolved + clocks.followup_after
        if not final:
            if sent > now:
                v["followup_due_at"] = sent
                return Status.RESOLVED
            if (
                channel is Channel.CHAT
                and r.random() >= 0.6
                and sent + policy.survey_close_after > now
            ):
                reminder = sent + policy.survey_reminder_after
                v.update(
                    survey_reminder_at=reminder if reminder > now else None,
                    survey_close_at=sent + policy.survey_close_after,
                )
                return Status.RESOLVED
            if channel is not Channel.CHAT and sent + timedelta(days=1) > now:
                return Status.RESOLVED  # a phone follow-up by staff: no clock left
        answered = r.random() < 0.6
        closed = sent + (
            timedelta(hours=r.uniform(0.2, 20)) if answered else policy.survey_close_after
        )
        v.update(
            closed_at=min(closed, now - timedelta(minutes=1)),
            close_reason="confirmed" if answered else "no_response",
            solved_confirmed=True if answered else None,
            satisfaction=r.choices((5, 4, 3, 2, 1), (50, 30, 12, 5, 3))[0] if answered else None,
            reopen_count=1 if r.random() < 0.03 else 0,
        )
        return Status.CLOSED


AGENTS = range(14)
TENANTS = 5000
INCIDENT_KEYS = {(building, category) for category, building in INCIDENTS}


def generate(total: int, seed: int, settings: Settings) -> Seed:
    desk = Desk(seed, settings, NOW)
    linked = len(INCIDENTS) * INCIDENT_HOUSEHOLDS
    times = sorted(received_times(desk.rng, total - linked, desk.now, desk.tz))
    rows = [desk.case(received) for received in times]
    for n, (category, building) in enumerate(INCIDENTS):
        for h in range(INCIDENT_HOUSEHOLDS):
            received = NOW - timedelta(hours=desk.rng.uniform(2, 48))
            rows.append(
                desk.case(
                    received,
                    incident=n,
                    unit=f"{building}-{h + 1}-{desk.rng.randint(1, 33)}01",
                    category=category,
                )
            )
    rows.sort(key=lambda row: row["received_at"])
    counters: Counter[str] = Counter()
    for row in rows:
        local_day = row["received_at"].astimezone(settings.timezone).date()
        counters[local_day.isoformat()] += 1
        row["number"] = format_case_number(
            settings.case_prefix, local_day, counters[local_day.isoformat()]
        )
    live = [i for i, row in enumerate(rows) if row["status"] in (*OPEN_STATUSES, Status.RESOLVED)]
    history = [
        i for i, row in enumerate(rows) if row["status"] not in (*OPEN_STATUSES, Status.RESOLVED)
    ]
    return Seed(rows, live, history)


@dataclass
class People:
    departments: list[int]
    agents: list[int]
    tenants: list[int]
    incidents: list[int]


async def seed_people(now: datetime, rng: random.Random) -> People:
    departments = []
    for code, name in (
        ("eng", "工程部"),
        ("clean", "保洁部"),
        ("order", "秩序部"),
        ("care", "客服部"),
    ):
        departments.append((await Department.create(code=code, name=name)).id)
    roles = [Role.ADMIN] + [Role.MANAGER] * 2 + [Role.SUPERVISOR] * 3 + [Role.AGENT] * len(AGENTS)
    agents = []
    for n, role in enumerate(roles):
        person = await Staff.create(
            telegram_id=900_000 + n,
            name=f"{rng.choice(SURNAMES)}{role.value}{n}",
            role=role,
            department_id=departments[n % 4],
            on_duty=n in (6, 7),
            created_at=now - timedelta(days=400),
        )
        if role is Role.AGENT:
            agents.append(person.id)
    tenants = [
        Complainant(
            telegram_id=20_000_000 + n,
            name=f"{rng.choice(SURNAMES)}女士",
            unit=f"{n % BUILDINGS + 1}-1-101",
            created_at=now - timedelta(days=200),
            updated_at=now - timedelta(days=200),
        )
        for n in range(TENANTS)
    ]
    async with in_transaction() as conn:
        await Complainant.bulk_create(tenants, batch_size=2000, using_db=conn)
    tenant_ids = list(await Complainant.all().order_by("id").values_list("id", flat=True))
    incidents = [
        (await Incident.create(category=c, building=b, created_at=now - timedelta(hours=1))).id
        for c, b in INCIDENTS
    ]
    await Dialog.bulk_create(
        [
            Dialog(
                key=f"{20_000_000 + n}:{20_000_000 + n}",
                chat_id=20_000_000 + n,
                user_id=20_000_000 + n,
                flow="intake",
                state="describe",
                data={"locale": "zh_CN"},
                updated_at=now - timedelta(minutes=rng.uniform(0, 100)),
            )
            for n in range(DIALOGS)
        ]
    )
    return People(departments, agents, tenant_ids, incidents)


async def insert_rows(seed: Seed, indexes: list[int], people: People, batch: int = 2000) -> float:
    """Bulk-insert the given rows in received order; returns seconds."""
    start = time.perf_counter()
    ordered = sorted(indexes, key=lambda i: seed.rows[i]["received_at"])
    for lo in range(0, len(ordered), batch):
        cases = []
        for i in ordered[lo : lo + batch]:
            row = dict(seed.rows[i])
            for key, ids in (
                ("owner_id", people.agents),
                ("department_id", people.departments),
                ("complainant_id", people.tenants),
                ("incident_id", people.incidents),
            ):
                if row.get(key) is not None:
                    row[key] = ids[row[key]]
            cases.append(Case(**row))
        async with in_transaction() as conn:
            await Case.bulk_create(cases, using_db=conn)
    return time.perf_counter() - start


# ---- what a sweep reads: the statements sweep_all itself runs ----------------------------------------


@dataclass
class Statement:
    """One distinct SELECT of an idle sweep, captured from Tortoise's DEBUG log with its parameters."""

    label: str
    sql: str
    values: list[Any]
    per_sweep: int  # how often one sweep runs it (with these or other parameters)
    bounded_by: tuple[
        str, ...
    ]  # columns an index condition must bound for the read to follow the due work


def describe(sql: str) -> tuple[str, tuple[str, ...]]:
    """A name for a sweep statement, and the columns that keep its read to live work."""
    for sweep in CLOCK_SWEEPS:
        if f'"{sweep.clock.column}"<=' in sql:
            # a set clock is live work: an index range on the clock column follows the due work
            return sweep.name, (sweep.clock.column,)
    if '"severity" IN' in sql and '"received_at"<=' in sql:
        # received_at <= cutoff alone is the whole history: the range must also be bounded by status
        return "aged", ("status", "received_at")
    if "COUNT(DISTINCT" in sql:
        return "collective groups", ("received_at",)
    if '"incident_id" IS NULL' in sql:
        return "collective unlinked", ("received_at",)
    if 'FROM "dialog"' in sql:
        return "idle dialogs", ("updated_at",)
    table = re.search(r'FROM "(\w+)"', sql)
    return f"other ({table.group(1) if table else sql[:30]})", ()


class StatementLog(logging.Handler):
    """Collects the SQL statements Tortoise logs on `tortoise.db_client` at DEBUG."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[tuple[str, list[Any]]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if isinstance(record.args, tuple) and len(record.args) == 2:
            self.statements.append((str(record.args[0]), list(record.args[1] or [])))
        else:
            self.statements.append((str(record.msg), []))

    @property
    def verbs(self) -> Counter[str]:
        return Counter(sql.split(None, 1)[0].upper() for sql, _ in self.statements if sql.strip())


async def logged(action: Callable[[], Awaitable[Any]]) -> tuple[Any, StatementLog]:
    log_ = StatementLog()
    with counting_statements(log_):
        return await action(), log_


async def capture_idle_sweep(ctx: AppContext) -> tuple[list[Statement], StatementLog]:
    report, log_ = await logged(lambda: sweep_all(ctx))
    if report.total or report.skipped:
        raise RuntimeError(f"a sweep that should find nothing acted: {report}")
    counts = Counter(sql for sql, _ in log_.statements)
    statements: dict[str, Statement] = {}
    for sql, values in log_.statements:
        if sql not in statements and sql.lstrip().upper().startswith("SELECT"):
            label, bounded_by = describe(sql)
            statements[sql] = Statement(label, sql, values, counts[sql], bounded_by)
    return list(statements.values()), log_


async def time_statements(statements: list[Statement], runs: int) -> dict[str, float]:
    """Median seconds of each statement through the ORM's client (same text, same parameters, same
    driver statement cache), round-robin over `runs` rounds after one untimed round."""
    client = get_connection("default")
    samples: dict[str, list[float]] = {s.label: [] for s in statements}
    for round_ in range(runs + 1):
        for s in statements:
            t = time.perf_counter()
            await client.execute_query(s.sql, s.values)
            if round_:
                samples[s.label].append(time.perf_counter() - t)
    return {label: pystats.median(x) for label, x in samples.items()}


async def time_empty_sweeps(ctx: AppContext, runs: int) -> list[float]:
    """sweep_all on a table where nothing is due: 3 untimed, then `runs` timed."""
    samples = []
    for n in range(runs + 3):
        t = time.perf_counter()
        report = await sweep_all(ctx)
        elapsed = time.perf_counter() - t
        if report.total or report.skipped:
            raise RuntimeError(f"a sweep that should find nothing acted: {report}")
        if n >= 3:
            samples.append(elapsed)
    return samples


class VmSteps:
    """SQLite's progress handler, called after every virtual-machine instruction: a count of the work a
    statement does (rows visited, sorted, grouped) that does not depend on how busy the machine is. A B-tree
    descent is one instruction, so a deeper index does not show here; it shows in the time."""

    STEP = 1

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return 0

    async def measure(self, action: Callable[[], Awaitable[Any]]) -> int:
        connection = get_connection(
            "default"
        )._connection  # the aiosqlite connection Tortoise runs on
        self.calls = 0
        await connection.set_progress_handler(self, self.STEP)
        try:
            await action()
        finally:
            await connection.set_progress_handler(None, self.STEP)
        return self.calls * self.STEP


# ---- query plans ------------------------------------------------------------------------------------


@dataclass
class Plan:
    verdict: (
        str  # "range": an index condition bounds every column the query needs; "filter X"; "SCAN"
    )
    summary: str
    # PostgreSQL: rows read (returned by the scans + removed by their filters)
    read: int | None = None
    buffers: int | None = None  # PostgreSQL: shared buffers hit + read
    work: int | None = None  # SQLite: VM instructions of one execution

    @property
    def amount(self) -> int:
        """Rows read (PostgreSQL) or VM instructions (SQLite): the work, independent of machine noise."""
        return self.read if self.read is not None else (self.work or 0)

    @property
    def short(self) -> str:
        if self.read is not None:
            return f"{self.verdict}, read {self.read}, {self.buffers} buf"
        return f"{self.verdict}, {self.work} vm"


def _verdict(scans: bool, conditions: str, bounded_by: tuple[str, ...]) -> str:
    if scans:
        return "SCAN"
    missing = [c for c in bounded_by if c not in conditions]
    return "range" if not missing else "filter " + "+".join(missing)


async def sqlite_plan(s: Statement) -> Plan:
    client = get_connection("default")
    rows = await client.execute_query_dict("EXPLAIN QUERY PLAN " + s.sql, s.values)
    details = [str(row["detail"]) for row in rows]
    reads = [d for d in details if d.startswith(("SCAN", "SEARCH"))]
    scans = any(d.startswith("SCAN") for d in reads)  # SCAN: the whole table, or a whole index
    conditions = " ".join(d.partition("(")[2] for d in reads if d.startswith("SEARCH"))
    work = await VmSteps().measure(lambda: client.execute_query(s.sql, s.values))
    summary = "; ".join(reads + [d for d in details if d.startswith("USE TEMP")])
    return Plan(_verdict(scans, conditions, s.bounded_by), summary, work=work)


def _pg_plan(lines: list[str], bounded_by: tuple[str, ...]) -> Plan:
    lines = [ln.strip().removeprefix("-> ").strip() for ln in lines]
    nodes = [ln for ln in lines if " Scan " in f" {ln}" and " on " in ln]
    scans = any(n.startswith("Seq Scan") for n in nodes)
    conditions = " ".join(ln for ln in lines if ln.startswith(("Index Cond:", "Recheck Cond:")))
    removed = sum(int(ln.split(":")[1]) for ln in lines if ln.startswith("Rows Removed by Filter"))
    returned = sum(
        int(n.split("rows=")[1].split()[0])
        for n in nodes
        if "rows=" in n and not n.startswith("Bitmap Index Scan")
    )
    buffers = next((ln for ln in lines if ln.startswith("Buffers:")), "")
    hits = sum(int(x) for x in re.findall(r"(?:hit|read)=(\d+)", buffers))
    details = [
        ln.split(" (actual")[0]
        for ln in lines
        if ln in nodes
        or ln.startswith(("Index Cond:", "Recheck Cond:", "Filter:", "Rows Removed by Filter"))
    ]
    summary = "; ".join(details).replace("::timestamp with time zone", "").replace("::text", "")
    return Plan(
        _verdict(scans, conditions, bounded_by), summary, read=returned + removed, buffers=hits
    )


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime):
        return f"'{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


async def pg_plans(s: Statement, raw: asyncpg.Connection) -> tuple[Plan, Plan]:
    """The custom plan (planned for these parameter values, as the first five executions of a prepared
    statement are) and the generic plan (planned for any values, which PostgreSQL switches a prepared
    statement to from the sixth execution on when it does not look costlier), both EXPLAIN ANALYZE."""
    options = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) "
    custom = [row[0] for row in await raw.fetch(options + s.sql, *s.values)]
    await raw.execute("SET plan_cache_mode = force_generic_plan")
    await raw.execute(f"PREPARE bench_sweep_q AS {s.sql}")
    try:
        args = ", ".join(_literal(v) for v in s.values)
        generic = [
            row[0]
            for row in await raw.fetch(
                f"{options}EXECUTE bench_sweep_q{f'({args})' if args else ''}"
            )
        ]
    finally:
        await raw.execute("DEALLOCATE bench_sweep_q")
        await raw.execute("RESET plan_cache_mode")
    return _pg_plan(custom, s.bounded_by), _pg_plan(generic, s.bounded_by)


async def prepared_stats() -> dict[str, tuple[int, int]]:
    """generic/custom plan counts of the ORM connection's prepared statements (asyncpg caches them)."""
    rows = await get_connection("default").execute_query_dict(
        "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
    )
    return {row["statement"]: (row["generic_plans"], row["custom_plans"]) for row in rows}


@dataclass
class Measured:
    """One table size: the idle sweep, its statements on their own, and their plans."""

    cases: int
    sweeps: list[float]
    statements: list[Statement]
    times: dict[str, float]
    plans: dict[str, Plan]  # the plan the driver used
    # PostgreSQL: the plan it did not use, if different
    other_plans: dict[str, str] = field(default_factory=dict)
    used: dict[str, str] = field(default_factory=dict)  # PostgreSQL: "generic 30/33"
    work: int = 0  # SQLite: VM instructions of one idle sweep; PostgreSQL: rows its statements read

    @property
    def median(self) -> float:
        return pystats.median(self.sweeps)


async def measure(ctx: AppContext, target: "Target", runs: int) -> Measured:
    statements, _ = await capture_idle_sweep(ctx)
    before = await prepared_stats() if target.name == "postgres" else {}
    sweeps = await time_empty_sweeps(ctx, runs)
    times = await time_statements(statements, runs)
    m = Measured(await Case.all().count(), sweeps, statements, times, {})
    if target.name == "sqlite":
        for s in statements:
            m.plans[s.label] = await sqlite_plan(s)
        m.work = await VmSteps().measure(lambda: sweep_all(ctx))
        return m
    after = await prepared_stats()
    raw = await asyncpg.connect(target.url)
    try:
        for s in statements:
            custom, generic = await pg_plans(s, raw)
            g = after.get(s.sql, (0, 0))[0] - before.get(s.sql, (0, 0))[0]
            c = after.get(s.sql, (0, 0))[1] - before.get(s.sql, (0, 0))[1]
            used, other = (generic, custom) if g > c else (custom, generic)
            m.plans[s.label] = used
            m.used[s.label] = f"{'generic' if g > c else 'custom'} {max(g, c)}/{g + c}"
            if other.summary.split(";")[0] != used.summary.split(";")[0]:
                m.other_plans[s.label] = (
                    f"{'custom' if g > c else 'generic'}: {other.short}: {other.summary}"
                )
            m.work += s.per_sweep * (used.read or 0)
    finally:
        await raw.close()
    return m


# ---- the due work -----------------------------------------------------------------------------------


@dataclass
class Due:
    levels: dict[int, int]  # case id → escalation level before
    clock: dict[int, str]  # case id → "assign" or "resolve"


async def make_due(rng: random.Random, n: int, now: datetime, exclude: set[int]) -> Due:
    """n open cases whose next promise ran out a little while ago (as after a scheduler outage)."""
    rows = (
        await Case.filter(status__in=OPEN_STATUSES)
        .order_by("id")
        .values_list("id", "status", "escalation_level")
    )
    rows = [row for row in rows if row[0] not in exclude]
    if len(rows) < n:
        raise RuntimeError(
            f"only {len(rows)} open cases to make due, {n} asked: raise --cases or lower --due"
        )
    chosen = rng.sample(rows, n)
    due = Due({}, {})
    groups: dict[tuple[str, int], list[int]] = {}
    for k, (case_id, status, level) in enumerate(chosen):
        clock = "assign" if Status(status) is Status.NEW else "resolve"
        due.levels[case_id], due.clock[case_id] = level, clock
        groups.setdefault((clock, k % 10), []).append(case_id)
    async with in_transaction() as conn:
        for (clock, k), ids in groups.items():
            when = now - timedelta(minutes=1 + 7 * k)
            await Case.filter(id__in=ids).using_db(conn).update(**{f"{clock}_due_at": when})
    return due


@dataclass
class DueRun:
    sweeps: list[tuple[float, dict[str, int], int]]  # seconds, acted, skipped
    outbox: Counter[str]
    checks: list[str]

    @property
    def acting(self) -> list[tuple[float, dict[str, int], int]]:
        return [s for s in self.sweeps if sum(s[1].values())]

    @property
    def seconds(self) -> float:
        return sum(s[0] for s in self.acting)

    @property
    def acted(self) -> int:
        return sum(sum(s[1].values()) for s in self.sweeps)


async def floors() -> tuple[int, int]:
    """The last event and outbox ids: what a run writes comes after them."""
    event = await CaseEvent.all().order_by("-id").first()
    message = await OutboxMessage.all().order_by("-id").first()
    return (event.id if event else 0), (message.id if message else 0)


async def sweep_until_done(ctx: AppContext, limit: int) -> DueRun:
    """sweep_all until a sweep acts on nothing."""
    run = DueRun([], Counter(), [])
    for _ in range(limit // BATCH + 10):
        t = time.perf_counter()
        report = await sweep_all(ctx)
        run.sweeps.append((time.perf_counter() - t, dict(report.acted), report.skipped))
        if not report.total:
            return run
    raise RuntimeError("the sweeps never ran dry")


async def verify(
    due: Due, since: tuple[int, int], now: datetime, top: int
) -> tuple[list[str], Counter[str]]:
    """Each due case acted on exactly once, nothing else acted on; returns what was checked and the outbox."""
    events = await CaseEvent.filter(id__gt=since[0]).values_list("case_id", "action", "data")
    per_case = Counter(case_id for case_id, _, _ in events)
    twice = [c for c, k in per_case.items() if k > 1]
    missed = [c for c in due.levels if per_case[c] == 0]
    strangers = [c for c in per_case if c not in due.levels]
    wrong = [
        c
        for c, action, data in events
        if action != "escalate" or data.get("clock") != due.clock.get(c)
    ]
    if twice or missed or strangers or wrong:
        raise RuntimeError(
            f"not exactly once: {len(twice)} twice, {len(missed)} missed, "
            f"{len(strangers)} not due but acted on, {len(wrong)} wrong action/clock"
        )
    checks = [f"{len(events)} escalate events, exactly one per due case, none on any other case"]
    after = await Case.filter(id__in=list(due.levels)).values_list(
        "id", "escalation_level", "assign_due_at", "resolve_due_at"
    )
    bad_level = [c for c, level, _, _ in after if level != min(due.levels[c] + 1, top)]
    still_due = [
        c
        for c, _, assign, resolve in after
        if (clock := assign if due.clock[c] == "assign" else resolve) is not None and clock <= now
    ]
    if bad_level or still_due:
        raise RuntimeError(
            f"{len(bad_level)} cases with a wrong escalation level, {len(still_due)} still due"
        )
    climbed = Counter(f"{due.levels[c]}→{level}" for c, level, _, _ in after)
    checks.append(
        "escalation levels "
        + ", ".join(f"{k} ×{n}" for k, n in sorted(climbed.items()))
        + "; each missed clock re-armed in the future, or stopped at the top level"
    )
    outbox = Counter(await OutboxMessage.filter(id__gt=since[1]).values_list("kind", flat=True))
    return checks, outbox


# ---- databases --------------------------------------------------------------------------------------


async def vacuum(target: Target) -> None:
    if target.name == "postgres":  # what autovacuum does on a live desk
        await analyze(target, ("case", "case_event", "outbox_message"))


async def table_size(target: Target) -> str:
    if target.name == "sqlite":
        conn = get_connection("default")
        pages = (await conn.execute_query_dict("PRAGMA page_count"))[0]["page_count"]
        size = (await conn.execute_query_dict("PRAGMA page_size"))[0]["page_size"]
        return f"a {pages * size / 2**20:.0f} MB database"
    rows = await get_connection("default").execute_query_dict(
        """SELECT pg_table_size('"case"') AS t, pg_indexes_size('"case"') AS i"""
    )
    return f"table {rows[0]['t'] / 2**20:.0f} MB + indexes {rows[0]['i'] / 2**20:.0f} MB"


# ---- one database -----------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def spread(samples: list[float]) -> str:
    q = pystats.quantiles(samples, n=4)
    return f"middle half {ms(q[0])}-{ms(q[2])} ms"


@dataclass
class Outcome:
    name: str
    small: Measured | None = None
    full: Measured | None = None
    empty_after: float = 0.0
    due: DueRun | None = None
    due_n: int = 0
    unbounded: list[str] = field(default_factory=list)
    growing: list[str] = field(default_factory=list)  # more work at the bigger table
    noisy: list[str] = field(default_factory=list)  # slower by >1.5× with the same work
    skipped: str = ""

    @property
    def ratio(self) -> float:
        assert self.small and self.full
        return self.full.median / self.small.median

    @property
    def min_ratio(self) -> float:
        """The fastest sweeps are the least disturbed by other processes on a busy machine."""
        assert self.small and self.full
        return min(self.full.sweeps) / min(self.small.sweeps)

    @property
    def work_ratio(self) -> float:
        assert self.small and self.full
        return self.full.work / max(1, self.small.work)


def print_measured(target: Target, small: Measured, full: Measured, outcome: Outcome) -> None:
    unit = (
        "VM instructions (SQLite progress handler)"
        if target.name == "sqlite"
        else "rows read by its statements (EXPLAIN ANALYZE of the plans used)"
    )
    print(
        f"\n  sweep_all with 0 due: {len(full.statements)} distinct SELECTs, "
        f"{sum(s.per_sweep for s in full.statements)} per sweep; median of {len(full.sweeps)} sweeps"
    )
    print(
        f"    {small.cases:>7} cases: {ms(small.median):>7} ms (min {ms(min(small.sweeps))}, {spread(small.sweeps)}); "
        f"work {small.work} {unit}"
    )
    print(
        f"    {full.cases:>7} cases: {ms(full.median):>7} ms (min {ms(min(full.sweeps))}, {spread(full.sweeps)}); work {full.work}"
    )
    print(
        f"    ratio {full.cases // 1000}k/{small.cases // 1000}k: time {outcome.ratio:.2f} (of the minima "
        f"{outcome.min_ratio:.2f}), work {outcome.work_ratio:.2f}"
    )
    print(
        "\n  each statement on its own (median ms). plan: range = an index condition bounds the columns that keep"
    )
    print(
        "  the read to live work (the clock; status and received_at for aged); filter X = rows are read and X is"
    )
    print(
        "  checked row by row; SCAN = a whole table or index. "
        + (
            "vm = SQLite VM instructions of one execution"
            if target.name == "sqlite"
            else "read = rows read, buf = buffers, of the plan the driver's prepared statement used (custom or generic)"
        )
    )
    print(
        f"    {'statement':20}{'×':>3}{small.cases:>9}{full.cases:>9}{'ratio':>7}  plan at {small.cases} | at {full.cases}"
    )
    small_by = {s.label: s for s in small.statements}
    for s in full.statements:
        b, plan = full.times[s.label], full.plans[s.label]
        if s.label in small_by:
            a, before = small.times[s.label], small.plans[s.label].short
            ratio = f"{b / a:7.2f}"
            work_a, work_b = small.plans[s.label].amount, plan.amount
            if work_b > 1.5 * work_a and work_b - work_a > 100:
                outcome.growing.append(f"{s.label} (work {work_a} → {work_b}, time ×{b / a:.1f})")
            elif b / a > 1.5 and b - a > 0.0002:
                outcome.noisy.append(f"{s.label} ×{b / a:.1f}")
        else:
            a, before, ratio = float("nan"), "(not run)", "       "
        print(
            f"    {s.label:20}{s.per_sweep:>3}{ms(a):>9}{ms(b):>9}{ratio}  {before} | {plan.short}"
        )
        if plan.verdict != "range":
            outcome.unbounded.append(f"{s.label} ({plan.verdict})")
    print(
        f"\n  plans at {full.cases} cases"
        + (
            " (EXPLAIN QUERY PLAN)"
            if target.name == "sqlite"
            else " (EXPLAIN ANALYZE; the plan the driver used, how often)"
        )
    )
    for s in full.statements:
        plan = full.plans[s.label]
        used = f"; {full.used[s.label]} executions" if s.label in full.used else ""
        print(f"    {s.label}: {plan.short}{used}")
        print(f"      {plan.summary}")
        if s.label in full.other_plans:
            print(f"      not used: {full.other_plans[s.label]}")
    changed = [
        f"{label}: {plan.short}: {plan.summary}"
        for label, plan in small.plans.items()
        if label in full.plans
        and plan.summary.split(";")[0] != full.plans[label].summary.split(";")[0]
    ]
    if changed:
        print(f"  plans that differed at {small.cases} cases:")
        for line in changed:
            print(f"    {line}")


async def bench_database(
    target: Target, seed: Seed, args: argparse.Namespace, settings: Settings
) -> Outcome:
    outcome = Outcome(target.name)
    settings = replace(settings, database_url=target.url)
    clock = FrozenClock(NOW)

    def no_classifier(text: str) -> Any:
        raise AssertionError("a sweep never classifies")

    ctx = AppContext.build(settings, clock, classify=no_classifier)
    rng = random.Random(args.seed + 1)
    engine = "SQLite" if target.name == "sqlite" else "PostgreSQL"
    print(f"\n== {target.name}: {target.url}  ({target.driver}, {engine} {target.version})")
    people = await seed_people(NOW, rng)
    # The small table is the same desk, younger: the live set and the most recent history.
    by_age = sorted(seed.history, key=lambda i: seed.rows[i]["received_at"], reverse=True)
    small_history, rest = (
        by_age[: args.small - len(seed.live)],
        by_age[args.small - len(seed.live) :],
    )

    seconds = await insert_rows(seed, seed.live + small_history, people)
    await vacuum(target)
    oldest = min(seed.rows[i]["received_at"] for i in small_history) if small_history else NOW
    print(
        f"  seeded {await Case.all().count()} cases in {seconds:.1f} s: the live set ({len(seed.live)}) + the most "
        f"recent {len(small_history)} of the history (the last {(NOW - oldest).days} days) = {await table_size(target)}"
    )

    # Warm the act path with a few due cases and count its statements: one sweep acting on them, one idle.
    warm = await make_due(rng, WARM_DUE, NOW, set())
    since = await floors()
    acting, acting_log = await logged(lambda: sweep_all(ctx))
    idle, idle_log = await logged(lambda: sweep_all(ctx))
    if acting.total != WARM_DUE or idle.total:
        raise RuntimeError(f"warm-up: acted on {acting.total} of {WARM_DUE}, then on {idle.total}")
    await verify(warm, since, NOW, settings.policy.top_level)
    per_case = {
        verb: (n - idle_log.verbs.get(verb, 0)) / WARM_DUE for verb, n in acting_log.verbs.items()
    }

    small = await measure(ctx, target, args.runs)
    outcome.small = small

    seconds = await insert_rows(seed, rest, people)
    await vacuum(target)
    total = await Case.all().count()
    mix = {
        row["status"]: row["n"]
        for row in await get_connection("default").execute_query_dict(
            'SELECT "status", COUNT(*) AS "n" FROM "case" GROUP BY "status" ORDER BY 2 DESC'
        )
    }
    print(
        f"  then the older history ({len(rest)}) in {seconds:.1f} s: {total} cases = {await table_size(target)}; "
        + ", ".join(f"{status} {n / total:.1%}" for status, n in mix.items())
    )
    armed = {
        column: await Case.filter(**{f"{column}__isnull": False}).count()
        for column in (
            "assign_due_at",
            "feedback_due_at",
            "resolve_due_at",
            "followup_due_at",
            "survey_reminder_at",
            "survey_close_at",
        )
    }
    overdue = {column: await Case.filter(**{f"{column}__lte": NOW}).count() for column in armed}
    if any(overdue.values()):
        raise RuntimeError(f"the seed left clocks due: {overdue}")
    policy = settings.policy
    stale = await Case.filter(
        status__in=OPEN_STATUSES, received_at__lte=NOW - timedelta(days=policy.major_after_days)
    ).count()
    print(
        "    clocks armed (all in the future): " + ", ".join(f"{c} {n}" for c, n in armed.items())
    )
    print(
        f"    {stale} open cases older than {policy.major_after_days} days (already major); {len(INCIDENTS)} incidents of "
        f"{INCIDENT_HOUSEHOLDS} households linked, no other building/category with {policy.collective_households} "
        f"households in the last {policy.collective_window.total_seconds() / 3600:.0f} h; {DIALOGS} intake dialogs "
        f"under way (none idle for {settings.dialog_idle.total_seconds() / 3600:.0f} h)"
    )
    if target.name == "postgres":
        print(
            "    VACUUM ANALYZE after each seeding step (autovacuum would have done it on a live desk)"
        )

    full = await measure(ctx, target, args.runs)
    outcome.full = full
    print_measured(target, small, full, outcome)

    # The due work.
    due = await make_due(rng, args.due, NOW, set(warm.levels))
    n_assign = sum(1 for c in due.clock.values() if c == "assign")
    since = await floors()
    dialogs = await Dialog.all().count()
    run = await sweep_until_done(ctx, args.due)
    run.checks, run.outbox = await verify(due, since, NOW, policy.top_level)
    if sum(s[2] for s in run.sweeps):
        raise RuntimeError(
            f"{sum(s[2] for s in run.sweeps)} candidates skipped: a sweep found a case no longer due"
        )
    if await Dialog.all().count() != dialogs:
        raise RuntimeError("a dialog under way was put aside")
    outcome.due, outcome.due_n = run, args.due
    print(
        f"\n  {args.due} due ({n_assign} assignment clocks of new cases, {args.due - n_assign} resolution clocks, "
        f"all missed a little while ago), sweep_all until a sweep acts on nothing (BATCH = {BATCH} per sweep kind):"
    )
    for k, (seconds, acted, _) in enumerate(run.sweeps, 1):
        n = sum(acted.values())
        what = ", ".join(f"{name} {x}" for name, x in acted.items()) or "nothing"
        per = f" = {ms(seconds / n)} ms per case" if n else ""
        print(f"    sweep {k}: {seconds * 1000:8.1f} ms  acted on {what}{per}")
    print(
        f"    total {run.seconds:.2f} s over {len(run.acting)} acting sweeps: {ms(run.seconds / run.acted)} ms per acted case "
        f"(of which the 0-due part: {len(run.acting)} × {ms(full.median)} ms)"
    )
    print(
        "    per acted case: "
        + ", ".join(
            f"{verb} {n:.1f}"
            for verb, n in sorted(per_case.items(), key=lambda x: -x[1])
            if n > 0.01
        )
        + f" statements + BEGIN/COMMIT (counted on the {WARM_DUE} warm-up cases); outbox rows: "
        + ", ".join(f"{kind} {n}" for kind, n in run.outbox.most_common())
    )
    for check in run.checks:
        print(f"    checked: {check}")
    outcome.empty_after = pystats.median(await time_empty_sweeps(ctx, args.runs))
    print(f"    0-due sweep afterwards: {ms(outcome.empty_after)} ms")
    return outcome


def summary(outcomes: list[Outcome]) -> None:
    print(
        "\n== summary (medians; compare within one run only; work = a count that does not depend on machine noise)"
    )
    for o in outcomes:
        if o.skipped:
            print(f"{o.name:9} skipped: {o.skipped}")
            continue
        assert o.due is not None and o.small and o.full
        print(
            f"{o.name:9} 0 due: {ms(o.full.median)} ms ({o.small.cases // 1000}k cases: {ms(o.small.median)} ms, "
            f"{o.full.cases // 1000}k: {ms(o.full.median)} ms → ratio {o.ratio:.2f}, of the minima {o.min_ratio:.2f}; "
            f"work ratio {o.work_ratio:.2f})   "
            f"{o.due_n} due: {o.due.seconds:.2f} s ({ms(o.due.seconds / o.due.acted)} ms per acted case, "
            f"{len(o.due.acting)} sweeps)"
        )
        print(
            f"{'':9} statements not bounded by an index range: {', '.join(o.unbounded) or 'none'}"
        )
        print(
            f"{'':9} statements doing more work at {o.full.cases // 1000}k: {', '.join(o.growing) or 'none'}"
            + (
                f"; slower by >1.5× with the same work (noise, cache, index depth): {', '.join(o.noisy)}"
                if o.noisy
                else ""
            )
        )


async def run(args: argparse.Namespace) -> None:
    stopwatch = Stopwatch()
    settings = replace(load_settings(env={}, env_file=None), staff_chat_id=-1001234567890)
    t = time.perf_counter()
    seed = generate(args.cases, args.seed, settings)
    if len(seed.live) > args.small:
        raise SystemExit(f"the live set ({len(seed.live)}) does not fit in --small {args.small}")
    open_n = sum(1 for i in seed.live if seed.rows[i]["status"] in OPEN_STATUSES)
    print(
        f"generated {len(seed.rows)} cases in {time.perf_counter() - t:.1f} s: live set {len(seed.live)} "
        f"({open_n} open, {len(seed.live) - open_n} resolved awaiting the survey), history {len(seed.history)}; now = {NOW.isoformat()}"
    )
    outcomes = await for_each_database(
        args,
        lambda target: bench_database(target, seed, args, settings),
        lambda name, reason: Outcome(name, skipped=reason),
    )
    summary(outcomes)
    print(stopwatch.finished())


def main() -> None:
    parser = benchkit.parser(__doc__, "qingchu_bench_sweep")
    parser.add_argument("--cases", type=int, default=100_000, help="cases in the full table")
    parser.add_argument(
        "--small", type=int, default=10_000, help="cases in the small table (same live set)"
    )
    parser.add_argument(
        "--due", type=int, default=1000, help="open cases made due for the acting sweeps"
    )
    parser.add_argument(
        "--runs", type=int, default=31, help="timed runs of each 0-due sweep and query"
    )
    args = parser.parse_args()
    run_main(lambda: run(args))


if __name__ == "__main__":
    main()
