"""Multinomial logistic regression over sparse features, trained and evaluated in pure Python.

The statistical layer beside the keyword rules. A model is a weight row per feature (one weight
per class) and a bias per class, stored as JSON; scoring a text is one dict look-up per feature
and a sum of short lists, so it costs about what naive Bayes did and needs no library.
Each document's features are scaled to unit length, so a long rant does not shout louder than
a short message.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

FORMAT = "qingchu-linear/1"


def _softmax(scores: Sequence[float]) -> list[float]:
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


@dataclass
class LinearModel:
    classes: tuple[str, ...]
    weights: dict[str, list[float]]
    bias: list[float]
    meta: dict[str, Any] = field(default_factory=dict)

    def scores(self, feats: Sequence[str]) -> tuple[list[float], int]:
        """Class scores and how many distinct features the model knew."""
        unique = set(feats)
        rows = [row for row in map(self.weights.get, unique) if row is not None]
        if not rows:
            return list(self.bias), 0
        scale = 1.0 / math.sqrt(len(unique))
        sums = [sum(col) for col in zip(*rows, strict=True)]
        return [b + scale * s for b, s in zip(self.bias, sums, strict=True)], len(rows)

    def proba(self, feats: Sequence[str]) -> tuple[dict[str, float], int]:
        """Posterior per class and the number of known features (0: the model has no idea)."""
        scores, known = self.scores(feats)
        return dict(zip(self.classes, _softmax(scores), strict=True)), known

    def evidence(self, feats: Sequence[str], label: str, limit: int = 3) -> tuple[str, ...]:
        """The features that pushed most towards ``label`` (against the other classes' mean)."""
        if label not in self.classes:
            return ()
        k = self.classes.index(label)
        n = len(self.classes)
        pushes = []
        for f in set(feats):
            row = self.weights.get(f)
            if row is not None:
                push = row[k] - (sum(row) - row[k]) / max(1, n - 1)
                if push > 0:
                    pushes.append((push, f))
        pushes.sort(reverse=True)
        return tuple(f for _, f in pushes[:limit])

    def restricted(self, classes: Sequence[str]) -> LinearModel:
        """The same model over a subset of its classes (a smaller taxonomy)."""
        idx = [i for i, c in enumerate(self.classes) if c in set(classes)]
        return LinearModel(
            tuple(self.classes[i] for i in idx),
            {f: [row[i] for i in idx] for f, row in self.weights.items()},
            [self.bias[i] for i in idx],
            dict(self.meta),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "classes": list(self.classes),
            "bias": [round(b, 4) for b in self.bias],
            "weights": {f: [round(w, 4) for w in row] for f, row in sorted(self.weights.items())},
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LinearModel:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} model (format={data.get('format')!r})")
        classes = tuple(str(c) for c in data["classes"])
        weights = {str(f): [float(w) for w in row] for f, row in data["weights"].items()}
        bias = [float(b) for b in data["bias"]]
        if len(bias) != len(classes) or any(len(r) != len(classes) for r in weights.values()):
            raise ValueError("weights do not match the classes")
        return cls(classes, weights, bias, dict(data.get("meta", {})))


class JointModel:
    """Several models over the same features scored with one look-up per feature (the category
    and the kind model share their vocabulary, so this halves the work of a classification)."""

    def __init__(self, models: Sequence[LinearModel]) -> None:
        self.models = tuple(models)
        widths = [len(m.classes) for m in self.models]
        self._slices = []
        start = 0
        for w in widths:
            self._slices.append((start, start + w))
            start += w
        zeros = [[0.0] * w for w in widths]
        vocab = set().union(*(m.weights for m in self.models))
        self._joint = LinearModel(
            tuple(f"{i}:{c}" for i, m in enumerate(self.models) for c in m.classes),
            {
                f: [x for m, z in zip(self.models, zeros, strict=True) for x in m.weights.get(f, z)]
                for f in vocab
            },
            [b for m in self.models for b in m.bias],
        )

    def proba(self, feats: Sequence[str]) -> tuple[list[dict[str, float]], int]:
        """One posterior per model, and how many features the models knew."""
        scores, known = self._joint.scores(feats)
        return [
            dict(zip(m.classes, _softmax(scores[a:b]), strict=True))
            for m, (a, b) in zip(self.models, self._slices, strict=True)
        ], known


@dataclass(frozen=True)
class TrainingConfig:
    epochs: int = 20
    learning_rate: float = 2.0
    l2: float = 1e-4
    min_count: int = 2
    seed: int = 13


def train(
    examples: Iterable[tuple[Sequence[str], str, float]],
    config: TrainingConfig = TrainingConfig(),
    classes: Sequence[str] | None = None,
) -> LinearModel:
    """Fit by stochastic gradient descent on (features, label, weight) examples.

    Features seen in fewer than ``min_count`` documents are dropped (they are names, typos and
    unit numbers: noise that a weight would only memorise). Deterministic for a given seed.
    """
    labelled = [(sorted(set(f)), label, w) for f, label, w in examples if label]
    labels = tuple(classes) if classes else tuple(sorted({label for _, label, _ in labelled}))
    index = {c: i for i, c in enumerate(labels)}
    indexed = [(f, index[label], w) for f, label, w in labelled if label in index]
    df = Counter(f for feats, _, _ in indexed for f in feats)
    keep = {f for f, n in df.items() if n >= config.min_count}
    data = [([f for f in feats if f in keep], y, w) for feats, y, w in indexed]
    n_classes = len(labels)
    weights: dict[str, list[float]] = {f: [0.0] * n_classes for f in sorted(keep)}
    bias = [0.0] * n_classes
    rng = random.Random(config.seed)
    order = list(range(len(data)))
    step = 0
    total = max(1, config.epochs * len(data))
    decay = 1.0 - config.l2
    for _ in range(config.epochs):
        rng.shuffle(order)
        for i in order:
            feats, y, w = data[i]
            lr = config.learning_rate / (1.0 + 4.0 * step / total)
            step += 1
            rows = [weights[f] for f in feats]
            scale = 1.0 / math.sqrt(len(feats)) if feats else 0.0
            sums = [sum(col) for col in zip(*rows, strict=True)] if rows else [0.0] * n_classes
            p = _softmax([b + scale * s for b, s in zip(bias, sums, strict=True)])
            p[y] -= 1.0
            g = [w * v for v in p]
            bias = [b - lr * gk for b, gk in zip(bias, g, strict=True)]
            gs = [lr * scale * gk for gk in g]
            for row in rows:
                row[:] = [decay * wt - d for wt, d in zip(row, gs, strict=True)]
    # weights that stayed tiny change no decision: leave them out of the file
    pruned = {f: row for f, row in weights.items() if max(map(abs, row)) >= 1e-3}
    return LinearModel(labels, pruned, bias)
