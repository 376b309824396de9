"""Telegram's sending limits as a budget: about 30 messages a second overall and 20 a minute into one
group. Messages over budget wait in the outbox for a later round instead of being refused by Telegram.
"""

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

GLOBAL_PER_SECOND = 30
GROUP_PER_MINUTE = 20


@dataclass
class SendBudget:
    global_limit: int = GLOBAL_PER_SECOND
    group_limit: int = GROUP_PER_MINUTE
    _all: deque[datetime] = field(default_factory=deque)
    _groups: dict[int, deque[datetime]] = field(default_factory=dict)

    def allow(self, chat_id: int, now: datetime) -> bool:
        """True and counted when a message to `chat_id` may go now."""
        _trim(self._all, now - timedelta(seconds=1))
        if len(self._all) >= self.global_limit:
            return False
        if chat_id < 0:  # groups and channels have negative ids
            window = self._groups.setdefault(chat_id, deque())
            _trim(window, now - timedelta(minutes=1))
            if len(window) >= self.group_limit:
                return False
            window.append(now)
        self._all.append(now)
        return True


def _trim(window: deque[datetime], before: datetime) -> None:
    while window and window[0] <= before:
        window.popleft()
