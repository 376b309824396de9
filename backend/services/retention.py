"""Records are kept for years after closing; then personal data goes and the statistics stay."""

from datetime import datetime, timedelta

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from ..domain import Status
from ..domain.policy import Policy
from ..models import Attachment, Case, Complainant, InboxUpdate

FINAL = (Status.CLOSED, Status.INVALID, Status.CANCELLED)
BATCH = 1000


async def purge_personal_data(now: datetime, policy: Policy, *, batch: int = BATCH) -> int:
    """Remove name, phone, unit and photos of cases closed longer ago than the retention period.

    Category, severity, times, satisfaction and the building stay, so reports over old months still add up.
    Complainants left without any case with personal data are deleted. Returns the number of cases purged.
    """
    cutoff = now - timedelta(days=365 * policy.retention_years)
    purged = 0
    while True:
        ids = await (
            Case.filter(anonymized_at__isnull=True, status__in=FINAL, closed_at__lt=cutoff)
            .order_by("closed_at")
            .limit(batch)
            .values_list("id", flat=True)
        )
        if not ids:
            break
        async with in_transaction() as conn:
            complainants = set(
                await Case.filter(id__in=ids)
                .using_db(conn)
                .values_list("complainant_id", flat=True)
            )
            await (
                Case.filter(id__in=ids)
                .using_db(conn)
                .update(
                    contact_name="",
                    contact_phone="",
                    unit="",
                    location="",
                    complainant_id=None,
                    anonymized_at=now,
                )
            )
            await Attachment.filter(case_id__in=ids).using_db(conn).delete()
            still_used = set(
                await Case.filter(complainant_id__in=complainants)
                .using_db(conn)
                .values_list("complainant_id", flat=True)
            )
            await (
                Complainant.filter(id__in=complainants - still_used - {None})
                .using_db(conn)
                .delete()
            )
        purged += len(ids)
    return purged


INBOX_KEEP = timedelta(days=2)


async def purge_old_inbox(now: datetime) -> int:
    """Update ids are kept long enough to recognise a redelivery (Telegram retries for at most a day).

    A webhook update that was never processed is kept whatever its age: it is work still to do.
    """
    old = InboxUpdate.filter(received_at__lt=now - INBOX_KEEP)
    return await old.filter(Q(payload__isnull=True) | Q(processed_at__isnull=False)).delete()
