"""The transport-free core: exact Telegram bodies, HTML/MarkdownV2 parsing, wire decoding."""

import json

import pytest

from bot.fake_telegram import FakeBotApi, FakeUser
from bot.fake_telegram.html import EntityParseError, parse_html
from bot.fake_telegram.markdown import parse_markdown_v2


def test_exact_error_bodies(fake: FakeBotApi, tenant: FakeUser) -> None:
    status, body = fake.handle("sendMessage", {"chat_id": str(tenant.id), "text": "hi"})
    assert status == 200 and body["ok"] and body["result"]["text"] == "hi"
    mid = body["result"]["message_id"]
    assert fake.handle(
        "editMessageText", {"chat_id": tenant.id, "message_id": mid, "text": "hi"}
    ) == (
        400,
        {
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: message is not modified: specified new message content "
            "and reply markup are exactly the same as a current content and reply "
            "markup of the message",
        },
    )
    assert (
        fake.handle("sendMessage", {"chat_id": 1, "text": "x"})[1]["description"]
        == "Bad Request: chat not found"
    )
    assert (
        fake.handle("sendMessage", {"chat_id": tenant.id})[1]["description"]
        == "Bad Request: message text is empty"
    )
    fake.block(tenant)
    assert fake.handle("sendMessage", {"chat_id": tenant.id, "text": "x"}) == (
        403,
        {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
    )


def test_wire_encoded_params_are_decoded(fake: FakeBotApi, tenant: FakeUser) -> None:
    markup = json.dumps({"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]})
    status, body = fake.handle(
        "SENDMESSAGE",
        {
            "chat_id": f"{tenant.id}",
            "text": "x",
            "reply_markup": markup,
            "disable_notification": "true",
        },
    )
    assert status == 200
    assert fake.calls[-1].method == "sendMessage"
    assert fake.calls[-1].params["reply_markup"] == json.loads(markup)
    assert fake.chat(tenant).buttons() == [[("A", "a")]]
    assert (
        fake.handle("sendMessage", {"chat_id": tenant.id, "text": "x", "reply_markup": "{nope"})[1][
            "description"
        ]
        == "Bad Request: can't parse reply keyboard markup JSON object"
    )


def test_chat_lookup_by_username(fake: FakeBotApi) -> None:
    group = fake.add_group("Public", username="qingchu_public")
    status, body = fake.handle("sendMessage", {"chat_id": "@qingchu_public", "text": "x"})
    assert status == 200 and body["result"]["chat"]["id"] == group.id


def test_reply_keyboard_is_tracked_per_chat(fake: FakeBotApi, tenant: FakeUser) -> None:
    keyboard = {
        "keyboard": [[{"text": "分享手机号", "request_contact": True}]],
        "resize_keyboard": True,
    }
    fake.handle("sendMessage", {"chat_id": tenant.id, "text": "x", "reply_markup": keyboard})
    assert fake.chat(tenant).reply_keyboard == keyboard
    assert "reply_markup" not in fake.chat(tenant).last().data
    fake.handle(
        "sendMessage",
        {"chat_id": tenant.id, "text": "y", "reply_markup": {"remove_keyboard": True}},
    )
    assert fake.chat(tenant).reply_keyboard is None


def test_inspection_helpers(fake: FakeBotApi, tenant: FakeUser) -> None:
    with pytest.raises(LookupError):
        fake.chat(tenant).last()
    for text in ("工单已受理 #12", "师傅已出发", "已完成"):
        fake.handle("sendMessage", {"chat_id": tenant.id, "text": text})
    chat = fake.chat(tenant)
    assert chat.texts() == ["工单已受理 #12", "师傅已出发", "已完成"]
    assert chat.find("#12").message_id == 1
    assert chat.last().text == "已完成"
    with pytest.raises(LookupError, match="no bot message containing"):
        chat.find("missing")
    with pytest.raises(LookupError):
        fake.chat(999)


@pytest.mark.parametrize(
    ("html", "text", "entities"),
    [
        ("<b>粗</b>体", "粗体", [{"type": "bold", "offset": 0, "length": 1}]),
        ("&lt;tag&gt; &amp; &quot;q&quot; &#128512;", '<tag> & "q" 😀', []),
        ("😀<i>x</i>", "😀x", [{"type": "italic", "offset": 2, "length": 1}]),  # UTF-16 offsets
        (
            '<a href="https://e.org/?a=1&amp;b=2">l</a>',
            "l",
            [{"type": "text_link", "offset": 0, "length": 1, "url": "https://e.org/?a=1&b=2"}],
        ),
        (
            '<pre><code class="language-python">x=1</code></pre>',
            "x=1",
            [{"type": "pre", "offset": 0, "length": 3, "language": "python"}],
        ),
        (
            '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>',
            "st",
            [
                {"type": "spoiler", "offset": 0, "length": 1},
                {"type": "spoiler", "offset": 1, "length": 1},
            ],
        ),
        (
            "<blockquote expandable>q</blockquote>",
            "q",
            [{"type": "expandable_blockquote", "offset": 0, "length": 1}],
        ),
        ("<B>x</B>", "x", [{"type": "bold", "offset": 0, "length": 1}]),
    ],
)
def test_parse_html(html: str, text: str, entities: list[dict[str, object]]) -> None:
    assert parse_html(html) == (text, entities)


def test_lenient_html_escapes_like_tdlib() -> None:
    assert parse_html("Tom & Jerry > 1", strict_escapes=False) == ("Tom & Jerry > 1", [])
    with pytest.raises(EntityParseError):
        parse_html("a < b", strict_escapes=False)


def test_fake_can_be_lenient() -> None:
    fake = FakeBotApi(strict_html_escapes=False)
    user = fake.add_user()
    status, _ = fake.handle(
        "sendMessage", {"chat_id": user.id, "text": "A & B", "parse_mode": "HTML"}
    )
    assert status == 200


@pytest.mark.parametrize(
    ("src", "text", "types"),
    [
        (
            r"*b* _i_ __u__ ~s~ ||sp|| `c`",
            "b i u s sp c",
            ["bold", "italic", "underline", "strikethrough", "spoiler", "code"],
        ),
        (r"[链接](https://e.org/a\)b)", "链接", ["text_link"]),
        ("```python\nprint(1)\n```", "print(1)\n", ["pre"]),
        (r"1\+1\=2\!", "1+1=2!", []),
        (">quoted\n>still\nafter", "quoted\nstill\nafter", ["blockquote"]),
    ],
)
def test_parse_markdown_v2(src: str, text: str, types: list[str]) -> None:
    parsed_text, entities = parse_markdown_v2(src)
    assert parsed_text == text
    assert [e["type"] for e in entities] == types


@pytest.mark.parametrize("src", ["a-b", "*open", "(x)", "1.5"])
def test_markdown_v2_errors(src: str) -> None:
    with pytest.raises(EntityParseError):
        parse_markdown_v2(src)


def test_listeners_see_sends_edits_deletes(fake: FakeBotApi, tenant: FakeUser) -> None:
    events: list[tuple[str, object]] = []
    fake.subscribe(lambda event, subject: events.append((event, subject)))
    _, body = fake.handle("sendMessage", {"chat_id": tenant.id, "text": "a"})
    mid = body["result"]["message_id"]
    fake.handle("editMessageText", {"chat_id": tenant.id, "message_id": mid, "text": "b"})
    fake.handle("deleteMessage", {"chat_id": tenant.id, "message_id": mid})
    stored = fake.message(tenant, mid)
    assert events == [("sent", stored), ("edited", stored), ("deleted", stored)]
