"""The statistical layer: logistic-regression models (category, kind, and a severity model that only
raises the safety question), trained and stored.

The shipped model (``nlp/data/triage-model.json``) is built from the train split by
``python -m nlp.build``; a test checks that it matches the corpus it claims to come from.
``qingchu nlp retrain`` writes a deployment's own model (corpus + staff corrections) to
``TRIAGE_MODEL_FILE``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .corpus import DATA_DIR, Example
from .linear import LinearModel, TrainingConfig
from .linear import train as fit
from .toolkit import Toolkit

FORMAT = "qingchu-triage-model/2"
SHIPPED_PATH = DATA_DIR / "triage-model.json"
# What a model is trained from besides the examples: a change to any of these retrains.
_INPUTS = ("lexicon.tsv", "userdict.txt", "settings.toml")
_FEATURE_CODE = ("features.py", "linear.py", "normalize.py", "lexicon.py", "segment.py")


class OldModelFormat(ValueError):
    """A model file written by an earlier version (naive Bayes): retrain to replace it."""


# Classes of the severity model: an emergency told in any words, a collective complaint, anything else.
SEVERITY_CLASSES = ("emergency", "collective", "not")


def severity_class(example: Example) -> str:
    if example.severity != "major":
        return "not"
    return "collective" if "count" in example.tags else "emergency"


@dataclass
class Models:
    category: LinearModel
    kind: LinearModel
    fingerprint: str = ""
    severity: LinearModel | None = None  # absent in files written before it existed

    def to_json(self) -> dict[str, Any]:
        data = {
            "format": FORMAT,
            "fingerprint": self.fingerprint,
            "category": self.category.to_json(),
            "kind": self.kind.to_json(),
        }
        if self.severity is not None:
            data["severity"] = self.severity.to_json()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Models:
        if data.get("format") == "qingchu-triage-model/1":
            raise OldModelFormat("a naive Bayes model of an earlier version")
        if data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} file (format={data.get('format')!r})")
        return cls(
            LinearModel.from_json(data["category"]),
            LinearModel.from_json(data["kind"]),
            str(data.get("fingerprint", "")),
            LinearModel.from_json(data["severity"]) if "severity" in data else None,
        )


def fingerprint(corpus: Path) -> str:
    """A hash of everything the shipped model is built from."""
    digest = hashlib.sha256()
    code_dir = Path(__file__).resolve().parent
    for path in (corpus, *(DATA_DIR / n for n in _INPUTS), *(code_dir / n for n in _FEATURE_CODE)):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update(repr(TrainingConfig()).encode())
    return digest.hexdigest()[:16]


def train(
    toolkit: Toolkit,
    examples: Iterable[Example],
    corrections: Iterable[tuple[str, str]] = (),
) -> tuple[Models, int]:
    """Models from corpus examples plus staff corrections (text, category); corrections weigh
    ``correction_weight`` times a corpus example: they are real tenants' words. Returns the models
    and how many corrections were used."""
    cat_data: list[tuple[list[str], str, float]] = []
    kind_data: list[tuple[list[str], str, float]] = []
    sev_data: list[tuple[list[str], str, float]] = []
    for ex in examples:
        feats = toolkit.features(toolkit.normalize(ex.text))
        cat_data.append((feats, ex.category, 1.0))
        kind_data.append((feats, ex.kind, 1.0))
        sev_data.append((feats, severity_class(ex), 1.0))
    used = 0
    for text, label in corrections:
        if not text or not text.strip() or not label or not label.strip():
            continue
        feats = toolkit.features(toolkit.normalize(text))
        cat_data.append((feats, label.strip(), toolkit.settings.correction_weight))
        used += 1
    severity = fit(sev_data, classes=SEVERITY_CLASSES) if sev_data else None
    return Models(fit(cat_data), fit(kind_data), severity=severity), used


def save(models: Models, path: Path) -> None:
    """Write atomically: a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file private to its writer: the service may run as another user
        # than the one who ran `qingchu nlp retrain`, and must read it.
        os.chmod(tmp, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(models.to_json(), fh, ensure_ascii=False, separators=(",", ":"))
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read(path: Path) -> Models:
    with path.open(encoding="utf-8") as fh:
        return Models.from_json(json.load(fh))
