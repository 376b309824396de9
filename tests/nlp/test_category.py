"""Category and kind suggestions as a tenant would see them in the dialog."""

import json

import pytest

import nlp

CATEGORY_CASES = [
    # what the tenant typed, the category the dialog should suggest
    ("电梯坏了", "facility"),
    ("卫生间顶上一直在滴水", "facility"),
    ("走廊的灯不亮了", "facility"),
    ("楼下垃圾三天没人收，臭死了", "environment"),
    ("家里好多蟑螂，能不能来消杀", "environment"),
    ("楼上装修电钻声吵得没法午睡", "noise"),
    ("广场舞的音响太大声了", "noise"),
    ("有陌生人跟着进了单元楼", "security"),
    ("消防通道被堆满了杂物", "security"),
    ("我的车位被别人占了", "parking"),
    ("小区里乱停车，路都堵了", "parking"),
    ("客服态度太差，电话也不接", "service"),
    ("报修一周了没人来，工作人员互相推诿", "service"),
    ("物业费凭什么涨价", "billing"),
    ("停车费多扣了一个月，要求退款", "billing"),
    ("对门把鞋柜放在公共走廊", "neighbor"),
    ("邻居遛狗不拴绳", "neighbor"),
    ("小区停水了，自来水公司也没通知", "utilities"),
    ("宽带断网两天了", "utilities"),
    ("请问快递驿站几点关门", "other"),
]


@pytest.mark.parametrize(("text", "category"), CATEGORY_CASES)
def test_suggests_the_category_a_person_would_pick(text: str, category: str) -> None:
    assert nlp.classify(text).category == category


KIND_CASES = [
    ("厨房水龙头坏了，麻烦派师傅来修一下", "repair"),
    ("请问物业费可以按季度交吗？", "inquiry"),
    ("建议在小区门口增设快递柜", "suggestion"),
    ("保安态度恶劣，我要投诉", "complaint"),
]


@pytest.mark.parametrize(("text", "kind"), KIND_CASES)
def test_suggests_the_kind(text: str, kind: str) -> None:
    assert nlp.classify(text).kind == kind


TRADITIONAL_CASES = [
    ("電梯壞了好幾天，都沒人來修", "facility"),
    ("樓上裝潢的噪音吵到我沒辦法睡覺", "noise"),
    ("管理費又漲價了，完全不合理", "billing"),
    ("停車位被別人佔用了", "parking"),
    ("社區網路一直斷線", "utilities"),
    ("垃圾桶滿出來都沒人清", "environment"),
]


@pytest.mark.parametrize(("text", "category"), TRADITIONAL_CASES)
def test_traditional_chinese_is_understood(text: str, category: str) -> None:
    assert nlp.classify(text).category == category


def test_traditional_and_simplified_give_the_same_answer() -> None:
    simplified = nlp.classify("楼上漏水，天花板都湿了")
    traditional = nlp.classify("樓上漏水，天花板都濕了")
    assert (simplified.category, simplified.severity) == (
        traditional.category,
        traditional.severity,
    )


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("lift坏了", "facility"),
        ("wifi一直断", "utilities"),
        ("the rubbish bins are overflowing", "environment"),
        ("my parking space is taken again", "parking"),
    ],
)
def test_mixed_english(text: str, category: str) -> None:
    assert nlp.classify(text).category == category


def test_full_width_and_emoji_do_not_get_in_the_way() -> None:
    assert nlp.classify("ＷＩＦＩ断了😡😡").category == "utilities"
    assert nlp.classify("🛗坏了！！").category == "facility"
    assert nlp.classify("楼道里好多🪳").category == "environment"


NEGATION_CASES = [
    ("不是噪音问题，是漏水", "facility"),
    ("不是物业费的事，是保安态度太差", "service"),
    ("没有停水，是宽带断了", "utilities"),
]


@pytest.mark.parametrize(("text", "category"), NEGATION_CASES)
def test_negated_words_do_not_count(text: str, category: str) -> None:
    assert nlp.classify(text).category == category


def test_negated_problem_is_not_evidence() -> None:
    triage = nlp.classify("不是噪音问题，是漏水")
    assert "噪音" not in triage.evidence.category
    assert "漏水" in triage.evidence.category


def test_several_problems_primary_first_others_as_alternatives() -> None:
    triage = nlp.classify(
        "楼下的垃圾堆得到处都是还很臭，楼上装修的电钻声也吵得不行，物业费还涨价了"
    )
    suggested = {triage.category, *triage.alternatives}
    assert {"environment", "noise", "billing"} <= suggested
    assert len(triage.alternatives) <= 3
    assert triage.category not in triage.alternatives


def test_result_carries_evidence_and_is_json_serialisable() -> None:
    triage = nlp.classify("3栋电梯坏了，已经第二次了")
    assert "电梯" in triage.evidence.category
    assert triage.severity == "important"
    assert "第二次" in triage.evidence.severity
    assert 0.0 <= triage.confidence <= 1.0
    data = json.loads(json.dumps(triage.to_dict(), ensure_ascii=False))
    assert data["category"] == "facility"
    assert set(data["evidence"]) == {"kind", "category", "severity"}


def test_result_is_frozen() -> None:
    triage = nlp.classify("电梯坏了")
    with pytest.raises(AttributeError):
        triage.category = "other"  # type: ignore[misc]
