"""Clauses, negation and hedging: where a keyword stops counting."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence

_END = 1 << 62
_BREAKS = re.compile(r"[,.!?;:，。！？；：、…~\n]+")


def clause_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of every clause, split at punctuation."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for m in _BREAKS.finditer(text):
        if m.start() > start:
            bounds.append((start, m.start()))
        start = m.end()
    if start < len(text):
        bounds.append((start, len(text)))
    return bounds


def clause_of(bounds: Sequence[tuple[int, int]], pos: int) -> tuple[int, int]:
    """The clause (from ``clause_bounds``) holding position ``pos``."""
    i = bisect_right(bounds, (pos, _END)) - 1
    if i >= 0 and bounds[i][0] <= pos < bounds[i][1]:
        return bounds[i]
    return pos, pos


def clause_window(bounds: Sequence[tuple[int, int]], pos: int, width: int) -> tuple[int, int]:
    """From the start of the clause ``width`` clauses before the one holding ``pos`` to the end
    of the one ``width`` clauses after it."""
    i = bisect_right(bounds, (pos, _END)) - 1
    if i < 0:
        return pos, pos
    lo, hi = max(0, i - width), min(len(bounds) - 1, i + width)
    return bounds[lo][0], bounds[hi][1]


class Negation:
    """Decides whether a keyword is negated ("没有漏水了", "不是噪音问题").

    A cue negates a keyword starting at most ``gap`` characters after the cue, in the same clause.
    Cue characters inside an exception ("是不是", "不停", "没人") or inside another matched
    keyword ("灯不亮") do not count.
    """

    def __init__(self, cues: Iterable[str], exceptions: Iterable[str], gap: int) -> None:
        self.cues = tuple(sorted(set(cues), key=len, reverse=True))
        self.exceptions = tuple(sorted(set(exceptions), key=len, reverse=True))
        self.gap = gap
        # overlapping search (a lookahead) so that "没有" also yields "没"
        self._cue_re = re.compile("(?=(" + "|".join(map(re.escape, self.cues)) + "))")
        self._exc_re = re.compile("(?=(" + "|".join(map(re.escape, self.exceptions)) + "))")
        self._reach = gap + max((len(c) for c in self.cues), default=0)

    def cues_in(self, text: str) -> list[tuple[int, int]]:
        """Spans of the cues of ``text`` that are not part of an exception word."""
        found = [(m.start(), m.start() + len(m.group(1))) for m in self._cue_re.finditer(text)]
        if not found:
            return []
        excepted = [(m.start(), m.start() + len(m.group(1))) for m in self._exc_re.finditer(text)]
        return [
            (a, b)
            for a, b in found
            if not any(e_a <= a < e_b or e_a < b <= e_b for e_a, e_b in excepted)
        ]

    def negated(
        self,
        text: str,
        start: int,
        clause_start: int,
        cues: Sequence[tuple[int, int]],
        masked: Sequence[tuple[int, int]],
    ) -> str | None:
        """The cue (from ``cues_in``, sorted) negating the keyword at ``start``, or None."""
        lo = bisect_left(cues, (max(clause_start, start - self._reach), -1))
        hi = bisect_left(cues, (start, -1))
        for a, b in cues[lo:hi]:
            if a >= clause_start and b <= start and start - b <= self.gap:
                if any(m_a < b and a < m_b for m_a, m_b in masked):
                    continue  # the cue is part of another keyword ("灯不亮")
                return text[a:b]
        return None
