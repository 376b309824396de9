"""Bar charts as geometry for server-rendered SVG (no script, no CDN), each with its table fallback.

Pure functions: numbers in, rectangles and labels out. `templates/chart.html` draws them.
"""

import math
from dataclasses import dataclass, field

WIDTH, HEIGHT = 480, 220
LEFT, RIGHT, TOP, BOTTOM = 34, 8, 10, 26
PALETTE_SIZE = 10


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str  # colour class s0…s9
    title: str  # tooltip: "label: value"


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    x_labels: list[Label]
    y_labels: list[Label]
    grid: list[float]  # y of each horizontal grid line
    legend: list[tuple[str, str]]  # (css, name)
    head: list[str]  # table fallback
    rows: list[list[str]]
    width: int = WIDTH
    height: int = HEIGHT
    empty: bool = False
    baseline: float = field(default=HEIGHT - BOTTOM)


def count_ticks(largest: float, *, most: int = 5) -> list[int]:
    """Whole-number ticks from 0 for an axis of counts: a step of 1, 2, 5, 10, 20 … giving at most `most`
    intervals, the top tick at or above `largest`. A count of 1 gets 0 and 1, never 0.5."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            tick = step * factor
            if largest <= tick * most:
                return [tick * i for i in range(max(1, math.ceil(largest / tick)) + 1)]
        step *= 10


def _number(value: float) -> str:
    return f"{value:g}"


def bar_chart(
    title: str,
    groups: list[str],
    series: list[Series],
    *,
    head: list[str],
    percent: bool = False,
    label_every: int = 1,
    total_label: str = "",
) -> Chart:
    """Vertical bars, one per group, stacked by series. `percent` fixes the axis at 0–100; otherwise the
    values are counts and the axis gets whole-number ticks."""
    count = max(1, len(groups))
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(groups))]
    ticks: list[float] = (
        [0.0, 50.0, 100.0] if percent else list(count_ticks(max(totals, default=0)))
    )
    top = ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / count
    bar_w = max(1.0, slot * 0.72)
    bars: list[Bar] = []
    for i, group in enumerate(groups):
        x = LEFT + i * slot + (slot - bar_w) / 2
        stacked = 0.0
        for index, one in enumerate(series):
            value = one.values[i]
            if not value:
                continue
            height = plot_h * value / top
            y = TOP + plot_h - plot_h * stacked / top - height
            shown = f"{_number(value)}%" if percent else _number(value)
            name = f"{group} · {one.name}" if one.name else group
            bars.append(
                Bar(
                    round(x, 2),
                    round(y, 2),
                    round(bar_w, 2),
                    round(height, 2),
                    f"s{index % PALETTE_SIZE}",
                    f"{name}: {shown}",
                )
            )
            stacked += value
    x_labels = [
        Label(round(LEFT + i * slot + slot / 2, 2), HEIGHT - 8, group)
        for i, group in enumerate(groups)
        if i % max(1, label_every) == 0
    ]
    y_labels = [
        Label(
            LEFT - 4,
            round(TOP + plot_h - plot_h * tick / top + 4, 2),
            _number(tick) + ("%" if percent else ""),
        )
        for tick in ticks
    ]
    grid = [round(TOP + plot_h - plot_h * tick / top, 2) for tick in ticks]
    legend = [
        (f"s{i % PALETTE_SIZE}", s.name) for i, s in enumerate(series) if s.name and any(s.values)
    ]
    rows = []
    for i, group in enumerate(groups):
        cells = [_cell(s.values[i], percent) for s in series]
        if total_label:
            cells.append(_number(totals[i]))
        rows.append([group, *cells])
    return Chart(title, bars, x_labels, y_labels, grid, legend, head, rows, empty=not any(totals))


def _cell(value: float | None, percent: bool) -> str:
    if value is None:
        return "—"
    return f"{_number(value)}%" if percent else _number(value)
