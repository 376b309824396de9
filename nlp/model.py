"""The statistical layer as a pair of naive Bayes models (category, kind), trained and stored."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .bayes import NaiveBayes
from .corpus import Example
from .toolkit import Toolkit

FORMAT = "qingchu-triage-model/1"


@dataclass
class Models:
    category: NaiveBayes
    kind: NaiveBayes

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "category": self.category.to_json(), "kind": self.kind.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Models:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} file (format={data.get('format')!r})")
        return cls(NaiveBayes.from_json(data["category"]), NaiveBayes.from_json(data["kind"]))


def train(
    toolkit: Toolkit,
    examples: Iterable[Example],
    corrections: Iterable[tuple[str, str]] = (),
) -> tuple[Models, int]:
    """Models from corpus examples plus staff corrections (text, category); corrections weigh
    ``correction_weight`` times a corpus example: they are real tenants' words. Returns the models
    and how many corrections were used."""
    alpha = toolkit.settings.alpha
    category, kind = NaiveBayes(alpha=alpha), NaiveBayes(alpha=alpha)
    for ex in examples:
        feats = toolkit.features(toolkit.normalize(ex.text))
        category.add(feats, ex.category)
        kind.add(feats, ex.kind)
    used = 0
    for text, label in corrections:
        if not text or not text.strip() or not label or not label.strip():
            continue
        feats = toolkit.features(toolkit.normalize(text))
        category.add(feats, label.strip(), toolkit.settings.correction_weight)
        used += 1
    return Models(category, kind), used


def save(models: Models, path: Path) -> None:
    """Write atomically: a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(models.to_json(), fh, ensure_ascii=False, separators=(",", ":"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read(path: Path) -> Models:
    with path.open(encoding="utf-8") as fh:
        return Models.from_json(json.load(fh))
