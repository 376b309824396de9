"""How many households a text says it speaks for: "三十多户", "12户业主", "五六家", "上百户居民".

Domain rule (docs/domain.md#collective-complaints): a text that itself states three or more
households is a collective complaint, hence major. This module only reads the number.
"""

from __future__ import annotations

import re

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "俩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMERAL = r"[0-9０-９]+|[零〇一二两俩三四五六七八九十百千几]+"
# a number, an optional "more than", then a word for household
_COUNT = re.compile(
    rf"(?<![第0-9])(上|好|数)?({_NUMERAL})(多|余|来|几)?(?:个|位|名)?"
    r"(户(?![型口主外籍])|家(?=人|住户|业主|商户|商铺|租户|空置房|以上|门口|找|的事|在|邻居|居民|都|也|一起|联名|反映|投诉|说|的|被|没|停|受|遭|已|共同|同时|天天|了|窗|[,.!?;:，。！？；：\s]|$)"
    r"|伙(?![食伴计同])|业主|住户|居民)"
)


# "3 households", "twenty flats", "over 30 families" (the normalised text is lower case)
_ENGLISH_NUMBERS = {
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "a dozen": 12,
    "dozens of": 24,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "a hundred": 100,
}
_COUNT_EN = re.compile(
    r"\b(\d+|" + "|".join(_ENGLISH_NUMBERS) + r")\+? (?:more |other )?"
    r"(?:households|flats|units|families|homes|owners|residents|companies|shops|offices|businesses)\b"
)


def chinese_number(text: str) -> int | None:
    """Value of a small number written in digits or Chinese numerals ("三十", "十二", "两百");
    "几" counts as two ("十几" → 12, "几十" → 20); a range counts its lower bound ("五六" → 5); None if it is not a number."""
    if text.isdigit():
        return int(text)
    total, current, last_digit = 0, 0, False
    for ch in text:
        if ch in "零〇":
            current, last_digit = 0, False
            continue
        if ch in _DIGITS:
            # "五六家", "两三户": a range, the lower bound counts
            current = min(current, _DIGITS[ch]) if last_digit else _DIGITS[ch]
            last_digit = True
            continue
        last_digit = False
        if ch == "几":
            current = 2
        elif ch in _UNITS:
            total += (current or 1) * _UNITS[ch]
            current = 0
        else:
            return None
    return total + current


def stated_households(text: str) -> tuple[int, str] | None:
    """The largest number of households ``text`` (normalised) states, with the words that said
    it; None when no count is stated. ("全楼", "业委会" are words of the severity rules.)"""
    best: tuple[int, str] | None = None
    for m in _COUNT.finditer(text):
        prefix, number = m.group(1), m.group(2)
        if number == "几":  # "几户", "好几家": a few, not a stated number
            continue
        value = chinese_number(number.translate(_FULLWIDTH))
        if value is None:
            continue
        if number.isdigit() and len(number) >= 3 and text[max(0, m.start() - 1)] in "元栋座楼号":
            continue  # "2栋1单元302户" is an address, not a count
        if prefix in ("上", "数") and value < 10:  # "上百户", "数十户"
            value *= 10
        if best is None or value > best[0]:
            best = (value, m.group(0))
    for m in _COUNT_EN.finditer(text):
        number = m.group(1)
        value = int(number) if number.isdigit() else _ENGLISH_NUMBERS[number]
        if best is None or value > best[0]:
            best = (value, m.group(0))
    return best


_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
