"""Lobby posters: A4, a QR code that encodes exactly the estate's link, text that stays on the page."""

import io
import logging
import re

import pytest
import qrcode  # type: ignore[import-untyped]
from PIL import Image

from backend import posters
from backend.posters import PosterText, poster_layout, poster_pdf, poster_png, poster_text

LINK = "https://t.me/qingchu_bot?start=CUIHU-2"
CHINESE = {
    posters.TITLE: "扫码报修 · 投诉",
    posters.EMERGENCY: "紧急情况请拨打值班电话：{phone}",
}


def _text(name: str = "翠湖天地·雅苑（二期）", link: str = LINK, phone: str = "021-5555 1234"):
    return poster_text(name, link, phone, lambda message: CHINESE.get(message, message))


def _png(text: PosterText) -> Image.Image:
    return Image.open(io.BytesIO(poster_png(text))).convert("L")


def _modules(link: str) -> list[list[bool]]:
    """The code built independently of the module, with the settings the poster promises."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(link)
    code.make(fit=True)
    return code.get_matrix()


def _printed_modules(image: Image.Image, text: PosterText, cells: int) -> list[list[bool]]:
    """Dark or light at the centre of each module of the poster's QR rectangle."""
    left, top, right, _bottom = poster_layout(text).qr_box
    step = (right - left) / cells
    grey = image.load()
    assert grey is not None
    return [
        [
            _dark(grey[int(left + (col + 0.5) * step), int(top + (row + 0.5) * step)])
            for col in range(cells)
        ]
        for row in range(cells)
    ]


def _dark(value: object) -> bool:
    assert isinstance(value, int), "the poster is read as a greyscale image"
    return value < 128


@pytest.fixture(scope="module")
def sample():
    text = _text()
    return text, _png(text)


def test_png_is_a4_portrait_at_150_dpi(sample):
    _text_, image = sample
    assert image.size == (1240, 1754)


def test_qr_encodes_exactly_the_link_with_its_quiet_zone(sample):
    text, image = sample
    expected = _modules(LINK)
    assert _printed_modules(image, text, len(expected)) == expected
    assert all(not dark for dark in expected[0])  # the quiet zone is part of what was compared


def test_qr_does_not_match_another_link(sample):
    text, image = sample
    other = _modules("https://t.me/qingchu_bot?start=CUIHU-3")
    assert len(other) == len(_modules(LINK))
    assert _printed_modules(image, text, len(other)) != other


def test_qr_is_big_and_centred(sample):
    text, _image = sample
    layout = poster_layout(text)
    left, _top, right, _bottom = layout.qr_box
    assert right - left >= 0.4 * layout.width
    assert abs((left + right) / 2 - layout.width / 2) <= 1


def test_pdf_is_one_a4_page():
    data = poster_pdf(_text())
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 1
    media_box = [float(v) for v in re.search(rb"/MediaBox\s*\[([^\]]+)\]", data).group(1).split()]
    assert media_box[2:] == pytest.approx([595.3, 841.9], abs=1.0)  # A4 in points


def _inside_margins(layout) -> None:
    for block in layout.blocks:
        left, top, right, bottom = block.box
        assert layout.margin <= left and right <= layout.width - layout.margin, block
        assert 0 <= top and bottom <= layout.height - layout.margin // 2, block
    ordered = sorted([*(b.box for b in layout.blocks), layout.qr_box], key=lambda box: box[1])
    for upper, lower in zip(ordered, ordered[1:], strict=False):
        assert upper[3] <= lower[1], "blocks overlap"


@pytest.mark.parametrize(
    "name",
    [
        "翠" * 100,
        "Harbour View Mansions Phase Two Towers A to F with Car Park and Management Office, Kowloon",
        "HarbourViewMansionsPhaseTwoTowersAtoFwithCarParkAndManagementOfficeKowloonCityHongKong12345",
    ],
    ids=["cjk", "latin", "no-spaces"],
)
def test_a_100_character_name_stays_inside_the_margins(name):
    layout = poster_layout(_text(name=name[:100]))
    _inside_margins(layout)
    estate = next(b for b in layout.blocks if b.role == "estate")
    assert "".join(estate.lines).replace(" ", "") == name[:100].replace(" ", "")  # nothing cut


def test_a_long_link_wraps_and_is_printed_whole():
    link = "https://t.me/qingchu_property_management_bot?start=" + "HO-MAN-TIN-CUIHU-PHASE2-" * 4
    layout = poster_layout(_text(link=link))
    printed = next(b for b in layout.blocks if b.role == "link")
    assert len(printed.lines) > 1
    assert "".join(printed.lines) == link
    _inside_margins(layout)


def test_short_texts_are_not_wrapped(sample):
    text, _image = sample
    blocks = {b.role: b for b in poster_layout(text).blocks}
    assert blocks["title"].lines == ("扫码报修 · 投诉",)
    assert blocks["estate"].lines == ("翠湖天地·雅苑（二期）",)
    assert blocks["footer"].lines == ("紧急情况请拨打值班电话：021-5555 1234",)


def test_without_a_duty_phone_there_is_no_footer():
    text = _text(phone=" ")
    assert text.footer == ""
    assert "footer" not in {b.role for b in poster_layout(text).blocks}
    assert len(text.lines) == len(posters.STEPS)


def test_without_a_cjk_font_the_poster_still_renders(monkeypatch, caplog):
    monkeypatch.setattr(posters, "find_font_files", lambda: None)
    monkeypatch.setattr(posters, "_warned_missing_font", False)
    text = _text(link="https://t.me/qingchu_bot?start=NOFONT")
    with caplog.at_level(logging.WARNING, logger="backend.posters"):
        image = _png(text)
    assert image.size == (1240, 1754)
    expected = _modules(text.link)
    assert _printed_modules(image, text, len(expected)) == expected
    assert sum("CJK font" in r.getMessage() for r in caplog.records) == 1


def test_poster_font_env_is_looked_up_first(monkeypatch, tmp_path):
    font = tmp_path / "house.ttf"
    font.write_bytes(b"")
    monkeypatch.setenv("POSTER_FONT", str(font))
    posters.find_font_files.cache_clear()
    try:
        assert posters.find_font_files() == posters.FontFiles(str(font), str(font))
    finally:
        posters.find_font_files.cache_clear()


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("扫码报修投诉", 3, ["扫码报", "修投诉"]),
        ("请联系，物业", 3, ["请联", "系，物", "业"]),  # a comma never starts a line
        ("Tower B Block", 6, ["Tower", "B", "Block"]),
        ("t.me/bot?start=AB", 9, ["t.me/bot?", "start=AB"]),
        ("ABCDEFGH", 3, ["ABC", "DEF", "GH"]),
    ],
)
def test_wrap(text, width, expected):
    class OneUnitPerCharacter:
        def getlength(self, value: str) -> float:
            return len(value)

    assert posters.wrap(text, OneUnitPerCharacter(), width) == expected  # type: ignore[arg-type]
