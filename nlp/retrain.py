"""Learning from staff: retrain the statistical layer with the categories humans chose."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import model, runtime
from .corpus import TRAIN_PATH, load_corpus


def retrain(corrections: Iterable[tuple[str, str]], model_path: Path) -> dict[str, Any]:
    """Train the statistical layer on the shipped train corpus plus ``corrections`` (text, corrected
    category), write it atomically to ``model_path`` as JSON, and report what went in.

    Corrections with an empty text or category are skipped. This process, if configured with
    this ``model_path``, picks the new model up on its next classification; other processes
    configured with it within ``runtime.CHECK_SECONDS``.
    """
    model_path = Path(model_path)
    corrections = list(corrections)
    examples = load_corpus(TRAIN_PATH)
    models, used = model.train(runtime.toolkit(), examples, corrections)
    model.save(models, model_path)
    runtime.forget_model(model_path)
    return {
        "model_path": str(model_path),
        "examples": len(examples) + used,
        "corpus_examples": len(examples),
        "corrections": used,
        "skipped": len(corrections) - used,
        "classes": sorted(models.category.classes),
        "features": len(models.category.weights),
    }
