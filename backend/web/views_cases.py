"""The case list with filters, sorting and pages, and its CSV/XLSX export."""

from aiohttp import web

from ..domain import Severity, Status
from ..i18n import N_
from ..inputs import FIRST_DAY, LAST_DAY
from ..models import Case
from ..services import queries
from ..services.staff_queries import department_directory, staff_directory
from .case_rows import Names, case_row, names_for
from .export import MAX_ROWS, table, to_csv, to_xlsx
from .filters import OPEN, PER_PAGE, SORTS, ListQuery
from .render import Refused, formatter, render
from .state import PREFIX, ctx_of, viewer_of

LIST_PATH = f"{PREFIX}/cases"
SORT_NAMES = {
    "-received": N_("Newest first"),
    "received": N_("Oldest first"),
    "-updated": N_("Recently changed"),
    "-severity": N_("Most severe first"),
    "number": N_("Case number"),
    "status": N_("Status"),
}


async def _query(request: web.Request) -> tuple[ListQuery, queries.CaseFilter | None]:
    ctx = ctx_of(request)
    wanted = ListQuery.from_query(request.query, ctx.settings)
    if wanted.problems:  # only dates beyond the supported calendar; other odd values are dropped
        raise Refused(
            400,
            N_("Date out of range"),
            N_("Please choose dates from {first} to {last}."),
            first=FIRST_DAY.isoformat(),
            last=LAST_DAY.isoformat(),
        )
    viewer = viewer_of(request)
    return wanted, await wanted.case_filter(ctx.settings, viewer.staff.id, viewer.estates)


async def case_list(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    viewer = viewer_of(request)
    fmt = formatter(request)
    wanted, criteria = await _query(request)
    if criteria is None:
        page = queries.Page(items=[], total=0, page=wanted.page, per_page=PER_PAGE)
    else:
        page = await queries.list_cases(
            criteria, fmt.now, page=wanted.page, per_page=PER_PAGE, order=wanted.order
        )
    names, department_options, staff_options = await _people()
    rows = [case_row(c, names, fmt, full_phone=viewer.sees_phone_of(c)) for c in page.items]
    first = (page.page - 1) * page.per_page + 1 if rows else 0
    return render(
        request,
        "cases.html",
        title=fmt.t("Cases"),
        rows=rows,
        page=page,
        wanted=wanted,
        first=first,
        last=first + len(rows) - 1 if rows else 0,
        list_path=LIST_PATH,
        status_options=[(OPEN, fmt.t("Open (new, assigned, in progress)"))]
        + [(s.value, fmt.status(s)) for s in Status],
        category_options=[
            (code, fmt.category(code)) for code in ctx.settings.policy.category_codes
        ],
        severity_options=[
            (s.value, fmt.severity(s)) for s in sorted(Severity, key=lambda s: s.rank)
        ],
        department_options=department_options,
        owner_options=[("me", fmt.t("Me")), *staff_options],
        sort_options=[(key, fmt.t(label)) for key, label in SORT_NAMES.items() if key in SORTS],
        today=fmt.now.astimezone(ctx.settings.timezone).date().isoformat(),
        csv_url=wanted.url(f"{PREFIX}/cases.csv", page=1),
        xlsx_url=wanted.url(f"{PREFIX}/cases.xlsx", page=1),
    )


async def _people() -> tuple[Names, list[tuple[str, str]], list[tuple[str, str]]]:
    """Names of all staff and departments for the rows, and the active ones for the filters: two queries.

    Both tables are small; reading them whole saves the page two queries (names of the page's owners).
    """
    staff = await staff_directory()
    departments = await department_directory()
    names = Names(
        {id_: name for id_, name, _ in staff}, {id_: name for id_, _, name, _ in departments}
    )
    department_options = [(code, name) for _, code, name, active in departments if active]
    staff_options = [(str(id_), name) for id_, name, active in staff if active]
    return names, department_options, staff_options


async def _export_table(request: web.Request) -> tuple[list[str], list[list[str]]]:
    viewer = viewer_of(request)
    fmt = formatter(request)
    wanted, criteria = await _query(request)
    cases: list[Case] = []
    if criteria is not None:
        cases = await queries.first_cases(criteria, fmt.now, order=wanted.order, limit=MAX_ROWS)
    names = await names_for(cases)
    return table([case_row(c, names, fmt, full_phone=viewer.sees_all_phones) for c in cases], fmt)


def _download(body: bytes, content_type: str, filename: str) -> web.Response:
    return web.Response(
        body=body,
        content_type=content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _stamp(request: web.Request) -> str:
    return (
        formatter(request).now.astimezone(ctx_of(request).settings.timezone).strftime("%Y%m%d-%H%M")
    )


async def export_csv(request: web.Request) -> web.Response:
    headers, rows = await _export_table(request)
    response = _download(to_csv(headers, rows), "text/csv", f"qingchu-cases-{_stamp(request)}.csv")
    response.charset = "utf-8"
    return response


async def export_xlsx(request: web.Request) -> web.Response:
    headers, rows = await _export_table(request)
    body = to_xlsx(headers, rows, formatter(request).t("Cases"))
    return _download(
        body,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"qingchu-cases-{_stamp(request)}.xlsx",
    )
