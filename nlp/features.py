"""Features of the statistical layer: jieba words plus Chinese character bigrams."""

from __future__ import annotations

import re

_CJK_RUN = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ffff]{2,}")
_USEFUL = re.compile(r"[a-z\u3400-\u9fff\U00020000-\U0002ffff]")
_CJK2 = re.compile(r"[\u3400-\u9fff]{2}$")
_STOP = frozenset(
    "的 了 是 我 你 他 她 它 们 在 也 都 就 和 与 跟 还 又 很 啊 呀 吧 呢 哦 嘛 这 那 有 个 一".split()
)


def features(tokens: list[str], text: str) -> list[str]:
    """Words (without punctuation, numbers and a few function words) and character bigrams.

    Bigrams make the layer robust to segmentation differences and to words jieba does not know;
    a two-character word is its own bigram, so it is counted once. Unit numbers ("3栋1202") and
    punctuation carry no category information.
    """
    feats = [
        t
        for t in tokens
        if t not in _STOP and (len(t) != 2 or not _CJK2.match(t)) and _USEFUL.search(t)
    ]
    for run in _CJK_RUN.findall(text):
        feats.extend([run[i : i + 2] for i in range(len(run) - 1)])
    return feats
