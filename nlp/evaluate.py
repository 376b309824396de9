"""Scores of the classifier on the dev split, rules-only and blended: ``python -m nlp.evaluate``."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from . import model, runtime
from .classifier import Classifier
from .corpus import DEV_PATH, TEST_PATH, TRAIN_PATH, Example, load_corpus
from .triage import CATEGORIES


def _prf(gold: Sequence[str], pred: Sequence[str], label: str) -> tuple[float, float, float, int]:
    tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == label and p == label)
    n_pred = sum(1 for p in pred if p == label)
    n_gold = sum(1 for g in gold if g == label)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, n_gold


def score(clf: Classifier, examples: Sequence[Example], *, blended: bool) -> dict[str, Any]:
    """Metrics of one mode; major gold labels are all emergencies (see ``nlp.corpus``)."""
    results = [clf.classify(ex.text, blended=blended) for ex in examples]
    gold_cat = [ex.category for ex in examples]
    pred_cat = [r.category for r in results]
    labels = [c for c in CATEGORIES if c in gold_cat or c in pred_cat]
    per_class = {}
    for label in labels:
        p, r, f, n = _prf(gold_cat, pred_cat, label)
        per_class[label] = {"precision": p, "recall": r, "f1": f, "support": n}
    gold_labels = [c for c in labels if per_class[c]["support"]]
    macro_f1 = sum(per_class[c]["f1"] for c in gold_labels) / len(gold_labels)
    n = len(examples)
    emergencies = [
        (ex, r) for ex, r in zip(examples, results, strict=True) if ex.severity == "major"
    ]
    confusion = {g: {p: 0 for p in labels} for g in labels}
    for g, p in zip(gold_cat, pred_cat, strict=True):
        confusion[g][p] += 1
    return {
        "examples": n,
        "per_class": per_class,
        "macro_f1": macro_f1,
        "category_accuracy": sum(g == p for g, p in zip(gold_cat, pred_cat, strict=True)) / n,
        "kind_accuracy": sum(ex.kind == r.kind for ex, r in zip(examples, results, strict=True))
        / n,
        "severity_accuracy": sum(
            ex.severity == r.severity for ex, r in zip(examples, results, strict=True)
        )
        / n,
        "emergency_recall": (
            sum(r.severity == "major" for _, r in emergencies) / len(emergencies)
            if emergencies
            else 1.0
        ),
        "emergencies": len(emergencies),
        "missed_emergencies": [ex.text for ex, r in emergencies if r.severity != "major"],
        "false_alarms": sum(
            1
            for ex, r in zip(examples, results, strict=True)
            if r.severity == "major" and ex.severity != "major"
        ),
        "confusion": confusion,
    }


def _print_mode(out: TextIO, title: str, m: dict[str, Any]) -> None:
    out.write(f"\n== {title} ==\n")
    out.write(f"{'category':<12}{'precision':>10}{'recall':>8}{'f1':>8}{'support':>9}\n")
    for label, v in m["per_class"].items():
        out.write(
            f"{label:<12}{v['precision']:>10.3f}{v['recall']:>8.3f}{v['f1']:>8.3f}{v['support']:>9d}\n"
        )
    labels = list(m["confusion"])
    out.write("\nconfusion (rows gold, columns predicted)\n")
    out.write(" " * 12 + "".join(f"{lb[:6]:>7}" for lb in labels) + "\n")
    for g in labels:
        out.write(f"{g:<12}" + "".join(f"{m['confusion'][g][p]:>7d}" for p in labels) + "\n")
    for text in m["missed_emergencies"]:
        out.write(f"missed emergency: {text}\n")


def evaluate(out: TextIO = sys.stdout, dev_path: Path = DEV_PATH) -> dict[str, Any]:
    """Train the statistical layer on the train split, score both modes on ``dev_path``, print a
    report to ``out`` and return the numbers ({"rules": {...}, "blended": {...}})."""
    start = time.perf_counter()
    tk = runtime.toolkit()
    models, _ = model.train(tk, load_corpus(TRAIN_PATH))
    clf = Classifier(tk, models, CATEGORIES)
    dev = load_corpus(dev_path)
    rules = score(clf, dev, blended=False)
    blended = score(clf, dev, blended=True)
    out.write(f"split: {len(dev)} examples, {rules['emergencies']} emergencies ({dev_path.name})\n")
    _print_mode(out, "rules only", rules)
    _print_mode(out, "blended (rules + naive Bayes)", blended)
    out.write("\n== summary ==\n")
    for name, m in (("rules-only", rules), ("blended", blended)):
        out.write(
            f"{name:<11} macro-F1 {m['macro_f1']:.3f}  category acc {m['category_accuracy']:.3f}  "
            f"kind acc {m['kind_accuracy']:.3f}  severity acc {m['severity_accuracy']:.3f}  "
            f"emergency recall {m['emergency_recall']:.3f} ({m['emergencies'] - len(m['missed_emergencies'])}"
            f"/{m['emergencies']})  false alarms {m['false_alarms']}\n"
        )
    out.write(f"(evaluated in {time.perf_counter() - start:.2f} s)\n")
    return {"rules": rules, "blended": blended}


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m nlp.evaluate [dev|test|PATH]`` (default: dev)."""
    args = list(sys.argv[1:] if argv is None else argv)
    choice = args[0] if args else "dev"
    path = {"dev": DEV_PATH, "test": TEST_PATH}.get(choice, Path(choice))
    evaluate(sys.stdout, path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
