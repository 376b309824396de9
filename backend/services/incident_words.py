"""The wording of an incident: jieba keywords of its cases' descriptions (docs/domain.md#collective-complaints).

A new case joins an incident of its building and category only when its description fits the incident's:
the same thing (water, power, gas, lift…, in any of the three languages) with the same kind of trouble (cut
off, leaking), or else a shared keyword. "停水", "冇水", "一滴水都没有" and "No water" fit one water cut; a
leaking ceiling does not. Words that say nothing about the problem (pronouns, places, times, particles) are
left out.
"""

import logging
import re
from functools import cache

log = logging.getLogger(__name__)

MAX_KEYWORDS = 40  # an incident keeps at most this many (the most frequent first)
_CONTENT = re.compile(r"[\w\u3400-\u9fff]", re.UNICODE)
_DIGITS = re.compile(r"^[\d０-９]+$")
# Words that carry no problem: who, where, when, asking and particles (Simplified: input is normalised).
STOP = frozenset(
    """
    了 的 地 得 着 过 吗 呢 吧 啊 呀 哦 嘛 么 也 都 还 又 就 才 很 太 更 最 不 没 有 是 在 和 与 及 或
    我 你 他 她 它 们 我们 你们 他们 大家 我家 家里 家 自己 这 那 这个 那个 这里 那里 这边 那边 哪 哪里
    什么 怎么 怎么办 为什么 什么时候 多久 几 个 一 一下 一直 已经 现在 今天 昨天 明天 刚才 刚刚 早上
    晚上 中午 下午 上午 小时 分钟 天 时候 时间 请 请问 麻烦 谢谢 你好 您好 您 帮 帮忙 一下子 处理 解决
    问题 情况 反映 投诉 物业 小区 楼 栋 号 号楼 单元 室 层 楼上 楼下 门口 业主 住户 又是 还是 没有 不能
    可以 能 会 要 想 让 给 被 把 从 到 对 向 跟 说 看 来 去 做 用 好 大 小 多 少 快 慢 点 些 啦 呐
    the a an is are was were be been am my our your their his her its it this that there here to of in
    on at for from by with and or not no any some me we you they he she i what when why how please
    building unit flat floor apartment block room home house again still since today now hour hours
    minutes help fix problem issue
    """.split()
)


@cache
def _segment() -> object | None:
    try:
        from nlp.runtime import (
            toolkit,  # loaded lazily: the dictionaries are paid once, on first use
        )

        return toolkit()
    except (
        Exception
    ):  # keywords are advice: without jieba a case is matched by building and category
        log.exception("jieba is not available; incidents match by building and category only")
        return None


# What a report is about ("#水": water, whichever words and language) and what is wrong with it ("#缺":
# missing or cut off, "#漏": leaking): read from the normalised text (Simplified, lower case), so "停水",
# "冇水" (normalised to 没水), "一滴水都没有" and "No water" are one outage, and a leak is not a water cut.
THINGS: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "#电梯": (("电梯", "扶梯"), frozenset({"lift", "lifts", "elevator", "elevators", "escalator"})),
    "#气": (("燃气", "煤气", "天然气"), frozenset({"gas"})),
    "#暖": (("暖气", "供暖", "采暖"), frozenset({"heating", "radiator", "radiators"})),
    "#网": (("宽带", "网络", "wifi"), frozenset({"internet", "wifi", "network", "broadband"})),
    "#水": (("水",), frozenset({"water", "tap", "taps"})),
    "#电": (("电",), frozenset({"power", "electricity", "electric", "blackout", "lights"})),
}
ASPECTS: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "#漏": (("漏", "渗"), frozenset({"leak", "leaks", "leaking", "leaked", "seeping"})),
    "#缺": (
        ("没", "停", "断", "无", "缺", "不出", "不来", "不通", "不动", "不亮", "不能用", "坏"),
        frozenset(
            {"no", "not", "cut", "off", "stopped", "outage", "without", "down", "none", "out"}
        ),
    ),
}
_LATIN_WORD = re.compile(r"[a-z]+")


def _tags(normalized: str) -> list[str]:
    """The things a text is about and what is wrong with them, as tags ("#水", "#缺")."""
    text = normalized.lower()
    latin = set(_LATIN_WORD.findall(text))
    found: list[str] = []
    rest = text
    for tag, (words, english) in THINGS.items():
        if any(word in rest for word in words) or latin & english:
            found.append(tag)
        for word in words:  # "电梯" is a lift, not electricity: the longer thing is read first
            rest = rest.replace(word, " ")
    for tag, (words, english) in ASPECTS.items():
        if any(word in text for word in words) or latin & english:
            found.append(tag)
    return found


def keywords(text: str) -> list[str]:
    """The content words of `text` (in order of first appearance, each once) and its tags."""
    if not text:
        return []
    tk = _segment()
    if tk is None:
        return _tags(text)
    normalized = tk.normalize(text)  # type: ignore[attr-defined]
    words: list[str] = tk.segmenter.cut(normalized)  # type: ignore[attr-defined]
    found: dict[str, None] = {}
    for raw in words:
        word = raw.strip().lower()
        if not word or word in STOP or _DIGITS.match(word) or not _CONTENT.search(word):
            continue
        found.setdefault(word, None)
    return [*found, *_tags(normalized)]


# The supplies a building gets (water, power, gas, heating, internet): cut off, the tenant cannot tell the
# estate's pump or switchboard from the city's main, and triage files one as facility, the next as utilities.
SUPPLIES = frozenset({"#水", "#电", "#气", "#暖", "#网"})


def supply_cut(words: list[str]) -> bool:
    """Whether the wording reports a supply cut off ("停水", "No power"), not a leak or a fault."""
    tags = set(words)
    return bool(tags & SUPPLIES) and "#缺" in tags and "#漏" not in tags


def shown(words: list[str]) -> list[str]:
    """The keywords a person reads (the tags are for matching)."""
    return [word for word in words if not word.startswith("#")]


# A two-character word of "stop/no + thing" is one outage whichever verb: 停水, 没水, 断水, 无水 → "-水".
_OUTAGE = frozenset("停没断无缺")


def _sense(word: str) -> str:
    return f"-{word[1]}" if len(word) == 2 and word[0] in _OUTAGE else word


def similar(case_words: list[str], incident_words: list[str]) -> bool:
    """Whether a case's wording fits an incident's.

    When both say what they are about, that decides: the same thing ("#水") with compatible trouble (a
    water cut is not a leak; a side that does not say fits). Otherwise a shared keyword, counting the
    outage words of one thing as one ("没水" fits "停水"). A side without keywords fits: building and
    category decide.
    """
    if not case_words or not incident_words:
        return True
    ours, theirs = set(case_words), set(incident_words)
    things = (ours & THINGS.keys(), theirs & THINGS.keys())
    if things[0] and things[1]:
        if not things[0] & things[1]:
            return False
        trouble = (ours & ASPECTS.keys(), theirs & ASPECTS.keys())
        return not (trouble[0] and trouble[1]) or bool(trouble[0] & trouble[1])
    senses = {_sense(word) for word in theirs}
    return any(_sense(word) in senses for word in ours)


def merged(incident_words: list[str], case_words: list[str]) -> list[str]:
    """The incident's keywords with a new case's added (bounded: the earliest keep their place; the
    tags are always kept)."""
    combined = list(dict.fromkeys([*incident_words, *case_words]))
    tags = [word for word in combined if word.startswith("#")]
    return [*[w for w in combined if not w.startswith("#")][: MAX_KEYWORDS - len(tags)], *tags]
