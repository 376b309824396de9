"""Severity: every emergency trigger of docs/domain.md#emergency-triggers, collective wording, repeat/promise/trade/media."""

import pytest

import nlp

# Written for this test, in wording that differs from the corpus: (text, trigger, category or None
# when the emergency does not decide the category).
EMERGENCIES = [
    ("客厅插线板突然冒出火苗，窗帘也烧着了", "fire", "security"),
    ("B区地下室起火了，火势很大", "fire", "security"),
    ("樓下的機車行失火，火已經燒到二樓", "fire", "security"),
    ("储藏间里的纸箱被烟头点着了，正在烧", "fire", "security"),
    ("楼道里全是呛人的烟，眼睛都睁不开", "smoke", "security"),
    ("有烟从电表箱里冒出来，还有一股塑料烧焦的味", "smoke", "security"),
    ("一进单元门就是一股刺鼻的液化气味", "gas", "security"),
    ("燃氣錶那邊嘶嘶作響，聞到很重的瓦斯味", "gas", "security"),
    ("there is a strong smell of gas in the lobby", "gas", "security"),
    ("锅炉房刚才炸了一下，墙都震裂了", "explosion", "security"),
    ("楼下饭店煤气罐爆炸，玻璃碎了一地", "explosion", "security"),
    ("我被困在4号楼的电梯里了，手机快没电了", "lift_trapped", "facility"),
    ("升降機停咗，我阿媽困喺入面", "lift_trapped", "facility"),
    ("电梯门打不开，我们三个人关在里面已经半小时", "lift_trapped", "facility"),
    ("我们这栋楼全部停电了，一片漆黑", "power_cut", "facility"),
    ("大楼突然断电，整栋的灯都灭了", "power_cut", "facility"),
    ("楼上热水器的管子爆了，水哗哗地往我家流", "flood", "facility"),
    ("车库被水淹了，积水已经到膝盖", "flood", "facility"),
    ("浴室的進水管破裂，整個家都在淹水", "flood", "facility"),
    ("我家的摩托车昨晚被人偷走了", "crime", "security"),
    ("有人砸了我家的窗户爬进来，偷了保险柜", "crime", "security"),
    ("停車場有人持刀搶劫，快報警", "crime", "security"),
    ("我爸在小区台阶上摔了一跤，头磕破了流了很多血", "injury", None),
    ("小孩的手被单元门夹伤了，肿得很厉害，在去医院路上", "injury", None),
    ("楼上掉下来一块玻璃，砸伤了路过的人", "injury", None),
    ("水漫进储藏室，里面的货全泡坏了，损失十几万", "financial_loss", None),
    ("商场的中央空调冷水机组停机了，整栋楼没有冷气", "plant_failure", "facility"),
    ("备用发电机故障，停电时启动不了", "plant_failure", "facility"),
    ("大楼的高压配电柜跳闸了，报警一直响", "plant_failure", "facility"),
    ("客厅的墙上出现一条很长的裂缝，还在变宽", "structural", "facility"),
    ("楼梯间的天花板大块大块往下掉水泥", "structural", "facility"),
    ("外牆的磚整片剝落，差點砸到行人", "structural", "facility"),
    # dangers told as stories, without an alarm word (issue #13)
    ("有个阿姨趴在单元门口的台阶上，喊她一点反应都没有", "injury", None),
    ("停車場有個大叔倒在車旁邊，叫極都唔郁", "injury", None),
    ("a delivery guy is lying next to the bins, not moving at all", "injury", None),
    ("花园里有个老伯跌倒了，头撞到石凳，现在站不起来", "injury", None),
    ("会所泳池里有个小朋友沉到水底，一直没浮上来", "injury", None),
    ("自动门把一个老人的手臂夹住了，门还在往里关", "injury", None),
    ("电梯门夹住了我儿子的外套，电梯正在往上升", "lift_fault", "facility"),
    ("我在电梯里面，灯全黑了，按了对讲没人应，越来越热", "lift_trapped", "facility"),
    ("电梯从8楼一路往下冲，冲到地下才停，我们还在里面", "lift_fault", "facility"),
    ("有个男人站在天台边上，说要跳下去，保安快上来", "distress", None),
    ("有个小朋友爬到阳台护栏外面，挂在外面哭", "distress", None),
    ("一个小孩被锁在车里，车窗全关着，哭得满头汗", "distress", None),
    ("停车场坡道有辆车没人开，自己往下溜，快撞到人了", "injury", None),
    ("两个人在中庭打起来了，一个拿着刀，还在追着砍", "crime", "security"),
    ("有个陌生人在每层楼试门把，现在到7楼了", "crime", "security"),
    ("楼上有人一直往下扔酒瓶，刚砸在我脚边，现在还在扔", "structural", "facility"),
    ("电箱那边一直噼啪响，还冒出一股焦味", "fire", "security"),
    ("電房門口啪啪聲，仲有藍光一閃一閃", "fire", "security"),
    ("地下室配电房全是水，电缆泡在水里", "flood", "facility"),
    ("天花板一直滴水，灯在闪，开关都是湿的", "flood", "facility"),
    ("隔壁传来一股汽油味，越来越浓，我头很晕", "gas", "security"),
    ("my neighbour's door: someone screaming, things smashing, a kid crying", "crime", "security"),
]


@pytest.mark.parametrize(("text", "trigger", "category"), EMERGENCIES)
def test_every_emergency_is_major_at_once(text: str, trigger: str, category: str | None) -> None:
    triage = nlp.classify(text)
    assert triage.severity == "major"
    assert triage.emergency
    assert trigger in triage.triggers
    assert triage.evidence.severity
    if category is not None:
        assert triage.category == category


def test_the_emergency_table_covers_every_trigger_of_the_domain() -> None:
    covered = {trigger for _, trigger, _ in EMERGENCIES}
    assert covered >= {
        "fire", "smoke", "gas", "explosion", "lift_trapped", "power_cut", "flood",
        "crime", "injury", "financial_loss", "plant_failure", "structural",
    }  # fmt: skip


def test_city_power_cut_belongs_to_utilities() -> None:
    triage = nlp.classify("整个片区都停电了，供电局说线路故障")
    assert triage.severity == "major"
    assert triage.category == "utilities"


def test_emergency_category_beats_the_place_it_happened() -> None:
    # fire in a neighbour's flat is still the safety team's business
    assert nlp.classify("隔壁邻居家着火了，浓烟往我家窜").category == "security"


NOT_EMERGENCIES = [
    "没有漏水了，谢谢师傅",
    "已经没有煤气味了，燃气公司来看过",
    "楼道堆满纸箱，万一着火根本逃不出去",
    "电动车在楼道充电，有火灾隐患",
    "楼道里有人抽烟，烟味很大",
    "电梯按钮不灵，要按好几次",
    "明天计划停电吗？",
    "手机没电了，晚点再联系",
    "请问小区的消防演习是哪天？",
    # words that contain a trigger, alarms set off by mistake, chat and animals
    "我被电梯门夹了一下，你们什么时候修感应器",
    "Someone keeps parking in front of the fire exit on level 2",
    "广播说发生火灾请疏散，结果保安说是系统测试",
    "剛剛消防警報響了好幾分鐘，後來保全說是誤觸",
    "炸了炸了，物业群里的消息每天都看不完",
    "流浪猫晚上在车顶上打架，把垃圾袋扒得满地都是",
    "电梯里贴了个开锁小广告，这是不是骗子",
    "宽带老是断线，师傅说要进机房看看",
    "電梯又卡住了啦 這次換A棟 我在1樓等了20分鐘",
    "车把我堵在里面了 我要去医院 快帮我找车主",
    "刚才有个人在小区里晕倒，救护车已经拉走了，小区有没有AED",
    "天然气的味道？不是，是垃圾站发酵的味道",
    # told after the fact, asked about, heard second-hand, figures of speech, habits (issue #13)
    "昨晚电梯把我困了二十分钟，后来是维保师傅弄出来的，想投诉一下",
    "火警钟响了好久，是演习吗？没人通知",
    "广播说三楼起火，后来才知道是在搞演习",
    "朋友圈说我们小区着火了，我在外地上班",
    "请问是整栋楼停电了吗？还是只有我家跳闸",
    "我家全黑了，是不是整栋楼都没电？",
    "楼上装修的声音跟爆炸一样，吵死了",
    "楼下有人烧纸钱，能不能去指定的地方烧",
    "楼上小孩天天追着跑，吵得没法睡",
    "电梯往上走的时候有异响，麻烦检查一下",
    "汽油味从停车场飘上来，是不是有人在修车",
    "楼上经常往下扔烟头，把我晒的衣服烫了个洞",
    "几个小孩在楼道里追着玩，吵死了",
    "物业管理费涨成这样，简直是抢劫",
]


@pytest.mark.parametrize("text", NOT_EMERGENCIES)
def test_negated_or_hypothetical_triggers_are_no_emergency(text: str) -> None:
    triage = nlp.classify(text)
    assert not triage.emergency
    assert triage.severity != "major"


def test_no_longer_leaking_does_not_trigger_flooding() -> None:
    triage = nlp.classify("楼上已经没有漏水了")
    assert "flood" not in triage.triggers
    assert "漏水" not in triage.evidence.category


COLLECTIVE = [
    # (text, severity, collective): a stated count of 3+ households or the whole building is
    # major; a vaguer plural is important (docs/domain.md#collective-complaints)
    ("我们整栋楼都停水了", "major", True),
    ("全楼的网络都断了", "major", True),
    ("三十多户都闻到垃圾站的臭味", "major", True),
    ("12户业主一起要求退车位费", "major", True),
    ("好几户都反映楼道灯不亮", "important", False),
    ("大家都被广场舞吵得睡不着", "important", False),
    ("我和对门两户的门禁卡都失效了", "general", False),
]


@pytest.mark.parametrize(("text", "severity", "collective"), COLLECTIVE)
def test_collective_by_count_is_major_and_a_vague_plural_important(
    text: str, severity: str, collective: bool
) -> None:
    triage = nlp.classify(text)
    assert triage.severity == severity
    assert triage.collective is collective
    assert not triage.emergency  # a collective complaint does not wake the duty officer


def test_single_household_is_not_collective() -> None:
    triage = nlp.classify("我家的水龙头坏了")
    assert not triage.collective
    assert triage.severity == "general"


IMPORTANT = [
    ("电梯又坏了，这个月第三次", "repeat"),
    ("上次投诉了还没处理，楼道灯还是不亮", "repeat"),
    ("反映过多次的漏水问题到现在都没人管", "repeat"),
    ("说好今天上午来修空调，到现在人都没来", "promise"),
    ("门口的路被挖开，商户无法营业", "trade"),
    ("再不处理我就打12345热线", "media"),
    ("这件事我已经找媒体曝光了", "media"),
]


@pytest.mark.parametrize(("text", "signal"), IMPORTANT)
def test_important_signals(text: str, signal: str) -> None:
    triage = nlp.classify(text)
    assert triage.severity == "important"
    assert signal in triage.triggers
    assert not triage.emergency


def test_ordinary_inconvenience_is_general() -> None:
    assert nlp.classify("走廊的灯泡坏了一个").severity == "general"
