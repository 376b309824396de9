"""Severity from the hits of the severity rules: emergencies, repeat/promise/trade/media, collective.

Policy (domain.md): an emergency trigger makes a case major. Collective wording ("整栋楼",
"好几户") sets ``collective`` and raises severity to at least *important*: the text alone cannot
prove three households, so *major* for a collective complaint is the backend's household rule.
Missing an emergency is the worst error, so triggers are broad and only negation ("没有煤气味")
or hedging in the same clause ("有火灾隐患", "万一着火") switches one off.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .rules import Hit


@dataclass(frozen=True)
class SeverityResult:
    severity: str
    emergency: bool
    collective: bool
    triggers: tuple[str, ...]
    evidence: tuple[str, ...]
    # category choices of the emergency, e.g. ("facility", "utilities"): the first unless the
    # second scores higher; empty when the emergency does not decide the category (injury).
    emergency_categories: tuple[str, ...] = ()


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


class SeverityJudge:
    def __init__(self, hypothetical: Sequence[str], priority: Sequence[str]) -> None:
        self.hypothetical = tuple(hypothetical)
        self._rank = {trigger: i for i, trigger in enumerate(priority)}

    def judge(self, text: str, hits: Sequence[Hit]) -> SeverityResult:
        major: list[Hit] = []
        important: list[Hit] = []
        collective: list[Hit] = []
        for hit in hits:
            if hit.rule.table != "severity" or hit.negated_by:
                continue
            level = hit.rule.label
            if level == "major":
                clause = text[hit.clause[0] : hit.clause[1]]
                if not any(m in clause for m in self.hypothetical):
                    major.append(hit)
            elif level == "important":
                important.append(hit)
            elif level == "collective":
                collective.append(hit)
        is_collective = bool(collective)
        words = [text[h.start : h.end] for h in (*major, *important, *collective)]
        if major:
            cats: tuple[str, ...] = ()
            # the most telling trigger that names a category decides: fire before the power cut
            # it caused, a trapped person before the broken lift
            major.sort(key=lambda h: (self._rank.get(h.rule.trigger, len(self._rank)), h.start))
            for hit in major:
                if hit.rule.category:
                    cats = tuple(c for c in hit.rule.category.split("|") if c)
                    break
            return SeverityResult(
                "major",
                True,
                is_collective,
                _unique(h.rule.trigger for h in major),
                _unique(words),
                cats,
            )
        if important or is_collective:
            return SeverityResult(
                "important",
                False,
                is_collective,
                _unique(h.rule.trigger for h in (*important, *collective)),
                _unique(words),
            )
        return SeverityResult("general", False, False, (), ())
