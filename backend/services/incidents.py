"""Collective complaints: one incident per building and category, its cases joined through the case door."""

from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from ..domain.commands import JoinIncident
from ..models import Incident
from .actors import Actor

if TYPE_CHECKING:
    from .cases import CaseService

# The actor of everything the scheduler does.
SCHEDULER = Actor.system("scheduler")


class Incidents:
    """Opens incidents; each case joins with a JoinIncident command through `CaseService.handle`."""

    def __init__(self, cases: "CaseService") -> None:
        self.cases = cases

    async def open_incident(
        self, category: str, building: str, case_ids: list[int], households: int
    ) -> int | None:
        """Create the incident for a collective complaint, link its cases and tell the managers once.

        One transaction, one instance at a time per building and category (a PostgreSQL advisory lock
        held to commit; SQLite has one writer): an instance that lost the race finds the incident and
        returns None, and its next sweep joins whatever is still unlinked.
        """
        now = self.cases.clock.now()
        async with in_transaction() as conn:
            if conn.capabilities.dialect == "postgres":
                await conn.execute_query(
                    "SELECT pg_advisory_xact_lock(hashtext($1))",
                    [f"incident:{building}:{category}"],
                )
            if (
                await Incident.filter(
                    category=category,
                    building=building,
                    created_at__gte=now - self.cases.policy.collective_window,
                )
                .using_db(conn)
                .exists()
            ):
                return None
            incident = await Incident.create(
                using_db=conn, category=category, building=building, created_at=now
            )
            alerted = False
            for case_id in case_ids:  # nested: savepoints of this transaction
                join = JoinIncident(
                    ref=case_id,
                    incident_id=incident.id,
                    households=households,
                    alert_managers=not alerted,
                )
                change = await self.cases.handle(join, SCHEDULER)
                alerted = alerted or change is not None
        return incident.id
