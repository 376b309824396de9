"""Sign-in to the dashboard without passwords: a one-time link from the bot (or the console), then a session.

Tokens are random, shown once and stored as SHA-256 hashes. Deactivating a staff member ends their sessions.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from ..config import Settings
from ..models import SignInLink, Staff, WebSession

LINK_VALID = timedelta(minutes=10)
SIGN_IN_PATH = "/dashboard/sign-in/"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def create_sign_in_link(staff: Staff, settings: Settings, now: datetime) -> str:
    """A one-time URL valid for ten minutes, built from PUBLIC_BASE_URL."""
    token = secrets.token_urlsafe(32)
    await SignInLink.create(
        token_hash=_hash(token), staff=staff, created_at=now, expires_at=now + LINK_VALID
    )
    return f"{settings.base_url}{SIGN_IN_PATH}{token}"


@dataclass(frozen=True)
class NewSession:
    token: str  # for the cookie; never stored
    session: WebSession


async def redeem_sign_in_link(token: str, settings: Settings, now: datetime) -> NewSession | None:
    """Open a session for a valid, unused link of an active staff member; None otherwise (nothing opens)."""
    if not token or len(token) > 100:
        return None
    async with in_transaction() as conn:
        link = (
            await SignInLink.filter(token_hash=_hash(token))
            .using_db(conn)
            .select_for_update()
            .first()
        )
        if link is None or link.used_at is not None or link.expires_at <= now:
            return None
        staff = await Staff.filter(id=link.staff_id, active=True).using_db(conn).get_or_none()
        if staff is None:
            return None
        link.used_at = now
        await link.save(using_db=conn, update_fields=["used_at"])
        session_token = secrets.token_urlsafe(32)
        session = await WebSession.create(
            using_db=conn,
            token_hash=_hash(session_token),
            csrf_token=secrets.token_urlsafe(32),
            staff=staff,
            locale=staff.locale,
            created_at=now,
            expires_at=now + timedelta(hours=settings.session_hours),
        )
    return NewSession(session_token, session)


async def session_for(token: str | None, now: datetime) -> tuple[WebSession, Staff] | None:
    """The live session and its (still active) staff member for a cookie value."""
    if not token or len(token) > 100:
        return None
    session = await WebSession.get_or_none(token_hash=_hash(token), ended_at=None)
    if session is None or session.expires_at <= now:
        return None
    staff = await Staff.get_or_none(id=session.staff_id, active=True)
    return (session, staff) if staff else None


async def set_session_locale(session: WebSession, locale: str) -> None:
    """The dashboard language the reader chose, for the rest of this session."""
    await WebSession.filter(id=session.id).update(locale=locale)


async def end_session(session: WebSession, now: datetime) -> None:
    await WebSession.filter(id=session.id).update(ended_at=now)


async def end_sessions_of(staff_id: int, now: datetime) -> int:
    return await WebSession.filter(staff_id=staff_id, ended_at=None).update(ended_at=now)
