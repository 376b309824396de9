"""Department codes for messages: an unknown code is answered with the codes that exist."""

from ..columns import column
from ..domain import ValidationFailed
from ..models import Department


async def department_codes(*, active_only: bool = False) -> list[str]:
    query = Department.filter(active=True) if active_only else Department.all()
    return sorted(await column(query, "code"))


async def unknown_department(code: str, *, active_only: bool = False) -> ValidationFailed:
    """The error for a code that names no (active) department; its message lists the codes there are."""
    codes = await department_codes(active_only=active_only)
    kind = "active department" if active_only else "department"
    known = (
        f"the {kind} codes are {', '.join(codes)}"
        if codes
        else f"there is no {kind} yet (add one with `qingchu department add --code CODE --name NAME`)"
    )
    return ValidationFailed(f"no {kind} {code!r}; {known}", field="department")
