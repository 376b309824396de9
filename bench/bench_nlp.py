"""Throughput of nlp.classify beside plain jieba.lcut on the same 10 000 texts.

    python bench/bench_nlp.py [--n 10000] [--seed 7] [--rounds 3]

Texts are corpus sentences with realistic variation: greetings, unit numbers, times, emoji,
Traditional script, two problems in one message, and a few long rambling ones.
Target: classify reaches at least 50% of jieba.lcut's texts/s.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PREFIXES = [
    "",
    "",
    "你好，",
    "物业你好，",
    "3栋1202，",
    "业主反映：",
    "您好 ",
    "12-2-801 ",
    "我是B座的，",
]
SUFFIXES = [
    "",
    "",
    "，谢谢",
    "，麻烦尽快处理",
    "😡😡",
    "!!!",
    "，从昨晚开始的",
    "，急！",
    " 🙏",
    "，已经三天了",
]


def make_texts(n: int, seed: int) -> list[str]:
    import opencc

    from nlp.corpus import DEV_PATH, TEST_PATH, TRAIN_PATH, load_corpus

    base = [ex.text for p in (TRAIN_PATH, DEV_PATH, TEST_PATH) for ex in load_corpus(p)]
    to_trad = opencc.OpenCC("s2t")
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        roll = rng.random()
        if roll < 0.15:
            body = "，".join(rng.sample(base, 2))  # two problems in one message
        elif roll < 0.17:
            body = "。".join(rng.sample(base, 8))  # a long rambling one
        else:
            body = rng.choice(base)
        text = rng.choice(PREFIXES) + body + rng.choice(SUFFIXES)
        if rng.random() < 0.2:
            text = to_trad.convert(text)
        texts.append(text)
    return texts


def rate(fn, texts: list[str]) -> float:
    start = time.perf_counter()
    for t in texts:
        fn(t)
    return len(texts) / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    start = time.perf_counter()
    import nlp

    nlp.load()
    load_s = time.perf_counter() - start

    import jieba

    start = time.perf_counter()
    jieba.setLogLevel(40)
    jieba.initialize()
    jieba_load_s = time.perf_counter() - start

    texts = make_texts(args.n, args.seed)
    chars = sum(len(t) for t in texts) / len(texts)
    # warm both up, then alternate rounds so both see the same machine load; keep each one's best
    rate(nlp.classify, texts[:200])
    rate(jieba.lcut, texts[:200])
    classify_rates, lcut_rates = [], []
    for _ in range(args.rounds):
        classify_rates.append(rate(nlp.classify, texts))
        lcut_rates.append(rate(jieba.lcut, texts))
    classify_rate, lcut_rate = max(classify_rates), max(lcut_rates)

    print(
        f"texts: {len(texts)} (mean {chars:.0f} characters), best of {args.rounds} alternating rounds"
    )
    print(
        f"load: nlp.load() {load_s:.2f} s (jieba dictionary, lexicon, rules, shipped model); "
        f"global jieba.initialize() {jieba_load_s:.2f} s"
    )
    print(f"jieba.lcut:   {lcut_rate:,.0f} texts/s")
    print(f"nlp.classify: {classify_rate:,.0f} texts/s")
    print(f"ratio classify/lcut: {classify_rate / lcut_rate:.2f} (target >= 0.50)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
