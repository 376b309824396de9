"""Glue between the case system and nlp/: configure the classifier, evaluate, retrain from corrections."""

from pathlib import Path
from typing import Any, TextIO

from ..config import Settings
from ..models import TriageCorrection


def configure_triage(settings: Settings) -> None:
    """Point the classifier at the policy's taxonomy and at the retrained model file: the shipped
    model until ``qingchu nlp retrain`` writes that file, which running instances then pick up."""
    import nlp

    nlp.configure(categories=settings.policy.category_codes, model_path=settings.triage_model_file)


def load_triage(settings: Settings) -> None:
    import nlp

    configure_triage(settings)
    nlp.load()


def evaluate_triage(settings: Settings, out: TextIO) -> dict[str, Any]:
    from nlp.evaluate import evaluate

    configure_triage(settings)
    return evaluate(out)


async def retrain_triage(settings: Settings) -> dict[str, Any]:
    """Train the statistical layer on the shipped corpus plus every staff correction."""
    from nlp.retrain import retrain

    known = set(settings.policy.category_codes)
    corrections = [
        (text, category)
        for text, category in await TriageCorrection.all()
        .order_by("id")
        .values_list("text", "corrected")
        if category in known
    ]
    path = Path(settings.triage_model_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    report = dict(retrain(corrections, path))
    report.setdefault("corrections", len(corrections))
    report.setdefault("path", str(path))
    return report
