"""Sweeps: find due clocks with indexed queries and act on each exactly once through the case service."""

import logging
from dataclasses import dataclass

from backend.context import AppContext
from backend.models import Case
from backend.services.queries import OPEN_STATUSES

log = logging.getLogger(__name__)
BATCH = 200


@dataclass
class SweepReport:
    escalated: int = 0
    skipped: int = 0


async def sweep_missed_clocks(ctx: AppContext, *, batch: int = BATCH) -> SweepReport:
    """Escalate every open case whose assignment or resolution promise has passed, oldest first."""
    report = SweepReport()
    now = ctx.clock.now()
    for clock, column in (("assign", "assign_due_at"), ("resolve", "resolve_due_at")):
        ids = await (
            Case.filter(status__in=OPEN_STATUSES, **{f"{column}__lte": now})
            .order_by(column)
            .limit(batch)
            .values_list("id", flat=True)
        )
        for case_id in ids:
            try:
                change = await ctx.cases.escalate_missed_clock(case_id, clock)
            except Exception:  # one broken case must not stop the sweep
                log.exception("escalating case %s for the %s clock failed", case_id, clock)
                continue
            if change is None:
                report.skipped += 1
            else:
                report.escalated += 1
                log.info("case %s escalated to level %s: %s clock missed", change.case.number, change.case.escalation_level, clock)
    return report
