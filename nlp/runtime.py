"""The process-wide classifier: configured once, loaded lazily under a lock, then shared."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import model
from .classifier import Classifier
from .corpus import TRAIN_PATH, load_corpus
from .toolkit import Toolkit, load_toolkit
from .triage import CATEGORIES, Triage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Config:
    categories: tuple[str, ...] = CATEGORIES
    model_path: Path | None = None


_lock = threading.RLock()
_config = _Config()
_toolkit: Toolkit | None = None
_classifier: Classifier | None = None


def configure(categories: Sequence[str] | None = None, model_path: Path | None = None) -> None:
    """Restrict suggestions to ``categories`` (the policy's taxonomy, default: the ten of docs/domain.md#categories) and
    use the statistical model at ``model_path`` (written by ``retrain``; default: the shipped
    model built from the corpus). Takes effect on the next ``load()``/``classify()``.

    Keyword rules of categories not listed are ignored. A listed category without keyword rules
    can still be suggested when the statistical layer knows it, i.e. once staff corrections with
    that category went into ``retrain``; until then it is never suggested.
    """
    global _config, _classifier
    source = CATEGORIES if categories is None else categories
    cats = tuple(dict.fromkeys(c.strip() for c in source if c and c.strip()))
    if not cats:
        raise ValueError("configure() needs at least one category")
    with _lock:
        _config = _Config(cats, Path(model_path) if model_path is not None else None)
        _classifier = None


def toolkit() -> Toolkit:
    """Normaliser, jieba and rules: loaded once per process whatever the configuration."""
    global _toolkit
    tk = _toolkit
    if tk is None:
        with _lock:
            if _toolkit is None:
                _toolkit = load_toolkit()
            tk = _toolkit
    return tk


def load() -> Classifier:
    """Load everything now (call at start-up so the first tenant does not wait)."""
    global _classifier
    clf = _classifier
    if clf is None:
        with _lock:
            if _classifier is None:
                _classifier = _build(_config)
            clf = _classifier
    return clf


def classify(text: str) -> Triage:
    """Suggest kind, category and severity of what a tenant wrote; ValueError if it is blank."""
    return load().classify(text)


def forget_model(path: Path) -> None:
    """Drop the loaded classifier if it uses ``path``: a retrain just replaced that file."""
    global _classifier
    with _lock:
        if _config.model_path is not None and Path(_config.model_path) == Path(path):
            _classifier = None


def _build(config: _Config) -> Classifier:
    tk = toolkit()
    path = config.model_path
    models = None
    if path is not None and path.exists():
        try:
            models = model.read(path)  # a broken file is an error: better loud than silently stale
        except model.OldModelFormat:
            log.warning(
                "%s was written by an earlier version; using the shipped model until "
                "'qingchu nlp retrain' replaces it",
                path,
            )
    elif path is not None:
        log.info("no triage model at %s yet; using the shipped model", path)
    if models is None:
        models = _shipped(tk)
    return Classifier(tk, models, config.categories)


def _shipped(tk: Toolkit) -> model.Models:
    if model.SHIPPED_PATH.exists():
        return model.read(model.SHIPPED_PATH)
    log.warning("no shipped model at %s; training one from the corpus", model.SHIPPED_PATH)
    return model.train(tk, load_corpus(TRAIN_PATH))[0]
