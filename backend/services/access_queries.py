"""Read side of the two one-time secrets: the invite codes still open and the API tokens."""

from datetime import datetime

from ..models import ApiToken, StaffInvite


async def open_invites(now: datetime) -> list[StaffInvite]:
    """Invites not used and not expired, the soonest to expire first, each with its department."""
    return list(
        await StaffInvite.filter(used_at=None, expires_at__gt=now)
        .order_by("expires_at", "id")
        .prefetch_related("department")
    )


async def api_tokens() -> list[ApiToken]:
    """Every API token, the active ones first, then the newest first."""
    tokens = await ApiToken.all().order_by("revoked_at", "-created_at", "-id")
    tokens.sort(key=lambda t: t.revoked_at is not None)  # whatever the database does with NULL
    return tokens


async def api_token_exists(token_id: int) -> bool:
    return await ApiToken.exists(id=token_id)
