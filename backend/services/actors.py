"""Who is acting: the service checks permissions and writes the audit trail from this."""

from dataclasses import dataclass

from ..domain import ActorKind, Role


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: int | None = None  # staff.id, complainant.id or api_token.id
    name: str = ""
    role: Role | None = None
    # The estates whose cases the actor may see and act on; None: every estate (docs/domain.md#estates).
    estates: frozenset[int] | None = None

    @classmethod
    def system(cls, name: str = "system") -> "Actor":
        return cls(ActorKind.SYSTEM, name=name)

    @classmethod
    def tenant(cls, complainant_id: int, name: str = "") -> "Actor":
        return cls(ActorKind.TENANT, id=complainant_id, name=name)

    @classmethod
    def staff(
        cls, staff_id: int, name: str, role: Role, estates: frozenset[int] | None = None
    ) -> "Actor":
        return cls(ActorKind.STAFF, id=staff_id, name=name, role=role, estates=estates)

    @classmethod
    def api(
        cls, token_id: int, name: str, role: Role, estates: frozenset[int] | None = None
    ) -> "Actor":
        return cls(ActorKind.API, id=token_id, name=name, role=role, estates=estates)

    def sees_estate(self, estate_id: int | None) -> bool:
        """Whether a case of `estate_id` is within the actor's estates (a case of no estate: only for
        those who see every estate)."""
        return self.estates is None or (estate_id is not None and estate_id in self.estates)

    @property
    def home_estate(self) -> int | None:
        """The estate a case the actor files for a caller belongs to: their one estate (None: several
        or all — the case goes to the first estate)."""
        return next(iter(self.estates)) if self.estates and len(self.estates) == 1 else None

    @property
    def is_human(self) -> bool:
        return self.kind in (ActorKind.STAFF, ActorKind.API)
