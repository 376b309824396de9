"""What the scheduler does when a promise runs out. Each method acts at most once per due clock: it locks
the row, re-checks that the clock is still due (another instance may have acted), acts and moves the clock.
"""

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from ..domain import Action, Role, Severity, SeveritySignals, Status, automatic_severity
from ..models import Case, Complainant, Incident, Staff
from .actors import Actor
from .outbox import OutboxKind, enqueue

if TYPE_CHECKING:
    from .cases import Change

SCHEDULER = Actor.system("scheduler")


class ClockActions:
    """Mixed into CaseService: uses its `_transition` door, policy and clock."""

    async def escalate_missed_clock(self, case_id: int, clock: str) -> "Change | None":
        """A promise was missed: one level up and tell that level (docs/domain.md#escalation).

        The clock is re-armed so that a second miss escalates again, up to the top level.
        """
        column = {"assign": "assign_due_at", "resolve": "resolve_due_at"}[clock]

        def duration(case: Case) -> timedelta:
            clocks = self.policy.sla[case.severity]
            return clocks.assign if clock == "assign" else clocks.resolve

        def apply(case: Case, now: datetime) -> dict[str, Any]:
            missed = getattr(case, column)
            top = self.policy.top_level
            if case.escalation_level < top:
                case.escalation_level += 1
            # Re-arm while there is a level left to tell; at the top the manager already knows.
            setattr(case, column, now + duration(case) if case.escalation_level < top else None)
            return {"level": case.escalation_level, "clock": clock, "missed": missed.isoformat()}

        return await self._transition(
            case_id,
            Action.ESCALATE,
            SCHEDULER,
            note=f"{clock} clock missed",
            apply=apply,
            guard=_due(column),
            then=self._level_notifier(f"{clock}_overdue"),
        )

    async def feedback_overdue(self, case_id: int) -> "Change | None":
        """Nobody has written to the tenant in time: an honest automatic note, and a reminder to the owner."""

        def still_due(case: Case, now: datetime) -> bool:
            return _due("feedback_due_at")(case, now) and case.first_feedback_at is None

        def apply(case: Case, now: datetime) -> dict[str, Any]:
            case.feedback_due_at = (
                None  # the automatic note is sent once; the owner is reminded once
            )
            return {"auto": True}

        async def tell(conn: BaseDBAsyncClient, case: Case, now: datetime) -> None:
            owner = (
                await Staff.get_or_none(id=case.owner_id).using_db(conn) if case.owner_id else None
            )
            complainant = (
                await Complainant.get_or_none(id=case.complainant_id).using_db(conn)
                if case.complainant_id
                else None
            )
            if complainant and complainant.telegram_id:
                await enqueue(
                    conn,
                    chat_id=complainant.telegram_id,
                    kind=OutboxKind.TENANT_UPDATE,
                    now=now,
                    case_id=case.id,
                    payload={
                        "number": case.number,
                        "event": "auto_progress",
                        "locale": complainant.locale,
                        "owner": owner.name if owner else "",
                        "expected": case.promised_resolve_at.isoformat(),
                    },
                )
            reminder_chat = owner.telegram_id if owner else self.settings.staff_chat_id
            if reminder_chat is not None:
                await enqueue(
                    conn,
                    chat_id=reminder_chat,
                    kind=OutboxKind.REMINDER,
                    now=now,
                    case_id=case.id,
                    payload={"number": case.number, "reason": "feedback_overdue"},
                )

        return await self._transition(
            case_id,
            Action.NOTE,
            SCHEDULER,
            note="automatic progress note: no feedback in time",
            public=False,
            apply=apply,
            guard=still_due,
            then=tell,
        )

    async def age_to_major(self, case_id: int) -> "Change | None":
        """Still unresolved after `major_after_days`: the case becomes major (docs/domain.md#unresolved-for-too-long)."""
        limit = timedelta(days=self.policy.major_after_days)

        def still_due(case: Case, now: datetime) -> bool:
            return (
                case.status.is_open
                and case.severity is not Severity.MAJOR
                and now - case.received_at >= limit
            )

        def apply(case: Case, now: datetime) -> dict[str, Any]:
            before = case.severity
            case.severity = automatic_severity(
                before,
                SeveritySignals(days_unresolved=(now - case.received_at).days),
                major_after_days=self.policy.major_after_days,
            )
            return {"from": before.value, "to": case.severity.value, "reason": "unresolved_30_days"}

        async def alert(conn: BaseDBAsyncClient, case: Case, now: datetime) -> None:
            await self._alert_role(
                conn, case, Role.MANAGER, OutboxKind.MANAGER_ALERT, "unresolved_long", now
            )

        return await self._transition(
            case_id,
            Action.CHANGE_SEVERITY,
            SCHEDULER,
            note=f"unresolved after {self.policy.major_after_days} days",
            apply=apply,
            guard=still_due,
            then=alert,
        )

    async def join_incident(
        self, case_id: int, incident_id: int, households: int, *, alert_managers: bool = False
    ) -> "Change | None":
        """A collective complaint: the case joins the incident and becomes major."""

        def still_due(case: Case, now: datetime) -> bool:
            return case.status.is_open and case.incident_id is None

        def apply(case: Case, now: datetime) -> dict[str, Any]:
            before = case.severity
            case.incident_id = incident_id
            case.severity = automatic_severity(
                before,
                SeveritySignals(collective_households=households),
                collective_threshold=self.policy.collective_households,
            )
            return {
                "incident": incident_id,
                "households": households,
                "from": before.value,
                "to": case.severity.value,
            }

        async def alert(conn: BaseDBAsyncClient, case: Case, now: datetime) -> None:
            if alert_managers:
                await self._alert_role(
                    conn, case, Role.MANAGER, OutboxKind.MANAGER_ALERT, "collective", now
                )

        return await self._transition(
            case_id,
            Action.CHANGE_SEVERITY,
            SCHEDULER,
            note=f"collective complaint: {households} households",
            apply=apply,
            guard=still_due,
            then=alert,
        )

    async def open_incident(
        self, category: str, building: str, case_ids: list[int], households: int
    ) -> int | None:
        """Create the incident for a collective complaint, link its cases and tell the managers once.

        One transaction, one instance at a time per building and category (a PostgreSQL advisory lock
        held to commit; SQLite has one writer): an instance that lost the race finds the incident and
        returns None, and its next sweep joins whatever is still unlinked.
        """
        now = self.clock.now()
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
                    created_at__gte=now - self.policy.collective_window,
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
                change = await self.join_incident(
                    case_id, incident.id, households, alert_managers=not alerted
                )
                alerted = alerted or change is not None
        return incident.id


def _due(column: str):
    def still_due(case: Case, now: datetime) -> bool:
        due = getattr(case, column)
        return (
            case.status in (Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS)
            and due is not None
            and due <= now
        )

    return still_due
