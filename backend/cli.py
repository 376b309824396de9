"""The `qingchu` command: run the service, migrate, manage tokens and staff, evaluate triage."""

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from .config import ConfigError, Settings, load_settings
from .db import DatabaseMissing, DatabaseNotReady, DatabaseUnmigrated
from .domain import DomainError, Role
from .logs import configure_logging
from .services.leases import LeaseHeld

Command = Callable[[Settings, argparse.Namespace], Awaitable[int]]
# Exit codes: 1 something failed (e.g. the database server is down), 2 bad configuration or usage,
# 3 the database is missing or not migrated (run `qingchu migrate`).
EXIT_FAILED, EXIT_USAGE, EXIT_UNMIGRATED = 1, 2, 3
NO_STAFF = """no staff yet. Register someone whose numeric Telegram id you know:
  qingchu staff add --telegram-id ID --name NAME --role agent|supervisor|manager|admin [--department CODE]
or create a code they send to the bot as /join CODE:
  qingchu staff invite --name NAME --role ROLE [--department CODE]
(`qingchu department list` shows the department codes)"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qingchu",
        description="清楚 qingchu — a complaint desk for property management in Telegram.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    run = sub.add_parser(
        "run", help="start the HTTP API, the scheduler and (with BOT_TOKEN) the Telegram bot"
    )
    run.add_argument(
        "--only",
        metavar="PARTS",
        help="comma-separated parts to run: api, bot, scheduler, sender (default: all)",
    )
    sub.add_parser("migrate", help="apply pending database migrations")
    sub.add_parser(
        "check",
        help="validate the configuration and the policy file, reach the database and "
        "check its migrations, then exit (1: database down, 2: bad configuration, "
        "3: not migrated)",
    )
    sub.add_parser(
        "chat", help="play a tenant in a local console against the real bot (no Telegram needed)"
    )

    token = sub.add_parser("token", help="API tokens").add_subparsers(
        dest="token_command", required=True
    )
    create = token.add_parser("create", help="create a token and print it once")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--name", required=True)
    create.add_argument(
        "--estate",
        action="append",
        metavar="CODE",
        help="limit the token to this estate's cases (repeat for several; default: every estate)",
    )
    token.add_parser("list", help="list tokens (never their secrets)")
    revoke = token.add_parser("revoke", help="revoke a token by id")
    revoke.add_argument("id", type=int)

    staff = sub.add_parser("staff", help="staff members").add_subparsers(
        dest="staff_command", required=True
    )
    add = staff.add_parser("add", help="register or update a staff member")
    add.add_argument("--telegram-id", type=int, required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--department")
    add.add_argument("--phone", default="")
    add.add_argument(
        "--estate",
        action="append",
        metavar="CODE",
        help="an estate they work for (repeat for several; replaces earlier ones)",
    )
    staff.add_parser("list", help="list staff members")
    invite = staff.add_parser(
        "invite", help="create a one-time code a new colleague sends to the bot (/join CODE)"
    )
    invite.add_argument("--name", required=True)
    invite.add_argument("--role", required=True, choices=[r.value for r in Role])
    invite.add_argument("--department")
    invite.add_argument("--estate", action="append", metavar="CODE", help="repeat for several")
    deactivate = staff.add_parser("deactivate", help="deactivate a staff member")
    deactivate.add_argument("--telegram-id", type=int, required=True)

    department = sub.add_parser("department", help="departments").add_subparsers(
        dest="department_command", required=True
    )
    dep_add = department.add_parser("add", help="add or rename a department")
    dep_add.add_argument("--code", required=True)
    dep_add.add_argument("--name", required=True)
    department.add_parser(
        "list", help="list departments and the categories the policy routes to each"
    )

    _estate_parsers(sub)
    _residents_parsers(sub)

    hook = sub.add_parser("webhook", help="Telegram webhook (BOT_MODE=webhook)").add_subparsers(
        dest="webhook_command", required=True
    )
    hook.add_parser("info", help="what Telegram has as the webhook")
    hook.add_parser("set", help="set the webhook to WEBHOOK_URL with WEBHOOK_SECRET")
    hook.add_parser("delete", help="remove the webhook (for polling)")

    board = sub.add_parser("dashboard", help="web dashboard").add_subparsers(
        dest="dashboard_command", required=True
    )
    link = board.add_parser("link", help="print a one-time sign-in link for a staff member")
    link.add_argument("--telegram-id", type=int, required=True)

    report = sub.add_parser("report", help="reports").add_subparsers(
        dest="report_command", required=True
    )
    monthly = report.add_parser("monthly", help="write the monthly report as an XLSX file")
    monthly.add_argument("--month", help="YYYY-MM (default: last month)")
    monthly.add_argument("--out", help="file to write (default: report-YYYY-MM.xlsx)")
    monthly.add_argument("--locale", choices=["zh_CN", "zh_TW", "en"])
    satisfaction = report.add_parser(
        "satisfaction", help="answers of a satisfaction survey per category"
    )
    satisfaction.add_argument("--period", required=True, help="YYYY-MM of the survey, e.g. 2027-01")

    nlp = sub.add_parser("nlp", help="triage model").add_subparsers(
        dest="nlp_command", required=True
    )
    nlp.add_parser("eval", help="evaluate triage on the test split and the blind file")
    nlp.add_parser("retrain", help="fold staff category corrections into the statistical layer")
    return parser


def _estate_parsers(sub: Any) -> None:
    estate = sub.add_parser("estate", help="estates (小区, 大厦, 商场)").add_subparsers(
        dest="estate_command", required=True
    )
    add = estate.add_parser("add", help="add an estate")
    add.add_argument(
        "--code", required=True, help="letters, digits, _ or -: the bot link's ?start="
    )
    add.add_argument("--name", required=True)
    edit = estate.add_parser("edit", help="change an estate's settings")
    edit.add_argument("--code", required=True)
    edit.add_argument("--new-code")
    edit.add_argument("--name")
    edit.add_argument("--active", choices=["yes", "no"])
    for command in (add, edit):
        command.add_argument(
            "--staff-chat-id", type=int, help="its staff group (default: STAFF_CHAT_ID)"
        )
        command.add_argument("--address")
        command.add_argument("--timezone", help="e.g. Asia/Hong_Kong (default: TIMEZONE)")
        command.add_argument("--duty-phone", help="default: DUTY_PHONE")
        command.add_argument(
            "--hours", help="business hours, e.g. 08:00-20:00 (default: the policy's)"
        )
        command.add_argument(
            "--holidays",
            help="comma-separated dates the office is closed, e.g. 2027-01-01,2027-02-17",
        )
    estate.add_parser("list", help="list estates with their links and settings")
    poster = estate.add_parser(
        "poster", help="write a lobby poster with the estate's QR code (PNG or PDF)"
    )
    poster.add_argument("--code", required=True)
    poster.add_argument("--out", help="FILE.png or FILE.pdf (default: poster-CODE.png)")
    poster.add_argument("--locale", choices=["zh_CN", "zh_TW", "en"])
    poster.add_argument(
        "--bot-username",
        help="the bot's @username (default: BOT_USERNAME, else asked from Telegram)",
    )


def _residents_parsers(sub: Any) -> None:
    residents = sub.add_parser(
        "residents", help="the resident register of an estate"
    ).add_subparsers(dest="residents_command", required=True)
    load = residents.add_parser(
        "import", help="import residents from CSV or XLSX (header building,unit,name,phone,role)"
    )
    load.add_argument("file")
    load.add_argument("--estate", required=True, help="estate code")
    load.add_argument(
        "--dry-run", action="store_true", help="check every row and report; change nothing"
    )
    load.add_argument("--locale", choices=["zh_CN", "zh_TW", "en"])
    show = residents.add_parser("list", help="list an estate's residents (phones masked)")
    show.add_argument("--estate", required=True)
    show.add_argument("--building")
    export = residents.add_parser("export", help="write an estate's register as XLSX")
    export.add_argument("--estate", required=True)
    export.add_argument("--out", help="default: residents-CODE.xlsx")


async def cmd_estate(settings: Settings, args: argparse.Namespace) -> int:
    from .cli_estates import run_estate_command

    return await run_estate_command(settings, args)


async def cmd_residents(settings: Settings, args: argparse.Namespace) -> int:
    from .cli_residents import run_residents_command

    return await run_residents_command(settings, args)


async def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from .runtime import parse_parts, serve

    try:
        parts = parse_parts(args.only)
    except ValueError as exc:
        print(f"qingchu: --only: {exc}", file=sys.stderr)
        return 2
    await serve(settings, parts=parts)
    return 0


async def cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    from bot.console import run_console

    await run_console(
        settings, stdin=sys.stdin, out=sys.stdout
    )  # whatever they are now (a test may swap them)
    return 0


async def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    from .db import migrate

    applied = await migrate(settings.database_url)
    print("\n".join(f"applied {name}" for name in applied) or "the database is up to date")
    return 0


async def cmd_check(settings: Settings, args: argparse.Namespace) -> int:
    """The configuration, then the database: reachable and migrated (exit 1 or 3 when not)."""
    from .db import check_database

    print(
        f"configuration ok: database {settings.database_url.split('://')[0]}, "
        f"{len(settings.policy.categories)} categories, time zone {settings.timezone.key}, "
        f"Telegram {'on' if settings.telegram_enabled else 'off'}"
    )
    await check_database(settings.database_url)
    print("database ok: reachable, every migration applied")
    return 0


async def cmd_token(settings: Settings, args: argparse.Namespace) -> int:
    from .clock import SystemClock
    from .models import ApiToken
    from .services.estates import estate_by_code
    from .services.tokens import create_token, revoke_token

    now = SystemClock().now()
    if args.token_command == "create":
        estate_ids = []
        for code in args.estate or []:
            estate = await estate_by_code(code)
            if estate is None:
                print(
                    f"qingchu: no estate {code!r}; `qingchu estate list` shows the codes",
                    file=sys.stderr,
                )
                return EXIT_USAGE
            estate_ids.append(estate.id)
        plaintext, token = await create_token(args.name, args.role, now, estate_ids)
        print(plaintext)
        print(
            f"token {token.id} ({token.role.value}, {token.name}) created; it is shown only this once",
            file=sys.stderr,
        )
    elif args.token_command == "list":
        tokens = await ApiToken.all().order_by("id")
        for token in tokens:
            state = "revoked" if token.revoked_at else "active"
            print(f"{token.id}\t{token.prefix}…\t{token.role.value}\t{state}\t{token.name}")
        if not tokens:
            print(
                "no API tokens yet; create one with `qingchu token create --role ROLE --name NAME`",
                file=sys.stderr,
            )
    else:
        if not await revoke_token(args.id, now):
            print(f"no active token {args.id}", file=sys.stderr)
            return 1
        print(f"token {args.id} revoked")
    return 0


async def cmd_staff(settings: Settings, args: argparse.Namespace) -> int:
    from .clock import SystemClock
    from .domain.contact import example_phone, mask_phone, normalize_phone, regions_for
    from .models import Staff
    from .services.staff import add_staff, create_invite, deactivate_staff

    if args.staff_command == "invite":
        code = await create_invite(
            args.name,
            args.role,
            SystemClock().now(),
            department_code=args.department,
            estate_codes=args.estate,
        )
        print(code)
        print(
            f"give this code to {args.name}; they send /join {code} to the bot within 7 days",
            file=sys.stderr,
        )
    elif args.staff_command == "add":
        phone = ""
        if args.phone.strip():
            phone = (
                normalize_phone(
                    args.phone, regions_for(settings.default_locale, settings.phone_region)
                )
                or ""
            )
            if not phone:
                print(
                    f"qingchu: --phone: {args.phone!r} is no phone number; write it like "
                    f"{example_phone(settings.phone_region)!r}, or with + and the country code",
                    file=sys.stderr,
                )
                return 2
        person = await add_staff(
            args.telegram_id,
            args.name,
            args.role,
            SystemClock().now(),
            department_code=args.department,
            phone=phone,
            estate_codes=args.estate,
        )
        print(
            f"staff {person.name} ({person.role.value}) registered for Telegram id {person.telegram_id}"
        )
    elif args.staff_command == "list":
        people = await Staff.all().order_by("id").prefetch_related("department", "estates__estate")
        for person in people:
            department = person.department.code if person.department else "-"
            state = "active" if person.active else "inactive"
            estates = ",".join(sorted(m.estate.code for m in person.estates)) or "-"
            print(
                f"{person.telegram_id}\t{person.name}\t{person.role.value}\t{department}\t{mask_phone(person.phone)}\t{state}\t{estates}"
            )
        if not people:
            print(NO_STAFF, file=sys.stderr)
    else:
        if not await deactivate_staff(args.telegram_id, SystemClock().now()):
            print(f"no staff member with Telegram id {args.telegram_id}", file=sys.stderr)
            return 1
        print("deactivated")
    return 0


async def cmd_department(settings: Settings, args: argparse.Namespace) -> int:
    from .models import Department
    from .services.staff import add_department

    if args.department_command == "add":
        department = await add_department(args.code, args.name)
        print(f"department {department.code} ({department.name}) saved")
        return 0
    routed: dict[str, list[str]] = {}
    for category in settings.policy.categories:
        if category.department:
            routed.setdefault(category.department, []).append(category.code)
    departments = await Department.all().order_by("code")
    for department in departments:
        state = "active" if department.active else "inactive"
        print(
            f"{department.code}\t{department.name}\t{state}\t{', '.join(routed.get(department.code, [])) or '-'}"
        )
    if not departments:
        print(
            "no departments yet; add one with `qingchu department add --code CODE --name NAME`",
            file=sys.stderr,
        )
    for code in sorted(set(routed) - {d.code for d in departments}):
        print(
            f"the policy routes {', '.join(routed[code])} to department {code!r}, which does not exist; "
            f"add it with `qingchu department add --code {code} --name NAME`",
            file=sys.stderr,
        )
    return 0


async def cmd_webhook(settings: Settings, args: argparse.Namespace) -> int:
    from telegram.error import TelegramError

    from .bot_api import bot_client

    if not settings.telegram_enabled:
        print("qingchu: BOT_TOKEN is not set", file=sys.stderr)
        return 2
    bot = bot_client(settings)
    try:
        async with bot:
            if args.webhook_command == "info":
                info = await bot.get_webhook_info()
                print(
                    f"url: {info.url or '(none)'}\npending updates: {info.pending_update_count}\n"
                    f"last error: {info.last_error_message or '-'}"
                )
            elif args.webhook_command == "set":
                if settings.bot_mode != "webhook":
                    print(
                        "qingchu: set BOT_MODE=webhook, WEBHOOK_URL and WEBHOOK_SECRET first",
                        file=sys.stderr,
                    )
                    return 2
                from bot.app import set_webhook

                await set_webhook(bot, settings)
                print(f"webhook set to {settings.webhook_url}")
            else:
                await bot.delete_webhook()
                print("webhook removed")
    except TelegramError as exc:
        print(f"qingchu: Telegram refused: {exc}", file=sys.stderr)
        return 1
    return 0


async def cmd_dashboard(settings: Settings, args: argparse.Namespace) -> int:
    from .clock import SystemClock
    from .models import Staff
    from .services.signin import create_sign_in_link

    staff = await Staff.get_or_none(telegram_id=args.telegram_id, active=True)
    if staff is None:
        print(
            f"qingchu: no active staff member with Telegram id {args.telegram_id}", file=sys.stderr
        )
        return 1
    print(await create_sign_in_link(staff, settings, SystemClock().now()))
    print("valid for 10 minutes, once", file=sys.stderr)
    return 0


async def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    from .clock import SystemClock
    from .reports_xlsx import summary_text, write_monthly_xlsx
    from .services.reports import month_from_text, monthly_report, previous_month
    from .services.satisfaction import survey_results

    if args.report_command == "satisfaction":
        results = await survey_results(args.period)
        if results is None:
            print(f"qingchu: no satisfaction survey for {args.period}", file=sys.stderr)
            return 1
        print(
            f"survey {results['period']}: {results['answered']} of {results['asked']} tenants answered"
        )
        for category, row in results["categories"].items():
            print(
                f"{category}\t{row['answers']} answers\tmean {row['mean']}\t{row['distribution']}"
            )
        return 0
    now = SystemClock().now()
    try:
        year, month = (
            month_from_text(args.month)
            if args.month
            else previous_month(now.astimezone(settings.timezone).date())
        )
    except ValueError as exc:
        print(f"qingchu: --month: {exc}", file=sys.stderr)
        return 2
    locale = args.locale or settings.default_locale
    report = await monthly_report(year, month, settings, now, locale=locale)
    path = args.out or f"report-{year:04d}-{month:02d}.xlsx"
    write_monthly_xlsx(report, path, locale)
    print(summary_text(report, locale))
    print(f"written to {path}", file=sys.stderr)
    return 0


async def cmd_nlp(settings: Settings, args: argparse.Namespace) -> int:
    from .services.triage import evaluate_triage, retrain_triage

    if args.nlp_command == "eval":
        evaluate_triage(settings, sys.stdout)
    else:
        from nlp.runtime import CHECK_SECONDS

        report = await retrain_triage(settings)
        print(
            f"retrained on {report.get('examples', '?')} examples "
            f"({report.get('corrections', 0)} staff corrections); model saved to {report.get('path')}; "
            f"running instances pick it up within {CHECK_SECONDS:.0f} s"
        )
    return 0


COMMANDS: dict[str, tuple[Command, bool]] = {
    # name: (function, needs the database)
    "run": (cmd_run, False),
    "migrate": (cmd_migrate, False),
    "check": (cmd_check, False),
    "chat": (cmd_chat, False),
    "token": (cmd_token, True),
    "staff": (cmd_staff, True),
    "department": (cmd_department, True),
    "estate": (cmd_estate, True),
    "residents": (cmd_residents, True),
    "nlp": (cmd_nlp, False),
    "report": (cmd_report, True),
    "dashboard": (cmd_dashboard, True),
    "webhook": (cmd_webhook, False),
}


async def _dispatch(settings: Settings, args: argparse.Namespace) -> int:
    function, needs_database = COMMANDS[args.command]
    if args.command == "nlp" and args.nlp_command == "retrain":
        needs_database = True
    if not needs_database:
        return await function(settings, args)
    from .db import close_database, open_database

    await open_database(settings.database_url, auto_migrate=settings.is_sqlite)
    try:
        return await function(settings, args)
    finally:
        await close_database()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"qingchu: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    configure_logging(settings.log_level, settings.log_format, service=args.command == "run")
    try:
        return asyncio.run(_dispatch(settings, args))
    except DatabaseMissing as exc:
        print(_missing_database(exc, settings), file=sys.stderr)
        return EXIT_UNMIGRATED
    except DatabaseUnmigrated as exc:
        print(f"qingchu: {_message(exc)}", file=sys.stderr)
        return EXIT_UNMIGRATED
    except DatabaseNotReady as exc:  # unreachable: try again once the server is up
        print(f"qingchu: {_message(exc)}", file=sys.stderr)
        return EXIT_FAILED
    except (DomainError, LeaseHeld) as exc:
        print(f"qingchu: {_message(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except OSError as exc:  # e.g. the port is taken or the database server is down
        print(f"qingchu: {exc}", file=sys.stderr)
        return EXIT_FAILED


def _message(exc: Any) -> str:
    return getattr(exc, "message", None) or str(exc)


def _missing_database(exc: DatabaseMissing, settings: Settings) -> str:
    """Where the command looked for the database, why there, and how to point it at the real one."""
    env_file = Path(".env").resolve()
    if os.environ.get("DATABASE_URL", "").strip():
        source = "set in the environment"
    elif env_file.is_file() and (dotenv_values(env_file).get("DATABASE_URL") or "").strip():
        source = f"set in {env_file}"
    elif env_file.is_file():
        source = f"the default; {env_file} does not set it"
    else:
        source = f"the default; there is no .env in {env_file.parent}"
    lines = [
        f"qingchu: no database at {exc.path}",
        f"DATABASE_URL is {settings.database_url} ({source}).",
    ]
    given = Path(settings.database_url[len("sqlite://") :].split("?", 1)[0])
    if not given.is_absolute():
        lines[-1] += " Its path is taken from the current directory."
        home = next((p for p in Path.cwd().parents if (p / given).is_file()), None)
    else:
        home = None
    if home is not None:
        lines += [
            f"There is a database at {home / given}: run qingchu in {home}, or set",
            f"DATABASE_URL=sqlite://{home / given} in the environment or in .env.",
        ]
    else:
        lines += [
            "Run qingchu in the directory of your .env and data/, or point DATABASE_URL at your database in",
            "the environment or in .env (e.g. DATABASE_URL=sqlite:///srv/qingchu/data/qingchu.sqlite3).",
        ]
    lines.append("Only `qingchu migrate` and `qingchu run` create a new database.")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
