"""Severity as its own decision: emergencies, collective complaints, repeat/promise/trade/media.

Policy (docs/domain.md#severity):
- an emergency trigger that is not negated ("没有煤气味了") nor hedged in its clause ("有火灾隐患",
  "万一着火") makes a case major and an *emergency* (filed at once, the duty officer alerted);
- a text that states three or more households ("三十多户", "12户业主") or the whole building
  ("全楼", "业委会", "联名") is a collective complaint: major, but not an emergency;
- a vaguer plural ("居民们", "大家", "好几家"), a repeat, a broken promise, a shop that cannot trade
  or a complaint through the media is important;
- a hint of an emergency with weak evidence (a stopped lift, nobody said to be inside; a faint
  smell of smoke or gas; water on the floor) is a *safety check*: the dialog asks one yes/no
  question, and "yes" makes it the emergency.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .households import stated_households
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
    safety_check: str = ""


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


class SeverityJudge:
    def __init__(
        self,
        hypothetical: Sequence[str],
        priority: Sequence[str],
        min_households: int = 3,
        over: Sequence[str] = (),
    ) -> None:
        self.hypothetical = tuple(hypothetical)
        self.over = tuple(over)
        self._rank = {trigger: i for i, trigger in enumerate(priority)}
        self.min_households = min_households

    def judge(self, text: str, hits: Sequence[Hit]) -> SeverityResult:
        by_level: dict[str, list[Hit]] = {}
        over = any(m in text for m in self.over)  # "虚惊一场": whatever happened is over
        for hit in hits:
            if hit.rule.table != "severity" or hit.negated_by:
                continue
            level = hit.rule.label
            if over and level in ("major", "check", "collective"):
                continue
            if level in ("major", "check", "collective"):
                clause = text[hit.clause[0] : hit.clause[1]]
                if any(m in clause for m in self.hypothetical):
                    continue
            by_level.setdefault(level, []).append(hit)
        major = by_level.get("major", [])
        important = by_level.get("important", []) + by_level.get("plural", [])
        collective = list(by_level.get("collective", []))
        count = stated_households(text)
        counted = count is not None and count[0] >= self.min_households
        is_collective = bool(collective) or counted
        words = [text[h.start : h.end] for h in (*major, *collective)]
        if counted and count is not None:
            words.append(count[1])
        words += [text[h.start : h.end] for h in important]
        checks = sorted(
            by_level.get("check", []),
            key=lambda h: (self._rank.get(h.rule.trigger, len(self._rank)), h.start),
        )
        check = checks[0].rule.trigger if checks and not major else ""
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
        if is_collective:
            # "plural" says less than the count that made it collective
            triggers = [
                "collective",
                *(h.rule.trigger for h in important if h.rule.label != "plural"),
            ]
            return SeverityResult(
                "major", False, True, _unique(triggers), _unique(words), safety_check=check
            )
        if important:
            return SeverityResult(
                "important",
                False,
                False,
                _unique(h.rule.trigger for h in important),
                _unique(words),
                safety_check=check,
            )
        evidence = _unique(text[h.start : h.end] for h in checks) if check else ()
        return SeverityResult("general", False, False, (), evidence, safety_check=check)
