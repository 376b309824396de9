"""Reading a dialog's stored JSON without trusting it.

A row may have been written by an older or newer version, or edited by hand: it must still load. A value
of the wrong type is replaced by the field's default and logged; nothing here raises.
"""

import logging
from collections.abc import Mapping
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class StoredObject:
    """One stored JSON object being read into a dataclass named `owner` (for the log)."""

    def __init__(self, raw: object, owner: str) -> None:
        if not isinstance(raw, Mapping):
            log.warning("%s: stored data is %s, not an object; starting empty", owner, type(raw))
            raw = {}
        self.raw: Mapping[str, Any] = raw
        self.owner = owner

    def has(self, key: str) -> bool:
        return key in self.raw

    def unknown(self, known: frozenset[str]) -> dict[str, Any]:
        """The keys this version does not know, with their values."""
        return {key: value for key, value in self.raw.items() if key not in known}

    def text(self, key: str, default: str = "") -> str:
        value = self.raw.get(key, default)
        return value if isinstance(value, str) else self._bad(key, value, default)

    def optional_text(self, key: str) -> str | None:
        value = self.raw.get(key)
        return value if value is None or isinstance(value, str) else self._bad(key, value, None)

    def integer(self, key: str, default: int | None = None) -> int | None:
        value = self.raw.get(key, default)
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return self._bad(key, value, default)

    def texts(self, key: str) -> list[str]:
        """A list of strings; items of another type are left out."""
        return self._items(key, str)

    def objects(self, key: str) -> list[Mapping[str, Any]]:
        """A list of JSON objects; items of another type are left out."""
        return self._items(key, Mapping)

    def _items(self, key: str, kind: type) -> list[Any]:
        items = self._list(key)
        kept = [item for item in items if isinstance(item, kind)]
        if len(kept) < len(items):
            log.warning(
                "%s: %d stored %r items are not %s; left out",
                self.owner,
                len(items) - len(kept),
                key,
                kind.__name__,
            )
        return kept

    def _list(self, key: str) -> list[Any]:
        value = self.raw.get(key, [])
        return value if isinstance(value, list) else self._bad(key, value, [])

    def _bad(self, key: str, value: object, default: T) -> T:
        log.warning("%s: stored %r is %s; using %r", self.owner, key, type(value).__name__, default)
        return default
