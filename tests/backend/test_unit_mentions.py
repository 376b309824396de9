"""The bot offers "是 3栋1单元602 吗？" only when a tenant's text holds a unit notation it can trust."""

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.domain.units import UnitMention, find_unit

FOUND = [
    # message                                                    text found               building room
    # Simplified, mainland notations
    ("3栋1单元602", "3栋1单元602", "3", "602"),
    ("我住3栋1单元602", "3栋1单元602", "3", "602"),
    ("3-1-602", "3-1-602", "3", "602"),
    ("3-1-1202", "3-1-1202", "3", "1202"),
    ("3号楼2单元501", "3号楼2单元501", "3", "501"),
    ("5幢302", "5幢302", "5", "302"),
    ("A座1502", "A座1502", "A", "1502"),
    ("a座1502卫生间漏水", "a座1502", "A", "1502"),
    ("3栋602室", "3栋602室", "3", "602"),
    ("3#602", "3#602", "3", "602"),
    ("10栋1单元1502房", "10栋1单元1502房", "10", "1502"),
    ("３栋６０２", "3栋602", "3", "602"),
    ("3 栋 1 单元 602", "3 栋 1 单元 602", "3", "602"),
    ("2栋1单元302户", "2栋1单元302户", "2", "302"),
    ("3栋1单元602户主投诉", "3栋1单元602", "3", "602"),
    ("3号楼2门501", "3号楼2门501", "3", "501"),
    ("3栋1单元6楼602", "3栋1单元6楼602", "3", "602"),
    ("3栋12楼1202", "3栋12楼1202", "3", "1202"),
    ("1单元602", "1单元602", "", "602"),
    ("3楼302的空调外机一直滴水", "3楼302", "", "302"),
    ("1502室漏水", "1502室", "", "1502"),
    ("3栋602号房", "3栋602号房", "3", "602"),
    ("第二期3栋1单元602", "3栋1单元602", "3", "602"),
    # shops
    ("商铺B-12门口被占了", "商铺B-12", "", "B-12"),
    ("12号铺", "12号铺", "", "12"),
    ("5号商铺门口堆满纸箱", "5号商铺", "", "5"),
    ("3栋地铺", "3栋地铺", "3", "地铺"),
    ("地铺12号", "地铺12号", "", "12"),
    ("铺位L2-15", "铺位L2-15", "", "L2-15"),
    # chat style, no punctuation, notation inside a long story
    ("物业你好我是8栋2单元1101的业主楼上漏水到我家", "8栋2单元1101", "8", "1101"),
    (
        "昨天晚上大概11点多我回家发现3栋1单元1502门口堆满了垃圾已经三天了",
        "3栋1单元1502",
        "3",
        "1502",
    ),
    ("我家是5-2-301楼上天天装修吵死了", "5-2-301", "5", "301"),
    ("我住5-302", "5-302", "5", "302"),
    ("我是3栋602楼上的", "3栋602", "3", "602"),
    ("3栋602楼上3栋702漏水", "3栋602", "3", "602"),  # the first one
    ("18:00以后3栋1单元602一直很吵 电话13812345678", "3栋1单元602", "3", "602"),
    # Traditional script, Taiwan
    ("3號樓2單元501", "3號樓2單元501", "3", "501"),
    ("３棟１單元６０２", "3棟1單元602", "3", "602"),
    ("10棟1單元1502號", "10棟1單元1502號", "10", "1502"),
    ("12樓B室", "12樓B室", "", "B"),
    ("3樓之2", "3樓之2", "", "2"),
    ("A棟3樓之2冷氣滴水", "A棟3樓之2", "A", "2"),
    ("民生路12號3樓之2", "3樓之2", "", "2"),
    # Cantonese, Hong Kong
    ("3座12楼B室", "3座12楼B室", "3", "B"),
    ("3座12樓B室", "3座12樓B室", "3", "B"),
    ("3座 12樓 B室", "3座 12樓 B室", "3", "B"),
    ("我係3座1203室嘅住戶", "3座1203室", "3", "1203"),
    ("我住喺B座15樓3室", "B座15樓3室", "B", "3"),
    ("A座12樓C單位", "A座12樓C單位", "A", "C"),
    ("我屋企12樓B成日漏水", "12樓B", "", "B"),
    ("3座G12號舖", "3座G12號舖", "3", "G12"),
    # English
    ("Block 3 12/F Flat B", "Block 3 12/F Flat B", "3", "B"),
    ("Flat B, 12/F, Block 3", "Flat B, 12/F, Block 3", "3", "B"),
    ("Blk 3, 12/F, Flat B", "Blk 3, 12/F, Flat B", "3", "B"),
    ("Tower 2 Flat 12A", "Tower 2 Flat 12A", "2", "12A"),
    ("Flat 12A Tower 2", "Flat 12A Tower 2", "2", "12A"),
    ("flat b 12/f block 3 water leaking", "flat b 12/f block 3", "3", "B"),
    ("Hi, I live at Block A Flat 5 and the lift is broken", "Block A Flat 5", "A", "5"),
    ("2nd floor Flat C", "2nd floor Flat C", "", "C"),
    ("Room 1203 is noisy every night", "Room 1203", "", "1203"),
    ("Apt 3C", "Apt 3C", "", "3C"),
    ("Shop G12 cannot open", "Shop G12", "", "G12"),
]


@pytest.mark.parametrize(("message", "text", "building", "room"), FOUND)
def test_unit_notation_is_found(message, text, building, room):
    assert find_unit(message) == UnitMention(text=text, building=building, room=room)


NOT_A_UNIT = [
    # phone numbers
    "13812345678",
    "0988-123-456",
    "9123 4567",
    "+852 9123 4567",
    "电话0755-12345678",
    "尾号1502",
    # dates and times
    "2026-12-03",
    "12-03",
    "12/3",
    "18:00",
    "3-12-2026",
    "3栋2023年交房",
    # ranges and durations
    "3-4天",
    "等了3-5天",
    "1-2楼",
    "3到5楼",
    "3栋1单元601到605都停水",
    # money, measures and counts
    "物业费1200元",
    "3栋1单元1200平米",
    "三十多户",
    "12户",
    "3栋120户联名投诉",
    # a building, entrance or floor alone is a common area
    "12楼走廊灯坏了",
    "3栋电梯坏了",
    "3栋1单元楼道灯不亮",
    "A座5楼",
    "3座12樓",
    "5樓",
    "12楼3号电梯",
    "Block 3 lift broken",
    "12/F corridor is dark",
    # Taiwan street address: a building and a floor, not a flat (see the module's docstring)
    "民生路12號3樓",
    # case numbers and model numbers
    "QC-20260101-0001",
    "型号KFR-35GW/A",
    "型号3-1202",
    "iPhone 15 Pro",
    "车位3-112",
    # no building, Chinese number words, the verb 铺, sleeping on the floor, English words
    "我住602",
    "三栋六零二",
    "12号铺地砖",
    "打地铺12天",
    "地铺",
    "12楼B超室",
    "room for 2 people",
    "shop 5 minutes away",
    "Unit 100",
    "",
]


@pytest.mark.parametrize("message", NOT_A_UNIT)
def test_no_unit_is_suggested(message):
    assert find_unit(message) is None


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.text(
            alphabet=st.sampled_from(
                list("0123456789０３栋棟幢座单元單樓楼层室号號房户铺舖地之#-–/:., ABFfabBlockFlat")
            )
        ),
    )
)
def test_find_unit_never_raises_and_quotes_the_message(message):
    mention = find_unit(message)
    if mention is not None:
        assert mention.text
        assert mention.text == mention.text.strip()
        assert mention.text in unicodedata.normalize("NFKC", message)
        assert mention.room


@pytest.mark.parametrize(
    "message",
    [
        "3栋" + " " * 4000 + "602",
        "Block 3" + " " * 4000 + "lift",
        "3-1" * 1300,
    ],
)
def test_parts_far_apart_in_a_long_message_are_no_unit(message):
    """Telegram allows 4096 characters; at most three spaces join the parts of one notation (which also
    keeps the patterns from backtracking over long runs of spaces)."""
    assert find_unit(message) is None


def test_a_unit_before_a_long_run_of_spaces_is_still_found():
    assert find_unit("Flat B" + " \t" * 2000 + ",") == UnitMention("Flat B", "", "B")
