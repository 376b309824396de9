"""Noticing that a file was replaced, cheaply: one ``stat`` at most every few seconds.

``model.save`` writes a temporary file and renames it over the old one, so a replaced file has a
new inode (and usually a new mtime and size) while a reader never sees half of one. Several
instances sharing the data directory each notice the same rename on their own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FileIdentity:
    mtime_ns: int
    size: int
    inode: int


def identify(path: Path) -> FileIdentity | None:
    """The file's identity now; None when it is missing or cannot be looked at."""
    try:
        st = path.stat()
    except OSError:
        return None
    return FileIdentity(st.st_mtime_ns, st.st_size, st.st_ino)


class FileWatch:
    """One file's identity, looked at no more often than every ``every`` seconds of ``clock``.

    Not thread-safe: callers serialise ``poll``; ``due`` may be read without a lock.
    """

    def __init__(
        self, path: Path, every: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.path = path
        self._every = every
        self._clock = clock
        self._seen = identify(path)
        self._next_check = clock() + every

    def due(self) -> bool:
        return self._clock() >= self._next_check

    def poll(self) -> bool:
        """True once per replacement: when due and the identity differs from the last one seen."""
        if not self.due():
            return False
        self._next_check = self._clock() + self._every
        now = identify(self.path)
        if now == self._seen:
            return False
        self._seen = now
        return True
