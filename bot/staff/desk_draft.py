"""What a staff member's `/new` form (bot/staff/new_case.py) has collected so far, as stored in
`Dialog.data` (flow `Flow.DESK_INTAKE`).

Reading never raises (bot/stored_json.py): a value of the wrong type becomes the field's default.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from backend.services.drafts import AttachmentDraft

from ..stored_json import StoredObject


class DeskStep(StrEnum):
    """Where a `/new` form is (the `Dialog.state` column); the values are stored, never rename them."""

    CHANNEL = "channel"
    PHONE = "phone"
    NAME = "name"
    UNIT = "unit"
    DESCRIBE = "describe"
    CATEGORY = "category"
    SUMMARY = "summary"


def _new_key() -> str:
    return uuid.uuid4().hex


@dataclass
class DeskDraft:
    """A case a staff member files on behalf of a caller, before it is filed."""

    key: str = field(default_factory=_new_key)  # makes the submit idempotent; tags the buttons
    channel: str = ""  # a Channel value (phone, walk_in, letter, other)
    phone: str = ""  # E.164, "" when the caller gave none
    name: str = ""
    unit: str = ""
    description: str = ""
    files: list[AttachmentDraft] = field(default_factory=list)
    suggested: str = ""  # triage's category
    severity: str = ""  # triage's severity
    alternatives: list[str] = field(default_factory=list)
    category: str = ""  # the category the staff member confirmed or chose
    emergency: bool = False  # triage read an emergency, or the caller said yes to its question
    triggers: list[str] = field(default_factory=list)  # the emergency's triggers, when known
    safety_check: str = ""  # the question triage wants asked (a possible emergency)
    editing: bool = False  # an answer changed from the summary: back to the summary after it

    @property
    def tag(self) -> str:
        """A short mark of this form in its buttons: a button of an earlier form is recognised."""
        return self.key[:6]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["files"] = [asdict(item) for item in self.files]
        return data

    @classmethod
    def from_json(cls, raw: object) -> DeskDraft:
        stored = StoredObject(raw, cls.__name__)
        files = []
        for item in stored.objects("files"):
            one = StoredObject(item, "AttachmentDraft")
            if one.text("file_id"):
                files.append(
                    AttachmentDraft(
                        one.text("file_id"),
                        one.text("kind", "photo"),
                        one.text("file_unique_id"),
                        one.text("caption"),
                    )
                )
        editing, emergency = stored.raw.get("editing", False), stored.raw.get("emergency", False)
        return cls(
            key=stored.text("key") or _new_key(),
            channel=stored.text("channel"),
            phone=stored.text("phone"),
            name=stored.text("name"),
            unit=stored.text("unit"),
            description=stored.text("description"),
            files=files,
            suggested=stored.text("suggested"),
            severity=stored.text("severity"),
            alternatives=stored.texts("alternatives"),
            category=stored.text("category"),
            emergency=emergency if isinstance(emergency, bool) else False,
            triggers=stored.texts("triggers"),
            safety_check=stored.text("safety_check"),
            editing=editing if isinstance(editing, bool) else False,
        )
