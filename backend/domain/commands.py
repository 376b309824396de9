"""Commands: one frozen dataclass per case action, the only way a front end asks for a change.

The API, the dashboard, the bot and the scheduler turn their input into a command and hand it to
``CaseService.handle(command, actor)``; the rules of each action live in ``backend.domain.decide``.
What a front end needs to ask a person for a command's input is data on the command: ``inputs`` names
the fields a person types or picks (with whether they are required), ``prompt`` is the msgid the bot
asks with when the command needs one text (docs/architecture.md#commands). The label of an action is
in ``backend.labels`` (one label module), keyed by ``action``.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, ClassVar

from ..i18n import N_
from .enums import Action, DueClock, Severity
from .errors import ValidationFailed

CaseRef = str | int  # a case number as people write it, or the case's id


class CloseReason(StrEnum):
    """Why a case was closed (``case.close_reason``)."""

    CONFIRMED = "confirmed"  # the tenant confirmed it is solved
    NO_RESPONSE = "no_response"  # the follow-up went unanswered
    MANUAL = "manual"  # staff closed it
    CANCELLED = "cancelled"  # the tenant withdrew it (set by Cancel, not chosen on Close)


class InputKind(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    CHOICE = "choice"


@dataclass(frozen=True)
class Input:
    """One field of a command that a person supplies."""

    name: str
    kind: InputKind = InputKind.TEXT
    required: bool = False


@dataclass(frozen=True)
class Attachment:
    """A file sent with a supplement (a Telegram file id)."""

    file_id: str
    kind: str = "photo"
    file_unique_id: str = ""
    caption: str = ""


@dataclass(frozen=True, kw_only=True)
class Command:
    """A request to change one case."""

    ref: CaseRef
    action: ClassVar[Action]
    inputs: ClassVar[tuple[Input, ...]] = ()
    prompt: ClassVar[str] = ""  # what the bot asks for, when the command needs one typed text

    @classmethod
    def text_input(cls) -> Input | None:
        """The one required text a person types for this command (the bot's prompt fills it)."""
        texts = [i for i in cls.inputs if i.kind is InputKind.TEXT and i.required]
        return texts[0] if len(texts) == 1 else None

    @classmethod
    def from_values(cls, ref: CaseRef, values: Mapping[str, Any]) -> "Command":
        """The command from already-parsed input values (missing optional ones take their defaults).

        A missing required input is refused with ValidationFailed naming the field; the domain step
        checks everything else (lengths, known categories, ranges).
        """
        known = {f.name for f in fields(cls) if f.init}
        given = {k: v for k, v in values.items() if k in known and v is not None}
        for spec in cls.inputs:
            value = given.get(spec.name)
            if spec.required and (value is None or (isinstance(value, str) and not value.strip())):
                raise ValidationFailed(f"{spec.name} is required", field=spec.name)
        return cls(ref=ref, **given)


def _text(name: str, required: bool = False) -> Input:
    return Input(name, InputKind.TEXT, required)


@dataclass(frozen=True, kw_only=True)
class Claim(Command):
    action = Action.CLAIM


@dataclass(frozen=True, kw_only=True)
class Assign(Command):
    action = Action.ASSIGN
    inputs = (
        Input("staff_id", InputKind.INTEGER),
        Input("department_code", InputKind.CHOICE),
        _text("note"),
    )
    staff_id: int | None = None
    department_code: str | None = None
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class Start(Command):
    action = Action.START
    inputs = (_text("note"),)
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class AddNote(Command):
    action = Action.NOTE
    inputs = (_text("note", required=True), Input("to_tenant", InputKind.BOOLEAN))
    prompt = N_(
        "Reply to this message with the progress note for case {number} (the tenant will see it)."
    )
    note: str
    to_tenant: bool = True


@dataclass(frozen=True, kw_only=True)
class Resolve(Command):
    action = Action.RESOLVE
    inputs = (_text("resolution", required=True),)
    prompt = N_(
        "Reply to this message with what was done for case {number} (the tenant will see it)."
    )
    resolution: str


@dataclass(frozen=True, kw_only=True)
class Reopen(Command):
    action = Action.REOPEN
    inputs = (_text("reason", required=True),)
    reason: str


@dataclass(frozen=True, kw_only=True)
class Close(Command):
    action = Action.CLOSE
    inputs = (
        Input("reason", InputKind.CHOICE),
        Input("satisfaction", InputKind.INTEGER),
        _text("comment"),
    )
    reason: CloseReason | str = CloseReason.CONFIRMED  # a str from a front end is checked by decide
    satisfaction: int | None = None
    comment: str = ""


@dataclass(frozen=True, kw_only=True)
class MarkInvalid(Command):
    action = Action.INVALID
    inputs = (_text("reason", required=True),)
    prompt = N_(
        "Reply to this message with the reason case {number} is invalid and where the tenant can turn instead."
    )
    reason: str


@dataclass(frozen=True, kw_only=True)
class Cancel(Command):
    action = Action.CANCEL
    inputs = (_text("reason"),)
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class Escalate(Command):
    action = Action.ESCALATE
    inputs = (_text("reason", required=True),)
    prompt = N_("Reply to this message with why case {number} needs the next level.")
    reason: str


@dataclass(frozen=True, kw_only=True)
class ChangeCategory(Command):
    action = Action.RECATEGORIZE
    inputs = (Input("category", InputKind.CHOICE, required=True), _text("reason", required=True))
    prompt = N_("Reply to this message with the reason for changing the category of case {number}.")
    category: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class ChangeSeverity(Command):
    action = Action.CHANGE_SEVERITY
    inputs = (Input("severity", InputKind.CHOICE, required=True), _text("reason", required=True))
    prompt = N_("Reply to this message with the reason for changing the severity of case {number}.")
    severity: Severity | str
    reason: str


@dataclass(frozen=True, kw_only=True)
class Supplement(Command):
    """Details that arrive after the case was filed (an emergency is filed before they are asked)."""

    action = Action.SUPPLEMENT
    inputs = (
        _text("unit"),
        _text("location"),
        _text("contact_name"),
        _text("contact_phone"),
        _text("expectation"),
    )
    unit: str | None = None
    location: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    expectation: str | None = None
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)


@dataclass(frozen=True, kw_only=True)
class AnswerSurvey(Command):
    """The tenant's answer to the follow-up survey: solved (with a 1–5 rating) closes, not solved reopens.

    Given only in the bot's survey, so it is not in COMMANDS; its event is a close or a reopen.
    """

    solved: bool
    satisfaction: int | None = None


@dataclass(frozen=True, kw_only=True)
class IdempotentCommand:
    """A command that may find nothing to do: ``CaseService.handle`` then returns None.

    The scheduler's actions (``scheduled``) re-check in the domain step that their clock is still due,
    and skip a case another instance holds locked; the survey comment is kept once when sent twice.
    """

    ref: CaseRef
    scheduled: ClassVar[bool] = True


@dataclass(frozen=True, kw_only=True)
class EscalateMissedClock(IdempotentCommand):
    """A promise was missed: one level up, and the clock re-armed while there is a level left."""

    clock: DueClock  # ASSIGN or RESOLVE


@dataclass(frozen=True, kw_only=True)
class FeedbackOverdue(IdempotentCommand):
    """Nobody wrote to the tenant in time: an automatic progress note, and a reminder to the owner."""


@dataclass(frozen=True, kw_only=True)
class AgeToMajor(IdempotentCommand):
    """Still unresolved after the policy's ``major_after_days``: the case becomes major."""


@dataclass(frozen=True, kw_only=True)
class JoinIncident(IdempotentCommand):
    """A collective complaint: the case joins the incident and becomes major."""

    incident_id: int
    households: int
    alert_managers: bool = False


@dataclass(frozen=True, kw_only=True)
class LeaveIncident(IdempotentCommand):
    """Staff take the case out of its incident: it gets its own staff card (nothing when it is not in
    that incident any more: a repeated click)."""

    scheduled = False
    incident_id: int


@dataclass(frozen=True, kw_only=True)
class ResolveIncidentCase(IdempotentCommand):
    """The incident is resolved: each of its open cases is resolved with the incident's text (a new case
    straight from "new", owned by the staff member who resolved the incident). Nothing when the case is
    no longer open or no longer in that incident."""

    scheduled = False
    incident_id: int
    resolution: str


@dataclass(frozen=True, kw_only=True)
class SendSurvey(IdempotentCommand):
    """Ask the tenant whether the problem is solved; a tenant without a chat gets a phone call."""


@dataclass(frozen=True, kw_only=True)
class RemindSurvey(IdempotentCommand):
    """The one reminder of an unanswered survey."""


@dataclass(frozen=True, kw_only=True)
class CloseUnanswered(IdempotentCommand):
    """No answer after the reminder: closed as "no response"."""


@dataclass(frozen=True, kw_only=True)
class CommentSurvey(IdempotentCommand):
    """The tenant's closing comment to the survey; the same comment again is kept once."""

    scheduled = False
    comment: str


AnyCommand = Command | IdempotentCommand

# Every command a person can give, by the action name the API path and the forms use.
COMMANDS: dict[Action, type[Command]] = {
    c.action: c
    for c in (
        Claim,
        Assign,
        Start,
        AddNote,
        Resolve,
        Reopen,
        Close,
        MarkInvalid,
        Cancel,
        Escalate,
        ChangeCategory,
        ChangeSeverity,
        Supplement,
    )
}
