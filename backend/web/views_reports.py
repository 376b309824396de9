"""Monthly reports for managers and administrators: the list of months, one month's summary, its XLSX."""

import io
from datetime import date

from aiohttp import web

from ..domain import Role
from ..i18n import N_
from ..inputs import FIRST_DAY, LAST_DAY, OutOfRange
from ..reports_xlsx import write_monthly_xlsx
from ..services.queries import oldest_received_at
from ..services.reports import MonthlyReport, month_from_text, monthly_report
from .render import Refused, formatter, message_page, render
from .state import PREFIX, ctx_of, viewer_of

MAX_MONTHS = 36


def _refused(request: web.Request) -> web.Response | None:
    if viewer_of(request).at_least(Role.MANAGER):
        return None
    return message_page(
        request, 403, N_("Not for your role"), N_("Reports are for managers and administrators.")
    )


def _months_back(first: date, last: date) -> list[str]:
    months: list[str] = []
    year, month = last.year, last.month
    while (year, month) >= (first.year, first.month) and len(months) < MAX_MONTHS:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months


async def report_list(request: web.Request) -> web.Response:
    if (refusal := _refused(request)) is not None:
        return refusal
    ctx = ctx_of(request)
    fmt = formatter(request)
    today = fmt.now.astimezone(ctx.settings.timezone).date()
    oldest = await oldest_received_at()
    first = oldest.astimezone(ctx.settings.timezone).date() if oldest else today
    return render(
        request,
        "reports.html",
        title=fmt.t("Reports"),
        months=_months_back(first, today),
        current=f"{today.year:04d}-{today.month:02d}",
        base=f"{PREFIX}/reports",
    )


async def _report(request: web.Request) -> MonthlyReport:
    ctx = ctx_of(request)
    try:
        year, month = month_from_text(request.match_info["month"])
    except OutOfRange:
        raise Refused(
            400,
            N_("Month out of range"),
            N_("Please choose a month from {first} to {last}."),
            first=f"{FIRST_DAY:%Y-%m}",
            last=f"{LAST_DAY:%Y-%m}",
        ) from None
    except ValueError:
        raise web.HTTPNotFound() from None
    return await monthly_report(
        year,
        month,
        ctx.settings,
        ctx.clock.now(),
        locale=formatter(request).locale,
        estate_ids=viewer_of(request).estates,  # a manager of named estates: only theirs
    )


async def report_page(request: web.Request) -> web.Response:
    if (refusal := _refused(request)) is not None:
        return refusal
    report = await _report(request)
    fmt = formatter(request)
    return render(
        request,
        "report.html",
        title=fmt.t("Report for {month}", month=report.month_text),
        report=report,
        tables=[
            (fmt.t("By category"), report.by_category),
            (fmt.t("By severity"), report.by_severity),
            (fmt.t("By department"), report.by_department),
        ],
        xlsx_url=f"{PREFIX}/reports/{report.month_text}.xlsx",
    )


async def report_xlsx(request: web.Request) -> web.Response:
    if (refusal := _refused(request)) is not None:
        return refusal
    report = await _report(request)
    buffer = io.BytesIO()
    write_monthly_xlsx(report, buffer, formatter(request).locale)
    return web.Response(
        body=buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f'attachment; filename="qingchu-report-{report.month_text}.xlsx"',
            "Cache-Control": "no-store",
        },
    )
