"""Who is looking at the dashboard: the signed-in staff member, their session and what they may see."""

from dataclasses import dataclass

from ..domain import Role
from ..i18n import pick_locale
from ..models import Case, Staff, WebSession
from ..services.actors import Actor


@dataclass(frozen=True)
class Viewer:
    session: WebSession
    staff: Staff
    estates: frozenset[int] | None = None  # the estates they see; None: all (head office)

    @property
    def actor(self) -> Actor:
        """The same kind of actor the bot uses: the case service applies the staff role rules."""
        return Actor.staff(self.staff.id, self.staff.name, Role(self.staff.role), self.estates)

    def sees_case(self, case: Case) -> bool:
        return self.actor.sees_estate(case.estate_id)

    @property
    def role(self) -> Role:
        return Role(self.staff.role)

    @property
    def locale(self) -> str:
        return pick_locale(self.session.locale)

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token

    def at_least(self, role: Role) -> bool:
        return self.role.at_least(role)

    @property
    def sees_all_phones(self) -> bool:
        """Supervisors and above see every phone number (exports follow this rule)."""
        return self.at_least(Role.SUPERVISOR)

    def sees_phone_of(self, case: Case) -> bool:
        """The owner of a case also sees the phone number of that case."""
        return self.sees_all_phones or case.owner_id == self.staff.id

    @property
    def sees_reports(self) -> bool:
        return self.at_least(Role.MANAGER)
