"""Read side of the front desk: a caller's earlier cases by normalised phone, and the repeat counts the
case service applies (docs/domain.md#repeat-complaints-and-other-important-cases).

A caller is every complainant with that phone in E.164: the desk's own record and a Telegram tenant who
gave the same number. The repeat window and its counting are the ones CaseService.submit uses.
"""

from collections import Counter
from datetime import datetime, timedelta

from ..domain import Status
from ..domain.transitions import OPEN
from ..models import Case, CaseEvent

MAX_EARLIER = 20


async def caller_cases(
    phone: str, limit: int = MAX_EARLIER, *, estate_ids: frozenset[int] | None = None
) -> list[Case]:
    """The newest cases of every complainant with this phone (E.164), newest first; only those of
    `estate_ids` (the viewer's estates) unless None."""
    if not phone:
        return []
    query = Case.filter(complainant__phone=phone)
    if estate_ids is not None:
        query = query.filter(estate_id__in=sorted(estate_ids))
    return list(await query.order_by("-received_at", "-id").limit(limit))


async def repeat_counts(phone: str, now: datetime, window_days: int) -> dict[str, int]:
    """Per category, how many cases this caller filed within the repeat window before `now`."""
    if not phone:
        return {}
    since = now - timedelta(days=window_days)
    categories = await Case.filter(complainant__phone=phone, received_at__gte=since).values_list(
        "category", flat=True
    )
    return dict(Counter(str(code) for code in categories))


def is_open(case: Case) -> bool:
    """Still being worked on: a supplement can join it instead of a new case."""
    return Status(case.status) in OPEN


async def case_by_number(number: str) -> Case | None:
    return await Case.get_or_none(number=number)


async def same_note_since(case_id: int, note: str, since: datetime) -> bool:
    """Whether this exact note was added to the case since `since` (a form sent twice)."""
    return await CaseEvent.filter(case_id=case_id, action="note", note=note, at__gte=since).exists()
