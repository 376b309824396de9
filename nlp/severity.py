"""Severity as its own decision: emergencies, collective complaints, repeat/promise/trade/media.

Policy (docs/domain.md#severity):
- an emergency trigger that is not negated ("没有煤气味了") nor hedged in its clause ("有火灾隐患",
  "万一着火") makes a case major and an *emergency* (filed at once, the duty officer alerted);
- a text that states three or more households ("三十多户", "12户业主") or the whole building
  ("全楼", "业委会", "联名") is a collective complaint: major, but not an emergency;
- a vaguer plural ("居民们", "大家", "好几家"), a repeat, a broken promise, a shop that cannot trade
  or a complaint through the media is important;
- a trigger hedged as a risk ("万一着火", "差点砸到人") or told as something that has happened before
  ("滑倒过一次") is a hazard: important, not an emergency;
- "is it the whole building?" asked as a question is not a collective complaint;
- a hint of an emergency with weak evidence (a stopped lift, nobody said to be inside; a faint
  smell of smoke or gas; water on the floor) is a *safety check*: the dialog asks one yes/no
  question, and "yes" makes it the emergency.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .clauses import clause_bounds, clause_of
from .households import stated_households
from .rules import Hit

# "滑倒过", "被夹过一次": the experiential 过 right after a trigger, then a count of times or the
# end of the clause, tells something that happened before ("晕过去", "爆裂过道" are not the past).
_AFTER_EXPERIENTIAL = "一两二三四五几好多很"
_CLAUSE_END = ",.!?;:，。！？；：、…~ \n"
# A clause that ends in a question particle, or weighs the building against the tenant's own flat,
# asks rather than states; a bare "?" does not ("全楼停水一天了？" is indignation).
_QUESTION_ENDINGS = ("吗", "么", "嘛")
_QUESTION_WORDS = (
    "是不是",
    "是否",
    "还是只有",
    "还是就",
    "还是只是",
    "定系",
    "or just",
    "is it",
    "anyone else",
)
# ... unless it is a complaint dressed as a question ("为什么全楼都停水了？")
_RHETORICAL = ("为什么", "为啥", "凭什么", "怎么", "咋", "why", "how come")


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
        risk: Sequence[str] = (),
    ) -> None:
        self.hypothetical = tuple(hypothetical)
        self.over = tuple(over)
        self.risk = tuple(risk)
        self._plain = tuple(m for m in self.hypothetical if m not in self.risk)
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
                if level == "collective" and _asks(text, hit.clause):
                    continue  # "是整栋都这样吗？": the tenant does not know, nobody spoke for it
                if any(m in clause for m in self._plain):
                    continue  # a drill, a rumour, last week's event: nothing now
                if level != "collective" and (
                    _experienced(text, hit.end) or any(m in clause for m in self.risk)
                ):
                    by_level.setdefault("hazard", []).append(hit)  # "滑倒过一次", "万一着火"
                    continue
            by_level.setdefault(level, []).append(hit)
        major = by_level.get("major", [])
        hazards = by_level.get("hazard", [])
        important = by_level.get("important", []) + by_level.get("plural", [])
        collective = list(by_level.get("collective", []))
        count = stated_households(text)
        counted = (
            count is not None
            and count[0] >= self.min_households
            and not _asks(text, _clause_around(text, text.find(count[1])))
        )
        is_collective = bool(collective) or counted
        words = [text[h.start : h.end] for h in (*major, *collective)]
        if counted and count is not None:
            words.append(count[1])
        words += [text[h.start : h.end] for h in important]
        if hazards and not major:
            words += [text[h.start : h.end] for h in hazards]
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
                *(["hazard"] if hazards else []),
            ]
            return SeverityResult(
                "major", False, True, _unique(triggers), _unique(words), safety_check=check
            )
        if important or hazards:
            return SeverityResult(
                "important",
                False,
                False,
                _unique([*(h.rule.trigger for h in important), *(["hazard"] if hazards else [])]),
                _unique(words),
                safety_check=check,
            )
        evidence = _unique(text[h.start : h.end] for h in checks) if check else ()
        return SeverityResult("general", False, False, (), evidence, safety_check=check)


def _experienced(text: str, end: int) -> bool:
    """Whether the trigger ending at ``end`` is followed by the experiential 过 ("摔倒过一次")."""
    if text[end : end + 1] != "过":
        return False
    after = text[end + 1 : end + 2]
    return after == "" or after in _AFTER_EXPERIENTIAL or after in _CLAUSE_END


def _clause_around(text: str, pos: int) -> tuple[int, int]:
    """The clause holding ``pos`` (cut at punctuation)."""
    return clause_of(clause_bounds(text), max(pos, 0))


def _asks(text: str, clause: tuple[int, int]) -> bool:
    """Whether the clause asks: a question particle at its end or a question word in it
    ("是整栋都这样吗", "is it the whole building or just me")."""
    body = text[clause[0] : clause[1]].rstrip()
    if any(w in body for w in _RHETORICAL):
        return False
    return body.endswith(_QUESTION_ENDINGS) or any(w in body for w in _QUESTION_WORDS)
