"""Dashboard benchmark: overview and case-list page render times at 100 000 cases, beside the JSON API list.

    python bench/bench_dashboard.py [--db sqlite|postgres|both] [--cases 100000] [--runs 50] [--warmup 5]

For each database it creates a fresh, migrated database (bench/benchkit.py), seeds it like
bench/bench_cases.py does (the same functions: 20 staff, 20 000 tenants, --cases cases over 12 months), then
serves the real aiohttp application (backend.api.app.create_app: API and dashboard, every middleware) on
127.0.0.1 and requests it over HTTP with an aiohttp ClientSession, as a signed-in manager (one-time link,
session cookie) and as an API client (Bearer token):
  - GET /dashboard/                 the overview (tiles and four charts);
  - GET /dashboard/cases?...        the case list page, for a few typical filter sets;
  - GET /api/v1/cases?...           the JSON API list with the same filters and the same page size (25).
After --warmup untimed rounds, --runs timed rounds go round-robin over every request (the list page and the
API alternate which comes first). Printed: p50/p95 per request, the ratio list page / API list per filter
set, and the targets of the dashboard issue: overview p95 < 200 ms; list page within 2x of the API list.
Nothing asserts a time: absolute numbers on a noisy 2-core machine mean little, the ratio less so.
See bench/README.md.
"""

import argparse
import re
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import aiohttp
import benchkit
from aiohttp.test_utils import TestServer
from bench_cases import Desk, Timing, fake_classify, seed_cases, seed_people
from benchkit import (
    START,
    StatementCounter,
    Stopwatch,
    Target,
    analyze,
    counting_statements,
    for_each_database,
    header,
    ms,
    run_main,
    settings_for,
)

from backend.api.app import create_app
from backend.clock import FrozenClock
from backend.context import AppContext
from backend.domain import Role
from backend.models import Case, Staff
from backend.services.signin import create_sign_in_link
from backend.services.tokens import create_token
from backend.web.filters import PER_PAGE

TARGET_OVERVIEW_P95_MS = 200.0
TARGET_LIST_RATIO = 2.0
OVERVIEW = "overview /dashboard/"
# (label, dashboard list query, API list query): the same filter, as each front end spells it.
FILTERS: list[tuple[str, str, str]] = [
    ("no filter", "", ""),
    ("open (new, assigned, in progress)", "status=open", "status=new,assigned,in_progress"),
    ("overdue", "overdue=1", "overdue=true"),
    ("q=3-1-12 (unit)", "q=3-1-12", "q=3-1-12"),
    ("q=漏水 (Chinese word)", "q=漏水", "q=漏水"),
    ("category=facility", "category=facility", "category=facility"),
]
# a case's link (the nav's "/dashboard/cases/new" is the front desk, not a case)
CASE_LINK = re.compile(r'<a href="/dashboard/cases/((?!new")[A-Za-z0-9-]+)">')
TILE_VALUE = re.compile(r'class="tile-value">([^<]*)<')


def pad(text: str, width: int) -> str:
    """`text` left-aligned in `width` terminal columns (a Chinese character takes two)."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


@dataclass
class Request:
    label: str
    path: str
    api: bool = False
    timing: Timing = field(init=False)
    size: int = 0  # bytes of the last response body
    statements: int = 0  # SQL statements of one request

    def __post_init__(self) -> None:
        self.timing = Timing(self.label, 0, [])


@dataclass
class Outcome:
    name: str
    overview: Request | None = None
    # label, list page, API list
    pairs: list[tuple[str, Request, Request]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    skipped: str = ""


def requests_to_time() -> tuple[Request, list[tuple[str, Request, Request]]]:
    overview = Request(OVERVIEW, "/dashboard/")
    pairs = []
    for label, page_query, api_query in FILTERS:
        page_path = "/dashboard/cases" + (f"?{page_query}" if page_query else "")
        api_path = f"/api/v1/cases?{api_query + '&' if api_query else ''}per_page={PER_PAGE}"
        pairs.append(
            (
                label,
                Request(f"list page, {label}", page_path),
                Request(f"API list, {label}", api_path, True),
            )
        )
    return overview, pairs


class Browser:
    """A signed-in manager (session cookie) and an API client (Bearer token) on one ClientSession."""

    def __init__(self, server: TestServer, api_token: str) -> None:
        self.server = server
        self.api_headers = {"Authorization": f"Bearer {api_token}"}
        # unsafe: keep cookies set by an IP address (127.0.0.1), as a browser does
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def sign_in(self, link_path: str) -> None:
        async with self.session.get(
            self.server.make_url(link_path), allow_redirects=False
        ) as response:
            if response.status != 303:
                raise RuntimeError(f"sign-in failed: {response.status} {await response.text()}")

    async def fetch(self, request: Request) -> bytes:
        headers = self.api_headers if request.api else None
        async with self.session.get(
            self.server.make_url(request.path), headers=headers
        ) as response:
            body = await response.read()
            if response.status != 200:
                raise RuntimeError(f"{request.path}: {response.status} {body[:300]!r}")
        request.size = len(body)
        return body

    async def timed(self, request: Request) -> None:
        start = time.perf_counter()
        await self.fetch(request)
        request.timing.samples.append(time.perf_counter() - start)

    async def close(self) -> None:
        await self.session.close()


async def count_statements(browser: Browser, requests: list[Request]) -> None:
    """SQL statements of one request each, from Tortoise's DEBUG log (BEGIN/COMMIT not counted)."""
    for request in requests:
        counter = StatementCounter()
        with counting_statements(counter):
            await browser.fetch(request)
        request.statements = sum(counter.verbs.values())


async def check_answers(
    browser: Browser, overview: Request, pairs: list[tuple[str, Request, Request]]
) -> list[str]:
    """The page and the API show the same cases, and the overview's tiles the API's totals (not timed)."""
    problems = []
    totals: dict[str, int] = {}
    for label, page, api in pairs:
        async with browser.session.get(
            browser.server.make_url(api.path), headers=browser.api_headers
        ) as answer:
            body: dict[str, Any] = await answer.json()
        totals[label] = body["total"]
        numbers = CASE_LINK.findall((await browser.fetch(page)).decode())
        if numbers != [item["number"] for item in body["items"]]:
            problems.append(f"{label}: the list page shows other cases than the API list")
        if not numbers:
            problems.append(f"{label}: no case matches, so the comparison says little")
    tiles = TILE_VALUE.findall((await browser.fetch(overview)).decode())
    for position, label in ((0, "open (new, assigned, in progress)"), (2, "overdue")):
        if len(tiles) <= position or tiles[position] != str(totals[label]):
            problems.append(
                f"overview tile {position + 1} is not the API total for {label} ({totals[label]})"
            )
    return problems


async def bench_database(target: Target, args: argparse.Namespace) -> Outcome:
    name, url = target.name, target.url
    outcome = Outcome(name)
    now = START
    settings = settings_for(url)
    desk = Desk(args.seed)
    print(f"\n== {name}: {url}")
    departments, agents, tenant_ids = await seed_people(desk, now - timedelta(minutes=5))
    t = time.perf_counter()
    await seed_cases(desk, args.cases, now, settings, departments, agents, tenant_ids)
    seed_seconds = time.perf_counter() - t
    then = await analyze(target)
    total = await Case.all().count()
    print(
        f"  seeded {total} cases in {seed_seconds:.1f} s (bench_cases.seed_cases: 12 months, ~5% open); then {then}"
    )

    ctx = AppContext.build(settings, FrozenClock(now), classify=fake_classify)
    manager = await Staff.create(
        telegram_id=990_001,
        name="王经理",
        role=Role.MANAGER,
        locale="zh_CN",
        created_at=now - timedelta(days=400),
    )
    token, _ = await create_token("bench", Role.MANAGER, now)
    server = TestServer(create_app(ctx))
    await server.start_server(access_log=None)
    browser = Browser(server, token)
    try:
        await browser.sign_in(
            (await create_sign_in_link(manager, settings, now)).removeprefix(settings.base_url)
        )
        overview, pairs = requests_to_time()
        outcome.overview, outcome.pairs = overview, pairs
        every = [overview, *(r for _, page, api in pairs for r in (page, api))]
        outcome.problems = await check_answers(browser, overview, pairs)
        await count_statements(browser, every)

        for k in range(args.warmup + args.runs):
            run = browser.timed if k >= args.warmup else browser.fetch
            await run(overview)
            for _, page, api in pairs:
                first, second = (page, api) if k % 2 == 0 else (api, page)
                await run(first)
                await run(second)
    finally:
        await browser.close()
        await server.close()

    print(
        f"\n  HTTP GET on 127.0.0.1 at {total} cases, as a signed-in manager (zh_CN) / with a Bearer token;"
        f" page size {PER_PAGE}"
    )
    print(f"  {args.runs} timed rounds after {args.warmup} warm-up, round-robin over every request")
    print(f"    {'request':48}{'p50 ms':>9}{'p95 ms':>9}{'KB':>7}{'SQL':>5}")
    for request in every:
        print(
            f"    {pad(request.label, 48)}{ms(request.timing.p50):>9}{ms(request.timing.p95):>9}"
            f"{request.size / 1024:7.1f}{request.statements:5}"
        )
    print(f"\n    {'list page / API list':48}{'p50':>9}{'p95':>9}")
    for label, page, api in pairs:
        print(
            f"    {pad(label, 48)}{page.timing.p50 / api.timing.p50:9.2f}{page.timing.p95 / api.timing.p95:9.2f}"
        )
    for problem in outcome.problems:
        print(f"  PROBLEM: {problem}")
    if not outcome.problems:
        print(
            "  ok: the list pages show the API's cases in the API's order; the overview's open and overdue"
            " tiles are the API's totals"
        )
    return outcome


def summary(outcomes: list[Outcome]) -> None:
    print(
        "\n== summary (latencies from this run; the ratio is against the API measured in the same rounds)"
    )
    for o in outcomes:
        if o.skipped:
            print(f"{o.name:9} skipped: {o.skipped}")
            continue
        assert o.overview is not None
        p95 = o.overview.timing.p95
        verdict = "ok" if p95 * 1000 < TARGET_OVERVIEW_P95_MS else "MISSED"
        print(
            f"{o.name:9} overview p95 {ms(p95)} ms (p50 {ms(o.overview.timing.p50)} ms)"
            f" (target < {TARGET_OVERVIEW_P95_MS:.0f} ms: {verdict})"
        )
        ratios = [(page.timing.p95 / api.timing.p95, label) for label, page, api in o.pairs]
        worst, label = max(ratios)
        missed = [f"{lbl} {ratio:.2f}" for ratio, lbl in ratios if ratio > TARGET_LIST_RATIO]
        verdict = "ok" if not missed else "MISSED by " + ", ".join(missed)
        print(
            f"{o.name:9} list page / API list p95 ratio {worst:.2f} (max, {label})"
            f" (target <= {TARGET_LIST_RATIO:.1f}: {verdict})"
        )
        if o.problems:
            print(f"{o.name:9} PROBLEMS: {len(o.problems)} (see above)")


async def run(args: argparse.Namespace) -> None:
    stopwatch = Stopwatch()
    header("dashboard benchmark", f"aiohttp {aiohttp.__version__}")
    outcomes = await for_each_database(
        args,
        lambda target: bench_database(target, args),
        lambda name, reason: Outcome(name, skipped=reason),
    )
    summary(outcomes)
    print(stopwatch.finished())


def main() -> None:
    parser = benchkit.parser(__doc__, "qingchu_bench_dashboard")
    parser.add_argument("--cases", type=int, default=100_000, help="cases in the table")
    parser.add_argument("--runs", type=int, default=50, help="timed rounds over every request")
    parser.add_argument("--warmup", type=int, default=5, help="untimed rounds first")
    args = parser.parse_args()
    run_main(lambda: run(args))


if __name__ == "__main__":
    main()
