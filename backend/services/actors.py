"""Who is acting: the service checks permissions and writes the audit trail from this."""

from dataclasses import dataclass

from ..domain import ActorKind, Role


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: int | None = None  # staff.id, complainant.id or api_token.id
    name: str = ""
    role: Role | None = None

    @classmethod
    def system(cls, name: str = "system") -> "Actor":
        return cls(ActorKind.SYSTEM, name=name)

    @classmethod
    def tenant(cls, complainant_id: int, name: str = "") -> "Actor":
        return cls(ActorKind.TENANT, id=complainant_id, name=name)

    @classmethod
    def staff(cls, staff_id: int, name: str, role: Role) -> "Actor":
        return cls(ActorKind.STAFF, id=staff_id, name=name, role=role)

    @classmethod
    def api(cls, token_id: int, name: str, role: Role) -> "Actor":
        return cls(ActorKind.API, id=token_id, name=name, role=role)

    @property
    def is_human(self) -> bool:
        return self.kind in (ActorKind.STAFF, ActorKind.API)
