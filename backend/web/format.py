"""Display helpers bound to one reader: local times, durations, numbers and names in their language."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..config import Settings
from ..domain import Action, ActorKind, Channel, Role, Severity, Status
from ..domain.contact import display_phone, mask_phone
from ..i18n import N_, _
from ..labels import kind_name, severity_name
from ..services.reports import category_label, status_label

NO_VALUE = "—"

CHANNEL_NAMES = {
    Channel.CHAT: N_("Chat"),
    Channel.PHONE: N_("Phone"),
    Channel.WALK_IN: N_("Walk-in"),
    Channel.LETTER: N_("Letter"),
    Channel.EMAIL: N_("Email"),
    Channel.SUGGESTION_BOX: N_("Suggestion box"),
}
ACTION_NAMES = {
    Action.SUBMIT: N_("Submitted"),
    Action.CLAIM: N_("Claimed"),
    Action.ASSIGN: N_("Assigned"),
    Action.START: N_("Work started"),
    Action.NOTE: N_("Note"),
    Action.RESOLVE: N_("Resolved"),
    Action.REOPEN: N_("Case reopened"),  # "Reopened" alone is the count of reopenings
    Action.CLOSE: N_("Closed"),
    Action.INVALID: N_("Marked invalid"),
    Action.CANCEL: N_("Cancelled"),
    Action.ESCALATE: N_("Escalated"),
    Action.RECATEGORIZE: N_("Category changed"),
    Action.CHANGE_SEVERITY: N_("Severity changed"),
    Action.SUPPLEMENT: N_("Details added"),
    Action.COMMENT: N_("Tenant comment"),
}
ACTOR_KINDS = {
    ActorKind.TENANT: N_("Tenant"),
    ActorKind.STAFF: N_("Staff"),
    ActorKind.API: N_("API client"),
    ActorKind.SYSTEM: N_("System"),
}
ROLE_NAMES = {
    Role.AGENT: N_("Agent"),
    Role.SUPERVISOR: N_("Supervisor"),
    Role.MANAGER: N_("Manager"),
    Role.ADMIN: N_("Administrator"),
}


@dataclass(frozen=True)
class Due:
    """A promise or clock: when, and how far away (negative: missed)."""

    when: str
    left: str
    overdue: bool


@dataclass(frozen=True)
class Formatter:
    settings: Settings
    locale: str
    now: datetime

    def t(self, message: str, **values: Any) -> str:
        return _(message, self.locale, **values)

    def phone(self, phone: str, *, full: bool) -> str:
        """The whole number as people of the deployment's region write it, or masked."""
        return display_phone(phone, self.settings.phone_region) if full else mask_phone(phone)

    # ---- time ----------------------------------------------------------------------------------

    def when(self, moment: datetime | None) -> str:
        if moment is None:
            return NO_VALUE
        return moment.astimezone(self.settings.timezone).strftime("%Y-%m-%d %H:%M")

    def duration(self, span: timedelta) -> str:
        minutes = int(abs(span.total_seconds()) // 60)
        days, rest = divmod(minutes, 24 * 60)
        hours, mins = divmod(rest, 60)
        if days:
            return self.t("{days} d {hours} h", days=days, hours=hours)
        if hours:
            return self.t("{hours} h {minutes} min", hours=hours, minutes=mins)
        return self.t("{minutes} min", minutes=mins)

    def due(self, moment: datetime | None) -> Due | None:
        if moment is None:
            return None
        left = moment - self.now
        if left.total_seconds() >= 0:
            return Due(
                self.when(moment), self.t("due in {duration}", duration=self.duration(left)), False
            )
        return Due(
            self.when(moment), self.t("overdue by {duration}", duration=self.duration(left)), True
        )

    # ---- numbers -------------------------------------------------------------------------------

    @staticmethod
    def percent(value: float | None) -> str:
        return NO_VALUE if value is None else f"{value * 100:.1f}%"

    def hours(self, value: float | None) -> str:
        return NO_VALUE if value is None else self.t("{hours} h", hours=f"{value:.1f}")

    @staticmethod
    def decimal(value: float | None) -> str:
        return NO_VALUE if value is None else f"{value:.2f}"

    # ---- names ---------------------------------------------------------------------------------

    def status(self, status: Status | str) -> str:
        return status_label(status, self.locale)

    def category(self, code: str) -> str:
        return category_label(self.settings, code, self.locale)

    def severity(self, severity: Severity | str) -> str:
        return severity_name(severity, self.locale)

    def kind(self, kind: str) -> str:
        return kind_name(kind, self.locale)

    def channel(self, channel: Channel | str) -> str:
        try:
            return self.t(CHANNEL_NAMES[Channel(channel)])
        except ValueError:
            return str(channel)

    def action(self, action: Action | str) -> str:
        try:
            return self.t(ACTION_NAMES[Action(action)])
        except (ValueError, KeyError):
            return str(action)

    def actor(self, kind: ActorKind | str, name: str = "") -> str:
        """Who did something, for the timeline: a person's name; the tenant and API clients by kind and name;
        the system by kind only (its names, "system" or "scheduler", are internal)."""
        try:
            actor_kind = ActorKind(kind)
        except ValueError:
            return name or str(kind)
        label = self.t(ACTOR_KINDS[actor_kind])
        if actor_kind is ActorKind.STAFF:
            return name or label
        if actor_kind is ActorKind.SYSTEM or not name:
            return label
        return f"{label} · {name}"

    def role(self, role: Role | str) -> str:
        return self.t(ROLE_NAMES[Role(role)])
