"""What the intake dialog has collected so far, as it is stored in `Dialog.data`.

Stored JSON, version 1 (`"v": 1`). Rows written before the version field existed (no `"v"`) have the same
keys and load unchanged. Reading never raises: a value of the wrong type becomes the field's default (and
is logged), keys this version does not know (a newer version's) are kept and written back as they were,
and the retired key "severity" (triage's guess, never read) is dropped.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from backend.services.drafts import AttachmentDraft

from ..stored_json import StoredObject
from .steps import Step

log = logging.getLogger(__name__)

VERSION = 1
KNOWN = frozenset(
    {
        "v",
        "key",
        "locale",
        "parts",
        "files",
        "suggested",
        "alternatives",
        "kind",
        "category",
        "triggers",
        "safety",
        "safety_done",
        "case",
        "return_to",
        "unit",
        "phone",
        "name",
        "telegram_name",
        "expectation",
    }
)
RETIRED = frozenset({"severity"})


def _new_key() -> str:
    return uuid.uuid4().hex


@dataclass
class IntakeDraft:
    """A tenant's case before it is filed (and, after an emergency was filed early, the answers still
    to add to it)."""

    key: str = field(default_factory=_new_key)  # makes the submit idempotent; tags safety buttons
    locale: str = ""  # the language the dialog started in
    parts: list[str] = field(default_factory=list)  # the description, one item per message
    files: list[AttachmentDraft] = field(default_factory=list)
    suggested_category: str | None = None  # triage's guess; None until the category is asked
    alternatives: list[str] = field(default_factory=list)  # other categories to offer
    kind: str = ""  # triage's kind (complaint, repair, …)
    category: str = ""  # the category the tenant confirmed
    triggers: list[str] | None = None  # the emergency's triggers; None: not filed as an emergency
    safety_question: str = ""  # the safety check asked and not yet answered
    safety_answered: list[str] = field(default_factory=list)  # checks not to ask again
    case_number: str = ""  # the case filed early for an emergency
    return_to: Step | None = None  # Step.SUMMARY while the tenant changes one answer
    unit: str = ""
    phone: str = ""
    name: str = ""
    telegram_name: str = ""  # the name on a shared contact, offered as the name
    expectation: str = ""
    unknown: dict[str, Any] = field(default_factory=dict)  # a newer version's keys, kept

    @property
    def description(self) -> str:
        return "\n".join(self.parts)

    @property
    def is_emergency(self) -> bool:
        return self.triggers is not None

    def answer(self, step: Step, value: str) -> None:
        """Store the answer to a question asked by typing or by a button."""
        if step == Step.UNIT:
            self.unit = value
        elif step == Step.PHONE:
            self.phone = value
        elif step == Step.NAME:
            self.name = value
        elif step == Step.EXPECT:
            self.expectation = value
        else:
            raise ValueError(f"{step} is not answered with text")

    def to_json(self) -> dict[str, Any]:
        """The stored form. Optional keys are left out while unset, as before versions existed."""
        data: dict[str, Any] = {
            **self.unknown,
            "v": VERSION,
            "key": self.key,
            "locale": self.locale,
            "parts": list(self.parts),
        }
        optional: dict[str, Any] = {
            "files": [asdict(attachment) for attachment in self.files],
            "alternatives": list(self.alternatives),
            "kind": self.kind,
            "category": self.category,
            "safety": self.safety_question,
            "safety_done": list(self.safety_answered),
            "case": self.case_number,
            "return_to": self.return_to.value if self.return_to else "",
            "unit": self.unit,
            "phone": self.phone,
            "name": self.name,
            "telegram_name": self.telegram_name,
            "expectation": self.expectation,
        }
        data.update({key: value for key, value in optional.items() if value})
        if self.suggested_category is not None:
            data["suggested"] = self.suggested_category
        if self.triggers is not None:
            data["triggers"] = list(self.triggers)
        return data

    @classmethod
    def from_json(cls, raw: object) -> IntakeDraft:
        """Any stored row, of any version; never raises (see the module's docstring)."""
        stored = StoredObject(raw, cls.__name__)
        version = stored.integer("v", 0)
        if version is not None and version > VERSION:
            log.warning("intake draft of version %s read by version %s", version, VERSION)
        key = stored.text("key")
        if not key:
            log.warning("intake draft without a key; given a new one")
        return cls(
            key=key or _new_key(),
            locale=stored.text("locale"),
            parts=stored.texts("parts"),
            files=[
                attachment
                for item in stored.objects("files")
                if (attachment := _attachment(StoredObject(item, "AttachmentDraft")))
            ],
            suggested_category=stored.optional_text("suggested"),
            alternatives=stored.texts("alternatives"),
            kind=stored.text("kind"),
            category=stored.text("category"),
            triggers=stored.texts("triggers") if stored.has("triggers") else None,
            safety_question=stored.text("safety"),
            safety_answered=stored.texts("safety_done"),
            case_number=stored.text("case"),
            return_to=_step(stored.text("return_to")),
            unit=stored.text("unit"),
            phone=stored.text("phone"),
            name=stored.text("name"),
            telegram_name=stored.text("telegram_name"),
            expectation=stored.text("expectation"),
            unknown=stored.unknown(KNOWN | RETIRED),
        )


def _attachment(stored: StoredObject) -> AttachmentDraft | None:
    file_id = stored.text("file_id")
    if not file_id:
        log.warning("stored attachment without a file id left out")
        return None
    return AttachmentDraft(
        file_id,
        stored.text("kind", "photo"),
        stored.text("file_unique_id"),
        stored.text("caption"),
    )


def _step(value: str) -> Step | None:
    if not value:
        return None
    try:
        return Step(value)
    except ValueError:
        log.warning("intake draft returns to unknown step %r; ignored", value)
        return None
