"""``nlp/data/settings.toml`` as typed values."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    max_chars: int
    segment_min_freq: int
    rules_weight: float
    temperature: float
    correction_weight: float
    fallback_category: str
    fallback_kind: dict[str, str]
    negation_gap: int
    negation_cues: tuple[str, ...]
    negation_exceptions: tuple[str, ...]
    hypothetical: tuple[str, ...]
    over: tuple[str, ...]
    risk: tuple[str, ...]
    trigger_priority: tuple[str, ...]
    collective_households: int
    danger_threshold: float
    emoji: dict[str, str]

    @classmethod
    def load(cls, path: Path) -> Settings:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
        blend, fallback, negation = raw["blend"], raw["fallback"], raw["negation"]
        return cls(
            max_chars=int(raw.get("max_chars", 2000)),
            segment_min_freq=int(raw.get("segment_min_freq", 0)),
            rules_weight=float(blend["rules_weight"]),
            temperature=float(blend["temperature"]),
            correction_weight=float(blend["correction_weight"]),
            fallback_category=str(fallback["category"]),
            fallback_kind=dict(fallback["kind"]),
            negation_gap=int(negation["gap"]),
            negation_cues=tuple(negation["cues"]),
            negation_exceptions=tuple(negation["exceptions"]),
            hypothetical=tuple(raw["hypothetical"]["markers"]),
            over=tuple(raw.get("over", {}).get("markers", ())),
            risk=tuple(raw.get("risk", {}).get("markers", ())),
            trigger_priority=tuple(raw["severity"]["trigger_priority"]),
            collective_households=int(raw["severity"].get("collective_households", 3)),
            danger_threshold=float(raw["severity"].get("danger_threshold", 1.0)),
            emoji=dict(raw.get("emoji", {})),
        )
