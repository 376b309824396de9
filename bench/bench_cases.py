"""Case-core benchmark: service submits/s beside a raw replay of their own statements; list latency.

    python bench/bench_cases.py [--db sqlite|postgres|both] [--cases 100000] [--submits 2000]

For each database it creates a fresh, migrated database, then
  1. times three contenders in alternating rounds so all see the same machine:
     CaseService.submit; the raw replay of submits (bench/sqlreplay.py records the statements and
     parameters each timed submit issues and replays an earlier one with fresh keys through the same
     driver, aiosqlite / asyncpg, in one transaction, no ORM or service); and one raw INSERT into "case"
     per transaction (informational). submit/raw-replay is the number to watch (target >= 0.60);
  2. seeds the database to --cases cases with a realistic mix (12 months, ~5% open, skewed categories);
  3. times backend.services.queries.list_cases for the filters the API offers (target p95 < 50 ms)
     and statistics() for 30 days;
  4. measures the three again with the table full (--submits-full).
The last line is `submit/raw-replay ratio: sqlite=X.XX postgres=Y.YY` (n/a: not measured).
The classifier is a tiny keyword stand-in (as in tests/conftest.py), so the NLP is not measured.
See bench/README.md.
"""

import argparse
import cProfile
import math
import random
import statistics as pystats
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Any

import aiosqlite
import asyncpg
import benchkit
from benchdata import CATEGORY_WEIGHTS, KIND_OF, SURNAMES, received_times
from benchkit import (
    NOISY,
    ORM_FUNCTIONS,
    START,
    RoundTrips,
    Series,
    StandInTriage,
    StatementCounter,
    Stopwatch,
    Target,
    alternate,
    analyze,
    counting_round_trips,
    counting_statements,
    for_each_database,
    header,
    ms,
    noisy,
    percentile,
    print_profile,
    ratio_line,
    round_ratios,
    run_main,
    settings_for,
    spread,
    without_incidents,
)
from sqlreplay import Recording, Replayer, Schema, Step, capture, recording, schema_of_models
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from backend.clock import FrozenClock
from backend.config import Settings
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

TARGET_REPLAY_RATIO = 0.60
TARGET_P95_MS = 50.0
COUNTED = 100  # submits with statements and round trips counted
# Every timed series of submits runs from 10:00 (START) to 21:00 local time of its own day, so about a
# quarter of them arrive after business hours (and also alert the duty officers), whatever their number.
SUBMIT_HOURS = 11

# ---- realistic content ------------------------------------------------------------------------------

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
MOBILE_PREFIXES = "30 35 38 39 50 58 59 86 88 89 99".split()  # mobile numbers 1xx…: all valid
IMPORTANT_WORDS = ("漏水", "尾随", "停水", "停电", "高空抛物")
MAJOR_WORDS = ("燃气",)
PHRASE_CATEGORY = {phrase: code for code, phrases in PROBLEMS.items() for phrase in phrases}


def fake_classify(text: str) -> StandInTriage:
    """A keyword lookup costing microseconds: the benchmark measures the case core, not the NLP."""
    category = next((code for phrase, code in PHRASE_CATEGORY.items() if phrase in text), "other")
    severity = (
        Severity.MAJOR
        if any(w in text for w in MAJOR_WORDS)
        else Severity.IMPORTANT
        if any(w in text for w in IMPORTANT_WORDS)
        else Severity.GENERAL
    )
    kind = KIND_OF.get(category, Kind.COMPLAINT).value
    return StandInTriage(category, severity.value, kind, alternatives=("other",))


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
        ), f"1{r.choice(MOBILE_PREFIXES)}{r.randrange(10**8):08d}"

    def draft(self, i: int, tag: str) -> CaseDraft:
        """One submit: mostly tenants in the Telegram chat (repeat tenants), some hotline and API entries."""
        r = self.rng
        category = self.category()
        unit = self.unit()
        name, phone = self.contact()
        text = self.description(category, unit)
        roll = r.random()
        # tenant in the chat; ~800 tenants, so many file again (complainant update, repeat rule)
        if roll < 0.70:
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


# ---- the driver beside the ORM ----------------------------------------------------------------------

_SYNC = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


@dataclass
class Driver:
    """The ORM's own driver without the ORM: one raw INSERT per transaction, and the replay of a submit."""

    insert: Callable[[list[Any]], Awaitable[None]]
    replay: Callable[[list[Step]], Awaitable[None]]
    close: Callable[[], Awaitable[None]]
    notes: str


async def open_driver(target: Target) -> Driver:
    """SQLite: a connection of its own, set up as Tortoise sets up its own (isolation_level=None, the same
    PRAGMAs). PostgreSQL: the raw INSERT on a connection of its own, the replay on Tortoise's own pool (one
    connection acquired per replayed submit, as in_transaction() acquires one)."""
    client = get_connection("default")
    sql = client.executor_class(Case, client).insert_query  # the ORM's INSERT of every column
    if target.name == "sqlite":
        conn = await aiosqlite.connect(client.filename, isolation_level=None)
        for pragma, value in client.pragmas.items():
            await (await conn.execute(f"PRAGMA {pragma}={value}")).close()
        modes = [
            (await (await conn.execute(f"PRAGMA {name}")).fetchone())[0]
            for name in ("journal_mode", "synchronous", "foreign_keys")
        ]
        notes = (
            f"PRAGMAs as Tortoise sets them: {', '.join(f'{k}={v}' for k, v in client.pragmas.items())}; "
            f"effective journal_mode={modes[0]} synchronous={modes[1]} ({_SYNC.get(modes[1], '?')})"
        )

        async def insert(values: list[Any]) -> None:
            await conn.execute("BEGIN")
            await conn.execute_insert(sql, values)
            await conn.execute("COMMIT")

        async def replay(steps: list[Step]) -> None:
            await Replayer.sqlite(conn, steps)

        return Driver(insert, replay, conn.close, notes)
    pg = await asyncpg.connect(target.url)
    settings = [await pg.fetchval(f"SHOW {name}") for name in ("synchronous_commit", "fsync")]
    await client.execute_query("SELECT 1")  # Tortoise opens its pool on first use
    pool = client._pool

    async def insert_pg(values: list[Any]) -> None:
        async with pg.transaction():
            await pg.fetchrow(sql, *values)

    async def replay_pg(steps: list[Step]) -> None:
        await Replayer.postgres(pool, steps)

    notes = (
        f"server: synchronous_commit={settings[0]} fsync={settings[1]}; pool {pool.get_max_size()}"
    )
    return Driver(insert_pg, replay_pg, pg.close, notes)


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
    """Raw INSERTs, service submits and replays of those submits, timed in alternating rounds."""

    series: dict[str, Series]  # RAW, SUBMIT, REPLAY
    latencies: dict[str, list[float]]
    span: tuple[datetime, datetime] = (START, START)  # clock time of the first and the last submit
    rounds: int = 1
    off_hours: float = 0.0  # share of the submits outside business hours
    replay_checked: str = ""  # what the replay left in the database, checked against what it did

    @property
    def n(self) -> int:
        return self.series[SUBMIT].count

    def rate(self, name: str) -> float:
        return self.series[name].rate

    def ratio(self, baseline: str) -> float:
        return self.rate(SUBMIT) / self.rate(baseline)

    def round_ratios(self, baseline: str) -> list[float]:
        return round_ratios(self.series[SUBMIT], self.series[baseline])


RAW, SUBMIT, REPLAY = "raw", "submit", "replay"


class Replays:
    """Submits recorded while they are timed, replayed later by the raw driver (first in, first out).

    A replay runs the recording of an earlier submit, so whichever contender starts a round, there are
    recordings to replay: `prefill` records one round's worth before the first timed round."""

    def __init__(self, driver: Driver, schema: Schema) -> None:
        self.driver = driver
        self.replayer = Replayer(schema)
        self.recorded: list[Recording] = []
        self.taken = 0

    def take(self, n: int) -> list[list[Step]]:
        """The next n recordings with fresh keys (prepared outside the timings)."""
        taken = self.recorded[self.taken : self.taken + n]
        self.taken += len(taken)
        return [self.replayer.prepare(recording) for recording in taken]


async def measure_writes(
    driver: Driver,
    replays: Replays,
    service: CaseService,
    clock: FrozenClock,
    desk: Desk,
    n: int,
    rounds: int,
    tag: str,
    day: int,
) -> WriteResult:
    """n raw inserts, n submits and n replays of recorded submits, alternating in `rounds` chunks.

    The submits are spread over 10:00-21:00 local time of START + `day` days."""
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
    span = (clock.now(), clock.now() + timedelta(seconds=moments[-1]))
    off_hours = sum(
        not is_business_time(clock.now() + timedelta(seconds=m), hours, tz) for m in moments
    )
    latencies: dict[str, list[float]] = {RAW: [], SUBMIT: [], REPLAY: []}
    replayed_before = replays.taken

    async def raw_chunk(lo: int, hi: int) -> tuple[int, float]:
        start = time.perf_counter()
        for row in raw_rows[lo:hi]:
            t = time.perf_counter()
            await driver.insert(row)
            latencies[RAW].append(time.perf_counter() - t)
        return hi - lo, time.perf_counter() - start

    async def submit_chunk(lo: int, hi: int) -> tuple[int, float]:
        seconds = 0.0
        for i in range(lo, hi):
            clock.advance(seconds=gaps[i])
            with capture(replays.recorded):
                t = time.perf_counter()
                await service.submit(drafts[i], actor)
                took = time.perf_counter() - t
            latencies[SUBMIT].append(took)
            seconds += took
        return hi - lo, seconds

    async def replay_chunk(lo: int, hi: int) -> tuple[int, float]:
        prepared = replays.take(hi - lo)
        start = time.perf_counter()
        for steps in prepared:
            t = time.perf_counter()
            await driver.replay(steps)
            latencies[REPLAY].append(time.perf_counter() - t)
        return len(prepared), time.perf_counter() - start

    with recording():
        series = await alternate(
            n, rounds, {RAW: raw_chunk, SUBMIT: submit_chunk, REPLAY: replay_chunk}
        )
    conn = get_connection("default")
    left = await conn.execute_query_dict(
        'SELECT COUNT(*) AS n FROM "case" WHERE "number" LIKE \'rp%\''
    )
    replayed = replays.taken - replayed_before
    checked = f"replay check: {left[0]['n']} replayed cases in the table for {replayed} replays" + (
        "" if left[0]["n"] == replayed else "  MISMATCH"
    )
    await conn.execute_query(
        'DELETE FROM "case" WHERE "number" LIKE \'RAW-%\' OR "number" LIKE \'rp%\''
    )
    return WriteResult(series, latencies, span, rounds, off_hours / n, checked)


async def prefill(
    replays: Replays, service: CaseService, clock: FrozenClock, desk: Desk, n: int
) -> None:
    """n submits recorded, untimed, so the first timed round has recordings to replay."""
    clock.set(START + timedelta(days=-2))
    with recording():
        for i in range(n):
            clock.advance(seconds=SUBMIT_HOURS * 3600 / n)
            with capture(replays.recorded):
                await service.submit(desk.draft(i, "prefill"), Actor.system("bench"))


async def count_statements(
    service: CaseService,
    clock: FrozenClock,
    desk: Desk,
    n: int,
    span: tuple[datetime, datetime],
    replays: Replays,
) -> tuple[Counter[str], RoundTrips, RoundTrips]:
    """SQL statements (Tortoise's DEBUG log) and round trips per submit, in a separate short run, and the
    round trips of replaying those same submits.

    The clock is spread over the timed run's span, so the mix of business-hours and off-hours submits
    (which also query and alert the duty officers) is the same as in the timed run."""
    counter, trips, replay_trips = StatementCounter(), RoundTrips(), RoundTrips()
    end = clock.now()
    recorded: list[Recording] = []
    try:
        with counting_statements(counter), counting_round_trips(trips), recording():
            for i in range(n):
                clock.set(span[0] + (span[1] - span[0]) * (i + 0.5) / n)
                with capture(recorded):
                    await service.submit(desk.draft(i, "count"), Actor.system("bench"))
    finally:
        clock.set(end)
    prepared = [replays.replayer.prepare(r) for r in recorded]
    with counting_round_trips(replay_trips):
        for steps in prepared:
            await replays.driver.replay(steps)
    return counter.verbs, trips, replay_trips


SUBMIT_FUNCTIONS = (
    ("backend/services/cases.py", "submit"),
    ("backend/services/drafts.py", "validated"),
    ("backend/services/cases.py", "_upsert_complainant"),
    ("backend/services/cases.py", "_announce_new_case"),
    *ORM_FUNCTIONS,
)


async def profile_submits(service: CaseService, clock: FrozenClock, desk: Desk, n: int) -> None:
    """n more submits under cProfile (--profile), on a day of their own: where a submit's time goes."""
    end = clock.now()
    clock.set(START + timedelta(days=-3))
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    for i in range(n):
        clock.advance(seconds=SUBMIT_HOURS * 3600 / n)
        await service.submit(desk.draft(i, "profile"), Actor.system("bench"))
    profile.disable()
    print_profile(profile, n, time.perf_counter() - started, "submit", SUBMIT_FUNCTIONS)
    clock.set(end)


def per_submit(trips: RoundTrips, n: int) -> str:
    """`12.4 (pool reset 1.00, INSERT 5.00, ...), 3.1 ms waiting`"""
    parts = ", ".join(f"{kind} {count / n:.2f}" for kind, count in trips.count.most_common())
    waited = sum(trips.seconds.values()) / n
    return f"{sum(trips.count.values()) / n:.1f} ({parts}), {waited * 1000:.1f} ms waiting on them"


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
    times = sorted(received_times(desk.rng, missing, now, tz))
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
    print(
        f"\n  {title}: {w.n} raw inserts, {w.n} submits and {w.series[REPLAY].count} replays in "
        f"{w.rounds} alternating rounds;"
    )
    print(
        f"  submits spread over 10:00-21:00 local time, {w.off_hours:.0%} of them after business hours"
    )
    print(f"    {'':44}{'per s':>9}{'p50 ms':>9}{'p95 ms':>9}")
    for name, label in (
        (RAW, "raw INSERT, 1 per transaction"),
        (REPLAY, "raw replay of a submit's statements"),
        (SUBMIT, "CaseService.submit"),
    ):
        samples = w.latencies[name]
        print(
            f"    {label:44}{w.rate(name):9.0f}{ms(pystats.median(samples)):>9}"
            f"{ms(percentile(samples, 95)):>9}"
        )
    replay_ratios = w.round_ratios(REPLAY)
    verdict = "ok" if w.ratio(REPLAY) >= TARGET_REPLAY_RATIO else "MISSED"
    print(
        f"    ratio submit/raw-replay {w.ratio(REPLAY):.2f} {spread(replay_ratios)}  "
        f"target >= {TARGET_REPLAY_RATIO:.2f}: {verdict}"
    )
    print(
        f"    ratio submit/raw INSERT {w.ratio(RAW):.2f} {spread(w.round_ratios(RAW))}  "
        "(informational: the raw INSERT does one statement of the submit's several)"
    )
    if noisy(replay_ratios):
        print(f"    {NOISY}")
    print(f"    {w.replay_checked}")
    if statements:
        print(f"    {statements}")


async def bench_database(target: Target, args: argparse.Namespace) -> Outcome:
    outcome = Outcome(target.name)
    clock = FrozenClock(START)
    # the raw replay of one submit cannot replay an incident's opening (it changes other cases)
    settings = without_incidents(settings_for(target.url))
    service = CaseService(settings, clock, classify=fake_classify)
    desk = Desk(args.seed)
    driver = await open_driver(target)
    try:
        return await _bench_database(target, args, outcome, clock, settings, service, desk, driver)
    finally:
        await driver.close()


async def _bench_database(
    target: Target,
    args: argparse.Namespace,
    outcome: Outcome,
    clock: FrozenClock,
    settings: Settings,
    service: CaseService,
    desk: Desk,
    driver: Driver,
) -> Outcome:
    conn = get_connection("default")
    print(f"\n== {target.name}: {target.url}")
    print(f"  driver {target.driver}; {driver.notes}")
    print(
        "  classifier: tiny keyword stand-in (no NLP); staff chat set, so each submit also queues a staff card"
    )

    departments, agents, tenant_ids = await seed_people(desk, clock.now())
    replays = Replays(driver, schema_of_models())

    # 1. write path on a fresh database, after a warm-up (statement caches, first pages of the files)
    await measure_writes(driver, replays, service, clock, desk, 50, 1, "warm", day=-1)
    await prefill(replays, service, clock, desk, math.ceil(args.submits / args.rounds))
    writes = await measure_writes(
        driver, replays, service, clock, desk, args.submits, args.rounds, "main", day=0
    )
    outcome.writes = writes
    verbs, trips, replay_trips = await count_statements(
        service, clock, desk, COUNTED, writes.span, replays
    )
    detail = ", ".join(f"{verb} {count / COUNTED:.1f}" for verb, count in verbs.most_common())
    print_writes(
        "write path on a fresh database",
        writes,
        f"SQL statements per submit: {sum(verbs.values()) / COUNTED:.1f} ({detail}) + BEGIN/COMMIT; "
        "the replay runs the same statements; raw INSERT: 1 + BEGIN/COMMIT\n"
        f"    database round trips per submit: {per_submit(trips, COUNTED)}\n"
        f"    database round trips per replay: {per_submit(replay_trips, COUNTED)}",
    )
    await conn.execute_query('DELETE FROM "case" WHERE "number" LIKE \'rp%\'')
    if args.profile:
        await profile_submits(service, clock, desk, args.profile_submits)

    # 2. seed to --cases
    now = clock.advance(minutes=5)
    t = time.perf_counter()
    seeded = await seed_cases(desk, args.cases, now, settings, departments, agents, tenant_ids)
    seed_seconds = time.perf_counter() - t
    if target.name == "postgres":
        await analyze(target)
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
            driver,
            replays,
            service,
            clock,
            desk,
            args.submits_full,
            max(2, args.rounds // 2),
            "full",
            day=1,
        )
        outcome.writes_full = full
        print_writes(f"write path at {total} cases", full)
    return outcome


def summary(outcomes: list[Outcome], stopwatch: Stopwatch) -> None:
    print(
        "\n== summary (ratios and latencies from this run; the machine's speed cancels out of the ratio)"
    )
    for o in outcomes:
        if o.skipped:
            print(f"{o.name:9} skipped: {o.skipped}")
            continue
        if o.writes:
            w = o.writes
            ok = "ok" if w.ratio(REPLAY) >= TARGET_REPLAY_RATIO else "MISSED"
            print(
                f"{o.name:9} submit {w.rate(SUBMIT):.0f}/s  raw replay {w.rate(REPLAY):.0f}/s  "
                f"ratio {w.ratio(REPLAY):.2f} (target >= {TARGET_REPLAY_RATIO:.2f}: {ok}) "
                f"{spread(w.round_ratios(REPLAY))}{'  NOISY' if noisy(w.round_ratios(REPLAY)) else ''}"
            )
            print(
                f"{'':9} raw INSERT {w.rate(RAW):.0f}/s  submit/raw INSERT {w.ratio(RAW):.2f} (informational)"
            )
        if o.writes_full:
            w = o.writes_full
            print(
                f"{o.name:9} at full table: submit {w.rate(SUBMIT):.0f}/s  raw replay {w.rate(REPLAY):.0f}/s  "
                f"ratio {w.ratio(REPLAY):.2f} {spread(w.round_ratios(REPLAY))}"
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
    print(stopwatch.finished())
    print(
        ratio_line(
            "submit/raw-replay",
            {o.name: o.writes.ratio(REPLAY) for o in outcomes if o.writes is not None},
        )
    )


async def run(args: argparse.Namespace) -> None:
    stopwatch = Stopwatch()
    header("case-core benchmark")
    outcomes = await for_each_database(
        args,
        lambda target: bench_database(target, args),
        lambda name, reason: Outcome(name, skipped=reason),
    )
    summary(outcomes, stopwatch)


def main() -> None:
    parser = benchkit.parser(__doc__, "qingchu_bench")
    parser.add_argument(
        "--cases", type=int, default=100_000, help="cases in the table for the list queries"
    )
    parser.add_argument(
        "--submits", type=int, default=2000, help="raw inserts, service submits and replays each"
    )
    parser.add_argument(
        "--submits-full",
        type=int,
        default=500,
        help="raw inserts, submits and replays again once the table is full (0: skip)",
    )
    parser.add_argument("--rounds", type=int, default=20, help="alternating rounds")
    parser.add_argument("--runs", type=int, default=50, help="timed runs per list query")
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs per list query first")
    parser.add_argument(
        "--explain", action="store_true", help="print the query plans of the list queries"
    )
    parser.add_argument(
        "--profile", action="store_true", help="profile more submits with cProfile (by layer)"
    )
    parser.add_argument("--profile-submits", type=int, default=300)
    args = parser.parse_args()
    run_main(lambda: run(args))


if __name__ == "__main__":
    main()
