"""Severity rules: raised automatically, never lowered automatically (docs/domain.md#severity)."""

from dataclasses import dataclass

from .enums import Severity


def higher(a: Severity, b: Severity) -> Severity:
    return a if a.rank >= b.rank else b


@dataclass(frozen=True)
class SeveritySignals:
    """What is known about a case that may make it more urgent."""

    triage: Severity = Severity.GENERAL
    collective_households: int = 0
    repeat_within_window: bool = False
    previously_dissatisfied: bool = False
    days_unresolved: float = 0.0
    shop_cannot_trade: bool = False
    via_government_or_media: bool = False


def automatic_severity(
    current: Severity,
    signals: SeveritySignals,
    *,
    collective_threshold: int = 3,
    major_after_days: int = 30,
) -> Severity:
    """The severity a case should have now; never lower than `current`."""
    proposed = signals.triage
    if signals.collective_households >= collective_threshold:
        proposed = higher(proposed, Severity.MAJOR)
    if signals.days_unresolved >= major_after_days:
        proposed = higher(proposed, Severity.MAJOR)
    if (
        signals.repeat_within_window
        or signals.previously_dissatisfied
        or signals.shop_cannot_trade
        or signals.via_government_or_media
    ):
        proposed = higher(proposed, Severity.IMPORTANT)
    return higher(current, proposed)
