"""Estates compared: one month's figures of every estate the viewer sees, side by side (managers, admins).

`GET /dashboard/estates-compared?month=YYYY-MM` shows the table, `….xlsx?month=…` the same table as a
workbook. Without a month: the current one, so far.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from aiohttp import web
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..domain import Role
from ..i18n import N_
from ..inputs import FIRST_DAY, LAST_DAY, OutOfRange
from ..reports_xlsx import DECIMAL, PERCENT, _append, _fit_columns, _header
from ..services.estate_stats import EstateFigures, estate_figures
from ..services.queries import local_day_bounds, oldest_received_at
from ..services.reports import month_from_text
from .format import NO_VALUE, Formatter
from .render import Refused, formatter, message_page, render
from .state import PREFIX, ctx_of, viewer_of
from .views_reports import _months_back

PATH = f"{PREFIX}/estates-compared"
NO_ESTATE = N_("No estate")
TOTAL = N_("All estates")


@dataclass(frozen=True)
class Column:
    """A column of the table: its header, its value on the page, its value and number format in XLSX."""

    header: str
    text: Callable[[Formatter, EstateFigures], str]
    value: Callable[[EstateFigures], Any]
    xlsx_format: str | None = None


COLUMNS = (
    Column(N_("Received"), lambda f, r: str(r.received), lambda r: r.received),
    Column(N_("Open now"), lambda f, r: str(r.open_now), lambda r: r.open_now),
    Column(
        N_("SLA compliance"),
        lambda f, r: f.percent(r.sla_compliance),
        lambda r: r.sla_compliance,
        PERCENT,
    ),
    Column(
        N_("Mean time to first feedback"),
        lambda f, r: f.hours(r.mean_hours_to_first_reply),
        lambda r: r.mean_hours_to_first_reply,
        DECIMAL,
    ),
    Column(
        N_("Mean satisfaction"),
        lambda f, r: NO_VALUE if r.satisfaction_mean is None else f"{r.satisfaction_mean:.2f} / 5",
        lambda r: r.satisfaction_mean,
        DECIMAL,
    ),
    Column(
        N_("Satisfaction answers"),
        lambda f, r: str(r.satisfaction_answers),
        lambda r: r.satisfaction_answers,
    ),
    Column(
        N_("Households"),
        lambda f, r: str(r.households) if r.households else NO_VALUE,
        lambda r: r.households or None,  # no register: "—" as on the page
    ),
    Column(
        N_("Cases per 100 households"),
        lambda f, r: f.decimal(r.per_100_households),
        lambda r: r.per_100_households,
        DECIMAL,
    ),
)


def _refused(request: web.Request) -> web.Response | None:
    if viewer_of(request).at_least(Role.MANAGER):
        return None
    return message_page(
        request,
        403,
        N_("Not for your role"),
        N_("Estates compared is for managers and administrators."),
    )


def _month(request: web.Request, today: date) -> tuple[date, date]:
    """The first and last day of the month asked for (`?month=`), the current month without one."""
    text = request.query.get("month", "").strip()
    if not text:
        return today.replace(day=1), today
    try:
        year, month = month_from_text(text)
    except OutOfRange:
        raise Refused(
            400,
            N_("Month out of range"),
            N_("Please choose a month from {first} to {last}."),
            first=f"{FIRST_DAY:%Y-%m}",
            last=f"{LAST_DAY:%Y-%m}",
        ) from None
    except ValueError:
        raise Refused(
            400, N_("Not a month"), N_("Please choose a month like {example}."), example="2026-11"
        ) from None
    first = date(year, month, 1)
    next_first = (first + timedelta(days=32)).replace(day=1)
    return first, next_first - timedelta(days=1)


def label_of(fmt: Formatter, row: EstateFigures) -> str:
    if row.is_total:
        return fmt.t(TOTAL)
    return row.name if row.estate_id is not None else fmt.t(NO_ESTATE)


async def _figures(request: web.Request) -> tuple[date, date, list[EstateFigures]]:
    settings = ctx_of(request).settings
    now = formatter(request).now
    first, last = _month(request, now.astimezone(settings.timezone).date())
    start, end = local_day_bounds(first, last, settings.timezone)
    return first, last, await estate_figures(start, end, now, viewer_of(request).estates)


async def estates_compared(request: web.Request) -> web.Response:
    if (refusal := _refused(request)) is not None:
        return refusal
    settings = ctx_of(request).settings
    fmt = formatter(request)
    first, last, figures = await _figures(request)
    today = fmt.now.astimezone(settings.timezone).date()
    oldest = await oldest_received_at()
    month = f"{first:%Y-%m}"
    return render(
        request,
        "estates_compared.html",
        title=fmt.t("Estates compared"),
        month=month,
        months=_months_back(
            oldest.astimezone(settings.timezone).date() if oldest else today, today
        ),
        period=fmt.t("{first} to {last}", first=first.isoformat(), last=last.isoformat()),
        headers=[fmt.t(column.header) for column in COLUMNS],
        rows=[
            (label_of(fmt, row), row.is_total, [column.text(fmt, row) for column in COLUMNS])
            for row in figures
        ],
        path=PATH,
        xlsx_url=f"{PATH}.xlsx?month={month}",
    )


async def estates_compared_xlsx(request: web.Request) -> web.Response:
    if (refusal := _refused(request)) is not None:
        return refusal
    fmt = formatter(request)
    first, _last, figures = await _figures(request)
    buffer = io.BytesIO()
    write_comparison_xlsx(fmt, figures, buffer)
    return web.Response(
        body=buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f'attachment; filename="qingchu-estates-{first:%Y-%m}.xlsx"',
            "Cache-Control": "no-store",
        },
    )


def write_comparison_xlsx(fmt: Formatter, figures: list[EstateFigures], stream: io.BytesIO) -> None:
    """One sheet: a header row, one row per estate, the total row (every cell through safe_row)."""
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)  # a new workbook opens on one empty worksheet
    sheet.title = fmt.t("Estates compared")[:31]
    _header(sheet, [fmt.t("Estate"), *(fmt.t(column.header) for column in COLUMNS)])
    formats = [None, *(column.xlsx_format for column in COLUMNS)]
    for row in figures:
        _append(sheet, [label_of(fmt, row), *(column.value(row) for column in COLUMNS)], formats)
    _fit_columns(sheet)
    book.save(stream)
