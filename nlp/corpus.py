"""The shipped labelled corpus: ``nlp/data/corpus_{train,dev,test,blind}.tsv``.

Columns: text, kind, category, severity, tags. Labelling conventions (docs/domain.md#labelling-conventions):
- kind: a broken thing that must be fixed is ``repair``; a nuisance, danger or misconduct is
  ``complaint``; a question ``inquiry``; an idea or praise ``suggestion``.
- category: who fixes it decides. Staff conduct itself is ``service``; a thing reported again
  and again and still broken stays with its trade (a door closer is ``facility``); a city supply
  cut is ``utilities``; a neighbour's pets are ``neighbor``, every other noise is ``noise``.
- severity ``major``: an emergency of the domain brief, or a text that states three or more
  households (or the whole building); ``important``: repeat, broken promise, shop cannot trade,
  government or media, a vague plural, a hazard that has not happened; else ``general``.
- tags: yue (Hong Kong Cantonese), tw (Taiwan usage), trad (Traditional script), story (an
  emergency without an alarm word), count (a household count), trap (looks alarming, is not
  major), chat (chat style).

Splits: train (the statistical layer learns it), dev (rules and blend are tuned on it), test
(never tuned on), blind (written by a helper who never saw the rules or the other splits).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
TRAIN_PATH = DATA_DIR / "corpus_train.tsv"
DEV_PATH = DATA_DIR / "corpus_dev.tsv"
TEST_PATH = DATA_DIR / "corpus_test.tsv"
BLIND_PATH = DATA_DIR / "corpus_blind.tsv"


@dataclass(frozen=True)
class Example:
    text: str
    kind: str
    category: str
    severity: str
    tags: frozenset[str] = frozenset()


def load_corpus(path: Path) -> list[Example]:
    """Examples of a corpus TSV; ``#`` lines are comments, the first other line is the header."""
    with path.open(encoding="utf-8", newline="") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.startswith("#")]
    examples = []
    for row in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
        tags = (row.get("tags") or "").split(",")
        examples.append(
            Example(
                text=row["text"].strip(),
                kind=row["kind"].strip(),
                category=row["category"].strip(),
                severity=row["severity"].strip(),
                tags=frozenset(t.strip() for t in tags if t.strip()),
            )
        )
    return examples
