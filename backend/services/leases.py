"""Leases: a named role that only one process may hold at a time, kept alive by renewing it.

A process that dies without releasing (SIGKILL, power loss) loses its lease when it expires, so another
instance can take over without anyone cleaning up by hand.
"""

import os
import secrets
import socket
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from backend.models import Lease


class LeaseHeld(RuntimeError):
    """Another process holds the lease; the message says which one and until when."""

    def __init__(self, name: str, holder: str, expires_at: datetime, hint: str = "") -> None:
        message = f"{name} is held by {holder} until {expires_at:%Y-%m-%d %H:%M:%S} UTC"
        super().__init__(f"{message}. {hint}" if hint else message)
        self.name = name
        self.holder = holder
        self.expires_at = expires_at


def this_process() -> str:
    """A holder name a person can find: host, pid and a random tag (pids repeat across hosts)."""
    return f"{socket.gethostname()} pid {os.getpid()} ({secrets.token_hex(3)})"


async def acquire(name: str, holder: str, now: datetime, ttl: timedelta) -> None:
    """Take or renew the lease `name` for `holder` until now + ttl; LeaseHeld when someone else has it."""
    renewed = await Lease.filter(name=name, holder=holder).update(expires_at=now + ttl)
    if renewed:
        return
    taken_over = (
        await Lease.filter(name=name)
        .filter(Q(expires_at__lt=now))
        .update(holder=holder, taken_at=now, expires_at=now + ttl)
    )
    if taken_over:
        return
    try:
        await Lease.create(name=name, holder=holder, taken_at=now, expires_at=now + ttl)
        return
    except IntegrityError:
        pass
    current = await Lease.get_or_none(name=name)
    if current is None:  # released between our two steps: try once more from the start
        return await acquire(name, holder, now, ttl)
    raise LeaseHeld(name, current.holder, current.expires_at)


async def release(name: str, holder: str) -> None:
    await Lease.filter(name=name, holder=holder).delete()
