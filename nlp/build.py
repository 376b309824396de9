"""Build the shipped model from the train split: ``python -m nlp.build``.

Run it after changing the corpus, the lexicon, the user dictionary or the feature code;
``tests/nlp/test_model.py`` fails while the shipped model is stale.
"""

from __future__ import annotations

import sys

from . import model, runtime
from .corpus import TRAIN_PATH, load_corpus


def main() -> int:
    models, _ = model.train(runtime.toolkit(), load_corpus(TRAIN_PATH))
    models.fingerprint = model.fingerprint(TRAIN_PATH)
    model.save(models, model.SHIPPED_PATH)
    print(
        f"{model.SHIPPED_PATH}: {len(models.category.weights)} category features, "
        f"{len(models.kind.weights)} kind features, fingerprint {models.fingerprint}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
