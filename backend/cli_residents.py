"""`qingchu residents import|list|export`: an estate's resident register from and to a spreadsheet.

An import is all-or-nothing: every problem of the file is listed by line (as the operator's spreadsheet
numbers them) and nothing is written until the whole file is right. Exit codes: 0 done, 1 the file has
problems (nothing imported), 2 the file is missing or too large, or the estate is unknown.
"""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook

from .clock import SystemClock
from .config import Settings
from .domain.contact import mask_phone, regions_for
from .domain.residents import RowProblem, check_rows, clean_text, read_header
from .i18n import N_, _
from .models import Estate
from .resident_files import ResidentFileError, check_size, read_table
from .services.estates import estate_by_code
from .services.residents import (
    ImportResult,
    import_residents,
    register_rows_for_export,
    residents_of,
)
from .spreadsheet import safe_row

EXIT_PROBLEMS, EXIT_USAGE = 1, 2

NO_FILE = N_("There is no file {path}. Please check the name and the folder")
FILE_UNREADABLE = N_("The file {path} cannot be read: {reason}")
NO_ESTATE = N_("There is no estate {code}; `qingchu estate list` shows the codes")
PROBLEM_IN_COLUMN = N_("line {line}: {column}: {problem}")
PROBLEM_IN_ROW = N_("line {line}: {problem}")
MORE_PROBLEMS = N_("… and {count} more")
NOTHING_IMPORTED = N_(
    "Nothing was imported: {count} problems. Please correct them and import the whole file again"
)
IMPORTED = N_("imported: {added} added, {updated} updated, {unchanged} unchanged")
DRY_RUN = N_(
    "dry run: would add {added}, update {updated}, leave {unchanged} unchanged; nothing changed"
)
LISTED = N_("{count} residents in {households} units")
NO_RESIDENTS = N_(
    "Estate {code} has no residents yet; import them with `qingchu residents import FILE --estate {code}`"
)
EXPORTED = N_("{count} residents written to {path}")


def _number(n: int) -> str:
    """1200 → "1 200": grouped the same way in every language we print."""
    return f"{n:,}".replace(",", " ")


def _say(text: str, *, error: bool = False) -> None:
    print(text, file=sys.stderr if error else sys.stdout)


async def run_residents_command(settings: Settings, args: argparse.Namespace) -> int:
    locale = getattr(args, "locale", None) or settings.default_locale
    estate = await estate_by_code(args.estate)
    if args.residents_command == "import":
        path = Path(args.file)
        refused = _refuse_file(path, locale)  # before the estate: the file is what people mistype
        if refused:
            _say(refused, error=True)
            return EXIT_USAGE
        if estate is None:
            _say(f"qingchu: {_(NO_ESTATE, locale, code=args.estate)}", error=True)
            return EXIT_USAGE
        return await _import(settings, estate, path, locale, dry_run=args.dry_run)
    if estate is None:
        _say(f"qingchu: {_(NO_ESTATE, locale, code=args.estate)}", error=True)
        return EXIT_USAGE
    if args.residents_command == "list":
        return await _list(estate, args.building, locale)
    return await _export(settings, estate, args.out, locale)


def _refuse_file(path: Path, locale: str) -> str:
    """Why the file cannot be imported, told from its stat alone ("" when it may be read)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return f"qingchu: {_(NO_FILE, locale, path=str(path))}"
    except OSError as exc:
        return f"qingchu: {_(FILE_UNREADABLE, locale, path=str(path), reason=exc.strerror or exc)}"
    if not path.is_file():
        return f"qingchu: {_(NO_FILE, locale, path=str(path))}"
    try:
        check_size(stat.st_size)
    except ResidentFileError as exc:
        return f"qingchu: {_(exc.msgid, locale, **exc.params)}"
    return ""


def problem_line(
    problem: RowProblem, header: Sequence[str], columns: dict[str, int], locale: str
) -> str:
    """`line 7: phone: Phone 12345 is not a valid number`, the column named as the file's header does."""
    text = _(problem.reason, locale, **problem.placeholders())
    position = columns.get(problem.column) if problem.line > 1 else None
    if position is None or position >= len(header):
        return _(PROBLEM_IN_ROW, locale, line=problem.line, problem=text)
    column = clean_text(header[position]) or problem.column
    return _(PROBLEM_IN_COLUMN, locale, line=problem.line, column=column, problem=text)


def _print_problems(
    problems: Sequence[RowProblem],
    omitted: int,
    header: Sequence[str],
    columns: dict[str, int],
    locale: str,
) -> None:
    for problem in problems:
        _say(problem_line(problem, header, columns, locale))
    if omitted:
        _say(_(MORE_PROBLEMS, locale, count=_number(omitted)))
    total = len(problems) + omitted
    _say(_(NOTHING_IMPORTED, locale, count=_number(total)), error=True)


async def _import(
    settings: Settings, estate: Estate, path: Path, locale: str, *, dry_run: bool
) -> int:
    try:
        data = path.read_bytes()  # noqa: ASYNC240 - a CLI command: nothing else runs on its loop
    except OSError as exc:
        _say(
            f"qingchu: {_(FILE_UNREADABLE, locale, path=str(path), reason=exc.strerror or exc)}",
            error=True,
        )
        return EXIT_USAGE
    try:
        header, table = read_table(data, path.name)
        columns, header_problems = read_header(header)
        if header_problems:
            _print_problems(header_problems, 0, header, columns, locale)
            return EXIT_PROBLEMS
        good, problems = check_rows(table, columns, regions_for(locale, settings.phone_region))
    except ResidentFileError as exc:
        _say(f"qingchu: {_(exc.msgid, locale, **exc.params)}", error=True)
        return EXIT_PROBLEMS
    del data
    if problems:
        _print_problems(
            problems,
            problems.omitted,
            header,
            columns,
            locale,
        )
        return EXIT_PROBLEMS
    result = await import_residents(estate.id, good, SystemClock().now(), dry_run=dry_run)
    _say(_result_line(result, locale, dry_run=dry_run))
    return 0


def _result_line(result: ImportResult, locale: str, *, dry_run: bool) -> str:
    counts = {
        "added": _number(result.added),
        "updated": _number(result.updated),
        "unchanged": _number(result.unchanged),
    }
    return _(DRY_RUN if dry_run else IMPORTED, locale, **counts)


async def _list(estate: Estate, building: str | None, locale: str) -> int:
    people = await residents_of(estate.id, building=building)
    for person in people:
        role = getattr(person.role, "value", person.role)
        _say(f"{person.building}\t{person.unit}\t{person.name}\t{mask_phone(person.phone)}\t{role}")
    if not people and building is None:
        _say(_(NO_RESIDENTS, locale, code=estate.code), error=True)
    else:
        households = len({(person.building, person.unit) for person in people})
        _say(
            _(LISTED, locale, count=_number(len(people)), households=_number(households)),
            error=True,
        )
    return 0


async def _export(settings: Settings, estate: Estate, out: str | None, locale: str) -> int:
    path = Path(out or f"residents-{estate.code}.xlsx")
    table = await register_rows_for_export(estate.id, region=settings.phone_region)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("residents")
    for row in table:
        sheet.append(safe_row(list(row)))
    book.save(path)
    _say(_(EXPORTED, locale, count=_number(len(table) - 1), path=str(path)), error=True)
    return 0
