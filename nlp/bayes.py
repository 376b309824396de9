"""Multinomial naive Bayes over token features, in pure Python, storable as JSON."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

FORMAT = "qingchu-nb/1"


@dataclass
class NaiveBayes:
    """Counts are the model: JSON keeps them, so a retrain can add to them and a taxonomy
    change can drop classes without retraining. Log-probabilities are derived on ``compile()``."""

    alpha: float = 0.3
    class_counts: dict[str, float] = field(default_factory=dict)  # documents per class
    feature_counts: dict[str, dict[str, float]] = field(default_factory=dict)  # feature → class → n
    classes: tuple[str, ...] = ()
    _prior: list[float] = field(default_factory=list, repr=False)
    _table: dict[str, list[float]] = field(default_factory=dict, repr=False)

    def add(self, feats: Sequence[str], label: str, weight: float = 1.0) -> None:
        self.class_counts[label] = self.class_counts.get(label, 0.0) + weight
        for f in feats:
            per_class = self.feature_counts.setdefault(f, {})
            per_class[label] = per_class.get(label, 0.0) + weight

    def fit(self, examples: Iterable[tuple[Sequence[str], str]]) -> NaiveBayes:
        for feats, label in examples:
            self.add(feats, label)
        return self.compile()

    def compile(self, classes: Sequence[str] | None = None) -> NaiveBayes:
        """Precompute log-probabilities, optionally for a subset of the classes only."""
        keep = [c for c in (classes or sorted(self.class_counts)) if self.class_counts.get(c)]
        self.classes = tuple(keep)
        if not keep:
            self._prior, self._table = [], {}
            return self
        docs = sum(self.class_counts[c] for c in keep)
        vocab = len(self.feature_counts) or 1
        totals = dict.fromkeys(keep, 0.0)
        for per_class in self.feature_counts.values():
            for c, n in per_class.items():
                if c in totals:
                    totals[c] += n
        self._prior = [math.log(self.class_counts[c] / docs) for c in keep]
        denom = [math.log(totals[c] + self.alpha * vocab) for c in keep]
        log_alpha = math.log(self.alpha)
        self._table = {
            f: [
                (math.log(per_class[c] + self.alpha) if c in per_class else log_alpha) - d
                for c, d in zip(keep, denom, strict=True)
            ]
            for f, per_class in self.feature_counts.items()
        }
        return self

    def log_scores(self, feats: Sequence[str]) -> tuple[list[float], int]:
        """Unnormalised log-posteriors per class, and how many features the model knew."""
        table = self._table
        rows = [row for row in map(table.get, feats) if row is not None]
        if not rows:
            return list(self._prior), 0
        sums = [sum(col) for col in zip(*rows, strict=True)]
        return [p + s for p, s in zip(self._prior, sums, strict=True)], len(rows)

    def proba(
        self, feats: Sequence[str], damping: float = 0.0, prior_weight: float = 1.0
    ) -> dict[str, float]:
        """Posterior per class. With ``damping`` d the log-likelihood is divided by n**d, which
        tempers naive Bayes' over-confidence on long texts; ``prior_weight`` scales the class
        prior (0 = uniform: the corpus' class balance is not the real one). d=0, w=1 is the
        textbook posterior."""
        if not self.classes:
            return {}
        scores, n = self.log_scores(feats)
        scale = n**damping if n and damping else 1.0
        scores = [
            prior_weight * p + (s - p) / scale for s, p in zip(scores, self._prior, strict=True)
        ]
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps, strict=True)}

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "alpha": self.alpha,
            "class_counts": self.class_counts,
            "feature_counts": self.feature_counts,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> NaiveBayes:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} model (format={data.get('format')!r})")
        return cls(
            alpha=float(data["alpha"]),
            class_counts={str(k): float(v) for k, v in data["class_counts"].items()},
            feature_counts={
                str(f): {str(c): float(n) for c, n in per.items()}
                for f, per in data["feature_counts"].items()
            },
        )


class JointScorer:
    """Posteriors of several compiled models over the same features with one look-up per feature
    (the category and the kind model share their vocabulary, so this halves the work)."""

    def __init__(self, models: Sequence[NaiveBayes]) -> None:
        self.models = tuple(models)
        widths = [len(m.classes) for m in self.models]
        self._slices = []
        start = 0
        for w in widths:
            self._slices.append((start, start + w))
            start += w
        self._prior = [p for m in self.models for p in m._prior]
        zeros = [[0.0] * w for w in widths]
        vocab = set().union(*(m._table for m in self.models))
        self._table = {
            f: [x for m, z in zip(self.models, zeros, strict=True) for x in m._table.get(f, z)]
            for f in vocab
        }

    def proba(
        self, feats: Sequence[str], damping: float, prior_weights: Sequence[float]
    ) -> tuple[list[dict[str, float]], int]:
        """One posterior per model (see ``NaiveBayes.proba`` for damping and prior weights) and
        how many of the features the models knew."""
        table = self._table
        rows = [row for row in map(table.get, feats) if row is not None]
        n = len(rows)
        sums = [sum(col) for col in zip(*rows, strict=True)] if rows else [0.0] * len(self._prior)
        scale = n**damping if n and damping else 1.0
        out = []
        for m, (a, b), w in zip(self.models, self._slices, prior_weights, strict=True):
            scores = [w * p + s / scale for p, s in zip(self._prior[a:b], sums[a:b], strict=True)]
            top = max(scores)
            exps = [math.exp(s - top) for s in scores]
            total = sum(exps)
            out.append({c: e / total for c, e in zip(m.classes, exps, strict=True)})
        return out, n
