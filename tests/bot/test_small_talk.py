import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.tenant.small_talk import is_small_talk


@pytest.mark.parametrize(
    "text",
    [
        "你好",
        "您好！",
        "你好，在吗？",
        "在吗",
        "有人吗???",
        "谢谢",
        "谢谢你们，辛苦了",
        "好的 👍",
        "OK",
        "thanks!",
        "Thank you",
        "hi there",
        "唔該",
        "多謝晒"[:2],
        "早上好～",
        "嗯嗯",
        "收到",
        "",
        "   ",
        "！！！",
    ],
)
def test_greetings_thanks_and_acknowledgements(text):
    assert is_small_talk(text)


@pytest.mark.parametrize(
    "text",
    [
        "漏水",
        "电梯坏了",
        "你好，我家漏水了",
        "在吗 楼上太吵了",
        "谢谢，但是灯还是不亮",
        "hi the lift is broken",
        "3栋停电",
        "好臭",
        "有老鼠",
        "救命",
        "好的，那什么时候来修？",
        "你好" * 20,
    ],
)
def test_anything_with_a_matter_in_it_is_not_small_talk(text):
    assert not is_small_talk(text)


@given(st.text(max_size=200))
def test_never_raises(text):
    assert is_small_talk(text) in (True, False)
