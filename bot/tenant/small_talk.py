"""Greetings and thanks: free text that is not a complaint (pure)."""

import re
import unicodedata

WORDS = frozenset(
    """
你好 您好 你们好 在吗 在不在 在嘛 有人吗 有人在吗 哈喽 哈啰 嗨 早 早上好 中午好 下午好 晚上好 晚安
谢谢 谢了 多谢 感谢 谢谢你 谢谢你们 辛苦了 辛苦 好的 好 行 可以 ok okay 嗯 嗯嗯 哦 噢 收到 明白 知道了 了解
唔该 唔該 多謝 謝謝 謝了 你好呀 您好呀 拜拜 再见 再見 bye hello hi hey there thanks thank you thx ty good
morning evening afternoon 的 啊 呀 哈 哦哦 喔 啦 了 呢 吧 哈哈
""".split()
)
_LONGEST = max(len(word) for word in WORDS)
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def is_small_talk(text: str) -> bool:
    """True when the whole text is greetings, thanks and acknowledgements ("你好，在吗？", "thanks!")."""
    rest = _NOISE.sub("", unicodedata.normalize("NFKC", text).lower())
    if not rest or len(rest) > 24:
        return not rest
    while rest:  # greedy longest match: "你好在吗" is 你好 + 在吗
        for size in range(min(_LONGEST, len(rest)), 0, -1):
            if rest[:size] in WORDS:
                rest = rest[size:]
                break
        else:
            return False
    return True
