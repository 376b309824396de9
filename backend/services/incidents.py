"""Collective complaints: one incident per event, one staff card for it, one note to all its tenants.

A case is linked when it is filed (`link_new_case`, in the case's own transaction) and, as a safety net,
by the scheduler's sweep (`open_incident`). Every change of a case goes through `CaseService.handle`
(JoinIncident, LeaveIncident, AddNote, ResolveIncidentCase); what belongs to the incident itself (its
status, keywords, card and timeline) is written here (docs/domain.md#collective-complaints).
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from ..columns import column
from ..domain import NotFound, Role, Status, ValidationFailed
from ..domain.commands import AddNote, JoinIncident, LeaveIncident, ResolveIncidentCase
from ..domain.enums import ActorKind
from ..domain.errors import Conflict, IllegalTransition, PermissionDenied
from ..domain.messages import IncidentCard, IncidentRefresh, OutboxKind
from ..models import Case, Incident, IncidentNote, IncidentStatus, OutboxMessage
from . import rows
from .actors import Actor
from .estates import office_of_estate
from .incident_words import keywords, merged, similar, supply_cut
from .queries import OPEN_STATUSES

if TYPE_CHECKING:
    from .cases import CaseService

# The actor of everything the scheduler does.
SCHEDULER = Actor.system("scheduler")
# At most one edit of an incident card in this time, whatever the number of joins.
REFRESH_EVERY = timedelta(seconds=10)
MAX_NOTE = 4000

# One statement per submit when there is nothing to join: the open cases of the building and category
# in the window (index case_category_received), how many units they come from, and an incident one of
# them is already in.
_GROUP = (
    'SELECT COUNT(DISTINCT "unit") AS "units", MAX("incident_id") AS "incident" FROM "case" '
    'WHERE "category" IN ({categories}) AND "received_at" >= ? AND "building" = ? '
    'AND COALESCE("estate_id", 0) = ? AND "status" IN ({statuses})'
)
_UNLINKED = (
    'SELECT "id", "unit", "description" FROM "case" WHERE "category" IN ({categories}) '
    'AND "received_at" >= ? AND "building" = ? AND COALESCE("estate_id", 0) = ? '
    'AND "status" IN ({statuses}) AND "incident_id" IS NULL ORDER BY "id"'
)
# A supply cut (water, power, gas…) is one event whether triage filed a report as the estate's (facility)
# or the city's (utilities): those two categories make one group for it (docs/domain.md#incidents).
SUPPLY_CATEGORIES = ("facility", "utilities")
_TOUCH = 'UPDATE "incident" SET "latest_at" = ?, "keywords" = ? WHERE "id" = ?'
_QUEUE = (
    'UPDATE "incident" SET "refresh_queued" = ? WHERE "id" = ? AND "refresh_queued" = ? '
    'RETURNING "id"'
)
_UNITS = 'SELECT COUNT(DISTINCT "unit") AS "units" FROM "case" WHERE "incident_id" = ?'


def categories_of(category: str, words: list[str]) -> tuple[str, ...]:
    """The categories whose cases make one group with a case of `category` worded `words`."""
    if category in SUPPLY_CATEGORIES and supply_cut(words):
        return SUPPLY_CATEGORIES
    return (category,)


def _marks(values: tuple[str, ...]) -> str:
    return ", ".join("?" * len(values))


def _open_statuses(connection: BaseDBAsyncClient) -> tuple[str, list[str]]:
    values = [rows.db_value(Case, "status", s) for s in OPEN_STATUSES]
    return ", ".join("?" * len(values)), values


def _staff_at_least(actor: Actor, role: Role) -> None:
    if actor.kind is ActorKind.SYSTEM:
        return
    if actor.role is None or not actor.role.at_least(role):
        raise PermissionDenied(f"this needs the {role.value} role or higher", action="incident")


@dataclass(frozen=True)
class Sent:
    """What one incident-wide action did: how many cases it reached (0 for a repeat)."""

    incident_id: int
    cases: int
    repeat: bool = False


class Incidents:
    """Incidents; each case joins, leaves and is resolved with a command through `CaseService.handle`."""

    def __init__(self, cases: "CaseService") -> None:
        self.cases = cases

    @property
    def _window(self) -> timedelta:
        return self.cases.policy.collective_window

    # ---- at filing time -------------------------------------------------------------------------

    async def link_new_case(self, conn: BaseDBAsyncClient, case: Case, now: datetime) -> int | None:
        """Join the new case to the open incident of its building and category when its wording fits,
        or open the incident when this case makes the group reach `collective_households` units. The
        incident's id when the case joined one (it then gets no staff card of its own)."""
        if not case.building:
            return None  # a case without a building is never linked automatically
        if (case.triage or {}).get("emergency"):
            return None  # an emergency keeps its own card and alerts, whatever else is going on
        since = now - self._window
        # jieba only for the two categories a supply cut may be filed under; others need no words yet
        words = keywords(case.description) if case.category in SUPPLY_CATEGORIES else None
        categories = categories_of(case.category, words or [])
        marks, statuses = _open_statuses(conn)
        found = await conn.execute_query_dict(
            rows.sql(conn, _GROUP.format(categories=_marks(categories), statuses=marks)),
            [
                *categories,
                rows.db_value(Case, "received_at", since),
                case.building,
                case.estate_id or 0,
                *statuses,
            ],
        )
        group = found[0] if found else {"units": 0, "incident": None}
        incident_id = group["incident"]
        if (
            incident_id is None
            and int(group["units"] or 0) < self.cases.policy.collective_households
        ):
            return None
        words = keywords(case.description) if words is None else words
        if incident_id is None:
            incident_id = await self._open_with(conn, case, words, categories, now)
            if incident_id is None:
                return None
            return incident_id if await self._in_incident(conn, case.id, incident_id) else None
        incident = await Incident.get_or_none(id=incident_id, using_db=conn)
        if incident is None or incident.status is IncidentStatus.RESOLVED:
            return None
        if not similar(words, list(incident.keywords or [])):
            return None
        return await self._join(conn, incident, case.id, words, now)

    async def _in_incident(self, conn: BaseDBAsyncClient, case_id: int, incident_id: int) -> bool:
        return await Case.filter(id=case_id, incident_id=incident_id).using_db(conn).exists()

    async def _open_with(
        self,
        conn: BaseDBAsyncClient,
        case: Case,
        words: list[str],
        categories: tuple[str, ...],
        now: datetime,
    ) -> int | None:
        """Open the incident of the new case's group (one instance at a time: an advisory lock on
        PostgreSQL, SQLite has one writer) and join the unlinked cases whose wording fits."""
        await self._lock(conn, case.estate_id, case.building, case.category)
        since = now - self._window
        existing = await self._current(conn, case.estate_id, case.building, categories, since)
        if existing is not None:  # another instance opened it first: join it
            if not similar(words, list(existing.keywords or [])):
                return None
            return await self._join(conn, existing, case.id, words, now)
        marks, statuses = _open_statuses(conn)
        candidates = await conn.execute_query_dict(
            rows.sql(conn, _UNLINKED.format(categories=_marks(categories), statuses=marks)),
            [
                *categories,
                rows.db_value(Case, "received_at", since),
                case.building,
                case.estate_id or 0,
                *statuses,
            ],
        )
        members: list[dict] = []
        incident_words = list(words)
        for row in candidates:
            theirs = words if row["id"] == case.id else keywords(row["description"] or "")
            if row["id"] == case.id or similar(theirs, words):
                members.append(row)
                incident_words = merged(incident_words, theirs)
        units = len({row["unit"] for row in members})
        if units < self.cases.policy.collective_households:
            return None
        return await self._create(
            conn,
            case.estate_id,
            case.category,
            case.building,
            [row["id"] for row in members],
            units,
            incident_words,
            now,
        )

    @staticmethod
    async def _lock(
        conn: BaseDBAsyncClient, estate_id: int | None, building: str, category: str
    ) -> None:
        """One opener at a time per building and category (facility and utilities share one lock: a
        supply cut may open under either)."""
        if conn.capabilities.dialect == "postgres":
            group = "+".join(SUPPLY_CATEGORIES) if category in SUPPLY_CATEGORIES else category
            await conn.execute_query(
                "SELECT pg_advisory_xact_lock(hashtext($1))",
                [f"incident:{estate_id}:{building}:{group}"],
            )

    @staticmethod
    async def _current(
        conn: BaseDBAsyncClient,
        estate_id: int | None,
        building: str,
        categories: tuple[str, ...],
        since: datetime,
    ) -> Incident | None:
        """The incident of a building and categories still taking cases (opened within the window)."""
        return (
            await Incident.filter(
                estate_id=estate_id,
                building=building,
                category__in=categories,
                created_at__gte=since,
            )
            .exclude(status=IncidentStatus.RESOLVED)
            .using_db(conn)
            .order_by("-created_at")
            .first()
        )

    async def _create(
        self,
        conn: BaseDBAsyncClient,
        estate_id: int | None,
        category: str,
        building: str,
        case_ids: list[int],
        households: int,
        words: list[str],
        now: datetime,
    ) -> int:
        """The incident, its cases joined (the managers told once) and its one card queued."""
        incident = await Incident.create(
            using_db=conn,
            estate_id=estate_id,
            category=category,
            building=building,
            created_at=now,
            latest_at=now,
            keywords=words,
            status=IncidentStatus.PROPOSED,
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
        staff_chat = (await office_of_estate(conn, estate_id, self.cases.settings)).staff_chat_id
        if staff_chat is not None:
            await rows.insert_one(
                conn,
                OutboxMessage,
                {
                    "chat_id": staff_chat,
                    "kind": OutboxKind.INCIDENT_CARD.value,
                    "payload": IncidentCard(incident_id=incident.id).to_json(),
                    "dedupe_key": f"incident-card:{incident.id}",
                    "next_attempt_at": now,
                    "created_at": now,
                },
            )
        await self._note(conn, incident.id, "open", "", SCHEDULER, len(case_ids), now)
        return incident.id

    async def _join(
        self,
        conn: BaseDBAsyncClient,
        incident: Incident,
        case_id: int,
        words: list[str],
        now: datetime,
        actor: Actor = SCHEDULER,
    ) -> int | None:
        units = await conn.execute_query_dict(rows.sql(conn, _UNITS), [incident.id])
        households = int(units[0]["units"] or 0) + 1 if units else 1
        join = JoinIncident(ref=case_id, incident_id=incident.id, households=households)
        if await self.cases.handle(join, actor) is None:
            return None
        await self.touch(conn, incident.id, now, merged(list(incident.keywords or []), words))
        return incident.id

    async def touch(
        self,
        conn: BaseDBAsyncClient,
        incident_id: int,
        now: datetime,
        words: list[str] | None = None,
    ) -> None:
        """A case of the incident changed: note it on the incident (which locks its row to the commit, so
        a card being rendered waits for this change) and queue one card refresh unless one is queued."""
        if words is None:
            await conn.execute_query(
                rows.sql(conn, 'UPDATE "incident" SET "latest_at" = "latest_at" WHERE "id" = ?'),
                [incident_id],
            )
        else:
            await conn.execute_query(
                rows.sql(conn, _TOUCH),
                [
                    rows.db_value(Incident, "latest_at", now),
                    rows.db_value(Incident, "keywords", words),
                    incident_id,
                ],
            )
        found = await Incident.get_or_none(id=incident_id, using_db=conn)
        estate_id = found.estate_id if found is not None else None
        office = await office_of_estate(conn, estate_id, self.cases.settings)
        staff_chat = office.staff_chat_id
        if staff_chat is None:
            return  # no staff group: no card to refresh
        queued = await conn.execute_query_dict(rows.sql(conn, _QUEUE), [True, incident_id, False])
        if queued:
            await rows.insert_one(
                conn,
                OutboxMessage,
                {
                    "chat_id": staff_chat,
                    "kind": OutboxKind.INCIDENT_REFRESH.value,
                    "payload": IncidentRefresh(incident_id=incident_id).to_json(),
                    "next_attempt_at": now + REFRESH_EVERY,
                    "created_at": now,
                },
            )

    # ---- the sweep (safety net) -----------------------------------------------------------------

    async def open_incident(
        self,
        category: str,
        building: str,
        case_ids: list[int],
        households: int,
        estate_id: int | None = None,
    ) -> int | None:
        """Create the incident for a collective complaint the filing did not link, link its cases and
        tell the managers once. None when another instance opened it first (its next sweep joins the
        rest)."""
        now = self.cases.clock.now()
        async with in_transaction() as conn:
            await self._lock(conn, estate_id, building, category)
            window = now - self._window
            if await self._current(conn, estate_id, building, (category,), window) is not None:
                return None
            descriptions = (
                await Case.filter(id__in=case_ids)
                .using_db(conn)
                .values_list("description", flat=True)
            )
            words: list[str] = []
            for text in descriptions:
                words = merged(words, keywords(str(text or "")))
            return await self._create(
                conn, estate_id, category, building, case_ids, households, words, now
            )

    # ---- staff: one note to all, resolve, confirm, add, remove ------------------------------------

    async def _note(
        self,
        conn: BaseDBAsyncClient,
        incident_id: int,
        kind: str,
        text: str,
        actor: Actor,
        reached: int,
        now: datetime,
        key: str | None = None,
    ) -> None:
        await IncidentNote.create(
            using_db=conn,
            incident_id=incident_id,
            key=key or f"{kind}:{uuid.uuid4().hex}",
            kind=kind,
            text=text,
            actor_name=actor.name,
            cases=reached,
            at=now,
        )

    async def _claim_key(
        self,
        conn: BaseDBAsyncClient,
        incident_id: int,
        kind: str,
        text: str,
        actor: Actor,
        key: str,
    ) -> bool:
        """Record the incident-wide action under `key` first; False when that key was used (a double
        click, the same update twice): then nothing is done again."""
        if await IncidentNote.filter(key=key).using_db(conn).exists():
            return False
        await self._note(conn, incident_id, kind, text, actor, 0, self.cases.clock.now(), key)
        return True

    async def _get(self, conn: BaseDBAsyncClient, incident_id: int, actor: Actor) -> Incident:
        """The incident, locked; NotFound also when it is another estate's than the actor's."""
        incident = await Incident.select_for_update().using_db(conn).get_or_none(id=incident_id)
        if incident is None or not actor.sees_estate(incident.estate_id):
            raise NotFound(f"no incident {incident_id}")
        return incident

    async def send_note(self, incident_id: int, text: str, actor: Actor, key: str) -> Sent:
        """One progress note to every tenant of the incident, each in their language (AddNote to the
        tenant, through the outbox and its send budget); the same `key` again sends nothing."""
        note = (text or "").strip()
        if not note or len(note) > MAX_NOTE:
            raise ValidationFailed(f"a note has 1–{MAX_NOTE} characters", field="note")
        _staff_at_least(actor, Role.AGENT)
        try:
            async with in_transaction() as conn:
                incident = await self._get(conn, incident_id, actor)
                if not await self._claim_key(conn, incident.id, "note", note, actor, key):
                    return Sent(incident.id, 0, repeat=True)
                ids = await column(
                    Case.filter(
                        incident_id=incident.id, status__in=[*OPEN_STATUSES, Status.RESOLVED]
                    )
                    .using_db(conn)
                    .order_by("id"),
                    "id",
                )
                for case_id in ids:
                    await self.cases.handle(
                        AddNote(ref=int(case_id), note=note, to_tenant=True), actor
                    )
                await IncidentNote.filter(key=key).using_db(conn).update(cases=len(ids))
                await self.touch(conn, incident.id, self.cases.clock.now())
                return Sent(incident.id, len(ids))
        except IntegrityError:  # a concurrent twin recorded the same key first
            return Sent(incident_id, 0, repeat=True)

    async def resolve(self, incident_id: int, text: str, actor: Actor, key: str) -> Sent:
        """Resolve every open case of the incident with `text` (each starts its follow-up survey) and
        the incident itself; its card loses its buttons."""
        resolution = (text or "").strip()
        if not resolution or len(resolution) > MAX_NOTE:
            raise ValidationFailed(f"a resolution has 1–{MAX_NOTE} characters", field="resolution")
        _staff_at_least(actor, Role.AGENT)
        now = self.cases.clock.now()
        try:
            async with in_transaction() as conn:
                incident = await self._get(conn, incident_id, actor)
                if incident.status is IncidentStatus.RESOLVED:
                    return Sent(incident.id, 0, repeat=True)
                if not await self._claim_key(conn, incident.id, "resolve", resolution, actor, key):
                    return Sent(incident.id, 0, repeat=True)
                ids = await column(
                    Case.filter(incident_id=incident.id, status__in=OPEN_STATUSES)
                    .using_db(conn)
                    .order_by("id"),
                    "id",
                )
                reached = 0
                for case_id in ids:
                    command = ResolveIncidentCase(
                        ref=int(case_id), incident_id=incident.id, resolution=resolution
                    )
                    try:
                        if await self.cases.handle(command, actor) is not None:
                            reached += 1
                    except (PermissionDenied, IllegalTransition):
                        continue  # another owner's case an agent may not resolve: it stays open
                await (
                    Incident.filter(id=incident.id)
                    .using_db(conn)
                    .update(status=IncidentStatus.RESOLVED, resolved_at=now, resolution=resolution)
                )
                await IncidentNote.filter(key=key).using_db(conn).update(cases=reached)
                await self.touch(conn, incident.id, now)
                return Sent(incident.id, reached)
        except IntegrityError:
            return Sent(incident_id, 0, repeat=True)

    async def from_prompt(
        self,
        resolve: bool,
        incident_id: int,
        text: str,
        actor: Actor,
        key: str,
        chat_id: int,
        user_id: int,
    ) -> Sent:
        """A staff member's reply to the incident card's prompt: the note (or the resolution) and the
        prompt's end in one commit, so the same update handled twice acts once."""
        from .dialogs import remove_dialog

        async with in_transaction():
            act = self.resolve if resolve else self.send_note
            sent = await act(incident_id, text, actor, key)
            await remove_dialog(chat_id, user_id)
        return sent

    async def confirm(self, incident_id: int, actor: Actor) -> bool:
        """A staff member confirms an incident the system proposed; False when it was not proposed."""
        _staff_at_least(actor, Role.AGENT)
        now = self.cases.clock.now()
        async with in_transaction() as conn:
            incident = await self._get(conn, incident_id, actor)
            if incident.status is not IncidentStatus.PROPOSED:
                return False
            await (
                Incident.filter(id=incident.id)
                .using_db(conn)
                .update(status=IncidentStatus.CONFIRMED, confirmed_by=actor.name[:100])
            )
            await self._note(conn, incident.id, "confirm", "", actor, 0, now)
            await self.touch(conn, incident.id, now)
        return True

    async def remove_case(self, incident_id: int, ref: str | int, actor: Actor) -> bool:
        """Take a case out of the incident (a supervisor's decision): it gets its own staff card."""
        _staff_at_least(actor, Role.SUPERVISOR)
        now = self.cases.clock.now()
        async with in_transaction() as conn:
            incident = await self._get(conn, incident_id, actor)
            change = await self.cases.handle(LeaveIncident(ref=ref, incident_id=incident.id), actor)
            if change is None:
                return False
            await self._note(conn, incident.id, "remove", change.case.number, actor, 1, now)
            await self.touch(conn, incident.id, now)
        return True

    async def add_case(self, incident_id: int, number: str, actor: Actor) -> bool:
        """Add an open case by its number (a supervisor's decision); False when it is already in it."""
        _staff_at_least(actor, Role.SUPERVISOR)
        now = self.cases.clock.now()
        async with in_transaction() as conn:
            incident = await self._get(conn, incident_id, actor)
            if incident.status is IncidentStatus.RESOLVED:
                raise Conflict("the incident is resolved", incident=incident.id)
            case = await Case.filter(number=number.strip()).using_db(conn).first()
            if case is None or not actor.sees_estate(case.estate_id):
                raise NotFound(f"no case {number}")
            if case.incident_id == incident.id:
                return False
            if not case.status.is_open:
                raise ValidationFailed("only an open case can join an incident", field="number")
            if case.incident_id is not None:
                raise Conflict("the case is in another incident", incident=case.incident_id)
            joined = await self._join(
                conn, incident, case.id, keywords(case.description), now, actor=actor
            )
            if joined is None:
                return False
            await self._note(conn, incident.id, "add", case.number, actor, 1, now)
        return True

    # ---- the card's delivery --------------------------------------------------------------------

    @staticmethod
    async def take_refresh(incident_id: int) -> None:
        """The card is about to be rendered: a change from now on queues a new refresh. (The update
        waits for a join still in progress, which holds the incident's row: its case is then seen.)"""
        await Incident.filter(id=incident_id).update(refresh_queued=False)
