"""Keyword rules read from the TSV files in ``nlp/data`` and a fast matcher over all of them."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .clauses import Negation, clause_bounds, clause_of, clause_window


def _split(cell: str | None) -> tuple[str, ...]:
    return tuple(part.strip().lower() for part in (cell or "").split("|") if part.strip())


@dataclass(frozen=True)
class Rule:
    """One keyword: ``term`` adds ``weight`` to ``label`` in ``table`` (category, kind, severity).

    ``near``: it counts only if one of these words is in the same clause ("塌" near "吊顶").
    ``requires``: it counts only if one of these words is somewhere in the text.
    ``unless``: it does not count if one of these words is in the same clause.
    ``excludes``: it does not count if one of these words is anywhere in the text.
    ``also``: and one of these words too, within ``window`` (near and also then look ``window``
    clauses to each side: "电梯停在两层中间 | 门打不开 | 我妈还在里面" is one story).
    ``trigger``/``category`` are used by severity rules only.
    """

    table: str
    label: str
    term: str
    weight: float = 1.0
    near: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    trigger: str = ""
    category: str = ""
    also: tuple[str, ...] = ()
    window: int = 0


@dataclass(frozen=True)
class Hit:
    rule: Rule
    start: int
    end: int
    clause: tuple[int, int]
    negated_by: str | None = None


def load_rules(path: Path, table: str) -> list[Rule]:
    """Rows of a rules TSV (lines starting with ``#`` are comments; the first other line is the header)."""
    with path.open(encoding="utf-8", newline="") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.startswith("#")]
    rules: list[Rule] = []
    for row in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
        term = (row.get("term") or "").strip().lower()
        if not term:
            continue
        label = (row.get("label") or row.get("level") or "").strip()
        rules.append(
            Rule(
                table=table,
                label=label,
                term=term,
                weight=float(row.get("weight") or 1.0),
                near=_split(row.get("near")),
                requires=_split(row.get("requires")),
                unless=_split(row.get("unless")),
                excludes=_split(row.get("excludes")),
                trigger=(row.get("trigger") or "").strip(),
                category=(row.get("category") or "").strip(),
                also=_split(row.get("also")),
                window=int(row.get("window") or 0),
            )
        )
    return rules


def _any_of(words: tuple[str, ...]) -> re.Pattern[str] | None:
    """One compiled alternation: checking a rule's context costs one C call, not a Python loop."""
    return re.compile("|".join(map(re.escape, words))) if words else None


@dataclass(frozen=True)
class _Compiled:
    rule: Rule
    near: re.Pattern[str] | None
    requires: re.Pattern[str] | None
    unless: re.Pattern[str] | None
    excludes: re.Pattern[str] | None
    also: re.Pattern[str] | None

    @classmethod
    def of(cls, rule: Rule) -> _Compiled:
        return cls(
            rule,
            _any_of(rule.near),
            _any_of(rule.requires),
            _any_of(rule.unless),
            _any_of(rule.excludes),
            _any_of(rule.also),
        )

    def holds(self, text: str, clause_text: str, window_text: str) -> bool:
        around = window_text if self.rule.window else clause_text
        return (
            (self.near is None or self.near.search(around) is not None)
            and (self.also is None or self.also.search(around) is not None)
            and (self.requires is None or self.requires.search(text) is not None)
            and (self.unless is None or self.unless.search(clause_text) is None)
            and (self.excludes is None or self.excludes.search(text) is None)
        )


def _is_word(term: str) -> bool:
    return term.isascii() and term[:1].isalnum()


def _glued(text: str, start: int, end: int) -> bool:
    """Whether an ASCII word match is part of a longer word ("ac" in "back")."""
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    return (before.isascii() and before.isalnum()) or (after.isascii() and after.isalnum())


class Matcher:
    """Finds every rule term in a text with one pass over its characters.

    ASCII words must stand alone ("ac" is not in "back"). Within one table a match inside a longer match of the same table is dropped, so
    "消防通道" does not also count as "消防".
    """

    def __init__(self, rules: Iterable[Rule], negation: Negation) -> None:
        by_term: dict[str, list[_Compiled]] = {}
        for rule in rules:
            by_term.setdefault(rule.term, []).append(_Compiled.of(rule))
        # one-character terms by character, longer ones by their first two characters: most
        # positions of a text then cost one or two dict look-ups and no string comparison
        singles: dict[str, tuple[_Compiled, ...]] = {}
        pairs: dict[str, list[tuple[str, tuple[_Compiled, ...], bool]]] = {}
        for term, group in by_term.items():
            if len(term) == 1:
                singles[term] = tuple(group)
            else:
                pairs.setdefault(term[:2], []).append((term, tuple(group), _is_word(term)))
        for entries in pairs.values():
            entries.sort(key=lambda e: len(e[0]), reverse=True)
        self._singles = singles
        self._pairs = pairs
        self._negation = negation

    def find(self, text: str) -> list[Hit]:
        raw: list[tuple[int, int, tuple[_Compiled, ...]]] = []
        singles_get, pairs_get = self._singles.get, self._pairs.get
        n = len(text)
        for i, pair in enumerate(map(str.__add__, text, text[1:] + " ")):
            group = singles_get(pair[0])
            if group is not None and not (_is_word(pair[0]) and _glued(text, i, i + 1)):
                raw.append((i, i + 1, group))
            entries = pairs_get(pair)
            if entries is None:
                continue
            for term, grp, word in entries:
                end = i + len(term)
                if end <= n and (len(term) == 2 or text.startswith(term, i)):
                    if word and _glued(text, i, end):
                        continue
                    raw.append((i, end, grp))
        if not raw:
            return []
        bounds = clause_bounds(text)
        cues = self._negation.cues_in(text)
        spans = [(x, y) for x, y, _ in raw] if cues else []
        hits: list[Hit] = []
        for a, b, group in raw:
            clause = clause_of(bounds, a)
            clause_text = text[clause[0] : clause[1]]
            windows: dict[int, str] = {}
            cue: str | None = ""
            for compiled in group:
                width = compiled.rule.window
                if width and width not in windows:
                    w = clause_window(bounds, a, width)
                    windows[width] = text[w[0] : w[1]]
                if not compiled.holds(text, clause_text, windows.get(width, "")):
                    continue
                if cue == "":  # the same for every rule of this term: compute once
                    cue = self._negation.negated(text, a, clause[0], cues, spans) if cues else None
                hits.append(Hit(compiled.rule, a, b, clause, cue))
        return _drop_nested(hits)


def _drop_nested(hits: Sequence[Hit]) -> list[Hit]:
    """Keep the longest match per table where matches of one table nest.

    Hits are visited by start; per table it is enough to remember the kept span reaching
    furthest: a later hit ending inside it is nested (linear, also for a 2000-character rant).
    """
    kept: list[Hit] = []
    furthest: dict[str, tuple[int, int]] = {}
    for hit in sorted(hits, key=lambda h: (h.start, -(h.end - h.start))):
        span = furthest.get(hit.rule.table)
        if span is not None and span[1] >= hit.end and span != (hit.start, hit.end):
            continue
        if span is None or hit.end > span[1]:
            furthest[hit.rule.table] = (hit.start, hit.end)
        kept.append(hit)
    return kept
