"""The public API's contract: errors, long input, configuration, thread-safety."""

from concurrent.futures import ThreadPoolExecutor

import pytest

import nlp


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "\u3000\u3000"])
def test_blank_text_is_refused_clearly(text: str) -> None:
    with pytest.raises(ValueError, match="empty"):
        nlp.classify(text)


def test_invisible_characters_only_are_refused() -> None:
    with pytest.raises(ValueError):
        nlp.classify("\u200b\ufeff")


def test_very_long_rambling_text_is_truncated_and_still_sensible() -> None:
    text = (
        "3栋1202业主，电梯坏了三天没人修，老人上下楼很困难。"
        + "我真的很生气，你们物业到底管不管。" * 5000
    )
    assert len(text) > 50_000
    triage = nlp.classify(text)
    assert triage.category == "facility"
    assert "电梯" in triage.evidence.category


def test_an_emergency_beyond_the_cut_is_not_seen_but_one_before_it_is() -> None:
    early = "楼道着火了！" + "快来人。" * 3000
    assert nlp.classify(early).emergency


def test_load_returns_a_ready_classifier() -> None:
    assert nlp.load() is nlp.load()


def test_configure_restricts_the_taxonomy() -> None:
    nlp.configure(categories=["facility", "security", "other"])
    triage = nlp.classify("物业费太贵了，停车费也涨了")
    assert triage.category in {"facility", "security", "other"}
    assert set(triage.alternatives) <= {"facility", "security", "other"}
    # emergencies still work with a reduced taxonomy
    assert nlp.classify("厨房闻到很重的煤气味").severity == "major"


def test_configure_with_a_category_without_rules_never_crashes() -> None:
    nlp.configure(categories=["facility", "pets", "other"])
    triage = nlp.classify("电梯坏了")
    assert triage.category == "facility"
    assert "pets" not in triage.alternatives  # nothing knows "pets" until staff corrections do


def test_configure_needs_a_category() -> None:
    with pytest.raises(ValueError):
        nlp.configure(categories=[])


def test_classify_from_several_threads_gives_the_same_answers() -> None:
    texts = [
        "电梯坏了",
        "樓下有瓦斯味",
        "楼上装修太吵",
        "物业费太贵",
        "我的车位被占了",
        "不是噪音问题，是漏水",
    ] * 40
    expected = [nlp.classify(t) for t in texts]
    nlp.configure()  # start cold so that loading itself races too
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(nlp.classify, texts))
    assert got == expected


def test_the_global_jieba_is_left_alone() -> None:
    import jieba

    nlp.load()
    # our dictionary words are not forced onto the backend's tokenizer
    assert jieba.dt.FREQ is not nlp.load().toolkit.segmenter._tokenizer.FREQ
