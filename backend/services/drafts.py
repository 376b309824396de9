"""What a new case is made of, validated before anything touches the database."""

import hashlib
import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

from ..domain import Channel, Kind, Policy, Severity, ValidationFailed
from ..domain.contact import normalize_phone, regions_for

MAX_DESCRIPTION = 10_000
MAX_SHORT = 200


class Triage(Protocol):
    """What a classifier says about a description (nlp.Triage is one): advice the service may use.

    The service reads the suggested kind, category and severity, and keeps `to_dict()` with the case.
    """

    @property
    def kind(self) -> str: ...

    @property
    def category(self) -> str: ...

    @property
    def severity(self) -> str: ...

    def to_dict(self) -> dict[str, Any]: ...


@dataclass
class AttachmentDraft:
    file_id: str
    kind: str = "photo"
    file_unique_id: str = ""
    caption: str = ""


@dataclass
class CaseDraft:
    description: str
    channel: Channel = Channel.CHAT
    kind: Kind | None = None
    category: str | None = None
    severity: Severity | None = None
    location: str = ""
    unit: str = ""
    expectation: str = ""
    subject: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    locale: str = "zh_CN"
    telegram_id: int | None = None
    estate_id: int | None = None  # None: the tenant's estate, else the default estate
    client_key: str | None = None
    attachments: list[AttachmentDraft] = field(default_factory=list)
    triage: Triage | None = None  # already computed by the dialog, if any

    def fingerprint(self) -> str:
        """A digest of what the sender chose (not the triage), to tell a retry from another case."""
        chosen = {
            name: value.value if isinstance(value, Enum) else value
            for name, value in self.__dict__.items()
            if name not in ("triage", "attachments", "client_key")
        }
        chosen["attachments"] = [item.file_unique_id or item.file_id for item in self.attachments]
        text = json.dumps(chosen, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def validated(self, policy: Policy, phone_region: str) -> "CaseDraft":
        """A cleaned copy, or ValidationFailed naming the field.

        The phone is stored in E.164; without + it is read in the regions of the tenant's language and the
        deployment's PHONE_REGION (`phone_region`), see domain.contact.regions_for.
        """
        description = (self.description or "").strip()
        if not description:
            raise ValidationFailed("description must not be empty", field="description")
        if len(description) > MAX_DESCRIPTION:
            raise ValidationFailed(
                f"description is longer than {MAX_DESCRIPTION} characters", field="description"
            )
        if self.category is not None and policy.category(self.category) is None:
            raise ValidationFailed(
                f"unknown category {self.category!r}; expected one of {', '.join(policy.category_codes)}",
                field="category",
            )
        phone = ""
        if self.contact_phone.strip():
            phone = (
                normalize_phone(self.contact_phone, regions_for(self.locale, phone_region)) or ""
            )
            if not phone:
                raise ValidationFailed(
                    "contact_phone is not a valid phone number", field="contact_phone"
                )
        for name in ("location", "unit", "subject", "contact_name"):
            if len(getattr(self, name)) > MAX_SHORT:
                raise ValidationFailed(f"{name} is longer than {MAX_SHORT} characters", field=name)
        if len(self.expectation) > MAX_DESCRIPTION:
            raise ValidationFailed("expectation is too long", field="expectation")
        if self.client_key is not None and not 1 <= len(self.client_key) <= 80:
            raise ValidationFailed("client_key must be 1–80 characters", field="client_key")
        return CaseDraft(
            **{
                **self.__dict__,
                "description": description,
                "contact_phone": phone,
                "location": self.location.strip(),
                "unit": self.unit.strip(),
                "expectation": self.expectation.strip(),
                "subject": self.subject.strip(),
                "contact_name": self.contact_name.strip(),
            }
        )
