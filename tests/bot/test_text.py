"""bot.text: text → Telegram message, as tables (issue 14, rows 3 and 10)."""

import pytest

from bot.fake_telegram.html import parse_html, utf16_len
from bot.text import (
    MAX_ALERT,
    MAX_CAPTION,
    MAX_LABEL,
    MAX_TEXT,
    alert,
    caption,
    fit,
    label,
    shorten,
    split,
    visible_length,
    visible_text,
)

MORE = "… more in the dashboard: http://desk.example/dashboard/cases/QC-20261203-0001"


def shown(message: str) -> str:
    """What Telegram shows of an HTML message; raises like Telegram on broken HTML."""
    return parse_html(message, strict_escapes=True)[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("维修", 2),
        ("<b>QC-1</b> · 水管", 9),
        ('<a href="tg://user?id=1">刘经理</a>', 3),
        ("O&#x27;Neil &amp; Co", 11),
        ("&lt;b&gt;", 3),
        ("😀", 2),  # outside the BMP: two UTF-16 units, as Telegram counts
        ("a & b", 5),  # a bare & is a character
    ],
)
def test_visible_length_counts_what_telegram_counts(text, expected):
    assert visible_length(text) == expected


@pytest.mark.parametrize(
    ("text", "limit", "more", "expected"),
    [
        # fits: unchanged, whatever the markup length
        ("<b>QC-1</b> 水管&amp;阀门", 10, MORE, "<b>QC-1</b> 水管&amp;阀门"),
        ("&amp;" * 10, 10, "…", "&amp;" * 10),
        # too long: cut, the ellipsis follows the text
        ("abcdefghij", 5, "…", "abcd…"),
        ("维修工单已受理请稍候", 6, "…", "维修工单已…"),
        # never inside an entity: an entity is one character
        ("&amp;" * 10, 5, "…", "&amp;" * 4 + "…"),
        ("ab&#x27;cd", 4, "…", "ab&#x27;…"),
        # never inside a tag; a tag open at the cut is closed
        ("<b>abcdefghij</b>", 5, "…", "<b>abcd</b>…"),
        (
            'x<a href="https://e.x/?a=1&amp;b=2">link text</a>',
            5,
            "…",
            'x<a href="https://e.x/?a=1&amp;b=2">lin</a>…',
        ),
        ("<b>bold</b><i>italic</i>", 5, "…", "<b>bold</b>…"),
        # a tag that would open with nothing inside is left out
        ("abcd<b>efgh</b>", 5, "…", "abcd…"),
        # a line break within reach is preferred; the "more" line goes on its own line
        ("line one\nline two\nline three", 24, "…", "line one\nline two…"),
        ("第一行内容内容\n第二行内容第二行内容", 12, "…", "第一行内容内容…"),
        ("第一行\n第二行内容第二行内容", 12, "…", "第一行\n第二行内容第二…"),  # too early a break
        ("abcdefghij\nklmnopqrstuvwxyz", 20, "[more]", "abcdefghij\n[more]"),
        # no line break within reach: cut inside the line
        ("ab\ncdefghijklmnopqrstuvwxyz", 20, "[more]", "ab\ncdefghijkl\n[more]"),
        # a "more" line too big for the message gives way to the ellipsis
        ("abcdefghij", 8, "a very long more line", "abcdefg…"),
        # characters that belong together stay together
        ("e\u0301e\u0301e\u0301", 4, "…", "e\u0301…"),
        ("👍🏽👍🏽👍🏽", 6, "…", "👍🏽…"),
        ("😀😀😀", 4, "…", "😀…"),
        ("🇨🇳🇨🇳🇨🇳", 7, "…", "🇨🇳…"),
        ("👩\u200d🔧👩\u200d🔧", 7, "…", "👩\u200d🔧…"),
    ],
)
def test_fit(text, limit, more, expected):
    result = fit(text, limit, more=more)
    assert result == expected
    assert utf16_len(shown(result).strip()) <= limit


@pytest.mark.parametrize(
    "body",
    [
        "水管&amp;阀门&lt;更换&gt;" * 500,  # entities all along, at the cut too
        "<b>工单</b> " + "卫生间天花板一直在滴水，从昨晚开始。" * 300,  # CJK, no spaces
        "\n".join(
            f'• <a href="tg://user?id={i}">O&#x27;Neil &amp; Co</a> 已派单' for i in range(400)
        ),
        "<b>" + "x" * 5000 + "</b>",  # one tag around everything
        "😀" * 3000,  # 6 000 UTF-16 units
    ],
)
def test_fit_to_telegram_keeps_html_valid_and_within_4096(body):
    result = fit(body, more=MORE)
    text = shown(result).strip()
    assert utf16_len(text) <= MAX_TEXT and text.endswith(MORE)
    assert text[: -len(MORE)].rstrip("\n") in shown(body)  # what is kept is the start, unchanged


def test_fit_plain_text_is_not_parsed():
    text = "<b> is not a tag & neither is &amp; " * 200
    result = fit(text, 100, markup=False, more="[more]")
    assert len(result) <= 100 and result.startswith("<b> is not a tag & neither is &amp;")
    assert result.endswith("\n[more]")


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, ["short"]),
        ("one\ntwo\nthree", 8, ["one\ntwo", "three"]),
        ("<b>one\ntwo\nthree</b>", 8, ["<b>one\ntwo</b>", "<b>three</b>"]),  # formatting goes on
        ("abcdefghij", 4, ["abcd", "efgh", "ij"]),
        ("&amp;&amp;&amp;", 2, ["&amp;&amp;", "&amp;"]),
        ("第一段\n\n第二段", 4, ["第一段", "第二段"]),
        ("<b>one</b>\ntwo", 4, ["<b>one</b>", "two"]),  # no empty part from a closing tag
    ],
)
def test_split(text, limit, expected):
    assert split(text, limit) == expected


def test_split_keeps_every_word_of_a_long_timeline():
    lines = [f"• 11月23日 10:00 进展：{'师傅明天上午九点上门 &amp; 检查' * 80}" for _ in range(4)]
    text = "工单 QC-1\n" + "\n".join(lines)
    parts = split(text)
    assert len(parts) >= 2
    assert all(utf16_len(shown(part).strip()) <= MAX_TEXT for part in parts)
    assert "\n".join(shown(part) for part in parts) == shown(text)


def test_split_stops_at_max_parts_with_the_more_line():
    parts = split("段落内容\n" * 1000, 100, more="[more]", max_parts=3)
    assert len(parts) == 3 and parts[-1].endswith("\n[more]")
    assert all(visible_length(part) <= 100 for part in parts)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("已被O'Neil & Co接单。", "已被O'Neil & Co接单。"),  # plain: never escaped, never unescaped
        ("<b>not bold</b>", "<b>not bold</b>"),
        ("", ""),
        (None, None),
        ("好" * 200, "好" * 200),
        ("好" * 201, "好" * 199 + "…"),
        (
            "Already claimed by " + "O'Neil & Co " * 30,
            ("Already claimed by " + "O'Neil & Co " * 30)[:199].rstrip() + "…",
        ),
    ],
)
def test_alert(text, expected):
    result = alert(text)
    assert result == expected
    assert result is None or utf16_len(result) <= MAX_ALERT


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Call me O'Neil & Co", MAX_LABEL, "Call me O'Neil & Co"),
        ("使用 A&B座-1202", MAX_LABEL, "使用 A&B座-1202"),
        ("two\nlines  here", MAX_LABEL, "two lines here"),
        ("👤 " + "外包服务有限公司" * 10, MAX_LABEL, "👤 " + ("外包服务有限公司" * 10)[:60] + "…"),
        ("QC-20261203-0001 设施设备", 128, "QC-20261203-0001 设施设备"),
    ],
)
def test_label(text, limit, expected):
    result = label(text, limit)
    assert result == expected and utf16_len(result) <= limit


def test_caption_over_1024_is_cut_with_the_more_line():
    text = "📷 QC-20261203-0001 · 1/3\n" + "照片里是楼道天花板渗水的位置。" * 80
    result = caption(text, more=MORE)
    assert utf16_len(result) <= MAX_CAPTION
    assert result.startswith(text[:900]) and result.endswith("\n" + MORE)
    assert caption("📷 QC-1 · 1/1") == "📷 QC-1 · 1/1"


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("水管漏水", 10, "水管漏水"),
        ("水管漏水很严重", 4, "水管漏…"),
        ("a & b < c", 5, "a &…"),  # plain: counted before escaping
        ("", 3, ""),
        (None, 3, ""),
    ],
)
def test_shorten(text, limit, expected):
    assert shorten(text, limit) == expected


def test_visible_text():
    assert visible_text('<b>QC-1</b> O&#x27;Neil &amp; <a href="x">Co</a>') == "QC-1 O'Neil & Co"
