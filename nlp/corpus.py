"""The shipped labelled corpus: ``nlp/data/corpus_{train,dev}.tsv``.

Columns: text, kind, category, severity. Labelling conventions: a broken thing that must be fixed
is ``repair``, a report of misconduct, nuisance or danger (fire, theft, noise) is ``complaint``;
``major`` is used only for emergency triggers of domain.md, so every major example is an
emergency; collective wording without an emergency is ``important``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
TRAIN_PATH = DATA_DIR / "corpus_train.tsv"
DEV_PATH = DATA_DIR / "corpus_dev.tsv"
# Written after the rules and blend were tuned on train/dev; never used for tuning.
TEST_PATH = DATA_DIR / "corpus_test.tsv"


@dataclass(frozen=True)
class Example:
    text: str
    kind: str
    category: str
    severity: str


def load_corpus(path: Path) -> list[Example]:
    """Examples of a corpus TSV; ``#`` lines are comments, the first other line is the header."""
    with path.open(encoding="utf-8", newline="") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.startswith("#")]
    examples = []
    for row in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
        examples.append(
            Example(
                text=row["text"].strip(),
                kind=row["kind"].strip(),
                category=row["category"].strip(),
                severity=row["severity"].strip(),
            )
        )
    return examples
