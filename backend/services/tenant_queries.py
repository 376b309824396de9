"""Read side of a tenant's chat: who the tenant is, and the cases that are theirs (a case is only ever
found for its own complainant)."""

from ..models import Case, CaseEvent, Complainant


async def complainant_by_telegram_id(telegram_id: int) -> Complainant | None:
    return await Complainant.get_or_none(telegram_id=telegram_id)


async def own_case_by_number(number: str, complainant_id: int) -> Case | None:
    """The case with this number if it is this complainant's; otherwise None, as for no such number."""
    return await Case.get_or_none(number=number, complainant_id=complainant_id)


async def own_case_by_id(case_id: int, complainant_id: int) -> Case | None:
    """The case with this id if it is this complainant's."""
    return await Case.get_or_none(id=case_id, complainant_id=complainant_id)


async def newest_own_cases(complainant_id: int, limit: int) -> list[Case]:
    """The complainant's `limit` newest cases, newest first."""
    return list(
        await Case.filter(complainant_id=complainant_id)
        .order_by("-received_at", "-id")
        .limit(limit)
    )


async def submit_event(case_id: int) -> CaseEvent | None:
    """The event of the case coming in (public or not, it starts the tenant's timeline)."""
    return await CaseEvent.filter(case_id=case_id, action="submit").first()
