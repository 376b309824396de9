"""Decisions: keyword rules and logistic regression blended into kind and category; severity
from its own rules (``severity.py``)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

from .clauses import Negation
from .linear import JointModel, LinearModel
from .model import Models
from .rules import Hit, Matcher
from .severity import SeverityJudge
from .toolkit import Toolkit
from .triage import KINDS, Evidence, Triage

# An emergency adds this much to its category's rule score, so that the blended probability
# agrees with the category it is then given anyway (docs/domain.md#categories: fire → security, …).
EMERGENCY_BOOST = 6.0
# Statistical features with these characters ("水了", "已经") mean nothing to staff as evidence.
_FUNCTION_CHARS = re.compile("[了的是我你他她在也都就和还又很啊呀吧呢哦嘛这那有个已经把被给让]")
MAX_ALTERNATIVES = 3
MIN_ALTERNATIVE_P = 0.01


def _softmax(scores: Mapping[str, float], labels: Sequence[str], temperature: float) -> list[float]:
    """Probabilities aligned with ``labels``; labels without a score count as 0."""
    if not scores:
        return [1.0 / len(labels)] * len(labels)
    values = [scores.get(lb, 0.0) for lb in labels]
    top = max(values)
    exps = [math.exp((v - top) / temperature) for v in values]
    total = sum(exps)
    return [e / total for e in exps]


def _unique(items: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


class Classifier:
    """Immutable after construction, hence safe to share between threads."""

    def __init__(self, toolkit: Toolkit, models: Models | None, categories: Sequence[str]) -> None:
        self.toolkit = toolkit
        self.settings = toolkit.settings
        self.categories = tuple(dict.fromkeys(categories))
        allowed = set(self.categories)
        # Rules of categories outside the taxonomy are ignored; emergencies keep working.
        rules = [r for r in toolkit.rules if r.table != "category" or r.label in allowed]
        s = self.settings
        self.matcher = Matcher(
            rules, Negation(s.negation_cues, s.negation_exceptions, s.negation_gap)
        )
        self.judge = SeverityJudge(
            s.hypothetical, s.trigger_priority, s.collective_households, s.over, s.risk
        )
        self.category_model: LinearModel | None = None
        self.kind_model: LinearModel | None = None
        self.severity_model: LinearModel | None = None
        if models is not None:
            self.category_model = models.category.restricted(self.categories)
            self.kind_model = models.kind.restricted(KINDS)
            self.severity_model = models.severity
            if not self.category_model.classes:
                self.category_model = None
        self._joint = (
            JointModel(
                (self.category_model, self.kind_model)
                + ((self.severity_model,) if self.severity_model is not None else ())
            )
            if self.category_model is not None
            and self.kind_model is not None
            and self.kind_model.classes
            else None
        )
        # A category can only be suggested if a keyword rule or the statistical layer knows it.
        known = {r.label for r in rules if r.table == "category"}
        if self.category_model is not None:
            known.update(self.category_model.classes)
        self.suggestable = tuple(c for c in self.categories if c in known) or self.categories

    # ---- public -------------------------------------------------------------------------------

    def classify(self, text: str, *, blended: bool = True) -> Triage:
        """Triage of ``text``; ``blended=False`` uses the keyword rules only (for evaluation)."""
        if not isinstance(text, str):
            raise TypeError(f"classify() needs a str, not {type(text).__name__}")
        if not text.strip():
            raise ValueError("cannot classify an empty text: the tenant has not described anything")
        norm = self.toolkit.normalize(text)
        if not norm:
            raise ValueError("cannot classify a text without visible characters")
        found = self.matcher.find(norm)
        hits = [h for h in found if h.negated_by is None]
        sev = self.judge.judge(norm, hits)
        p_cat_stat: dict[str, float] | None = None
        p_kind_stat: dict[str, float] | None = None
        p_sev_stat: dict[str, float] | None = None
        feats: list[str] = []
        if blended and self._joint is not None:
            feats = self.toolkit.features(norm)
            posteriors, known = self._joint.proba(feats)
            p_cat_stat, p_kind_stat = posteriors[0], posteriors[1]
            p_sev_stat = posteriors[2] if len(posteriors) > 2 else None
            if not known:  # "👍", "？？？": nothing to go on, say so instead of guessing
                p_cat_stat = p_kind_stat = p_sev_stat = None
        safety_check = sev.safety_check or self._danger_check(sev.severity, p_sev_stat)

        cat_scores = self._scores(hits, "category")
        emergency_cat = self._emergency_category(sev.emergency_categories, cat_scores)
        if emergency_cat:
            cat_scores[emergency_cat] = cat_scores.get(emergency_cat, 0.0) + EMERGENCY_BOOST
        cat_p = self._blend(cat_scores, self.suggestable, p_cat_stat)
        if not cat_scores and p_cat_stat is None:
            category = self._fallback_category()
        else:
            category = max(cat_p, key=cat_p.__getitem__)
        if emergency_cat:
            category = emergency_cat
        alternatives = tuple(
            c
            for c in sorted(cat_p, key=cat_p.__getitem__, reverse=True)
            if c != category
            and cat_p[c] >= MIN_ALTERNATIVE_P
            and (p_cat_stat is not None or c in cat_scores)
        )[:MAX_ALTERNATIVES]

        kind_scores = self._scores(hits, "kind")
        kind_p = self._blend(kind_scores, KINDS, p_kind_stat)
        if not kind_scores and p_kind_stat is None:
            fb = self.settings.fallback_kind
            kind = fb.get(category, fb.get("*", "complaint"))
        else:
            kind = max(kind_p, key=kind_p.__getitem__)

        category_words = self._words(norm, hits, "category", category) or (
            sev.evidence if emergency_cat else ()
        )
        if not category_words and p_cat_stat is not None and self.category_model is not None:
            # no keyword decided: show staff the words the statistical layer leaned on
            negated = {norm[h.start : h.end] for h in found if h.negated_by is not None}
            category_words = tuple(
                w
                for w in self.category_model.evidence(feats, category, limit=6)
                if w not in negated and not _FUNCTION_CHARS.search(w)
            )[:3]
        evidence = Evidence(
            kind=self._words(norm, hits, "kind", kind),
            category=category_words,
            severity=sev.evidence,
        )
        return Triage(
            kind=kind,
            category=category,
            severity=sev.severity,
            confidence=round(cat_p.get(category, 0.0), 4),
            evidence=evidence,
            alternatives=alternatives,
            collective=sev.collective,
            emergency=sev.emergency,
            triggers=sev.triggers,
            safety_check=safety_check,
        )

    # ---- parts --------------------------------------------------------------------------------

    @staticmethod
    def _scores(hits: Sequence[Hit], table: str) -> dict[str, float]:
        """Summed weights per label; a term repeated in a rant counts once."""
        scores: dict[str, float] = {}
        seen: set[int] = set()
        for h in hits:
            if h.rule.table == table and id(h.rule) not in seen:
                seen.add(id(h.rule))
                scores[h.rule.label] = scores.get(h.rule.label, 0.0) + h.rule.weight
        return scores

    def _blend(
        self, scores: Mapping[str, float], labels: Sequence[str], p_stat: Mapping[str, float] | None
    ) -> dict[str, float]:
        """rules_weight · softmax(rule scores) + (1 − rules_weight) · statistical posterior."""
        s = self.settings
        p_rules = _softmax(scores, labels, s.temperature)
        if p_stat is None:
            return dict(zip(labels, p_rules, strict=True))
        w = s.rules_weight
        get = p_stat.get
        return {lb: w * p + (1 - w) * get(lb, 0.0) for lb, p in zip(labels, p_rules, strict=True)}

    def _emergency_category(self, choices: Sequence[str], scores: Mapping[str, float]) -> str:
        """The category an emergency belongs to: the first choice, unless a later one has more
        keyword evidence ("整个片区停电，供电局…" → utilities)."""
        allowed = [c for c in choices if c in self.categories]
        if not allowed:
            return ""
        best = allowed[0]
        for c in allowed[1:]:
            if scores.get(c, 0.0) > scores.get(best, 0.0):
                best = c
        return best

    def _danger_check(self, severity: str, p_sev: Mapping[str, float] | None) -> str:
        """The general safety question when no rule found an emergency but the severity model reads
        one in the story ("门打不开，我妈还在里面"). Never major by itself: the tenant's "yes" is."""
        if severity == "major" or p_sev is None:
            return ""
        return "danger" if p_sev.get("emergency", 0.0) > self.settings.danger_threshold else ""

    def _fallback_category(self) -> str:
        fb = self.settings.fallback_category
        return fb if fb in self.categories else self.suggestable[0]

    @staticmethod
    def _words(norm: str, hits: Sequence[Hit], table: str, label: str) -> tuple[str, ...]:
        return _unique(
            [norm[h.start : h.end] for h in hits if h.rule.table == table and h.rule.label == label]
        )
