"""Case-core benchmark: service submits/s beside the raw driver insert rate, list latency at 100 000 cases.

    python bench/bench_cases.py [--db sqlite|postgres|both] [--cases 100000] [--submits 2000]

For each database it creates a fresh, migrated database, then
  1. inserts rows into "case" with the ORM's own driver (aiosqlite / asyncpg), one INSERT per transaction,
     and submits cases through CaseService.submit, interleaved in rounds so both see the same machine;
     the ratio service/raw is the number to watch (target >= 0.50);
  2. seeds the database to --cases cases with a realistic mix (12 months, ~5% open, skewed categories);
  3. times backend.services.queries.list_cases for the filters the API offers (target p95 < 50 ms)
     and statistics() for 30 days;
  4. measures raw inserts and submits once more with the table full (--submits-full).
Timings are only compared within one run: absolute numbers on a noisy 2-core machine mean little.
The classifier is a tiny keyword stand-in (as in tests/conftest.py), so the NLP is not measured.
See bench/README.md.
"""

import argparse
import asyncio
import logging
import math
import os
import random
import sqlite3
import statistics as pystats
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg
import tortoise
from benchdb import fresh_postgres, fresh_sqlite, postgres_answers
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

import backend
from backend.clock import FrozenClock
from backend.config import Settings, load_settings
from backend.db import tortoise_config
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
from backend.models import Case, CaseCounter, Complainant, Department, Staff
from backend.services.actors import Actor
from backend.services.cases import CaseService
from backend.services.drafts import AttachmentDraft, CaseDraft
from backend.services.queries import (
    OPEN_STATUSES,
    CaseFilter,
    list_cases,
    local_day_bounds,
    statistics,
)

PG_DATABASE = "qingchu_bench"
DEFAULT_PG_SERVER = "postgres://postgres@127.0.0.1:5432"
TARGET_RATIO = 0.50
TARGET_P95_MS = 50.0
NOISY = (
    "NOISY: the rounds disagree (other load on the machine?); run again before trusting this ratio"
)
# Monday 23 November 2026, 10:00 in Shanghai. Every timed series of submits runs from 10:00 to 21:00 local
# time of its own day, so about a quarter of them arrive after business hours (and also alert the duty
# officers), whatever the number of submits.
START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
SUBMIT_HOURS = 11

# ---- realistic content ------------------------------------------------------------------------------

CATEGORY_WEIGHTS = {
    "facility": 34,
    "environment": 15,
    "noise": 11,
    "parking": 9,
    "billing": 8,
    "security": 6,
    "service": 6,
    "neighbor": 4,
    "utilities": 4,
    "other": 3,
}
PROBLEMS = {
    "facility": [
        "卫生间天花板漏水，滴到地板上了",
        "电梯按键失灵，经常停在半层",
        "楼道灯坏了，晚上一片漆黑",
        "单元门禁刷卡没反应",
        "厨房下水道堵塞，水排不下去",
        "外墙瓷砖松动，担心掉下来砸人",
        "消防栓箱门坏了关不上",
        "楼顶水箱漏水，顶楼墙面发霉",
    ],
    "environment": [
        "垃圾桶满了好几天没人清理",
        "楼道里有很大的异味",
        "绿化带里的杂草很久没修剪",
        "小区里流浪猫太多，到处是粪便",
        "地下车库积水发臭",
    ],
    "noise": [
        "楼上装修从早上七点就开始电钻",
        "晚上十一点以后广场舞音乐还很大声",
        "空调外机噪音特别大，整夜睡不着",
        "施工噪音扰民，周末也不停",
    ],
    "parking": [
        "我的固定车位被别人占用了",
        "消防通道上长期停着车",
        "地下车库道闸经常抬不起来",
        "电动车乱停乱放堵住单元门口",
    ],
    "billing": [
        "物业费收费标准和合同不一致",
        "公摊水电费金额明显偏高",
        "停车费涨价没有提前通知",
        "多收了上个月的垃圾清运费",
    ],
    "security": [
        "晚上有陌生人尾随进入单元门",
        "小区监控坏了好几个",
        "快递柜附近有人偷拿快递",
        "门岗保安经常不在岗",
    ],
    "service": ["客服电话一直没人接", "维修师傅态度很差", "保安说话很不客气", "报修三次都说等通知"],
    "neighbor": [
        "邻居家的狗整天叫",
        "楼上高空抛物，阳台上都是烟头",
        "邻居在楼道堆放杂物",
        "楼上洗衣机漏水渗到我家",
    ],
    "utilities": [
        "整栋楼突然停水了，没有任何通知",
        "小区停电两个小时了",
        "燃气管道有异味，担心泄漏",
        "宽带网络信号太差",
    ],
    "other": [
        "想咨询一下装修申请需要什么材料",
        "建议小区增加儿童游乐设施",
        "请问快递柜什么时候能恢复使用",
    ],
}
FILLERS = [
    "已经持续好几天了",
    "希望尽快派人处理",
    "之前反映过一次但一直没有解决",
    "家里有老人和小孩，很不方便",
    "麻烦物业尽快给个答复",
    "拍了照片可以提供",
    "其他业主也有同样的问题",
    "请维修师傅上门前先打电话联系",
    "如果再不处理我们就要向街道反映了",
    "白天上班不在家，晚上七点以后方便",
    "谢谢",
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
KIND_OF = {"facility": Kind.REPAIR, "utilities": Kind.REPAIR, "other": Kind.INQUIRY}
IMPORTANT_WORDS = ("漏水", "尾随", "停水", "停电", "高空抛物")
MAJOR_WORDS = ("燃气",)
PHRASE_CATEGORY = {phrase: code for code, phrases in PROBLEMS.items() for phrase in phrases}


@dataclass
class FakeTriage:
    """What the tiny stand-in classifier says (the fields CaseService reads), cf. tests/conftest.py."""

    category: str
    severity: str
    kind: str
    confidence: float = 0.9
    alternatives: tuple[str, ...] = ("other",)


def fake_classify(text: str) -> FakeTriage:
    """A keyword lookup costing microseconds: the benchmark measures the case core, not the NLP."""
    category = next((code for phrase, code in PHRASE_CATEGORY.items() if phrase in text), "other")
    severity = (
        Severity.MAJOR
        if any(w in text for w in MAJOR_WORDS)
        else Severity.IMPORTANT
        if any(w in text for w in IMPORTANT_WORDS)
        else Severity.GENERAL
    )
    return FakeTriage(category, severity.value, KIND_OF.get(category, Kind.COMPLAINT).value)


class Desk:
    """Deterministic generator of what tenants and staff type."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.categories = list(CATEGORY_WEIGHTS)
        self.category_weights = list(CATEGORY_WEIGHTS.values())

    def category(self) -> str:
        return self.rng.choices(self.categories, self.category_weights)[0]

    def unit(self) -> str:
        r = self.rng
        return f"{r.randint(1, 30)}-{r.randint(1, 4)}-{r.randint(1, 33)}{r.randint(1, 4):02d}"

    def description(self, category: str, unit: str) -> str:
        r = self.rng
        fillers = r.choices(
            FILLERS, k=r.choices((0, 1, 2, 3, 5, 8, 25), (15, 25, 25, 15, 10, 7, 3))[0]
        )
        head = f"{unit.split('-')[0]}栋{unit.split('-')[-1]}，" if r.random() < 0.3 else ""
        return head + "，".join([r.choice(PROBLEMS[category]), *fillers]) + "。"

    def contact(self) -> tuple[str, str]:
        r = self.rng
        return r.choice(SURNAMES) + r.choice(
            ("女士", "先生", "阿姨", "师傅")
        ), f"1{r.choice('3589')}{r.randrange(10**9):09d}"

    def draft(self, i: int, tag: str) -> CaseDraft:
        """One submit: mostly tenants in the Telegram chat (repeat tenants), some hotline and API entries."""
        r = self.rng
        category = self.category()
        unit = self.unit()
        name, phone = self.contact()
        text = self.description(category, unit)
        roll = r.random()
        if (
            roll < 0.70
        ):  # tenant in the chat; ~800 tenants, so many file again (complainant update, repeat rule)
            attachments = (
                [AttachmentDraft(file_id=f"AgAC{tag}{i}", file_unique_id=f"u{tag}{i}")]
                if r.random() < 0.25
                else []
            )
            return CaseDraft(
                description=text,
                unit=unit,
                contact_name=name,
                contact_phone=phone,
                telegram_id=10_000_000 + r.randrange(800),
                attachments=attachments,
                client_key=f"tg-{tag}-{i}" if r.random() < 0.5 else None,
            )
        if roll < 0.90:  # hotline: staff type it in, sometimes choosing the category themselves
            return CaseDraft(
                description=text,
                channel=Channel.PHONE,
                unit=unit,
                contact_name=name,
                contact_phone=phone,
                category=category if r.random() < 0.5 else None,
                client_key=f"hotline-{tag}-{i}",
            )
        return CaseDraft(  # another system through the API, with everything set
            description=text,
            channel=r.choice((Channel.EMAIL, Channel.WALK_IN, Channel.LETTER)),
            unit=unit,
            contact_name=name,
            contact_phone=phone,
            category=category,
            kind=KIND_OF.get(category, Kind.COMPLAINT),
            severity=Severity.GENERAL,
            client_key=f"erp-{tag}-{i}",
        )


# ---- measurement helpers ----------------------------------------------------------------------------


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


class StatementCounter(logging.Handler):
    """Counts the SQL statements Tortoise logs on `tortoise.db_client` at DEBUG."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.verbs: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        sql = record.args[0] if isinstance(record.args, tuple) and record.args else record.msg
        verb = str(sql).lstrip().split(None, 1)[0].upper() if str(sql).strip() else ""
        if verb in ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH"):
            self.verbs[verb] += 1


# ---- databases --------------------------------------------------------------------------------------


@dataclass
class Target:
    name: str  # "sqlite" or "postgres"
    url: str
    driver: str
    cleanup: Callable[[], Awaitable[None]]
    raw_insert: Callable[[list[Any]], Awaitable[None]] | None = None
    raw_close: Callable[[], Awaitable[None]] | None = None
    notes: str = ""


async def open_sqlite(keep: bool) -> Target:
    url, cleanup = await fresh_sqlite("qingchu-bench-", keep)
    await Tortoise.init(config=tortoise_config(url))
    return Target("sqlite", url, f"aiosqlite {aiosqlite.__version__}", cleanup)


async def open_postgres(server: str, keep: bool) -> Target:
    url, cleanup, _ = await fresh_postgres(server, PG_DATABASE, keep)
    await Tortoise.init(config=tortoise_config(url))
    return Target("postgres", url, f"asyncpg {asyncpg.__version__}", cleanup)


async def open_raw_driver(target: Target) -> None:
    """A connection of the ORM's own driver, set up as Tortoise sets up its own."""
    client = get_connection("default")
    executor = client.executor_class(Case, client)
    sql = executor.insert_query  # the ORM's INSERT of every column: the same statement text
    if target.name == "sqlite":
        conn = await aiosqlite.connect(client.filename, isolation_level=None)
        for pragma, value in client.pragmas.items():
            await (await conn.execute(f"PRAGMA {pragma}={value}")).close()
        modes = [
            (await (await conn.execute(f"PRAGMA {name}")).fetchone())[0]
            for name in ("journal_mode", "synchronous", "foreign_keys")
        ]
        target.notes = (
            f"PRAGMAs as Tortoise sets them: {', '.join(f'{k}={v}' for k, v in client.pragmas.items())}; "
            f"effective journal_mode={modes[0]} synchronous={modes[1]} ({_SYNC.get(modes[1], '?')})"
        )

        async def insert(values: list[Any]) -> None:
            await conn.execute("BEGIN")
            await conn.execute_insert(sql, values)
            await conn.execute("COMMIT")

        target.raw_insert, target.raw_close = insert, conn.close
    else:
        conn = await asyncpg.connect(target.url)
        settings = [await conn.fetchval(f"SHOW {name}") for name in ("synchronous_commit", "fsync")]
        target.notes = f"server: synchronous_commit={settings[0]} fsync={settings[1]}"

        async def insert(values: list[Any]) -> None:
            async with conn.transaction():
                await conn.fetchrow(sql, *values)

        target.raw_insert, target.raw_close = insert, conn.close


_SYNC = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


# ---- write path -------------------------------------------------------------------------------------


def raw_row(
    desk: Desk, number: str, now: datetime, settings: Settings, columns: list[str]
) -> list[Any]:
    """The values of one "case" row like a submit writes it, converted by the ORM's own fields."""
    category = desk.category()
    unit = desk.unit()
    name, phone = desk.contact()
    severity = Severity.GENERAL if desk.rng.random() < 0.8 else Severity.IMPORTANT
    due = due_times(now, severity, settings.policy, settings.timezone)
    case = Case(
        number=number,
        client_key=f"{number}-key" if desk.rng.random() < 0.4 else None,
        kind=KIND_OF.get(category, Kind.COMPLAINT),
        category=category,
        category_suggested=category,
        severity=severity,
        status=Status.NEW,
        channel=Channel.CHAT,
        description=desk.description(category, unit),
        unit=unit,
        building=building_of(unit),
        contact_name=name,
        contact_phone=phone,
        off_hours=False,
        triage={
            "kind": "repair",
            "category": category,
            "severity": severity.value,
            "confidence": 0.9,
            "alternatives": ["other"],
        },
        promised_assign_at=due.assign,
        promised_feedback_at=due.first_feedback,
        promised_resolve_at=due.resolve,
        assign_due_at=due.assign,
        feedback_due_at=due.first_feedback,
        resolve_due_at=due.resolve,
        hard_due_at=due.hard_limit,
        received_at=now,
        created_at=now,
        updated_at=now,
    )
    fields = Case._meta.fields_map
    return [fields[column].to_db_value(getattr(case, column), case) for column in columns]


@dataclass
class WriteResult:
    n: int
    raw_seconds: float
    service_seconds: float
    raw_latencies: list[float]
    service_latencies: list[float]
    span: tuple[datetime, datetime] = (START, START)  # clock time of the first and the last submit
    round_ratios: list[float] = field(default_factory=list)  # service/raw of each round: the noise
    rounds: int = 1
    off_hours: float = 0.0  # share of the submits outside business hours

    @property
    def raw_rate(self) -> float:
        return self.n / self.raw_seconds

    @property
    def service_rate(self) -> float:
        return self.n / self.service_seconds

    @property
    def ratio(self) -> float:
        return self.service_rate / self.raw_rate

    @property
    def spread(self) -> str:
        """The middle half of the per-round ratios: how much the machine's noise moved the ratio."""
        if len(self.round_ratios) < 4:
            return ""
        return f"(middle half of rounds {percentile(self.round_ratios, 25):.2f}-{percentile(self.round_ratios, 75):.2f})"

    @property
    def noisy(self) -> bool:
        """The rounds disagree so much that the ratio says more about the machine than the code."""
        if len(self.round_ratios) < 4:
            return False
        low, high = percentile(self.round_ratios, 25), percentile(self.round_ratios, 75)
        return high - low > 0.5 * pystats.median(self.round_ratios)


async def measure_writes(
    target: Target,
    service: CaseService,
    clock: FrozenClock,
    desk: Desk,
    n: int,
    rounds: int,
    tag: str,
    day: int,
) -> WriteResult:
    """n raw inserts and n submits, alternating in `rounds` chunks (raw first, then service first, ...).

    The submits are spread over 10:00-21:00 local time of START + `day` days."""
    assert target.raw_insert is not None
    clock.set(START + timedelta(days=day))
    actor = Actor.system("bench")
    client = get_connection("default")
    columns = client.executor_class(Case, client).regular_columns
    raw_rows = [
        raw_row(desk, f"RAW-{tag}-{i:06d}", clock.now(), service.settings, columns)
        for i in range(n)
    ]
    drafts = [desk.draft(i, tag) for i in range(n)]
    mean_gap = SUBMIT_HOURS * 3600 / n
    gaps = [desk.rng.uniform(0.25, 1.75) * mean_gap for _ in range(n)]
    moments = list(accumulate(gaps, initial=0.0))[1:]
    hours, tz = service.policy.business_hours, service.settings.timezone
    result = WriteResult(
        n,
        0.0,
        0.0,
        [],
        [],
        (clock.now(), clock.now() + timedelta(seconds=moments[-1])),
        rounds=rounds,
        off_hours=sum(
            not is_business_time(clock.now() + timedelta(seconds=m), hours, tz) for m in moments
        )
        / n,
    )
    bounds = [round(n * k / rounds) for k in range(rounds + 1)]

    async def raw_chunk(lo: int, hi: int) -> None:
        start = time.perf_counter()
        for row in raw_rows[lo:hi]:
            t = time.perf_counter()
            await target.raw_insert(row)
            result.raw_latencies.append(time.perf_counter() - t)
        result.raw_seconds += time.perf_counter() - start

    async def service_chunk(lo: int, hi: int) -> None:
        start = time.perf_counter()
        for i in range(lo, hi):
            clock.advance(seconds=gaps[i])
            t = time.perf_counter()
            await service.submit(drafts[i], actor)
            result.service_latencies.append(time.perf_counter() - t)
        result.service_seconds += time.perf_counter() - start

    for k in range(rounds):
        lo, hi = bounds[k], bounds[k + 1]
        if hi == lo:
            continue
        raw_before, service_before = result.raw_seconds, result.service_seconds
        first, second = (raw_chunk, service_chunk) if k % 2 == 0 else (service_chunk, raw_chunk)
        await first(lo, hi)
        await second(lo, hi)
        result.round_ratios.append(
            (result.raw_seconds - raw_before) / (result.service_seconds - service_before)
        )
    await get_connection("default").execute_query(
        'DELETE FROM "case" WHERE "number" LIKE \'RAW-%\''
    )
    return result


async def count_statements(
    service: CaseService,
    clock: FrozenClock,
    desk: Desk,
    n: int,
    span: tuple[datetime, datetime],
) -> tuple[float, Counter[str]]:
    """SQL statements per submit, counted from Tortoise's DEBUG log in a separate short run.

    The clock is spread over the timed run's span, so the mix of business-hours and off-hours submits
    (which also query and alert the duty officers) is the same as in the timed run."""
    logger = logging.getLogger("tortoise.db_client")
    counter = StatementCounter()
    level, propagate = logger.level, logger.propagate
    end = clock.now()
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        for i in range(n):
            clock.set(span[0] + (span[1] - span[0]) * (i + 0.5) / n)
            await service.submit(desk.draft(i, "count"), Actor.system("bench"))
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)
        logger.propagate = propagate
        clock.set(end)
    return sum(counter.verbs.values()) / n, counter.verbs


# ---- seeding ----------------------------------------------------------------------------------------


async def seed_people(desk: Desk, now: datetime) -> tuple[list[int], list[int], list[int]]:
    """Departments, staff (agents, supervisors, managers, two on duty) and 20 000 tenants.

    Returns department ids, agent ids and tenant (complainant) ids."""
    departments = []
    for code, name in (
        ("eng", "工程部"),
        ("clean", "保洁部"),
        ("order", "秩序部"),
        ("care", "客服部"),
    ):
        departments.append(await Department.create(code=code, name=name))
    agent_ids = []
    roles = [Role.ADMIN] + [Role.MANAGER] * 2 + [Role.SUPERVISOR] * 3 + [Role.AGENT] * 14
    for n, role in enumerate(roles):
        person = await Staff.create(
            telegram_id=900_000 + n,
            name=f"{desk.rng.choice(SURNAMES)}{role.value}{n}",
            role=role,
            department=departments[n % len(departments)],
            on_duty=n in (6, 7),
            created_at=now - timedelta(days=400),
        )
        if role is Role.AGENT:
            agent_ids.append(person.id)
    tenants = []
    for n in range(20_000):
        name, phone = desk.contact()
        created = now - timedelta(days=desk.rng.uniform(0, 400))
        tenants.append(
            Complainant(
                telegram_id=20_000_000 + n,
                name=name,
                phone=phone,
                unit=desk.unit(),
                created_at=created,
                updated_at=created,
            )
        )
    async with in_transaction() as conn:
        await Complainant.bulk_create(tenants, batch_size=2000, using_db=conn)
    tenant_ids = await Complainant.filter(telegram_id__gte=20_000_000).values_list("id", flat=True)
    return [d.id for d in departments], agent_ids, list(tenant_ids)


def _received_times(rng: random.Random, count: int, now: datetime, tz: Any) -> list[datetime]:
    """Spread over 12 months, slowly growing, busier in the daytime (local time)."""
    hour_weights = [
        1,
        1,
        1,
        1,
        1,
        2,
        4,
        8,
        12,
        14,
        14,
        12,
        10,
        11,
        12,
        12,
        11,
        10,
        10,
        10,
        9,
        7,
        4,
        2,
    ]
    days = rng.choices(range(365), weights=[1.25 - d / 730 for d in range(365)], k=count)
    hours = rng.choices(range(24), weights=hour_weights, k=count)
    local_now = now.astimezone(tz)
    times = []
    for day, hour in zip(days, hours, strict=True):
        local_day = (local_now - timedelta(days=day)).date()
        moment = datetime(
            local_day.year, local_day.month, local_day.day, hour, tzinfo=tz
        ) + timedelta(seconds=rng.randrange(3600))
        moment = moment.astimezone(UTC)
        times.append(moment if moment < now else now - timedelta(seconds=rng.randrange(60, 86_400)))
    times.sort()
    return times


def _seeded_case(
    desk: Desk,
    received: datetime,
    now: datetime,
    number: str,
    settings: Settings,
    department_ids: list[int],
    agent_ids: list[int],
    tenant_ids: list[int],
    serial: int,
) -> Case:
    r = desk.rng
    policy, tz = settings.policy, settings.timezone
    category = desk.category()
    severity = r.choices((Severity.GENERAL, Severity.IMPORTANT, Severity.MAJOR), (80, 17, 3))[0]
    kind = r.choices(
        (KIND_OF.get(category, Kind.COMPLAINT), Kind.INQUIRY, Kind.SUGGESTION), (85, 10, 5)
    )[0]
    channel = r.choices(
        (
            Channel.CHAT,
            Channel.PHONE,
            Channel.WALK_IN,
            Channel.EMAIL,
            Channel.LETTER,
            Channel.SUGGESTION_BOX,
        ),
        (70, 20, 5, 3, 1, 1),
    )[0]
    unit = desk.unit()
    name, phone = desk.contact()
    due = due_times(received, severity, policy, tz)
    age = now - received
    # Open cases: most of the last few days, a tail of stale ones that are long overdue.
    open_share = 0.65 if age < timedelta(days=3) else 0.20 if age < timedelta(days=30) else 0.02
    roll = r.random()
    values: dict[str, Any] = {}
    level = r.choices((1, 2, 3), (90, 8, 2))[0]
    if roll < open_share:
        status = r.choices((Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS), (20, 30, 50))[0]
        values.update(resolve_due_at=due.resolve, hard_due_at=due.hard_limit)
        if status is Status.NEW:
            values.update(assign_due_at=due.assign, feedback_due_at=due.first_feedback)
        else:  # never a milestone after `now`
            assigned = min(received + timedelta(minutes=r.uniform(1, 40)), now)
            values.update(
                assigned_at=assigned,
                owner_id=r.choice(agent_ids),
                department_id=r.choice(department_ids),
            )
            if status is Status.IN_PROGRESS or r.random() < 0.5:
                values.update(
                    first_feedback_at=min(assigned + timedelta(hours=r.uniform(0.1, 8)), now)
                )
            else:
                values.update(feedback_due_at=due.first_feedback)
    else:
        if age < timedelta(days=7) and r.random() < 0.4:
            status = Status.RESOLVED
        else:
            status = r.choices((Status.CLOSED, Status.INVALID, Status.CANCELLED), (93, 4, 3))[0]
        assigned = min(received + timedelta(minutes=r.uniform(1, 40)), now)  # never after `now`
        if status is Status.INVALID:
            values.update(invalid_reason="重复提交，已合并到之前的工单", closed_at=assigned)
        elif status is Status.CANCELLED:
            values.update(
                close_reason="cancelled",
                closed_at=min(received + timedelta(minutes=r.uniform(2, 60)), now),
            )
        else:
            promise = policy.sla[severity].resolve
            took = (
                promise * r.uniform(0.05, 0.9)
                if r.random() < 0.85
                else promise * r.uniform(1.05, 3)
            )
            resolved = max(min(received + took, now), assigned)
            values.update(
                assigned_at=assigned,
                first_feedback_at=assigned + (resolved - assigned) * r.uniform(0.1, 0.9),
                resolved_at=resolved,
                resolution="已安排师傅上门处理完毕",
                owner_id=r.choice(agent_ids),
                department_id=r.choice(department_ids),
            )
            if status is Status.RESOLVED:
                values.update(followup_due_at=resolved + policy.sla[severity].followup_after)
            else:
                answered = r.random() < 0.6
                values.update(
                    closed_at=min(resolved + timedelta(hours=r.uniform(4, 72)), now),
                    close_reason="confirmed" if answered else "no_response",
                    solved_confirmed=True if answered else None,
                    satisfaction=r.choices((5, 4, 3, 2, 1), (50, 30, 12, 5, 3))[0]
                    if answered
                    else None,
                    reopen_count=1 if r.random() < 0.03 else 0,
                )
    last = max(
        v
        for v in (
            received,
            *[
                values.get(k)
                for k in ("assigned_at", "first_feedback_at", "resolved_at", "closed_at")
            ],
        )
        if v
    )
    suggested = category if r.random() < 0.9 else desk.category()
    return Case(
        number=number,
        client_key=f"erp-seed-{serial}"
        if channel in (Channel.EMAIL, Channel.LETTER) and r.random() < 0.5
        else None,
        kind=kind,
        category=category,
        category_suggested=suggested,
        severity=severity,
        status=status,
        channel=channel,
        description=desk.description(category, unit),
        unit=unit,
        building=building_of(unit),
        contact_name=name,
        contact_phone=phone,
        locale=r.choices(("zh_CN", "zh_TW", "en"), (90, 7, 3))[0],
        complainant_id=r.choice(tenant_ids) if channel is Channel.CHAT else None,
        escalation_level=level,
        off_hours=not is_business_time(received, policy.business_hours, tz),
        triage={
            "kind": kind.value,
            "category": suggested,
            "severity": severity.value,
            "confidence": round(r.uniform(0.4, 0.99), 2),
        },
        promised_assign_at=due.assign,
        promised_feedback_at=due.first_feedback,
        promised_resolve_at=due.resolve,
        received_at=received,
        created_at=received,
        updated_at=last,
        **values,
    )


async def seed_cases(
    desk: Desk,
    total: int,
    now: datetime,
    settings: Settings,
    department_ids: list[int],
    agent_ids: list[int],
    tenant_ids: list[int],
    batch: int = 2000,
) -> int:
    """Bulk-insert cases until the table holds `total`; case numbers continue the daily counters."""
    missing = total - await Case.all().count()
    if missing <= 0:
        return 0
    tz = settings.timezone
    counters = {row.day: row.last_sequence for row in await CaseCounter.all()}
    times = _received_times(desk.rng, missing, now, tz)
    for lo in range(0, missing, batch):
        cases = []
        for serial in range(lo, min(lo + batch, missing)):
            received = times[serial]
            local_day = received.astimezone(tz).date()
            key = local_day.strftime("%Y%m%d")
            counters[key] = counters.get(key, 0) + 1
            number = format_case_number(settings.case_prefix, local_day, counters[key])
            cases.append(
                _seeded_case(
                    desk,
                    received,
                    now,
                    number,
                    settings,
                    department_ids,
                    agent_ids,
                    tenant_ids,
                    serial,
                )
            )
        async with in_transaction() as conn:
            await Case.bulk_create(cases, using_db=conn)
    async with in_transaction() as conn:
        await CaseCounter.all().using_db(conn).delete()
        await CaseCounter.bulk_create(
            [CaseCounter(day=day, last_sequence=seq) for day, seq in counters.items()],
            using_db=conn,
        )
    return missing


# ---- read path --------------------------------------------------------------------------------------


def list_queries() -> list[tuple[str, CaseFilter, int]]:
    return [
        ("default, page 1", CaseFilter(), 1),
        ("status=new,assigned,in_progress", CaseFilter(statuses=list(OPEN_STATUSES)), 1),
        (
            "category=facility&severity=important",
            CaseFilter(categories=["facility"], severities=[Severity.IMPORTANT]),
            1,
        ),
        ("overdue=true", CaseFilter(overdue=True), 1),
        ("q=3-1-12 (unit)", CaseFilter(text="3-1-12"), 1),
        ("q=漏水 (Chinese word)", CaseFilter(text="漏水"), 1),
        ("default, page 200", CaseFilter(), 200),
        ("unclaimed", CaseFilter(unclaimed=True), 1),
    ]


@dataclass
class Timing:
    label: str
    total: int
    samples: list[float]

    @property
    def p50(self) -> float:
        return pystats.median(self.samples)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)


async def time_list_queries(now: datetime, runs: int, warmup: int) -> tuple[list[Timing], Timing]:
    """Every query `warmup` times untimed, then `runs` timed rounds over all queries (round-robin).

    Each round also times the baseline, one case by primary key through the ORM: the cheapest read
    there is, so "p50 / baseline" shows a slow query whether or not the machine is busy."""
    queries = list_queries()
    timings = [Timing(label, 0, []) for label, _, _ in queries]
    ids = (
        await Case.all()
        .order_by("id")
        .offset(1000)
        .limit(runs + warmup)
        .values_list("id", flat=True)
    )
    baseline = Timing("baseline: one case by primary key", 1, [])
    for k in range(warmup):
        await Case.get(id=ids[k % len(ids)])
        for (_, criteria, page), timing in zip(queries, timings, strict=True):
            timing.total = (await list_cases(criteria, now, page=page, per_page=20)).total
    for k in range(runs):
        start = time.perf_counter()
        await Case.get(id=ids[(warmup + k) % len(ids)])
        baseline.samples.append(time.perf_counter() - start)
        for (_, criteria, page), timing in zip(queries, timings, strict=True):
            start = time.perf_counter()
            await list_cases(criteria, now, page=page, per_page=20)
            timing.samples.append(time.perf_counter() - start)
    return timings, baseline


async def time_statistics(
    now: datetime, settings: Settings, runs: int
) -> tuple[Timing, dict[str, Any]]:
    today = now.astimezone(settings.timezone).date()
    start, end = local_day_bounds(today - timedelta(days=29), today, settings.timezone)
    result = await statistics(start, end, now)
    timing = Timing("statistics(), 30 days", result["total"], [])
    for _ in range(runs):
        t = time.perf_counter()
        await statistics(start, end, now)
        timing.samples.append(time.perf_counter() - t)
    return timing, result


async def explain(now: datetime, dialect: str) -> None:
    """Query plans of the count and page queries of every list query (--explain)."""
    from backend.services.queries import filtered

    conn = get_connection("default")
    prefix = (
        "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) "
    )
    for label, criteria, page in list_queries():
        query = filtered(criteria, now)
        for part, sql in (
            ("count", query.count().sql(params_inline=True)),
            (
                "page",
                query.order_by("-received_at", "-id")
                .offset((page - 1) * 20)
                .limit(20)
                .sql(params_inline=True),
            ),
        ):
            rows = await conn.execute_query_dict(prefix + sql)
            print(f"  -- {label} [{part}]")
            for row in rows:
                print("     " + (row.get("detail") or row.get("QUERY PLAN") or str(row)))


# ---- one database -----------------------------------------------------------------------------------


@dataclass
class Outcome:
    name: str
    writes: WriteResult | None = None
    writes_full: WriteResult | None = None
    timings: list[Timing] | None = None
    skipped: str = ""


def print_writes(title: str, w: WriteResult, statements: str = "") -> None:
    print(f"\n  {title}: {w.n} raw inserts and {w.n} submits in {w.rounds} interleaved rounds;")
    print(
        f"  submits spread over 10:00-21:00 local time, {w.off_hours:.0%} of them after business hours"
    )
    print(f"    {'':38}{'per s':>9}{'p50 ms':>9}{'p95 ms':>9}")
    for label, rate, samples in (
        ("raw INSERT, 1 per transaction", w.raw_rate, w.raw_latencies),
        ("CaseService.submit", w.service_rate, w.service_latencies),
    ):
        print(
            f"    {label:38}{rate:9.0f}{ms(pystats.median(samples)):>9}{ms(percentile(samples, 95)):>9}"
        )
    verdict = "ok" if w.ratio >= TARGET_RATIO else "MISSED"
    print(
        f"    ratio service/raw {w.ratio:.2f} {w.spread}  target >= {TARGET_RATIO:.2f}: {verdict}"
    )
    if w.noisy:
        print(f"    {NOISY}")
    if statements:
        print(f"    {statements}")


async def bench_database(target: Target, args: argparse.Namespace) -> Outcome:
    outcome = Outcome(target.name)
    clock = FrozenClock(START)
    base = load_settings(env={}, env_file=None)
    settings = replace(
        base, database_url=target.url, staff_chat_id=-1001234567890, duty_phone="400-800-1234"
    )
    service = CaseService(settings, clock, classify=fake_classify)
    desk = Desk(args.seed)
    await open_raw_driver(target)
    conn = get_connection("default")
    print(f"\n== {target.name}: {target.url}")
    print(f"  driver {target.driver}; {target.notes}")
    print(
        "  classifier: tiny keyword stand-in (no NLP); staff chat set, so each submit also queues a staff card"
    )

    departments, agents, tenant_ids = await seed_people(desk, clock.now())

    # 1. write path on a fresh database, after a warm-up (statement caches, first pages of the files)
    await measure_writes(target, service, clock, desk, 50, 1, "warm", day=-1)
    writes = await measure_writes(
        target, service, clock, desk, args.submits, args.rounds, "main", day=0
    )
    outcome.writes = writes
    per_submit, verbs = await count_statements(service, clock, desk, 100, writes.span)
    detail = ", ".join(f"{verb} {count / 100:.1f}" for verb, count in verbs.most_common())
    print_writes(
        "write path on a fresh database",
        writes,
        f"SQL statements per submit: {per_submit:.1f} ({detail}) + BEGIN/COMMIT; raw: 1 INSERT + BEGIN/COMMIT",
    )

    # 2. seed to --cases
    now = clock.advance(minutes=5)
    t = time.perf_counter()
    seeded = await seed_cases(desk, args.cases, now, settings, departments, agents, tenant_ids)
    seed_seconds = time.perf_counter() - t
    if target.name == "postgres":
        for table in (
            "case",
            "complainant",
            "staff",
        ):  # one by one: VACUUM refuses a multi-statement script
            await conn.execute_script(f'VACUUM ANALYZE "{table}"')
    mix = {
        row["status"]: row["n"]
        for row in await conn.execute_query_dict(
            'SELECT "status", COUNT(*) AS "n" FROM "case" GROUP BY "status" ORDER BY 2 DESC'
        )
    }
    total = sum(mix.values())
    overdue = (await list_cases(CaseFilter(overdue=True), now, per_page=1)).total
    print(
        f"\n  seeded {seeded} cases in {seed_seconds:.1f} s (bulk_create, 2000 per transaction): {total} cases,"
    )
    print(
        "    "
        + ", ".join(f"{status} {n / total:.1%}" for status, n in mix.items())
        + f"; {overdue} open cases overdue"
    )
    if target.name == "postgres":
        print("    then VACUUM ANALYZE (autovacuum would have done it on a live desk)")

    # 3. read path at --cases
    timings, baseline = await time_list_queries(now, args.runs, args.warmup)
    outcome.timings = timings
    print(
        f"\n  list_cases(per_page=20) at {total} cases ({args.runs} runs after {args.warmup} warm-up)"
    )
    print(
        f"    {'query':40}{'total':>8}{'p50 ms':>9}{'p95 ms':>9}{'p50/base':>10}  p95 < {TARGET_P95_MS:.0f} ms"
    )
    for timing in timings:
        verdict = "ok" if timing.p95 * 1000 < TARGET_P95_MS else "MISSED"
        print(
            f"    {timing.label:40}{timing.total:8}{ms(timing.p50):>9}{ms(timing.p95):>9}"
            f"{timing.p50 / baseline.p50:10.0f}  {verdict}"
        )
    print(
        f"    {baseline.label:40}{baseline.total:8}{ms(baseline.p50):>9}{ms(baseline.p95):>9}{1:10}"
    )
    stats_timing, stats_result = await time_statistics(now, settings, max(5, args.runs // 5))
    print(
        f"    {stats_timing.label:40}{stats_timing.total:8}{ms(stats_timing.p50):>9}{ms(stats_timing.p95):>9}"
        f"{stats_timing.p50 / baseline.p50:10.0f}  (no target)"
    )
    print(
        f"      30 days: SLA compliance {stats_result['sla']['compliance']}, mean hours to resolve "
        f"{stats_result['mean_hours_to_resolve']}, satisfaction {stats_result['satisfaction']['mean']}"
    )
    if args.explain:
        await explain(now, "sqlite" if target.name == "sqlite" else "postgres")

    # 4. write path again with the table full (the next day)
    if args.submits_full:
        full = await measure_writes(
            target, service, clock, desk, args.submits_full, max(2, args.rounds // 2), "full", day=1
        )
        outcome.writes_full = full
        print_writes(f"write path at {total} cases", full)
    return outcome


def summary(outcomes: list[Outcome]) -> None:
    print(
        "\n== summary (ratios and latencies from this run; the machine's speed cancels out of the ratio)"
    )
    for o in outcomes:
        if o.skipped:
            print(f"{o.name:9} skipped: {o.skipped}")
            continue
        if o.writes:
            w = o.writes
            ok = "ok" if w.ratio >= TARGET_RATIO else "MISSED"
            print(
                f"{o.name:9} submit {w.service_rate:.0f}/s  raw {w.raw_rate:.0f}/s  ratio {w.ratio:.2f}  "
                f"(target >= {TARGET_RATIO:.2f}: {ok}) {w.spread}{'  NOISY' if w.noisy else ''}"
            )
        if o.writes_full:
            w = o.writes_full
            print(
                f"{o.name:9} submit at full table {w.service_rate:.0f}/s  raw {w.raw_rate:.0f}/s  "
                f"ratio {w.ratio:.2f} {w.spread}{'  NOISY' if w.noisy else ''}"
            )
        if o.timings:
            worst = max(o.timings, key=lambda t: t.p95)
            missed = [t for t in o.timings if t.p95 * 1000 >= TARGET_P95_MS]
            verdict = (
                "ok"
                if not missed
                else "MISSED by " + ", ".join(f"{t.label} {ms(t.p95)} ms" for t in missed)
            )
            print(
                f"{o.name:9} list p95 max {ms(worst.p95)} ms ({worst.label}) (target < {TARGET_P95_MS:.0f} ms: {verdict})"
            )


def code_version() -> str:
    """The commit of the `backend` package measured, and whether it differs from it (read-only git calls)."""
    root = Path(backend.__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = (
            subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "backend"], cwd=root).returncode
            != 0
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return commit + (" + uncommitted changes in backend/" if dirty else "")


async def run(args: argparse.Namespace) -> None:
    print(
        f"qingchu case-core benchmark: code {code_version()}; Python {sys.version.split()[0]}, "
        f"Tortoise {tortoise.__version__}, SQLite {sqlite3.sqlite_version}; {os.cpu_count()} CPUs"
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
            outcomes.append(await bench_database(target, args))
        finally:
            if target.raw_close is not None:
                await target.raw_close()
            await Tortoise.close_connections()
            await target.cleanup()
    summary(outcomes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--cases", type=int, default=100_000, help="cases in the table for the list queries"
    )
    parser.add_argument(
        "--submits", type=int, default=2000, help="raw inserts and service submits each"
    )
    parser.add_argument(
        "--submits-full",
        type=int,
        default=500,
        help="raw inserts and submits again once the table is full (0: skip)",
    )
    parser.add_argument("--rounds", type=int, default=20, help="interleaved raw/service rounds")
    parser.add_argument("--runs", type=int, default=50, help="timed runs per list query")
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs per list query first")
    parser.add_argument("--seed", type=int, default=2026, help="random seed of the generated data")
    parser.add_argument(
        "--pg-server",
        default=DEFAULT_PG_SERVER,
        help=f"PostgreSQL server; the database {PG_DATABASE} on it is dropped and created",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the SQLite file / PostgreSQL database"
    )
    parser.add_argument(
        "--explain", action="store_true", help="print the query plans of the list queries"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    asyncio.run(run(args))
    print(f"(finished in {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
