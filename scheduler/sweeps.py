"""Sweeps: find due clocks with indexed queries and act on each exactly once through the case service.

A sweep only selects candidates; the service locks each row, re-checks it is still due and acts, so two
instances sweeping at the same time never act twice (the scheduler's commands in backend/domain/commands.py,
their "still due" rules in backend/domain/decide.py).
"""

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tortoise.functions import Count

from backend.columns import column
from backend.context import AppContext
from backend.domain import Severity, Status
from backend.domain.commands import (
    AgeToMajor,
    CloseUnanswered,
    EscalateMissedClock,
    FeedbackOverdue,
    IdempotentCommand,
    JoinIncident,
    RemindSurvey,
    SendSurvey,
)
from backend.domain.enums import DueClock
from backend.logs import set_case
from backend.metrics import SWEEP_ACTIONS, SWEEP_SECONDS
from backend.models import Case, Incident, IncidentStatus
from backend.services.dialogs import expire_idle_dialogs
from backend.services.incident_words import keywords, similar
from backend.services.incidents import SCHEDULER
from backend.services.queries import OPEN_STATUSES

log = logging.getLogger(__name__)
BATCH = 200


@dataclass
class SweepReport:
    acted: dict[str, int] = field(default_factory=dict)
    skipped: int = 0

    @property
    def total(self) -> int:
        return sum(self.acted.values())


@dataclass(frozen=True)
class ClockSweep:
    """One kind of due clock: which cases are due, and the command the service is given for each."""

    name: str
    statuses: tuple[Status, ...]
    clock: DueClock
    command: Callable[[int], IdempotentCommand]


RESOLVED = (Status.RESOLVED,)
OPEN = tuple(OPEN_STATUSES)
CLOCK_SWEEPS = (
    ClockSweep(
        "assign",
        OPEN,
        DueClock.ASSIGN,
        lambda i: EscalateMissedClock(ref=i, clock=DueClock.ASSIGN),
    ),
    ClockSweep("feedback", OPEN, DueClock.FEEDBACK, lambda i: FeedbackOverdue(ref=i)),
    ClockSweep(
        "resolve",
        OPEN,
        DueClock.RESOLVE,
        lambda i: EscalateMissedClock(ref=i, clock=DueClock.RESOLVE),
    ),
    ClockSweep("survey", RESOLVED, DueClock.FOLLOWUP, lambda i: SendSurvey(ref=i)),
    ClockSweep(
        "survey_reminder", RESOLVED, DueClock.SURVEY_REMINDER, lambda i: RemindSurvey(ref=i)
    ),
    ClockSweep("survey_close", RESOLVED, DueClock.SURVEY_CLOSE, lambda i: CloseUnanswered(ref=i)),
)


def _acting(
    ctx: AppContext, command: Callable[[int], IdempotentCommand]
) -> Callable[[int], Awaitable[object]]:
    """Give the service `command` for a case id, as the scheduler."""
    return lambda case_id: ctx.cases.handle(command(case_id), SCHEDULER)


async def _run(
    report: SweepReport, name: str, ids: list[int], act: Callable[[int], Awaitable[object]]
) -> None:
    for case_id in ids:
        set_case(None)
        try:
            result = await act(case_id)
        except Exception:  # one broken case must not stop the sweep
            log.exception("sweep %s failed on case %s", name, case_id)
            continue
        if result is None:
            report.skipped += 1
        else:
            report.acted[name] = report.acted.get(name, 0) + 1


async def sweep_clocks(
    ctx: AppContext, now: datetime, report: SweepReport, batch: int = BATCH
) -> None:
    for sweep in CLOCK_SWEEPS:
        due_at = sweep.clock.column
        ids = await column(
            Case.filter(status__in=sweep.statuses, **{f"{due_at}__lte": now})
            .order_by(due_at)
            .limit(batch),
            "id",
        )
        await _run(report, sweep.name, ids, _acting(ctx, sweep.command))


async def sweep_aged(
    ctx: AppContext, now: datetime, report: SweepReport, batch: int = BATCH
) -> None:
    """Unresolved after `major_after_days` → major."""
    cutoff = now - timedelta(days=ctx.settings.policy.major_after_days)
    ids = await column(
        Case.filter(
            status__in=OPEN_STATUSES,
            received_at__lte=cutoff,
            severity__in=[Severity.GENERAL, Severity.IMPORTANT],
        )
        # Ordering by (status, received_at) makes PostgreSQL use that index and read only old open cases;
        # ordering by received_at alone made it walk the whole history (bench/bench_sweep.py).
        .order_by("status", "received_at")
        .limit(batch),
        "id",
    )
    await _run(report, "aged", ids, _acting(ctx, lambda i: AgeToMajor(ref=i)))


async def sweep_collective(ctx: AppContext, now: datetime, report: SweepReport) -> None:
    """Several households, one problem: link the cases into an incident and make them major.

    The safety net of the link made at filing (backend/services/incidents.py): cases filed before the
    group reached the threshold by another way (a unit supplemented later) are joined here.
    """
    policy = ctx.settings.policy
    since = now - policy.collective_window
    recent = Case.filter(status__in=OPEN_STATUSES, received_at__gte=since).exclude(building="")
    groups = await (
        recent.annotate(units=Count("unit", distinct=True))
        .group_by("estate_id", "building", "category")
        .filter(units__gte=policy.collective_households)
        .values("estate_id", "building", "category", "units")
    )
    for group in groups:
        unlinked = (
            await recent.filter(
                estate_id=group["estate_id"],
                building=group["building"],
                category=group["category"],
                incident_id__isnull=True,
            )
            .order_by("received_at")
            .values("id", "unit", "description")
        )
        if not unlinked:
            continue
        incident = (
            await Incident.filter(
                estate_id=group["estate_id"],
                building=group["building"],
                category=group["category"],
                created_at__gte=since,
            )
            .exclude(status=IncidentStatus.RESOLVED)
            .order_by("-created_at")
            .first()
        )
        # Only the cases whose wording fits (the incident's keywords, or the latest case's).
        seed = list(incident.keywords or []) if incident else keywords(unlinked[-1]["description"])
        fitting = [row for row in unlinked if similar(keywords(row["description"] or ""), seed)]
        if incident is None:
            units = len({row["unit"] for row in fitting})
            if units < policy.collective_households:
                continue
            ids = [row["id"] for row in fitting]
            opened = await ctx.cases.incidents.open_incident(
                group["category"], group["building"], ids, units, estate_id=group["estate_id"]
            )
            if (
                opened is not None
            ):  # None: another instance opened it first; the next sweep joins the rest
                report.acted["collective"] = report.acted.get("collective", 0) + len(ids)
        else:
            join = _acting(ctx, _joining(incident.id, group["units"]))
            await _run(report, "collective", [row["id"] for row in fitting], join)


def _joining(incident_id: int, households: int) -> Callable[[int], IdempotentCommand]:
    return lambda case_id: JoinIncident(ref=case_id, incident_id=incident_id, households=households)


async def sweep_idle_dialogs(ctx: AppContext, now: datetime, report: SweepReport) -> None:
    expired = await expire_idle_dialogs(now, ctx.settings.dialog_idle, ctx.settings.default_locale)
    if expired:
        report.acted["idle_dialogs"] = expired


async def sweep_all(ctx: AppContext) -> SweepReport:
    """Everything that is due now, oldest first; after downtime the first sweep catches up once."""
    report = SweepReport()
    now = ctx.clock.now()
    started = time.perf_counter()
    await sweep_clocks(ctx, now, report)
    await sweep_aged(ctx, now, report)
    await sweep_collective(ctx, now, report)
    await sweep_idle_dialogs(ctx, now, report)
    SWEEP_SECONDS.observe(time.perf_counter() - started)
    for name, count in report.acted.items():
        SWEEP_ACTIONS.labels(sweep=name).inc(count)
    if report.total:
        log.info("sweep acted on %s", report.acted)
    else:
        log.debug("sweep: nothing due (%s skipped)", report.skipped)
    return report
