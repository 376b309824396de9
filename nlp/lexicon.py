"""Dialect and idiom lexicon: Cantonese and Taiwan words rewritten to the Mandarin the rules use.

OpenCC turns script, not words: 火燭 becomes 火烛, still not 着火. The lexicon closes that gap,
and turns figures of speech that look like events (火冒三丈, 气炸了) into what they mean.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Mapping
from pathlib import Path


def load_lexicon(path: Path, canonical: Callable[[str], str]) -> dict[str, str]:
    """``from → to`` of the lexicon TSV; ``from`` is put through ``canonical`` (the script
    conversion), so an entry may be written in Traditional or Simplified characters."""
    with path.open(encoding="utf-8", newline="") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.startswith("#")]
    table: dict[str, str] = {}
    for row in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
        source = canonical((row.get("from") or "").strip())
        target = (row.get("to") or "").strip()
        if source and target and source != target:
            table[source] = target
    return table


class Rewriter:
    """Replaces every lexicon word in one regex pass; where entries overlap the longest wins."""

    def __init__(self, table: Mapping[str, str]) -> None:
        self._table = dict(table)
        words = sorted(self._table, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, words))) if words else None
        self._first = frozenset(w[0] for w in words)

    def __call__(self, text: str) -> str:
        if self._pattern is None or self._first.isdisjoint(text):
            return text
        return self._pattern.sub(lambda m: self._table[m.group()], text)

    def targets(self) -> set[str]:
        """The Mandarin words the lexicon writes (for jieba's dictionary)."""
        return set(self._table.values())
