"""Printable lobby posters: an estate's Telegram deep link as a big QR code with short instructions.

Pure from a `PosterText` to PNG or PDF bytes (A4 portrait). `poster_layout` gives the measured
placement of every element, so tests (and callers) can check that nothing leaves the page and find
the QR code's modules. Text that does not fit is shrunk, then wrapped; it is never cut off.
"""

import io
import logging
import os
import shutil
import subprocess
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import qrcode  # type: ignore[import-untyped]
from PIL import Image, ImageDraw, ImageFont

from .i18n import N_

log = logging.getLogger(__name__)

PNG_DPI = 150
PDF_DPI = 200
A4_MM = (210, 297)
QR_ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
QR_BORDER = 4  # modules of white quiet zone around the code, as the standard asks
MIN_QR_SHARE = 0.42  # of the page width
MAX_QR_SHARE = 0.56
INK = (0, 0, 0)
PAPER = (255, 255, 255)
ACCENT = (22, 86, 160)  # the one accent colour: top bar, step numbers, footer rule

TITLE = N_("Scan to report a repair or complaint")
STEPS = (
    N_("Scan the QR code with Telegram or your phone camera."),
    N_("Tap Start in the chat that opens."),
    N_("Describe the problem in a few words; add a photo if you can."),
    N_("We reply in the chat and keep you updated on progress."),
)
EMERGENCY = N_("In an emergency, please call the duty phone: {phone}")

Box = tuple[int, int, int, int]  # left, top, right, bottom (right/bottom exclusive)
AnyFont = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True)
class PosterText:
    title: str
    estate_name: str
    lines: tuple[str, ...]  # 2–4 short instruction lines, printed as numbered steps
    link: str  # encoded in the QR code and printed under it
    footer: str = ""


def poster_text(
    estate_name: str, link: str, duty_phone: str, t: Callable[[str], str]
) -> PosterText:
    """The standard poster wording in the language of `t` (a gettext function)."""
    phone = duty_phone.strip()
    footer = t(EMERGENCY).format(phone=phone) if phone else ""
    return PosterText(
        title=t(TITLE),
        estate_name=estate_name.strip(),
        lines=tuple(t(step) for step in STEPS),
        link=link,
        footer=footer,
    )


# --- fonts -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FontFiles:
    regular: str
    bold: str


_FONT_DIRS = (
    "/usr/share/fonts/opentype/noto",
    "/usr/share/fonts/truetype/noto",
    "/usr/share/fonts/noto-cjk",
    "/usr/share/fonts/google-noto-cjk",
    "/usr/share/fonts/OTF",
)
_FONT_PAIRS = (
    ("NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc"),
    ("NotoSansCJKsc-Regular.otf", "NotoSansCJKsc-Bold.otf"),
    ("NotoSerifCJK-Regular.ttc", "NotoSerifCJK-Bold.ttc"),
)
_SINGLE_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-zenhei/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/google-droid/DroidSansFallbackFull.ttf",
)


@cache
def find_font_files() -> FontFiles | None:
    """A CJK font: $POSTER_FONT, then known paths, then fontconfig; None when there is none."""
    chosen = os.environ.get("POSTER_FONT", "").strip()
    if chosen and os.path.isfile(chosen):
        return FontFiles(chosen, chosen)
    for folder in _FONT_DIRS:
        for regular, bold in _FONT_PAIRS:
            regular_path, bold_path = os.path.join(folder, regular), os.path.join(folder, bold)
            if os.path.isfile(regular_path):
                return FontFiles(
                    regular_path, bold_path if os.path.isfile(bold_path) else regular_path
                )
    for path in _SINGLE_FONTS:
        if os.path.isfile(path):
            return FontFiles(path, path)
    matched = _fc_match("sans-serif:lang=zh-cn")
    if matched:
        return FontFiles(matched, _fc_match("sans-serif:lang=zh-cn:weight=bold") or matched)
    return None


def _fc_match(pattern: str) -> str | None:
    if not shutil.which("fc-match"):
        return None
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return found if found and os.path.isfile(found) else None


@cache
def _face_index(path: str) -> int:
    """In a collection (.ttc), the Simplified Chinese face; else the first."""
    for index in range(12):
        try:
            family = ImageFont.truetype(path, 12, index=index).getname()[0] or ""
        except OSError:
            break
        if family.endswith(" SC") and "Mono" not in family:
            return index
    return 0


_warned_missing_font = False


def _font(size: int, bold: bool) -> AnyFont:
    files = find_font_files()
    if files is None:
        global _warned_missing_font
        if not _warned_missing_font:
            _warned_missing_font = True
            log.warning("No CJK font found (set POSTER_FONT): posters print Chinese as boxes")
        return ImageFont.load_default(size)
    return _truetype(files.bold if bold else files.regular, size)


@cache
def _truetype(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, index=_face_index(path))


# --- wrapping ----------------------------------------------------------------------------------

_BREAK_AFTER = frozenset("/?&=-_.,;:")
_NO_LINE_START = frozenset("，。、；：？！）」』】》〉,.;:?!)]}·…")


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _tokens(text: str) -> list[str]:
    """Pieces a line may break between: wide (CJK) characters one by one, Latin words with their
    trailing space, URLs after / ? & = and similar. Closing punctuation sticks to what precedes it."""
    tokens: list[str] = []
    current = ""
    for char in " ".join(text.split()):
        if char in _NO_LINE_START and not current and tokens:
            tokens[-1] += char
            continue
        if _is_wide(char):
            if current:
                tokens.append(current)
            tokens.append(char)
            current = ""
            continue
        current += char
        if char == " " or char in _BREAK_AFTER:
            tokens.append(current)
            current = ""
    if current:
        tokens.append(current)
    return tokens


def wrap(text: str, font: AnyFont, width: int) -> list[str]:
    """Greedy line breaking by measured width; a piece wider than a line is split by characters."""
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        if font.getlength((line + token).rstrip()) <= width:
            line += token
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = ""
        for char in token:
            if line and font.getlength((line + char).rstrip()) > width:
                lines.append(line.rstrip())
                line = ""
            line += char
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


# --- layout ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Style:
    size: int  # at 150 dpi
    min_size: int
    max_lines: int
    bold: bool


_STYLES = {
    "title": _Style(92, 44, 2, True),
    "estate": _Style(66, 30, 3, True),
    "link": _Style(30, 20, 3, False),
    "step": _Style(38, 24, 2, False),
    "footer": _Style(38, 24, 2, True),
}
_LINE_PITCH = 1.3  # line height as a multiple of the font size
_ASCENT = 0.95  # baseline below the line's top, as a multiple of the font size


@dataclass(frozen=True)
class TextBlock:
    role: str  # title, estate, link, step, footer
    lines: tuple[str, ...]
    size: int  # font size in pixels
    box: Box  # measured ink box of all its lines (plus the step number)


@dataclass(frozen=True)
class PosterLayout:
    width: int
    height: int
    margin: int
    qr_box: Box  # the whole code including its quiet zone
    qr_cells: int  # modules across, quiet zone included
    blocks: tuple[TextBlock, ...]

    @property
    def module_px(self) -> int:
        return (self.qr_box[2] - self.qr_box[0]) // self.qr_cells


@dataclass(frozen=True)
class _Placed:
    """A block before it gets its vertical position: lines with their left x offsets."""

    role: str
    lines: tuple[str, ...]
    size: int
    bold: bool
    xs: tuple[int, ...]
    badge: str = ""  # step number drawn in a circle left of the text
    badge_x: int = 0

    @property
    def height(self) -> int:
        return round(len(self.lines) * self.size * _LINE_PITCH)


def qr_matrix(link: str) -> list[list[bool]]:
    """The code's modules, quiet zone included (True is dark)."""
    code = qrcode.QRCode(error_correction=QR_ERROR_CORRECTION, border=QR_BORDER)
    code.add_data(link)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    return matrix


_LINE_SAVING_SHRINK = 0.8  # a block may get this much smaller to need one line fewer


def _fit(role: str, text: str, width: int, scale: float) -> tuple[int, list[str]]:
    """The largest size (down to the style's minimum) at which `text` takes at most max_lines; then
    a little smaller if that saves a line (no orphan word on a line of its own)."""
    style = _STYLES[role]
    size = max(8, round(style.size * scale))
    smallest = max(8, round(style.min_size * scale))
    while True:
        lines = wrap(text, _font(size, style.bold), width)
        if len(lines) <= style.max_lines or size <= smallest:
            break
        size = max(smallest, size - max(1, size // 16))
    floor = max(smallest, round(size * _LINE_SAVING_SHRINK))
    for smaller in range(size - 1, floor - 1, -1):
        fewer = wrap(text, _font(smaller, style.bold), width)
        if len(fewer) < len(lines):
            return smaller, fewer
    return size, lines


def _balanced(text: str, font: AnyFont, width: int) -> list[str]:
    """Wrapped into as few lines as at `width`, but as narrow as that allows (even lines)."""
    lines = wrap(text, font, width)
    if len(lines) < 2:
        return lines
    low, high = 1, width
    while low < high:
        middle = (low + high) // 2
        if len(wrap(text, font, middle)) <= len(lines):
            high = middle
        else:
            low = middle + 1
    return wrap(text, font, high)


def _centred(role: str, text: str, page_width: int, content: int, scale: float) -> _Placed:
    size, _lines = _fit(role, text, content, scale)
    font = _font(size, _STYLES[role].bold)
    lines = _balanced(text, font, content)
    xs = tuple(round((page_width - font.getlength(line)) / 2) for line in lines)
    return _Placed(role, tuple(lines), size, _STYLES[role].bold, xs)


def _steps(lines: tuple[str, ...], page_width: int, content: int, scale: float) -> list[_Placed]:
    """Numbered steps in one size, left-aligned as a group that is centred on the page."""
    start = max(8, round(_STYLES["step"].size * scale))
    width = content - _indent(start)
    size = min(_fit("step", line, width, scale)[0] for line in lines)
    font = _font(size, False)
    wrapped = [wrap(line, font, width) for line in lines]
    widest = max(font.getlength(row) for rows in wrapped for row in rows)
    left = max(round((page_width - _indent(size) - widest) / 2), (page_width - content) // 2)
    return [
        _Placed(
            "step",
            tuple(rows),
            size,
            False,
            tuple(left + _indent(size) for _ in rows),
            badge=str(number),
            badge_x=left,
        )
        for number, rows in enumerate(wrapped, start=1)
    ]


def _indent(size: int) -> int:
    """From the step number's circle to the step's text."""
    return round(size * 1.25) + round(size * 0.6)


def poster_layout(text: PosterText, dpi: int = PNG_DPI) -> PosterLayout:
    """Where everything goes on an A4 page at `dpi`, with measured text boxes."""
    return _plan(text, dpi)[0]


def _plan(text: PosterText, dpi: int) -> tuple[PosterLayout, list[tuple[_Placed, int]]]:
    """The layout, and each text block with the y of its top line."""
    width = round(A4_MM[0] / 25.4 * dpi)
    height = round(A4_MM[1] / 25.4 * dpi)
    unit = dpi / PNG_DPI
    margin = round(90 * unit)
    content = width - 2 * margin
    top, bottom = round(100 * unit), height - round(80 * unit)
    cells = len(qr_matrix(text.link))
    min_qr = max(cells, int(width * MIN_QR_SHARE // cells + 1) * cells)
    max_qr = max(min_qr, int(width * MAX_QR_SHARE) // cells * cells)
    gap = round(36 * unit)

    scale = unit
    while True:
        head = [_centred("title", text.title, width, content, scale)]
        if text.estate_name:
            head.append(_centred("estate", text.estate_name, width, content, scale))
        link = _centred("link", text.link, width, content, scale)
        steps = _steps(text.lines, width, content, scale) if text.lines else []
        foot = [_centred("footer", text.footer, width, content, scale)] if text.footer else []
        step_gap = round(18 * scale)
        text_height = (
            sum(p.height for p in head)
            + link.height
            + sum(p.height for p in steps)
            + step_gap * max(0, len(steps) - 1)
            + sum(p.height for p in foot)
        )
        gaps = len(head) + (1 if steps else 0) + (1 if foot else 0)
        room = bottom - top - text_height - gaps * gap - round(12 * unit)
        if room >= min_qr or scale <= 0.5 * unit:
            break
        scale *= 0.92

    qr_size = max(min_qr, min(max_qr, room // cells * cells))
    slack = max(0, room - qr_size)
    spread = gap + slack // (gaps + 1)

    placements: list[tuple[_Placed, int]] = []
    y = top + slack // (2 * (gaps + 1))
    for placed in head:
        placements.append((placed, y))
        y += placed.height + spread
    qr_left = (width - qr_size) // 2
    qr_box = (qr_left, y, qr_left + qr_size, y + qr_size)
    y += qr_size + round(12 * unit)
    placements.append((link, y))
    y += link.height + spread
    for placed in steps:
        placements.append((placed, y))
        y += placed.height + step_gap
    if foot:
        y += spread - step_gap
        placements.append((foot[0], y))
    blocks = tuple(_measure(placed, y) for placed, y in placements)
    return PosterLayout(width, height, margin, qr_box, cells, blocks), placements


def _measure(placed: _Placed, top: int) -> TextBlock:
    font = _font(placed.size, placed.bold)
    boxes = [
        _ink_box(font, line, x, _baseline(placed, top, row))
        for row, (line, x) in enumerate(zip(placed.lines, placed.xs, strict=True))
        if line
    ]
    if placed.badge:
        boxes.append(_badge_box(placed, top))
    if not boxes:
        boxes = [(placed.xs[0], top, placed.xs[0], top)]
    box = (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )
    return TextBlock(placed.role, placed.lines, placed.size, box)


def _baseline(placed: _Placed, top: int, row: int) -> int:
    return top + round(placed.size * (_ASCENT + row * _LINE_PITCH))


def _ink_box(font: AnyFont, line: str, x: int, baseline: int) -> Box:
    left, upper, right, lower = font.getbbox(line, anchor="ls")
    return (x + int(left), baseline + int(upper), x + int(right), baseline + int(lower))


def _badge_box(placed: _Placed, top: int) -> Box:
    diameter = round(placed.size * 1.25)
    centre_y = _baseline(placed, top, 0) - round(placed.size * 0.36)
    upper = centre_y - diameter // 2
    return (placed.badge_x, upper, placed.badge_x + diameter, upper + diameter)


# --- rendering ---------------------------------------------------------------------------------


def _render(text: PosterText, dpi: int) -> Image.Image:
    layout, placements = _plan(text, dpi)
    unit = dpi / PNG_DPI
    image = Image.new("RGB", (layout.width, layout.height), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, layout.width - 1, round(24 * unit)), fill=ACCENT)

    module = layout.module_px
    left, top = layout.qr_box[0], layout.qr_box[1]
    for row, cells in enumerate(qr_matrix(text.link)):
        for col, dark in enumerate(cells):
            if dark:
                x, y = left + col * module, top + row * module
                draw.rectangle((x, y, x + module - 1, y + module - 1), fill=INK)

    for block, (placed, block_top) in zip(layout.blocks, placements, strict=True):
        font = _font(placed.size, placed.bold)
        if block.role == "footer":
            above = max(b.box[3] for b in layout.blocks if b is not block)
            rule_y = (above + block.box[1]) // 2
            draw.line(
                (layout.margin, rule_y, layout.width - layout.margin, rule_y),
                fill=ACCENT,
                width=max(2, round(3 * unit)),
            )
        if placed.badge:
            x0, y0, x1, y1 = _badge_box(placed, block_top)
            draw.ellipse((x0, y0, x1 - 1, y1 - 1), fill=ACCENT)
            draw.text(
                ((x0 + x1) / 2, (y0 + y1) / 2),
                placed.badge,
                font=_font(round(placed.size * 0.75), True),
                fill=PAPER,
                anchor="mm",
            )
        for row, (line, x) in enumerate(zip(placed.lines, placed.xs, strict=True)):
            draw.text(
                (x, _baseline(placed, block_top, row)), line, font=font, fill=INK, anchor="ls"
            )
    return image


def poster_png(text: PosterText) -> bytes:
    """A4 portrait at 150 dpi (1240 × 1754 px)."""
    buffer = io.BytesIO()
    _render(text, PNG_DPI).save(buffer, format="PNG", dpi=(PNG_DPI, PNG_DPI), optimize=True)
    return buffer.getvalue()


def poster_pdf(text: PosterText) -> bytes:
    """One A4 page holding the poster as a 200 dpi image."""
    buffer = io.BytesIO()
    _render(text, PDF_DPI).save(buffer, format="PDF", resolution=PDF_DPI)
    return buffer.getvalue()
