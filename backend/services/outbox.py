"""Enqueue messages in the caller's transaction. Delivery is the notifier's job (bot/, scheduler/)."""

from datetime import datetime
from typing import Any, NamedTuple

from tortoise.backends.base.client import BaseDBAsyncClient

from ..models import OutboxMessage


class OutboxKind:
    RECEIPT = "receipt"  # tenant: case number and promised feedback time
    TENANT_UPDATE = "tenant_update"  # tenant: assigned, note, resolved, reopened, invalid, …
    STAFF_CARD = (
        "staff_card"  # staff group: the case card (rendered from the database at send time)
    )
    CARD_REFRESH = "card_refresh"  # staff group: edit the card in place
    CARD_PHOTO = "card_photo"  # staff group: the first photo, under the card, with the count
    MANAGER_ALERT = "manager_alert"  # a manager, privately: major case or escalation to level 3
    ESCALATION = "escalation"  # staff of the new level, privately
    DUTY_ALERT = "duty_alert"  # duty officer, privately: a case arrived outside business hours
    OWNER_BRIEF = "owner_brief"  # the new owner, privately: full phone number and history
    REMINDER = "reminder"  # the owner (or the staff group): a promise is due
    SURVEY = "survey"  # tenant: is it solved? (回访)
    SURVEY_REMINDER = "survey_reminder"  # tenant: the one reminder of an unanswered survey
    FOLLOWUP_CALL = "followup_call"  # staff: call a tenant who has no chat for the follow-up
    REPORT = "report"  # a manager: the monthly report
    SATISFACTION_SURVEY = "satisfaction_survey"  # tenant: the twice-yearly satisfaction question
    DIALOG_EXPIRED = "dialog_expired"  # tenant: an unfinished dialog was put aside


async def enqueue(
    connection: BaseDBAsyncClient,
    *,
    chat_id: int,
    kind: str,
    now: datetime,
    case_id: int | None = None,
    payload: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage:
    return await OutboxMessage.create(
        using_db=connection,
        chat_id=chat_id,
        kind=kind,
        case_id=case_id,
        payload=payload or {},
        dedupe_key=dedupe_key,
        next_attempt_at=now,
        created_at=now,
    )


class Message(NamedTuple):
    """One outbox row to be written; see `enqueue_many`."""

    chat_id: int
    kind: str
    payload: dict[str, Any]
    dedupe_key: str | None = None


async def enqueue_many(
    connection: BaseDBAsyncClient,
    messages: list[Message],
    *,
    now: datetime,
    case_id: int | None = None,
) -> None:
    """Several messages of one event in a single INSERT."""
    if len(messages) == 1:
        chat_id, kind, payload, dedupe_key = messages[0]
        await enqueue(
            connection,
            chat_id=chat_id,
            kind=kind,
            now=now,
            case_id=case_id,
            payload=payload,
            dedupe_key=dedupe_key,
        )
    elif messages:
        await OutboxMessage.bulk_create(
            [
                OutboxMessage(
                    chat_id=m.chat_id,
                    kind=m.kind,
                    case_id=case_id,
                    payload=m.payload,
                    dedupe_key=m.dedupe_key,
                    next_attempt_at=now,
                    created_at=now,
                )
                for m in messages
            ],
            using_db=connection,
        )


async def last_message_id(chat_id: int) -> int | None:
    """The highest Telegram message id the outbox sent to this chat (cards are edited by that id), if any."""
    return await (
        OutboxMessage.filter(chat_id=chat_id, telegram_message_id__isnull=False)
        .order_by("-telegram_message_id")
        .first()
        .values_list("telegram_message_id", flat=True)
    )
