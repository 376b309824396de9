"""The follow-up survey (回访): is it solved, how satisfied, closed after one reminder if nobody answers."""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from tortoise.backends.base.client import BaseDBAsyncClient

from ..domain import Action, Status, ValidationFailed
from ..models import Case, Complainant, Staff
from .actors import Actor
from .outbox import OutboxKind, enqueue

if TYPE_CHECKING:
    from .cases import Change

SCHEDULER = Actor.system("scheduler")
MAX_COMMENT = 2000


def _resolved_and_due(column: str):
    def check(case: Case, now: datetime) -> bool:
        due = getattr(case, column)
        return case.status is Status.RESOLVED and due is not None and due <= now

    return check


class FollowUp:
    """Mixed into CaseService: uses its `_transition` door, policy and clock."""

    async def send_survey(self, case_id: int) -> "Change | None":
        """Ask the tenant whether the problem is solved; a tenant without a chat gets a phone call."""

        def apply(case: Case, now: datetime) -> dict[str, Any]:
            case.followup_due_at = None
            case.survey_reminder_at = now + self.policy.survey_reminder_after
            case.survey_close_at = now + self.policy.survey_close_after
            return {"survey": "sent"}

        async def ask(conn: BaseDBAsyncClient, case: Case, now: datetime) -> None:
            complainant = (
                await Complainant.get_or_none(id=case.complainant_id).using_db(conn)
                if case.complainant_id
                else None
            )
            if complainant and complainant.telegram_id:
                await enqueue(
                    conn,
                    chat_id=complainant.telegram_id,
                    kind=OutboxKind.SURVEY,
                    now=now,
                    case_id=case.id,
                    payload={"number": case.number, "locale": complainant.locale},
                    dedupe_key=f"survey:{case.id}:{case.reopen_count}",
                )
                return
            # No chat: the follow-up is a phone call by the role the policy names for this severity.
            case.survey_reminder_at = case.survey_close_at = None
            await case.save(using_db=conn, update_fields=["survey_reminder_at", "survey_close_at"])
            role = self.policy.sla[case.severity].followup_by
            people = await Staff.filter(active=True, role=role).using_db(conn)
            chats = [p.telegram_id for p in people] or (
                [self.settings.staff_chat_id] if self.settings.staff_chat_id else []
            )
            for chat in chats:
                await enqueue(
                    conn,
                    chat_id=chat,
                    kind=OutboxKind.FOLLOWUP_CALL,
                    now=now,
                    case_id=case.id,
                    payload={"number": case.number},
                )

        return await self._transition(
            case_id,
            Action.NOTE,
            SCHEDULER,
            note="follow-up survey sent",
            public=False,
            apply=apply,
            guard=_resolved_and_due("followup_due_at"),
            then=ask,
        )

    async def remind_survey(self, case_id: int) -> "Change | None":
        def apply(case: Case, now: datetime) -> dict[str, Any]:
            case.survey_reminder_at = None
            return {"survey": "reminded"}

        async def remind(conn: BaseDBAsyncClient, case: Case, now: datetime) -> None:
            complainant = (
                await Complainant.get_or_none(id=case.complainant_id).using_db(conn)
                if case.complainant_id
                else None
            )
            if complainant and complainant.telegram_id:
                await enqueue(
                    conn,
                    chat_id=complainant.telegram_id,
                    kind=OutboxKind.SURVEY_REMINDER,
                    now=now,
                    case_id=case.id,
                    payload={"number": case.number, "locale": complainant.locale},
                    dedupe_key=f"survey-reminder:{case.id}:{case.reopen_count}",
                )

        return await self._transition(
            case_id,
            Action.NOTE,
            SCHEDULER,
            note="follow-up survey reminder",
            public=False,
            apply=apply,
            guard=_resolved_and_due("survey_reminder_at"),
            then=remind,
        )

    async def close_unanswered(self, case_id: int) -> "Change | None":
        """No answer after the reminder: closed as "no response" (docs/domain.md#follow-up-survey-after-resolution)."""

        def apply(case: Case, now: datetime) -> dict[str, Any]:
            case.closed_at = now
            case.close_reason = "no_response"
            case.followup_due_at = case.survey_reminder_at = case.survey_close_at = None
            return {"reason": "no_response"}

        return await self._transition(
            case_id,
            Action.CLOSE,
            SCHEDULER,
            note="no answer to the follow-up survey",
            apply=apply,
            guard=_resolved_and_due("survey_close_at"),
        )

    async def answer_survey(
        self, case_id: int, actor: Actor, *, solved: bool, satisfaction: int | None = None
    ) -> "Change":
        """The tenant's answer: solved (with a 1–5 rating) closes the case; not solved reopens it."""
        if not solved:
            return await self.reopen(case_id, actor, "the tenant says the problem is not solved")
        if satisfaction is None or not 1 <= satisfaction <= 5:
            raise ValidationFailed(
                "satisfaction must be a whole number from 1 to 5", field="satisfaction"
            )
        return await self.close(case_id, actor, reason="confirmed", satisfaction=satisfaction)

    async def comment_survey(self, case_id: int, actor: Actor, comment: str) -> "Change | None":
        """The survey's closing comment; the same comment again (an update handled twice) is kept once."""
        comment = (comment or "").strip()
        if not comment or len(comment) > MAX_COMMENT:
            raise ValidationFailed(f"a comment has 1–{MAX_COMMENT} characters", field="comment")
        if await Case.filter(id=case_id, satisfaction_comment=comment).exists():
            return None

        def apply(case: Case, now: datetime) -> dict[str, Any]:
            case.satisfaction_comment = comment
            return {}

        return await self._transition(
            case_id, Action.COMMENT, actor, note=comment, public=False, apply=apply
        )
