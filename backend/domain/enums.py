"""The vocabulary of a case, as in docs/domain.md#categories-kinds-and-channels. String enums so they store and serialise as plain text."""

from enum import StrEnum


class Kind(StrEnum):
    COMPLAINT = "complaint"
    REPAIR = "repair"
    INQUIRY = "inquiry"
    SUGGESTION = "suggestion"


class Severity(StrEnum):
    GENERAL = "general"
    IMPORTANT = "important"
    MAJOR = "major"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.GENERAL: 0, Severity.IMPORTANT: 1, Severity.MAJOR: 2}


class Status(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    INVALID = "invalid"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        """Open means somebody still owes the tenant work."""
        return self in (Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS)


class Channel(StrEnum):
    CHAT = "chat"
    PHONE = "phone"
    WALK_IN = "walk_in"
    LETTER = "letter"
    EMAIL = "email"
    SUGGESTION_BOX = "suggestion_box"
    OTHER = "other"  # registered by staff, came some other way


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]

    def at_least(self, other: "Role") -> bool:
        return self.rank >= other.rank


_ROLE_RANK = {Role.AGENT: 1, Role.SUPERVISOR: 2, Role.MANAGER: 3, Role.ADMIN: 4}


class ResidentRole(StrEnum):
    """How a person of the resident register lives in their unit."""

    OWNER = "owner"
    TENANT = "tenant"
    SHOP = "shop"  # a shop tenant of a commercial unit


class ActorKind(StrEnum):
    TENANT = "tenant"
    STAFF = "staff"
    API = "api"
    SYSTEM = "system"


class Action(StrEnum):
    SUBMIT = "submit"
    CLAIM = "claim"
    ASSIGN = "assign"
    START = "start"
    NOTE = "note"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    CLOSE = "close"
    INVALID = "invalid"
    CANCEL = "cancel"
    ESCALATE = "escalate"
    RECATEGORIZE = "recategorize"
    CHANGE_SEVERITY = "change_severity"
    SUPPLEMENT = (
        "supplement"  # more details from the tenant (place, contact, photos) after submitting
    )
    COMMENT = "comment"  # the tenant's comment to the follow-up survey


class DueClock(StrEnum):
    """The action clocks of a case: while one is set and in the past, the scheduler acts on the case."""

    ASSIGN = "assign"
    FEEDBACK = "feedback"
    RESOLVE = "resolve"
    HARD = "hard"
    FOLLOWUP = "followup"
    SURVEY_REMINDER = "survey_reminder"
    SURVEY_CLOSE = "survey_close"

    @property
    def column(self) -> str:
        """The Case column that holds this clock."""
        return _CLOCK_COLUMNS.get(self, f"{self.value}_due_at")


_CLOCK_COLUMNS = {
    DueClock.SURVEY_REMINDER: "survey_reminder_at",
    DueClock.SURVEY_CLOSE: "survey_close_at",
}
