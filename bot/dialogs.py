"""Dialog state in the database: any instance can continue a dialog, a restart forgets nothing.

A row holds the flow, the step within it and the flow's typed payload in its JSON form (`Dialog.data`):
an `IntakeDraft`, a `SurveyComment` or a `StaffPrompt`. The update that last saved it is stored beside the
payload under "_update". A staff member's `/new` form stores a `DeskDraft` (bot/staff/desk_draft.py).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from backend.logs import current_update
from backend.models import Dialog
from backend.services.dialog_queries import dialog_row
from backend.services.dialogs import Flow, dialog_key, remove_dialog, store_dialog

from .staff.desk_draft import DeskDraft
from .stored_json import StoredObject
from .tenant.draft import IntakeDraft
from .turn import WORK, recorded_with

log = logging.getLogger(__name__)

APPLIED = "_update"  # the update whose handling saved this state


@dataclass
class SurveyComment:
    """The survey's last question is open: the tenant's next message is a comment on this case."""

    case_id: int | None

    def to_json(self) -> dict[str, Any]:
        return {"case_id": self.case_id}

    @classmethod
    def from_json(cls, raw: object) -> SurveyComment:
        return cls(StoredObject(raw, cls.__name__).integer("case_id"))


@dataclass
class StaffPrompt:
    """A staff member was asked for text (a note, a reason): their next message answers it. `extra` is
    what the button already chose (a category or severity code)."""

    case_id: int | None
    extra: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "extra": self.extra}

    @classmethod
    def from_json(cls, raw: object) -> StaffPrompt:
        stored = StoredObject(raw, cls.__name__)
        return cls(stored.integer("case_id"), stored.text("extra"))


Payload = IntakeDraft | SurveyComment | StaffPrompt | DeskDraft
PAYLOADS: dict[
    Flow, type[IntakeDraft] | type[SurveyComment] | type[StaffPrompt] | type[DeskDraft]
] = {
    Flow.INTAKE: IntakeDraft,
    Flow.SURVEY: SurveyComment,
    Flow.STAFF_INPUT: StaffPrompt,
    Flow.DESK_INTAKE: DeskDraft,
}


@dataclass
class DialogState:
    """`state` is the flow's step: a `steps.Step` of the intake, a `survey.SurveyStep`, a staff action."""

    chat_id: int
    user_id: int
    flow: Flow
    state: str
    payload: Payload
    updated_at: datetime | None = None
    applied_update: int | None = None  # the update whose handling saved this state

    @property
    def draft(self) -> IntakeDraft:
        """The intake's answers; only an intake dialog has them."""
        if not isinstance(self.payload, IntakeDraft):
            raise TypeError(f"a {self.flow} dialog has no intake draft")
        return self.payload

    def expired(self, now: datetime, idle: timedelta) -> bool:
        return self.updated_at is not None and now - self.updated_at > idle

    def applied(self, update_id: int) -> bool:
        """True when this update was already handled up to saving this state: an instance that crashed
        before marking the update done leaves it to be processed again, and it must not be applied twice."""
        return self.applied_update is not None and self.applied_update >= update_id

    def to_json(self) -> dict[str, Any]:
        data = self.payload.to_json()
        if self.applied_update is not None:
            data[APPLIED] = self.applied_update
        return data


def from_row(row: Dialog) -> DialogState | None:
    """The row's dialog; None for a flow this version does not know (the row is left for the next save
    to overwrite)."""
    try:
        flow = Flow(row.flow)
    except ValueError:
        log.warning("dialog %s has an unknown flow %r; ignored", row.key, row.flow)
        return None
    data = dict(row.data) if isinstance(row.data, Mapping) else {}
    applied = StoredObject(data, "DialogState").integer(APPLIED)
    data.pop(APPLIED, None)
    return DialogState(
        row.chat_id,
        row.user_id,
        flow,
        row.state,
        PAYLOADS[flow].from_json(data),
        row.updated_at,
        applied,
    )


async def load_dialog(chat_id: int, user_id: int) -> DialogState | None:
    """The person's dialog in this chat: as the update read it at its start (bot.turn.UpdateWork), the
    first time it is asked for, if the update has not written it since; otherwise read now."""
    key = dialog_key(chat_id, user_id)
    work = WORK.get()
    read, row = work.take_dialog(key) if work is not None else (False, None)
    if not read:
        row = await dialog_row(key)
    return None if row is None else from_row(row)


def _forget_read_dialog() -> None:
    """The dialog is about to be written: whatever the update read of it before is not to be used."""
    if (work := WORK.get()) is not None:
        work.forget_dialog()


async def save_dialog(dialog: DialogState, now: datetime) -> None:
    """Save the dialog, marked as saved by the update being handled (recorded in the same commit when
    it is not yet: bot.turn.UpdateWork)."""
    dialog.updated_at = now
    if (update_id := current_update()) is not None:
        dialog.applied_update = update_id
    data = dialog.to_json()
    _forget_read_dialog()
    await recorded_with(
        lambda seen: store_dialog(
            dialog.chat_id, dialog.user_id, dialog.flow, str(dialog.state), data, now, seen=seen
        )
    )


async def clear_dialog(chat_id: int, user_id: int) -> None:
    """End the person's dialog in this chat (the update recorded in the same commit, as by save_dialog)."""
    _forget_read_dialog()
    await recorded_with(lambda seen: remove_dialog(chat_id, user_id, seen=seen))
