"""The result of classifying one text, and the label sets it draws from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KINDS: tuple[str, ...] = ("complaint", "repair", "inquiry", "suggestion")
CATEGORIES: tuple[str, ...] = (
    "facility",
    "environment",
    "noise",
    "security",
    "parking",
    "service",
    "billing",
    "neighbor",
    "utilities",
    "other",
)
SEVERITIES: tuple[str, ...] = ("general", "important", "major")
# The yes/no safety questions triage may ask for (see ``Triage.safety_check``): someone trapped in
# a lift, visible fire or smoke, a gas smell still there, water still pouring out, and — when only
# the statistical layer reads an emergency in the story — anyone in danger.
SAFETY_CHECKS: tuple[str, ...] = ("lift_trapped", "fire", "gas", "flood", "danger")


@dataclass(frozen=True)
class Evidence:
    """The words (after normalisation to Simplified Chinese) that led to each decision."""

    kind: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    severity: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, list[str]]:
        return {
            "kind": list(self.kind),
            "category": list(self.category),
            "severity": list(self.severity),
        }


@dataclass(frozen=True)
class Triage:
    """A suggestion for the dialog: the tenant or staff confirm or correct it.

    ``confidence`` is the probability of ``category`` in the blended model (0–1).
    ``alternatives`` are the next-best categories, best first (at most 3), for a correction keyboard.
    ``emergency`` is True when ``severity`` is major because of an emergency trigger; ``triggers``
    names those triggers (fire, gas, lift_trapped, …). ``collective`` is True when the wording speaks
    for several households; the backend applies its household rule on top.
    ``safety_check`` is set when the text suggests an emergency but the evidence is weak (a stopped
    lift with nobody said to be inside, a smell of smoke or gas, water on the floor): one of
    ``SAFETY_CHECKS``, the yes/no question to ask the tenant before anything else. A "yes" makes
    it an emergency with that trigger. Empty when the text is plainly an emergency or plainly not.
    """

    kind: str
    category: str
    severity: str
    confidence: float
    evidence: Evidence = field(default_factory=Evidence)
    alternatives: tuple[str, ...] = ()
    collective: bool = False
    emergency: bool = False
    triggers: tuple[str, ...] = ()
    safety_check: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form (for logs, the API and stored dialog state)."""
        return {
            "kind": self.kind,
            "category": self.category,
            "severity": self.severity,
            "confidence": self.confidence,
            "evidence": self.evidence.to_dict(),
            "alternatives": list(self.alternatives),
            "collective": self.collective,
            "emergency": self.emergency,
            "triggers": list(self.triggers),
            "safety_check": self.safety_check,
        }
