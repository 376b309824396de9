"""Cron jobs: daily retention and the monthly report."""

import logging

from tortoise.transactions import in_transaction

from backend.context import AppContext
from backend.db import refresh_statistics
from backend.domain import Role
from backend.models import OutboxMessage, Staff
from backend.services.outbox import OutboxKind, enqueue
from backend.services.reports import previous_month
from backend.services.retention import purge_old_inbox, purge_personal_data
from backend.services.satisfaction import start_survey

log = logging.getLogger(__name__)


async def purge_expired_personal_data(ctx: AppContext) -> int:
    """Daily housekeeping: old inbox rows, personal data past retention, planner statistics."""
    await purge_old_inbox(ctx.clock.now())
    await refresh_statistics()
    purged = await purge_personal_data(ctx.clock.now(), ctx.settings.policy)
    if purged:
        log.info("retention: personal data removed from %s closed cases", purged)
    return purged


async def send_monthly_report(ctx: AppContext) -> int:
    """On the 1st: last month's report to every manager — a summary message and the XLSX file.

    Each row has a dedupe key, so a re-run (another instance, a restart, a misfire catch-up) adds nothing.
    """
    now = ctx.clock.now()
    year, month = previous_month(now.astimezone(ctx.settings.timezone).date())
    tag = f"{year:04d}-{month:02d}"
    managers = await Staff.filter(active=True, role__in=[Role.MANAGER, Role.ADMIN])
    queued = 0
    async with in_transaction() as conn:
        for person in managers:
            for part in ("summary", "file"):
                key = f"report:{tag}:{person.id}:{part}"
                if await OutboxMessage.filter(dedupe_key=key).using_db(conn).exists():
                    continue
                await enqueue(
                    conn,
                    chat_id=person.telegram_id,
                    kind=OutboxKind.REPORT,
                    now=now,
                    payload={"month": tag, "part": part, "locale": person.locale},
                    dedupe_key=key,
                )
                queued += 1
    log.info("monthly report %s queued for %s managers", tag, len(managers))
    return queued


async def send_satisfaction_survey(ctx: AppContext) -> int:
    """In the survey months (January and July by default): this period's survey, once."""
    survey = await start_survey(ctx.settings, ctx.clock.now())
    if survey is not None:
        log.info("satisfaction survey %s sent to %s tenants", survey.period, survey.recipients)
    return survey.recipients if survey else 0
