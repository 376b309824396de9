"""API tokens: shown once at creation, stored only as a SHA-256 hash."""

import hashlib
import secrets
from datetime import datetime

from ..domain import Role, ValidationFailed
from ..models import ApiToken

PREFIX = "qc_"


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


async def create_token(
    name: str, role: Role | str, now: datetime, estate_ids: list[int] | None = None
) -> tuple[str, ApiToken]:
    """A new token; the plaintext is returned once and never stored. With `estate_ids` it sees and
    acts on those estates' cases only."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed("a token needs a name of 1–100 characters", field="name")
    try:
        role = Role(role)
    except ValueError:
        raise ValidationFailed(f"unknown role {role!r}", field="role") from None
    plaintext = PREFIX + secrets.token_urlsafe(32)
    token = await ApiToken.create(
        name=name,
        role=role,
        token_hash=hash_token(plaintext),
        prefix=plaintext[:10],
        created_at=now,
        estate_ids=sorted(set(estate_ids or [])),
    )
    return plaintext, token


async def authenticate(plaintext: str, now: datetime) -> ApiToken | None:
    """The active token for this plaintext, or None."""
    if not plaintext.startswith(PREFIX) or len(plaintext) > 200:
        return None
    token = await ApiToken.get_or_none(token_hash=hash_token(plaintext), revoked_at=None)
    if token is not None and (
        token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60
    ):
        token.last_used_at = now  # throttled so a busy client does not write on every request
        await token.save(update_fields=["last_used_at"])
    return token


async def revoke_token(token_id: int, now: datetime) -> bool:
    return bool(await ApiToken.filter(id=token_id, revoked_at=None).update(revoked_at=now))
