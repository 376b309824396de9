"""How tenants really write (issue 13): one table per phenomenon, sentences written for this test."""

import pytest

import nlp
from nlp.households import chinese_number, stated_households

# 1. Emergencies told as a story: a thing, a state and a person within a clause or two.
STORIES = [
    ("电梯停在十楼和十一楼之间，门打不开，我婆婆还在里面", "lift_trapped", "facility"),
    ("升降機停咗喺半空，門扒唔開，我個仔仲喺入面", "lift_trapped", "facility"),
    ("楼梯间的天花板上水哗哗地往下浇，止都止不住", "flood", "facility"),
    ("配电房嘭的一声巨响，然后整栋楼都黑了", "plant_failure", "facility"),
    ("三楼走廊一股臭鸡蛋味，越来越浓，孩子说头晕", "gas", "security"),
    ("对门门缝里往外冒黑乎乎的东西，呛得人睁不开眼", "smoke", "security"),
]


@pytest.mark.parametrize(("text", "trigger", "category"), STORIES)
def test_an_emergency_told_as_a_story_is_caught(text: str, trigger: str, category: str) -> None:
    triage = nlp.classify(text)
    assert triage.severity == "major" and triage.emergency
    assert trigger in triage.triggers
    assert triage.category == category


# 2. Collective complaints stated by count (major) or by a vague plural (important).
COUNTS = [
    ("我们这栋三十多户，晚上都被工地打桩吵醒", "major"),
    ("一百多户居民家里的水都发黄", "major"),
    ("12户业主都被多收了车位管理费", "major"),
    ("小区里五六家都说快递柜收费太贵", "major"),
    ("业委会代表全体业主要求公开维修基金账目", "major"),
    ("居民们都说垃圾站太臭了", "important"),
    ("楼里好几家都在群里说门禁老坏", "important"),
    ("我们两户的水表都装反了", "general"),
]


@pytest.mark.parametrize(("text", "severity"), COUNTS)
def test_households_stated_in_the_text_decide_collective_severity(text: str, severity: str) -> None:
    triage = nlp.classify(text)
    assert triage.severity == severity
    assert not triage.emergency


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("三十多户", 30), ("12户业主", 12), ("五六家都说", 5), ("上百户居民", 100),
        ("十几户", 12), ("好几户", None), ("问了三家维修公司", None),
        ("2栋1单元302户", None), ("三位业主", 3), ("两户", 2),
    ],
)  # fmt: skip
def test_stated_households(text: str, count: int | None) -> None:
    found = stated_households(text)
    assert (found[0] if found else None) == count


@pytest.mark.parametrize(
    ("numeral", "value"),
    [("三十", 30), ("十二", 12), ("两百", 200), ("一百零五", 105), ("五六", 5), ("12", 12)],
)
def test_chinese_numbers(numeral: str, value: int) -> None:
    assert chinese_number(numeral) == value


# 3. Hong Kong Cantonese: the lexicon turns its words into the Mandarin the rules know.
CANTONESE = [
    ("我屋企隔籬火燭呀，好多煙", "major", "security"),
    ("困𨋢呀！5座部𨋢停咗，入面有個伯伯", "major", "facility"),
    ("廚房爆水喉，成個屋企水浸", "major", "facility"),
    ("外牆啲石屎甩咗落嚟，差啲整親途人", "major", "facility"),
    ("樓上裝修日日電鑽，嘈到我瞓唔到", "general", "noise"),
    ("管理處啲職員成日唔聽電話", "general", "service"),
]


@pytest.mark.parametrize(("text", "severity", "category"), CANTONESE)
def test_cantonese(text: str, severity: str, category: str) -> None:
    triage = nlp.classify(text)
    assert triage.severity == severity
    assert triage.category == category


# 4. Taiwan usage.
TAIWAN = [
    ("一樓電梯受困，裡面有兩位住戶出不來", "major", "facility"),
    ("樓梯間瓦斯味很重，大家都在往外跑", "major", "security"),
    ("地下室停車格一直被別人的機車佔用", "general", "parking"),
    ("垃圾車每天晚上放音樂，小孩都被吵醒", "general", "noise"),
    ("我家浴室牆壁壁癌越來越嚴重", "general", "facility"),
]


@pytest.mark.parametrize(("text", "severity", "category"), TAIWAN)
def test_taiwan_usage(text: str, severity: str, category: str) -> None:
    triage = nlp.classify(text)
    assert triage.severity == severity
    assert triage.category == category


# 5. Warnings, hypotheticals, idioms, negation and events that are over: NOT major.
NOT_MAJOR = [
    "万一电线老化起火怎么办，楼道那堆纸箱谁来清",
    "看到这个物业费通知我真是火冒三丈",
    "业主群里都炸锅了，停车费凭什么涨",
    "气炸了，快递又被放在门口淋雨",
    "楼上已经不漏了，谢谢师傅",
    "不是着火，是有人在楼下烧纸，味道很大",
    "上周电梯困人的事处理完了吗，想要个说明",
    "下周的消防演习几点开始",
    "晚上吃火锅的味道飘到我家了",
    "困死了，楼上凌晨还在拖椅子",
    "我哋群組都嬲到爆，管理費又加",
]


@pytest.mark.parametrize("text", NOT_MAJOR)
def test_warnings_idioms_and_negations_are_not_major(text: str) -> None:
    triage = nlp.classify(text)
    assert triage.severity != "major"
    assert not triage.emergency


def test_a_fire_hazard_warning_is_security_and_important() -> None:
    triage = nlp.classify("电动车天天推进电梯拉回家充电，万一起火怎么办")
    assert (triage.category, triage.severity) == ("security", "important")


# 6. Who fixes it decides the category.
WHO_FIXES = [
    ("单元门的闭门器报修了三次还是坏的", "facility", "important"),
    ("前台小姑娘态度很差，说话阴阳怪气", "service", "general"),
    ("打了一上午物业电话都没人接", "service", "general"),
    ("燃气公司说我们楼的燃气管道还没验收，入住半年了还没通气", "utilities", None),
    ("我家一户没电了，别人家都有电", "facility", "general"),
    ("楼道的灯坏了，晚上黑漆漆的", "facility", "general"),
]


@pytest.mark.parametrize(("text", "category", "severity"), WHO_FIXES)
def test_who_fixes_it_decides_the_category(text: str, category: str, severity: str | None) -> None:
    triage = nlp.classify(text)
    assert triage.category == category
    if severity is not None:
        assert triage.severity == severity


# 7. A neighbour's pets are neighbor; every other noise is noise.
@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("隔壁家的狗半夜一直叫", "neighbor"),
        ("楼上邻居天天半夜走路咚咚响", "noise"),
        ("小区里的流浪猫晚上叫春吵得睡不着", "noise"),
        ("楼下邻居的猫总在我车上踩脚印", "neighbor"),
    ],
)
def test_pets_and_noise(text: str, category: str) -> None:
    assert nlp.classify(text).category == category


# One safety question when unsure.
@pytest.mark.parametrize(
    ("text", "check"),
    [
        ("3栋的电梯卡在8楼不动了", "lift_trapped"),
        ("楼道里有股烟味", "fire"),
        ("厨房好像有点煤气味", "gas"),
        ("卫生间地上好多水", "flood"),
        # no rule reads these as emergencies; the severity model does, and asks
        ("有个人倒在车库里不动了", "danger"),
        ("有個人倒喺停車場唔郁", "danger"),
    ],
)
def test_weak_evidence_asks_one_safety_question(text: str, check: str) -> None:
    triage = nlp.classify(text)
    assert triage.safety_check == check
    assert not triage.emergency and triage.severity != "major"


@pytest.mark.parametrize(
    "text",
    [
        "电梯困人了，我妈在里面",
        "水龙头滴水",
        "电梯按钮不亮",
        "楼下的车一直按喇叭",
        "物业费为什么又涨了",
        "小区的草坪很久没修剪了",
        "快递柜又坏了，取不了件",
    ],
)
def test_plain_texts_ask_no_safety_question(text: str) -> None:
    assert nlp.classify(text).safety_check == ""


def test_the_statistical_evidence_names_words_when_no_keyword_decides() -> None:
    triage = nlp.classify("那个自动售货机吞了我五块钱还不出货")
    assert triage.evidence.category
