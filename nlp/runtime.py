"""The process-wide classifier: configured once, loaded lazily under a lock, then shared.

A configured model file is watched: when it is replaced (``qingchu nlp retrain`` in this or another
instance), the next classification after at most ``CHECK_SECONDS`` loads it. A replacement that
cannot be read is logged and the classifier in use keeps serving.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import model
from .classifier import Classifier
from .corpus import TRAIN_PATH, load_corpus
from .toolkit import Toolkit, load_toolkit
from .triage import CATEGORIES, Triage
from .watch import FileWatch

log = logging.getLogger(__name__)

# How often a running process looks whether its model file was replaced (one ``stat``).
CHECK_SECONDS = 10.0


@dataclass(frozen=True)
class _Config:
    categories: tuple[str, ...] = CATEGORIES
    model_path: Path | None = None
    check_seconds: float = CHECK_SECONDS
    clock: Callable[[], float] = time.monotonic


@dataclass(frozen=True)
class _Loaded:
    """A classifier and the watch on the model file it was built from (None: no file configured)."""

    classifier: Classifier
    watch: FileWatch | None


_lock = threading.RLock()
_config = _Config()
_toolkit: Toolkit | None = None
_loaded: _Loaded | None = None


def configure(
    categories: Sequence[str] | None = None,
    model_path: Path | None = None,
    *,
    check_seconds: float = CHECK_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Restrict suggestions to ``categories`` (the policy's taxonomy, default: the ten of docs/domain.md#categories) and
    use the statistical model at ``model_path`` (written by ``retrain``; default: the shipped
    model built from the corpus). Takes effect on the next ``load()``/``classify()``.

    Keyword rules of categories not listed are ignored. A listed category without keyword rules
    can still be suggested when the statistical layer knows it, i.e. once staff corrections with
    that category went into ``retrain``; until then it is never suggested.

    The model file is looked at again every ``check_seconds`` of ``clock`` and reloaded when it
    was replaced, created or removed (removed: the shipped model, as after a restart).
    """
    global _config, _loaded
    source = CATEGORIES if categories is None else categories
    cats = tuple(dict.fromkeys(c.strip() for c in source if c and c.strip()))
    if not cats:
        raise ValueError("configure() needs at least one category")
    with _lock:
        path = Path(model_path) if model_path is not None else None
        _config = _Config(cats, path, check_seconds, clock)
        _loaded = None


def is_default() -> bool:
    """Whether the configuration is the one `configure()` without arguments sets (nothing to reset)."""
    return _config == _Config()


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
    """Load everything now (call at start-up so the first tenant does not wait); later calls
    return the classifier in use, reloaded first if its model file was replaced."""
    loaded = _loaded
    if loaded is None or (loaded.watch is not None and loaded.watch.due()):
        with _lock:
            loaded = _current()
    return loaded.classifier


def classify(text: str) -> Triage:
    """Suggest kind, category and severity of what a tenant wrote; ValueError if it is blank."""
    return load().classify(text)


def forget_model(path: Path) -> None:
    """Drop the loaded classifier if it uses ``path``: a retrain in this process just replaced
    that file, so there is no need to wait for the watch."""
    global _loaded
    with _lock:
        if _config.model_path is not None and _config.model_path == Path(path):
            _loaded = None


def _current() -> _Loaded:
    """The classifier to use, built or reloaded as needed; called under ``_lock``."""
    global _loaded
    if _loaded is None:
        _loaded = _build(_config)
    elif _loaded.watch is not None and _loaded.watch.poll():
        _loaded = _reloaded(_loaded)
    return _loaded


def _reloaded(current: _Loaded) -> _Loaded:
    """A classifier on the replaced model file, or ``current`` when that file cannot be used."""
    try:
        fresh = _build(_config)
    except Exception:
        log.exception(
            "the replaced triage model %s cannot be loaded; still using the previous one",
            _config.model_path,
        )
        return current
    log.info("triage model %s reloaded", _config.model_path)
    return fresh


def _build(config: _Config) -> _Loaded:
    tk = toolkit()
    path = config.model_path
    # Watched from before the read: a replacement during the read is noticed at the next check.
    watch = FileWatch(path, config.check_seconds, config.clock) if path is not None else None
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
    return _Loaded(Classifier(tk, models, config.categories), watch)


def _shipped(tk: Toolkit) -> model.Models:
    if model.SHIPPED_PATH.exists():
        return model.read(model.SHIPPED_PATH)
    log.warning("no shipped model at %s; training one from the corpus", model.SHIPPED_PATH)
    return model.train(tk, load_corpus(TRAIN_PATH))[0]
