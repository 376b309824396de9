"""The expensive, taxonomy-independent part of the classifier: settings, normaliser, jieba, rules."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .corpus import DATA_DIR
from .features import features
from .lexicon import Rewriter, load_lexicon
from .normalize import Normalizer
from .rules import Rule, load_rules
from .segment import Segmenter
from .settings import Settings


@dataclass(frozen=True)
class Toolkit:
    settings: Settings
    normalizer: Normalizer
    segmenter: Segmenter
    rules: tuple[Rule, ...]

    def normalize(self, text: str) -> str:
        return self.normalizer(text)

    def features(self, normalized: str) -> list[str]:
        """Statistical-layer features of an already normalised text."""
        return features(self.segmenter.cut(normalized), normalized)


def load_toolkit(data_dir: Path = DATA_DIR) -> Toolkit:
    settings = Settings.load(data_dir / "settings.toml")
    rules = (
        *load_rules(data_dir / "rules_category.tsv", "category"),
        *load_rules(data_dir / "rules_kind.tsv", "kind"),
        *load_rules(data_dir / "rules_severity.tsv", "severity"),
    )
    normalizer = Normalizer(settings.emoji, settings.max_chars)
    rewriter = Rewriter(load_lexicon(data_dir / "lexicon.tsv", normalizer.script))
    normalizer = Normalizer(settings.emoji, settings.max_chars, rewriter)
    return Toolkit(
        settings=settings,
        normalizer=normalizer,
        segmenter=Segmenter(
            data_dir / "userdict.txt", settings.segment_min_freq, extra_words=rewriter.targets()
        ),
        rules=rules,
    )
