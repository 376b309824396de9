"""Triage of tenant messages: suggest kind, category and severity, with the words behind them.

    >>> import nlp
    >>> t = nlp.classify("3栋电梯困人了，快来！")
    >>> t.category, t.severity, t.emergency
    ('facility', 'major', True)

Public API: ``classify``, ``configure``, ``load``, ``retrain``, ``Triage``, ``Evidence``.
Everything is pure and thread-safe after ``load()``; loading (jieba, rules, model) happens once,
except that a replaced model file (``retrain``) is loaded again while the process runs.
"""

from .retrain import retrain
from .runtime import classify, configure, load
from .triage import CATEGORIES, KINDS, SAFETY_CHECKS, SEVERITIES, Evidence, Triage

__all__ = [
    "CATEGORIES",
    "KINDS",
    "SAFETY_CHECKS",
    "SEVERITIES",
    "Evidence",
    "Triage",
    "classify",
    "configure",
    "load",
    "retrain",
]
