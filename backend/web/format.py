"""Display helpers bound to one reader: local times, durations, numbers and names in their language."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..config import Settings
from ..domain import Action, ActorKind, Channel, Role, Severity, Status
from ..domain.contact import display_phone, mask_phone
from ..i18n import _
from ..labels import (
    action_name,
    actor_kind_name,
    category_name,
    channel_name,
    kind_name,
    role_name,
    severity_name,
    staff_status_name,
)

NO_VALUE = "—"


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
        return staff_status_name(status, self.locale)

    def category(self, code: str) -> str:
        return category_name(self.settings.policy, code, self.locale)

    def severity(self, severity: Severity | str) -> str:
        return severity_name(severity, self.locale)

    def kind(self, kind: str) -> str:
        return kind_name(kind, self.locale)

    def channel(self, channel: Channel | str) -> str:
        return channel_name(channel, self.locale)

    def action(self, action: Action | str) -> str:
        return action_name(action, self.locale)

    def actor(self, kind: ActorKind | str, name: str = "") -> str:
        """Who did something, for the timeline: a person's name; the tenant and API clients by kind and name;
        the system by kind only (its names, "system" or "scheduler", are internal)."""
        try:
            actor_kind = ActorKind(kind)
        except ValueError:
            return name or str(kind)
        label = actor_kind_name(actor_kind, self.locale)
        if actor_kind is ActorKind.STAFF:
            return name or label
        if actor_kind is ActorKind.SYSTEM or not name:
            return label
        return f"{label} · {name}"

    def role(self, role: Role | str) -> str:
        return role_name(role, self.locale)
