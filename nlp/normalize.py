"""One canonical form for what tenants type: NFKC, Simplified Chinese, lower case, tidy spaces."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Mapping

import opencc

# Zero-width characters and emoji variation selectors carry no meaning for triage.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\ufe0e\ufe0f"))
# Whitespace next to a non-ASCII character separates clauses in chat Chinese ("电梯坏了 没人修").
_CJK_SPACE = re.compile(r"\s+(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])\s+")
_SPACES = re.compile(r"\s+")


def _open_converter() -> opencc.OpenCC:
    """OpenCC's Traditional→Simplified converter (the config name differs between builds)."""
    last: Exception | None = None
    for name in ("t2s", "t2s.json"):
        try:
            return opencc.OpenCC(name)
        except Exception as exc:  # noqa: BLE001 - the binding raises plain RuntimeError/ValueError
            last = exc
    raise RuntimeError(f"OpenCC has no Traditional→Simplified config: {last}")


class Normalizer:
    """Callable turning raw text into the form every rule and feature is written in."""

    def __init__(
        self,
        emoji: Mapping[str, str],
        max_chars: int,
        rewrite: Callable[[str], str] | None = None,
    ) -> None:
        self.max_chars = max_chars
        self._table: dict[int, str | None] = dict(_INVISIBLE)
        self._table.update({ord(k): v for k, v in emoji.items() if len(k) == 1})
        self._converter = _open_converter()
        self._lock = threading.Lock()  # the binding makes no thread-safety promise
        self._rewrite = rewrite

    def simplified(self, text: str) -> str:
        """Only the Traditional → Simplified conversion."""
        with self._lock:
            simplified: str = self._converter.convert(text)
        return simplified

    def script(self, text: str) -> str:
        """NFKC, emoji as words, Simplified script and lower case: no dialect rewriting."""
        text = unicodedata.normalize("NFKC", text).translate(self._table)
        if not text.isascii():
            with self._lock:
                text = self._converter.convert(text)
        return text.lower()

    def __call__(self, text: str) -> str:
        text = text[: self.max_chars]  # cut first: nothing below may be slow on a pasted novel
        text = self.script(text)
        if self._rewrite is not None and not text.isascii():
            text = self._rewrite(text)  # Cantonese / Taiwan words and idioms → Mandarin
        text = _CJK_SPACE.sub(",", text.strip())
        return _SPACES.sub(" ", text)
