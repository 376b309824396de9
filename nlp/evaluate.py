"""Triage quality: ``python -m nlp.evaluate [dev|test|blind|PATH ...]`` (default: test and blind).

For each split: per-category precision/recall/F1, a confusion matrix, major recall (also counting
a safety question as caught, since a "yes" files the emergency), the false-major rate, kind and
severity accuracy, and the same numbers for the Traditional-script subset. The statistical layer
is the shipped model (trained on the train split only).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from . import runtime
from .classifier import Classifier
from .corpus import BLIND_PATH, DEV_PATH, TEST_PATH, Example, load_corpus
from .triage import CATEGORIES, Triage

SPLITS = {"dev": DEV_PATH, "test": TEST_PATH, "blind": BLIND_PATH}
MIN_SUPPORT = 5  # macro-F1 counts the categories with at least this many gold examples


def _prf(gold: Sequence[str], pred: Sequence[str], label: str) -> tuple[float, float, float, int]:
    tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == label and p == label)
    n_pred = sum(1 for p in pred if p == label)
    n_gold = sum(1 for g in gold if g == label)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, n_gold


def is_traditional(text: str) -> bool:
    """Whether the text is written in Traditional characters (it changes under t2s)."""
    return runtime.toolkit().normalizer.simplified(text) != text


def metrics(examples: Sequence[Example], results: Sequence[Triage]) -> dict[str, Any]:
    pairs = list(zip(examples, results, strict=True))
    gold_cat = [ex.category for ex in examples]
    pred_cat = [r.category for r in results]
    labels = [c for c in CATEGORIES if c in gold_cat or c in pred_cat]
    per_class = {}
    for label in labels:
        p, r, f, n = _prf(gold_cat, pred_cat, label)
        per_class[label] = {"precision": p, "recall": r, "f1": f, "support": n}
    counted = [c for c in labels if per_class[c]["support"] >= MIN_SUPPORT]
    confusion = {g: dict.fromkeys(labels, 0) for g in labels}
    for gold, pred in zip(gold_cat, pred_cat, strict=True):
        confusion[gold][pred] += 1
    n = len(examples) or 1
    majors = [(ex, r) for ex, r in pairs if ex.severity == "major"]
    others = [(ex, r) for ex, r in pairs if ex.severity != "major"]
    return {
        "examples": len(examples),
        "per_class": per_class,
        "macro_f1": sum(per_class[c]["f1"] for c in counted) / len(counted) if counted else 0.0,
        "category_accuracy": sum(g == p for g, p in zip(gold_cat, pred_cat, strict=True)) / n,
        "kind_accuracy": sum(ex.kind == r.kind for ex, r in pairs) / n,
        "severity_accuracy": sum(ex.severity == r.severity for ex, r in pairs) / n,
        "majors": len(majors),
        "major_caught": sum(r.severity == "major" for _, r in majors),
        "major_caught_or_asked": sum(
            r.severity == "major" or bool(r.safety_check) for _, r in majors
        ),
        "non_majors": len(others),
        "false_majors": sum(r.severity == "major" for _, r in others),
        "missed_majors": [ex.text for ex, r in majors if r.severity != "major"],
        "false_major_texts": [ex.text for ex, r in others if r.severity == "major"],
        "confusion": confusion,
    }


def score(clf: Classifier, examples: Sequence[Example], *, blended: bool = True) -> dict[str, Any]:
    """Metrics on ``examples``, with the Traditional-script subset under ``"traditional"``."""
    results = [clf.classify(ex.text, blended=blended) for ex in examples]
    overall = metrics(examples, results)
    trad = [(ex, r) for ex, r in zip(examples, results, strict=True) if is_traditional(ex.text)]
    overall["traditional"] = metrics([ex for ex, _ in trad], [r for _, r in trad]) if trad else None
    return overall


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f} ({a}/{b})" if b else "n/a"


def summary_line(name: str, m: dict[str, Any]) -> str:
    pc = m["per_class"]
    f1 = {c: pc[c]["f1"] for c in ("service", "neighbor", "utilities") if c in pc}
    trad = m.get("traditional")
    trad_text = (
        f"  traditional category acc {_ratio(round(trad['category_accuracy'] * trad['examples']), trad['examples'])}"
        if trad
        else ""
    )
    return (
        f"{name:<6} macro-F1 {m['macro_f1']:.3f}  category acc {m['category_accuracy']:.3f}  "
        f"kind acc {m['kind_accuracy']:.3f}  severity acc {m['severity_accuracy']:.3f}  "
        f"major recall {_ratio(m['major_caught'], m['majors'])}  "
        f"with safety question {_ratio(m['major_caught_or_asked'], m['majors'])}  "
        f"false majors {m['false_majors']}/{m['non_majors']}  "
        + "  ".join(f"{c} F1 {v:.3f}" for c, v in f1.items())
        + trad_text
    )


def report(out: TextIO, name: str, m: dict[str, Any], *, verbose: bool = True) -> None:
    out.write(f"\n== {name}: {m['examples']} examples, {m['majors']} major ==\n")
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
    if verbose:
        for text in m["missed_majors"]:
            out.write(f"missed major: {text}\n")
        for text in m["false_major_texts"]:
            out.write(f"false major: {text}\n")
    out.write(summary_line(name, m) + "\n")


def evaluate(
    out: TextIO = sys.stdout, names: Sequence[str] = ("test", "blind"), *, verbose: bool = True
) -> dict[str, Any]:
    """Score the shipped classifier on each named split (or TSV path); print and return."""
    start = time.perf_counter()
    clf = runtime.load()
    results: dict[str, Any] = {}
    for name in names:
        path = SPLITS.get(name, Path(name))
        m = score(clf, load_corpus(path))
        results[name] = m
        # the blind file is for measuring only: its texts are not printed, so nobody tunes on them
        report(out, name, m, verbose=verbose and name != "blind")
    out.write("\n== summary ==\n")
    for name, m in results.items():
        out.write(summary_line(name, m) + "\n")
    out.write(f"(evaluated in {time.perf_counter() - start:.2f} s)\n")
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m nlp.evaluate [--scores-only] [SPLIT|PATH ...]`: --scores-only prints no texts (for a
    held-out file nobody may tune on)."""
    args = list(sys.argv[1:] if argv is None else argv)
    verbose = "--scores-only" not in args
    names = [a for a in args if a != "--scores-only"]
    evaluate(sys.stdout, names or ("test", "blind"), verbose=verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
