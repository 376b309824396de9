"""Cron jobs: daily retention (and, with the reports, the monthly report)."""

import logging

from backend.context import AppContext
from backend.services.retention import purge_personal_data

log = logging.getLogger(__name__)


async def purge_expired_personal_data(ctx: AppContext) -> int:
    purged = await purge_personal_data(ctx.clock.now(), ctx.settings.policy)
    if purged:
        log.info("retention: personal data removed from %s closed cases", purged)
    return purged
