"""The case service: the one door through which every case is created and changed.

`submit` files a case; `handle(command, actor)` carries out every change (backend.domain.commands).
Each runs in one transaction that writes the case, an append-only event and the outbox rows the change
causes. The rules are the pure step backend.domain.decide; time comes from the injected clock.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any, overload

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from ..clock import Clock
from ..config import Settings
from ..domain import (
    Action,
    Kind,
    NotFound,
    Role,
    Severity,
    SeveritySignals,
    Status,
    ValidationFailed,
    automatic_severity,
    due_times,
    format_case_number,
    is_business_time,
)
from ..domain.commands import (
    AnyCommand,
    Assign,
    Claim,
    Command,
    FeedbackOverdue,
    IdempotentCommand,
    LeaveIncident,
    SendSurvey,
)
from ..domain.decide import (
    ActorFacts,
    CaseState,
    Decision,
    DepartmentRef,
    StaffRef,
    To,
    decide,
)
from ..domain.errors import ClientKeyReused
from ..domain.messages import (
    CardPhoto,
    CardRefresh,
    DutyAlert,
    ManagerAlert,
    Payload,
    Receipt,
    StaffCard,
    ToPerson,
)
from ..logs import set_case
from ..models import (
    Attachment,
    Case,
    CaseEvent,
    Complainant,
    Department,
    OutboxMessage,
    Staff,
    TriageCorrection,
)
from . import rows
from .actors import Actor
from .case_place import filing_estate, register_match
from .departments import unknown_department
from .drafts import CaseDraft, Triage
from .estates import SEES_ESTATE, office_for, office_of_estate, sees_estate_parameters
from .incidents import Incidents
from .outbox import Message, enqueue_many
from .sequence import next_sequence

log = logging.getLogger(__name__)

Classifier = Callable[[str], Triage]


@dataclass(frozen=True)
class Change:
    """What one transition did, for callers that render it (bot cards, API answers)."""

    case: Case
    action: Action
    from_status: Status
    event: CaseEvent


@dataclass(frozen=True)
class _Tenant:
    """The complainant of a new case, as the submit needs them."""

    id: int
    telegram_id: int | None
    repeat: bool  # filed in the same category within the repeat window before
    estate_id: int | None = None  # the estate the tenant chose (/start CODE)


# A returning tenant by chat, with whether they filed in the category since the given time (one trip).
_KNOWN_TENANT = (
    'SELECT "id", "name", "phone", "unit", "locale", "estate_id", EXISTS (SELECT 1 FROM "case" WHERE '
    '"case"."complainant_id" = "complainant"."id" AND "case"."category" = ? '
    'AND "case"."received_at" >= ?) AS "repeat" FROM "complainant" WHERE "telegram_id" = ?'
)
# A caller without a chat (desk, API) by normalised phone: every complainant with that phone (a Telegram
# tenant who gave it too), the desk's own record (no chat) first, and whether any of them filed in the
# category since the given time (docs/domain.md#repeat-complaints-and-other-important-cases).
_BY_PHONE = (
    'SELECT "id", "name", "phone", "unit", "locale", "telegram_id", EXISTS (SELECT 1 FROM "case" '
    'JOIN "complainant" AS "caller" ON "caller"."id" = "case"."complainant_id" '
    'WHERE "caller"."phone" = ? AND "case"."category" = ? AND "case"."received_at" >= ?) AS "repeat" '
    'FROM "complainant" WHERE "phone" = ? ORDER BY "telegram_id" IS NOT NULL, "id"'
)
# Those of the case's estate (SEES_ESTATE: its members and head office).
_STAFF = 'SELECT "id", "telegram_id" FROM "staff" WHERE "active" = ? AND "{}" = ? AND '
_OF_ROLE = _STAFF.format("role") + SEES_ESTATE  # noqa: S608 (constants, no input)
_ON_DUTY = _STAFF.format("on_duty") + SEES_ESTATE  # noqa: S608 (constants, no input)


def default_classifier(text: str) -> Triage:
    import nlp  # imported lazily: loading the dictionaries is paid once, on first use

    return nlp.classify(text)


class CaseService:
    """Every creation and change of a case: `submit` files one, `handle` carries out a command."""

    def __init__(
        self, settings: Settings, clock: Clock, classify: Classifier | None = None
    ) -> None:
        self.settings = settings
        self.policy = settings.policy
        self.clock = clock
        self.classify = classify or default_classifier
        self.incidents = Incidents(self)

    # ---- creation -------------------------------------------------------------------------------

    async def submit(
        self, draft: CaseDraft, actor: Actor, *, require_same_body: bool = False
    ) -> Case:
        """Record a new case with its receipt; the same client_key returns the same case.

        A repeated client_key is recognised by the unique constraint (the transaction rolls back and the
        existing case is returned), so the usual first submit costs no extra lookup. With
        `require_same_body` (API clients) a repeat whose draft differs from the first one is refused
        with ClientKeyReused; the bot's own dialog keys keep returning the case they filed.
        """
        draft = draft.validated(self.policy, self.settings.phone_region)
        triage = draft.triage
        if draft.category is None or draft.kind is None or draft.severity is None:
            triage = triage or self._safe_classify(draft.description)
        try:
            return await self._create(draft, actor, triage)
        except IntegrityError:
            if (
                draft.client_key
            ):  # a retry (or a concurrent twin) of a submit that already went through
                existing = await Case.get_or_none(client_key=draft.client_key)
                if existing:
                    if require_same_body:
                        await self._check_same_body(existing, draft)
                    return existing
            raise

    @staticmethod
    async def _check_same_body(existing: Case, draft: CaseDraft) -> None:
        submitted = await CaseEvent.filter(case_id=existing.id, action=Action.SUBMIT.value).first()
        recorded = (submitted.data or {}).get("fingerprint") if submitted else None
        if recorded is not None and recorded != draft.fingerprint():
            raise ClientKeyReused(
                f"client_key {draft.client_key!r} was already used for case {existing.number} with a different "
                "body; use a new client_key for a new case",
                field="client_key",
                client_key=draft.client_key,
                case=existing.number,
            )

    def _safe_classify(self, text: str) -> Triage | None:
        try:
            return self.classify(text)
        except Exception:  # triage is advice: a failure must never lose a complaint
            log.exception("triage failed; the case is filed as 'other'")
            return None

    async def _create(self, draft: CaseDraft, actor: Actor, triage: Triage | None) -> Case:
        now = self.clock.now()
        suggested_category = (triage.category if triage else "") or ""
        if suggested_category and self.policy.category(suggested_category) is None:
            suggested_category = ""
        category = draft.category or suggested_category or "other"
        kind = draft.kind or _enum_or(Kind, triage.kind if triage else None, Kind.COMPLAINT)
        async with in_transaction() as conn:
            tenant = await self._upsert_complainant(conn, draft, category, now)
            estate_id = draft.estate_id or (tenant.estate_id if tenant else None)
            estate = await filing_estate(conn, estate_id)
            office = office_for(estate, self.settings)
            tz = office.timezone
            place = await register_match(conn, estate, draft)
            repeat = tenant is not None and tenant.repeat
            severity = automatic_severity(
                draft.severity or Severity.GENERAL,
                SeveritySignals(
                    triage=_enum_or(
                        Severity, triage.severity if triage else None, Severity.GENERAL
                    ),
                    repeat_within_window=repeat,
                ),
                collective_threshold=self.policy.collective_households,
                major_after_days=self.policy.major_after_days,
            )
            policy = self.policy
            if office.business_hours is not policy.business_hours:
                policy = replace(policy, business_hours=office.business_hours)
            due = due_times(now, severity, policy, tz)
            sequence = await next_sequence(conn, now.astimezone(tz).date())
            case = await rows.create(
                conn,
                Case,
                {
                    "number": format_case_number(
                        self.settings.case_prefix, now.astimezone(tz).date(), sequence
                    ),
                    "client_key": draft.client_key,
                    "kind": kind,
                    "category": category,
                    "category_suggested": suggested_category,
                    "severity": severity,
                    "status": Status.NEW,
                    "channel": draft.channel,
                    "description": draft.description,
                    "location": draft.location,
                    "unit": place.unit,
                    "building": place.building,
                    "estate_id": estate.id if estate else None,
                    "resident_verified": place.verified,
                    "expectation": draft.expectation,
                    "subject": draft.subject,
                    "contact_name": place.name,
                    "contact_phone": draft.contact_phone,
                    "locale": draft.locale,
                    "complainant_id": tenant.id if tenant else None,
                    "off_hours": not is_business_time(now, office.business_hours, tz),
                    "triage": _triage_record(triage),
                    "promised_assign_at": due.assign,
                    "promised_feedback_at": due.first_feedback,
                    "promised_resolve_at": due.resolve,
                    "assign_due_at": due.assign,
                    "feedback_due_at": due.first_feedback,
                    "resolve_due_at": due.resolve,
                    "hard_due_at": due.hard_limit,
                    "received_at": now,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            set_case(case.number)
            # The rows a new case adds are written without model instances (services.rows): the
            # same statements as the ORM's, without its per-instance Python.
            await rows.insert(
                conn,
                Attachment,
                [
                    {
                        "case_id": case.id,
                        "file_id": item.file_id,
                        "file_unique_id": item.file_unique_id,
                        "kind": item.kind,
                        "caption": item.caption[:1024],
                        "created_at": now,
                    }
                    for item in draft.attachments
                ],
            )
            submitted = {
                "repeat": repeat,
                "severity": severity.value,
                "channel": draft.channel.value,
                "fingerprint": draft.fingerprint(),
            }
            await rows.insert_one(
                conn,
                CaseEvent,
                _event_row(case.id, actor, Action.SUBMIT, "", Status.NEW, now, data=submitted),
            )
            if suggested_category and draft.category and draft.category != suggested_category:
                # The tenant (or the agent on the phone) corrected the suggestion: training data.
                await rows.insert_one(
                    conn,
                    TriageCorrection,
                    {
                        "case_id": case.id,
                        "text": case.description,
                        "suggested": suggested_category,
                        "corrected": draft.category,
                        "actor_kind": actor.kind,
                        "created_at": now,
                    },
                )
            # A case of an ongoing incident joins it here, in its own transaction: it then has no card
            # of its own (the incident's card counts it) and the managers were told once already.
            joined = await self.incidents.link_new_case(conn, case, now)
            await self._announce_new_case(
                conn, case, tenant, now, draft, office.staff_chat_id, joined=joined is not None
            )
        return case

    async def _upsert_complainant(
        self, conn: BaseDBAsyncClient, draft: CaseDraft, category: str, now: datetime
    ) -> _Tenant | None:
        """The complainant of the draft, with their latest contact details, and whether they filed in
        `category` within the repeat window before (only a known tenant can repeat)."""
        details = {
            "name": draft.contact_name,
            "phone": draft.contact_phone,
            "unit": draft.unit,
            "locale": draft.locale,
        }
        since = now - timedelta(days=self.policy.repeat_window_days)
        if draft.telegram_id is None:
            if draft.contact_phone:
                return await self._caller_by_phone(conn, draft, details, category, since, now)
            if not draft.contact_name:
                return None
            new = {**details, "created_at": now, "updated_at": now}
            return _Tenant(await rows.insert_one(conn, Complainant, new), None, repeat=False)
        found = await conn.execute_query_dict(
            rows.sql(conn, _KNOWN_TENANT),
            [category, rows.db_value(Case, "received_at", since), draft.telegram_id],
        )
        if not found:
            new = {
                **details,
                "telegram_id": draft.telegram_id,
                "created_at": now,
                "updated_at": now,
            }
            return _Tenant(await rows.insert_one(conn, Complainant, new), draft.telegram_id, False)
        known = found[0]
        # Remember the latest contact details so the next complaint can offer them again.
        changed = [name for name, value in details.items() if value and value != known[name]]
        if changed:  # a returning tenant usually gives the same details: then nothing to write
            latest = {name: details[name] for name in changed}
            await rows.update(conn, Complainant, known["id"], {**latest, "updated_at": now})
        return _Tenant(
            known["id"],
            draft.telegram_id,
            repeat=bool(known["repeat"]),
            estate_id=known["estate_id"],
        )

    @staticmethod
    async def _caller_by_phone(
        conn: BaseDBAsyncClient,
        draft: CaseDraft,
        details: dict[str, str],
        category: str,
        since: datetime,
        now: datetime,
    ) -> _Tenant:
        """A desk or API case (no chat): one complainant per normalised phone, found or created.

        The case joins the caller's record without a chat, never a Telegram tenant's: a phone a tenant
        typed in the bot is not proven theirs, so a call must not send them receipts. Their cases
        count for the repeat rule all the same.
        """
        found = await conn.execute_query_dict(
            rows.sql(conn, _BY_PHONE),
            [
                draft.contact_phone,
                category,
                rows.db_value(Case, "received_at", since),
                draft.contact_phone,
            ],
        )
        repeat = bool(found and found[0]["repeat"])
        known = next((row for row in found if row["telegram_id"] is None), None)
        if known is None:
            new = {**details, "created_at": now, "updated_at": now}
            return _Tenant(await rows.insert_one(conn, Complainant, new), None, repeat=repeat)
        changed = [name for name, value in details.items() if value and value != known[name]]
        if changed:
            latest = {name: details[name] for name in changed}
            await rows.update(conn, Complainant, known["id"], {**latest, "updated_at": now})
        return _Tenant(known["id"], None, repeat=repeat)

    async def _announce_new_case(
        self,
        conn: BaseDBAsyncClient,
        case: Case,
        tenant: _Tenant | None,
        now: datetime,
        draft: CaseDraft,
        staff_chat: int | None,
        *,
        joined: bool = False,
    ) -> None:
        """The receipt, the staff card (and photo), alerts: queued in one INSERT. A case that joined an
        incident at filing gets its receipt only: the incident's one card and alert stand for it."""
        messages: list[Message] = []
        if tenant and tenant.telegram_id:
            receipt = Receipt(number=case.number, locale=case.locale)
            messages.append(Message(tenant.telegram_id, receipt, f"receipt:{case.id}"))
        if joined:
            await enqueue_many(conn, messages, now=now, case_id=case.id)
            return
        if staff_chat is not None:
            messages.append(Message(staff_chat, StaffCard(number=case.number), f"card:{case.id}"))
            if any(item.kind == "photo" for item in draft.attachments):
                photo = CardPhoto(number=case.number)
                messages.append(Message(staff_chat, photo, f"card-photo:{case.id}"))
        if case.severity is Severity.MAJOR:
            alert = ManagerAlert(number=case.number, reason="major", level=case.escalation_level)
            managers = await conn.execute_query_dict(
                rows.sql(conn, _OF_ROLE),
                [
                    True,
                    rows.db_value(Staff, "role", Role.MANAGER),
                    *sees_estate_parameters(case.estate_id),
                ],
            )
            messages += [Message(person["telegram_id"], alert) for person in managers]
        if case.off_hours:
            duty = DutyAlert(number=case.number)
            officers = await conn.execute_query_dict(
                rows.sql(conn, _ON_DUTY), [True, True, *sees_estate_parameters(case.estate_id)]
            )
            messages += [
                Message(officer["telegram_id"], duty, f"duty:{case.id}:{officer['id']}")
                for officer in officers
            ]
        await enqueue_many(conn, messages, now=now, case_id=case.id)

    # ---- commands: the one door through which a case changes -------------------------------------

    @overload
    async def handle(self, command: Command, actor: Actor) -> Change: ...

    @overload
    async def handle(self, command: IdempotentCommand, actor: Actor) -> Change | None: ...

    async def handle(self, command: AnyCommand, actor: Actor) -> Change | None:
        """Carry out one command for `actor` (docs/architecture.md#commands).

        Load and lock the case, let the domain decide (backend.domain.decide), apply and persist the
        decision with its event and outbox rows, all in one transaction. None: an IdempotentCommand
        found nothing to do (no longer due, a repeat, or the case is locked by another scheduler).
        """
        scheduled = isinstance(command, IdempotentCommand) and command.scheduled
        assignee, department = await self._assign_targets(command)
        async with in_transaction() as conn:
            case = await self._load_for_update(conn, command.ref, skip_locked=scheduled)
            if case is None:
                return None  # another instance is acting on it
            if not actor.sees_estate(
                case.estate_id
            ):  # another estate's case: as if there were none
                raise NotFound(f"no case {command.ref}")
            set_case(case.number)
            now = self.clock.now()
            people = _People(conn, case)
            state = await self._state(command, case, actor, people, assignee, department)
            decision = decide(command, state, now, self.policy)
            if decision is None:
                return None
            event = await self._persist(conn, case, actor, decision, now)
            await enqueue_many(
                conn, await self._messages(decision, people, now), now=now, case_id=case.id
            )
        return Change(
            case=case,
            action=decision.event.action,
            from_status=decision.event.from_status,
            event=event,
        )

    @staticmethod
    async def _assign_targets(
        command: AnyCommand,
    ) -> tuple[StaffRef | None, DepartmentRef | None]:
        """The staff member and department an Assign names, refused when unknown or inactive."""
        if not isinstance(command, Assign):
            return None, None
        if command.staff_id is None and command.department_code is None:
            raise ValidationFailed("name a staff member or a department", field="staff_id")
        assignee = department = None
        if command.staff_id is not None:
            owner = await Staff.get_or_none(id=command.staff_id, active=True)
            if owner is None:
                raise ValidationFailed("no active staff member with that id", field="staff_id")
            assignee = StaffRef(owner.id, owner.name, owner.department_id)
        if command.department_code is not None:
            found = await Department.get_or_none(code=command.department_code, active=True)
            if found is None:
                raise await unknown_department(command.department_code, active_only=True)
            department = DepartmentRef(found.id, found.name)
        return assignee, department

    async def _state(
        self,
        command: AnyCommand,
        case: Case,
        actor: Actor,
        people: "_People",
        assignee: StaffRef | None,
        department: DepartmentRef | None,
    ) -> CaseState:
        """The snapshot the domain step reads, with the facts this command's rules need."""
        owner_name = ""
        if isinstance(command, (Claim, FeedbackOverdue)) and case.owner_id is not None:
            owner = await people.owner()
            owner_name = owner.name if owner else ""
        tenant_has_chat = False
        if isinstance(command, SendSurvey):
            complainant = await people.complainant()
            tenant_has_chat = bool(complainant and complainant.telegram_id)
        has_staff_card = False
        if isinstance(command, LeaveIncident):
            has_staff_card = await people.has_card()
        snapshot = {name: getattr(case, name) for name in _CASE_FIELDS}
        return CaseState(
            **snapshot,
            actor=ActorFacts(actor.kind, actor.id, actor.name, actor.role),
            timezone=self.settings.timezone,
            phone_region=self.settings.phone_region,
            owner_name=owner_name,
            tenant_has_chat=tenant_has_chat,
            assign_to_staff=assignee,
            assign_to_department=department,
            has_staff_card=has_staff_card,
        )

    async def _persist(
        self, conn: BaseDBAsyncClient, case: Case, actor: Actor, decision: Decision, now: datetime
    ) -> CaseEvent:
        """The decision's changes on the row, its event, and the records it adds."""
        for name, value in decision.changes.items():
            setattr(case, name, value)
        case.updated_at = now
        await case.save(using_db=conn)
        event = decision.event
        row = await self._event(
            conn,
            case,
            actor,
            event.action,
            event.from_status,
            event.to_status,
            now,
            note=event.note,
            public=event.public,
            data=event.data,
        )
        for item in decision.attachments:
            await Attachment.create(
                using_db=conn,
                case=case,
                file_id=item.file_id,
                file_unique_id=item.file_unique_id,
                kind=item.kind,
                caption=item.caption[:1024],
                created_at=now,
            )
        if decision.correction is not None:
            await TriageCorrection.create(
                using_db=conn,
                case=case,
                text=case.description,
                suggested=decision.correction.suggested,
                corrected=decision.correction.corrected,
                actor_kind=actor.kind,
                created_at=now,
            )
        return row

    async def _messages(
        self, decision: Decision, people: "_People", now: datetime
    ) -> list[Message]:
        """The outbox rows of the decision's notices: each recipient role resolved to chats."""
        group = await people.staff_group(self.settings)
        messages: list[Message] = []
        for notice in decision.notices:
            payload = notice.payload
            chats: list[int] = []
            match notice.to:
                case To.TENANT:
                    complainant = await people.complainant()
                    if complainant and complainant.telegram_id:
                        chats = [complainant.telegram_id]
                        payload = _in_language(payload, complainant.locale)
                case To.STAFF_CHAT:
                    chats = group
                    incident_id = people.case.incident_id
                    if isinstance(payload, CardRefresh) and incident_id is not None:
                        # A case of an incident: its own card is refreshed only when it has one (the
                        # first cases, before the incident), and the incident's card (coalesced) when
                        # what it counts changed: a case joined, or was resolved (or reopened).
                        event = decision.event
                        if "incident_id" in decision.changes or (
                            event.from_status.is_open != event.to_status.is_open
                        ):
                            await self.incidents.touch(people.conn, incident_id, now)
                        if not await people.has_card():
                            chats = []
                case To.OWNER:
                    owner = await people.owner()
                    if owner is not None:
                        chats = [owner.telegram_id]
                        payload = _in_language(payload, owner.locale)
                case To.OWNER_OR_STAFF_CHAT:
                    owner = await people.owner()
                    chats = [owner.telegram_id] if owner is not None else group
                case To.ROLE | To.ROLE_OR_STAFF_CHAT:
                    assert notice.role is not None
                    chats = await people.with_role(notice.role)
                    if not chats and notice.to is To.ROLE_OR_STAFF_CHAT:
                        chats = group
            messages += [Message(chat, payload, notice.dedupe_key) for chat in chats]
        return messages

    async def _load_for_update(
        self, conn: BaseDBAsyncClient, ref: str | int, *, skip_locked: bool = False
    ) -> Case | None:
        """The case, locked until the transaction ends (PostgreSQL; SQLite has one writer anyway)."""
        query = Case.select_for_update(skip_locked=skip_locked).using_db(conn)
        case = await (
            query.get_or_none(id=ref) if isinstance(ref, int) else query.get_or_none(number=ref)
        )
        if case is None and not skip_locked:
            raise NotFound(f"no case {ref}")
        return case

    async def _event(
        self,
        conn: BaseDBAsyncClient,
        case: Case,
        actor: Actor,
        action: Action,
        before: Status | str,
        after: Status,
        now: datetime,
        *,
        note: str = "",
        public: bool = False,
        data: dict[str, Any] | None = None,
    ) -> CaseEvent:
        row = _event_row(
            case.id, actor, action, before, after, now, note=note, public=public, data=data
        )
        return await CaseEvent.create(using_db=conn, **row)


def _event_row(
    case_id: int,
    actor: Actor,
    action: Action,
    before: Status | str,
    after: Status,
    now: datetime,
    *,
    note: str = "",
    public: bool = False,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The fields of an entry in a case's history."""
    return {
        "case_id": case_id,
        "at": now,
        "actor_kind": actor.kind,
        "actor_id": actor.id,
        "actor_name": actor.name,
        "action": action.value,
        "from_status": str(before),
        "to_status": after.value,
        "note": note,
        "public": public,
        "data": data or {},
    }


# The Case columns the domain step reads (CaseState names them the same).
_COLUMNS = set(Case._meta.fields_map) | {f"{name}_id" for name in Case._meta.fk_fields}
_CASE_FIELDS = tuple(f.name for f in fields(CaseState) if f.name in _COLUMNS)


class _People:
    """The people a decision's messages go to, each loaded at most once per command."""

    def __init__(self, conn: BaseDBAsyncClient, case: Case) -> None:
        self.conn, self.case = conn, case
        self._owners: dict[int, Staff | None] = {}
        self._complainant: tuple[Complainant | None] | None = None

    async def owner(self) -> Staff | None:
        """The case's owner (as the decision left it)."""
        owner_id = self.case.owner_id
        if owner_id is None:
            return None
        if owner_id not in self._owners:
            self._owners[owner_id] = await Staff.get_or_none(id=owner_id, using_db=self.conn)
        return self._owners[owner_id]

    async def complainant(self) -> Complainant | None:
        if self._complainant is None:
            found = None
            if self.case.complainant_id is not None:
                found = await Complainant.get_or_none(
                    id=self.case.complainant_id, using_db=self.conn
                )
            self._complainant = (found,)
        return self._complainant[0]

    async def staff_group(self, settings: Settings) -> list[int]:
        """The staff group of the case's estate ([] when none is configured)."""
        office = await office_of_estate(self.conn, self.case.estate_id, settings)
        return [office.staff_chat_id] if office.staff_chat_id is not None else []

    async def has_card(self) -> bool:
        """Whether the case has its own card in the staff group (queued or sent): its row is found by
        its dedupe key (a unique index), as every card is queued with it."""
        return (
            await OutboxMessage.filter(dedupe_key=f"card:{self.case.id}")
            .using_db(self.conn)
            .exists()
        )

    async def with_role(self, role: Role) -> list[int]:
        """The active staff of `role` who see the case's estate."""
        found = await self.conn.execute_query_dict(
            rows.sql(self.conn, _OF_ROLE),
            [True, role.value, *sees_estate_parameters(self.case.estate_id)],
        )
        return [int(person["telegram_id"]) for person in found]


def _in_language(payload: Payload, locale: str) -> Payload:
    """A message to one person carries their language (a message to a group has none)."""
    return replace(payload, locale=locale) if isinstance(payload, ToPerson) else payload


def _enum_or(enum: type, value: Any, default: Any) -> Any:
    try:
        return enum(value) if value is not None else default
    except ValueError:
        return default


def _triage_record(triage: Triage | None) -> dict[str, Any]:
    """What the classifier said, kept with the case (it is training data later)."""
    if triage is None:
        return {}
    return {key: value for key, value in triage.to_dict().items() if value is not None}
