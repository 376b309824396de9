"""Cases as rows for the list and the exports: names of owners and departments, overdue flags."""

from dataclasses import dataclass
from datetime import datetime

from ..models import Case
from ..services.queries import OPEN_STATUSES
from ..services.reports import shorten
from ..services.staff_queries import department_names, staff_names
from .format import NO_VALUE, Formatter


def is_overdue(case: Case, now: datetime) -> bool:
    """The same rule as queries.overdue_q: an open case past any promise nobody kept yet."""
    if case.status not in OPEN_STATUSES:
        return False
    clocks = (case.assign_due_at, case.feedback_due_at, case.resolve_due_at, case.hard_due_at)
    return any(clock is not None and clock < now for clock in clocks)


@dataclass(frozen=True)
class Names:
    staff: dict[int, str]
    departments: dict[int, str]

    def owner(self, case: Case) -> str:
        return self.staff.get(case.owner_id, "") if case.owner_id else ""

    def department(self, case: Case) -> str:
        return self.departments.get(case.department_id, "") if case.department_id else ""


async def names_for(cases: list[Case]) -> Names:
    staff_ids = {c.owner_id for c in cases if c.owner_id}
    department_ids = {c.department_id for c in cases if c.department_id}
    return Names(await staff_names(staff_ids), await department_names(department_ids))


@dataclass(frozen=True)
class CaseRow:
    number: str
    received: str
    kind: str
    category: str
    severity: str
    severity_code: str
    status: str
    status_code: str
    unit: str
    location: str
    contact_name: str
    contact_phone: str
    owner: str
    department: str
    overdue: bool
    summary: str
    description: str
    resolved: str
    satisfaction: str

    @property
    def assignee(self) -> list[str]:
        """Who has the case: [person, department], only one of them, or ["—"] when nobody has it yet."""
        return [name for name in (self.owner, self.department) if name] or [NO_VALUE]


def case_row(case: Case, names: Names, fmt: Formatter, *, full_phone: bool) -> CaseRow:
    return CaseRow(
        number=case.number,
        received=fmt.when(case.received_at),
        kind=fmt.kind(case.kind),
        category=fmt.category(case.category),
        severity=fmt.severity(case.severity),
        severity_code=str(case.severity),
        status=fmt.status(case.status),
        status_code=str(case.status),
        unit=case.unit,
        location=case.location,
        contact_name=case.contact_name,
        contact_phone=fmt.phone(case.contact_phone, full=full_phone),
        owner=names.owner(case),
        department=names.department(case),
        overdue=is_overdue(case, fmt.now),
        summary=shorten(case.description, 60),
        description=case.description,
        resolved=fmt.when(case.resolved_at) if case.resolved_at else "",
        satisfaction=str(case.satisfaction) if case.satisfaction is not None else "",
    )
