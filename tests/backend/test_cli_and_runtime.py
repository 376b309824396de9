"""The `qingchu` command and the running service."""

import argparse
import asyncio
import io
import logging
import os
import socket
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest

from backend import cli
from backend.config import load_settings
from backend.logs import CHATTY_LIBRARIES

SETTINGS = frozenset(
    """DATABASE_URL BOT_TOKEN TELEGRAM_API_BASE_URL STAFF_CHAT_ID TIMEZONE DEFAULT_LOCALE HTTP_HOST HTTP_PORT
    CASE_NUMBER_PREFIX POLICY_FILE DUTY_PHONE PHONE_REGION LOG_LEVEL LOG_FORMAT MAX_BODY_BYTES SWEEP_INTERVAL_SECONDS
    TRIAGE_MODEL_FILE DIALOG_IDLE_MINUTES STAFF_TOPICS FLOOD_LIMIT_PER_MINUTE PUBLIC_BASE_URL BOT_MODE
    WEBHOOK_URL WEBHOOK_SECRET SESSION_HOURS DATA_DIR FILE_CACHE_MB""".split()
)


@pytest.fixture(autouse=True)
def _restore_logging():
    """cli.main configures logging for the whole process; put it back for the tests that follow."""
    root = logging.getLogger()
    saved = (
        root.handlers[:],
        root.level,
        {name: logging.getLogger(name).level for name in CHATTY_LIBRARIES},
    )
    yield
    root.handlers[:], level, libraries = saved
    root.setLevel(level)
    for name, library_level in libraries.items():
        logging.getLogger(name).setLevel(library_level)


@pytest.fixture
def cli_env(monkeypatch, tmp_path):
    """An empty directory to run commands in, with DATABASE_URL naming a database there (not created yet)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite://{tmp_path}/cli.sqlite3")
    return tmp_path


@pytest.fixture
def cli_db(cli_env, capsys):
    """cli_env with its database created by `qingchu migrate`, as an operator does first."""
    assert cli.main(["migrate"]) == 0
    capsys.readouterr()
    return cli_env


def qingchu(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """The installed console script, as a person runs it (none of the developer's settings)."""
    script = Path(sys.executable).with_name("qingchu")
    environment = {k: v for k, v in os.environ.items() if k not in SETTINGS} | env
    return subprocess.run(
        [str(script), *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=120
    )


def test_help_lists_the_subcommands(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for command in ("run", "migrate", "token", "staff", "department", "nlp", "check"):
        assert command in out


def test_bad_configuration_is_one_line_not_a_traceback(monkeypatch, capsys):
    monkeypatch.setenv("HTTP_PORT", "eighty")
    assert cli.main(["check"]) == 2
    err = capsys.readouterr().err
    assert (
        err.strip()
        == "qingchu: configuration error: HTTP_PORT: expected a whole number, got 'eighty'"
    )


def test_token_create_prints_the_secret_once(cli_db, capsys):
    assert cli.main(["token", "create", "--role", "agent", "--name", "hotline"]) == 0
    secret = capsys.readouterr().out.strip()
    assert secret.startswith("qc_") and len(secret) > 30
    assert cli.main(["token", "list"]) == 0
    listing = capsys.readouterr().out
    assert "hotline" in listing and secret not in listing


def test_staff_and_department(cli_db, capsys):
    assert cli.main(["department", "add", "--code", "engineering", "--name", "工程部"]) == 0
    assert (
        cli.main(
            [
                "staff",
                "add",
                "--telegram-id",
                "42",
                "--name",
                "王师傅",
                "--role",
                "agent",
                "--department",
                "engineering",
                "--phone",
                "13800001111",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert cli.main(["staff", "list"]) == 0
    out = capsys.readouterr().out
    assert "王师傅" in out and "138****1111" in out and "13800001111" not in out
    assert (
        cli.main(
            [
                "staff",
                "add",
                "--telegram-id",
                "43",
                "--name",
                "x",
                "--role",
                "agent",
                "--department",
                "nope",
            ]
        )
        == 2
    )
    assert (
        "no department 'nope'; the department codes are cleaning, customer_service, engineering, security"
        in (capsys.readouterr().err)
    )


def test_staff_add_stores_the_phone_in_e164_and_refuses_what_is_no_number(cli_db, capsys):
    add = ["staff", "add", "--name", "陈师傅", "--role", "agent", "--telegram-id"]
    assert cli.main([*add, "44", "--phone", "0988-123-45"]) == 2
    assert (
        "--phone: '0988-123-45' is no phone number; write it like '131 2345 6789'"
        in capsys.readouterr().err
    )
    assert cli.main([*add, "44", "--phone", "9123 4567"]) == 0  # not mainland: read as Hong Kong
    assert cli.main(["staff", "list"]) == 0
    assert "+852 91****67" in capsys.readouterr().out


def test_migrate_on_an_empty_database(cli_env, capsys):
    assert cli.main(["migrate"]) == 0
    assert "applied models.0001_initial" in capsys.readouterr().out
    assert cli.main(["migrate"]) == 0
    assert "up to date" in capsys.readouterr().out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_run_serves_the_api_and_stops_cleanly(tmp_path):
    from backend.runtime import serve

    port = _free_port()
    settings = replace(
        load_settings(env={}, env_file=None),
        database_url=f"sqlite://{tmp_path}/run.sqlite3",
        http_port=port,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop=stop))
    async with aiohttp.ClientSession() as http:
        for _ in range(100):
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    assert response.status == 200
                    break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
        else:
            pytest.fail("the service did not start")
    stop.set()
    await asyncio.wait_for(task, 10)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()


def test_nlp_eval_prints_the_test_split_and_the_blind_file(cli_env, capsys):
    assert cli.main(["nlp", "eval"]) == 0
    out = capsys.readouterr().out
    summary = out.split("== summary ==")[1]
    assert summary.count("macro-F1") == 2
    assert "major recall" in summary and "false majors" in summary and "traditional" in summary
    assert "confusion" in out and "precision" in out


async def _seed_correction(url: str) -> None:
    from tortoise import Tortoise

    from backend import db
    from backend.domain import ActorKind
    from backend.models import TriageCorrection

    await db.migrate(url)
    await Tortoise.init(config=db.tortoise_config(url))
    from datetime import UTC, datetime

    await TriageCorrection.create(
        text="小区喷泉的水发臭了",
        suggested="facility",
        corrected="environment",
        actor_kind=ActorKind.STAFF,
        created_at=datetime.now(UTC),
    )
    await Tortoise.close_connections()


def test_nlp_retrain_folds_in_staff_corrections(cli_env, capsys, monkeypatch):
    import asyncio

    import nlp

    asyncio.run(_seed_correction(f"sqlite://{cli_env}/cli.sqlite3"))
    monkeypatch.setenv("TRIAGE_MODEL_FILE", str(cli_env / "model.json"))
    try:
        assert cli.main(["nlp", "retrain"]) == 0
        assert "1 staff corrections" in capsys.readouterr().out
        assert (cli_env / "model.json").is_file()
    finally:
        nlp.configure()


def test_report_monthly_writes_the_file(cli_db, capsys):
    from openpyxl import load_workbook

    out = cli_db / "october.xlsx"
    assert (
        cli.main(["report", "monthly", "--month", "2026-10", "--out", str(out), "--locale", "en"])
        == 0
    )
    assert "2026-10" in capsys.readouterr().out
    assert load_workbook(out).sheetnames[0] == "Summary"
    assert cli.main(["report", "monthly", "--month", "October"]) == 2
    assert "--month" in capsys.readouterr().err


def test_dashboard_link_for_active_staff_only(cli_db, capsys):
    assert (
        cli.main(
            ["staff", "add", "--telegram-id", "77", "--name", "陈主管", "--role", "supervisor"]
        )
        == 0
    )
    capsys.readouterr()
    assert cli.main(["dashboard", "link", "--telegram-id", "77"]) == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith("http://127.0.0.1:8080/dashboard/sign-in/") and len(link) > 60
    assert cli.main(["dashboard", "link", "--telegram-id", "78"]) == 1


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (None, {"api", "bot", "scheduler", "sender"}),
        ("api", {"api"}),
        (" scheduler , sender ", {"scheduler", "sender"}),
    ],
)
def test_parts_to_run(text, parts):
    from backend.runtime import parse_parts

    assert parse_parts(text) == parts


def test_unknown_part_is_refused(capsys):
    assert cli.main(["run", "--only", "api,worker"]) == 2
    assert "worker" in capsys.readouterr().err


async def test_run_only_the_scheduler_opens_no_port(tmp_path):
    from backend.runtime import serve

    port = _free_port()
    settings = replace(
        load_settings(env={}, env_file=None),
        database_url=f"sqlite://{tmp_path}/run.sqlite3",
        http_port=port,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop=stop, parts=frozenset({"scheduler"})))
    await asyncio.sleep(0.5)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    stop.set()
    await asyncio.wait_for(task, 10)


async def test_run_with_a_token_polls_a_self_hosted_bot_api_and_answers(tmp_path):
    """TELEGRAM_API_BASE_URL points the real polling bot at a Bot API server (here the fake, over HTTP)."""
    from backend.runtime import serve
    from bot.fake_telegram import FakeBotApi
    from bot.fake_telegram.server import serve_fake_bot_api

    fake = FakeBotApi()
    server = await serve_fake_bot_api(fake)
    tenant = fake.add_user("王芳", language_code="zh-hans")
    settings = replace(
        load_settings(env={}, env_file=None),
        database_url=f"sqlite://{tmp_path}/run.sqlite3",
        bot_token=fake.token,
        telegram_api_base_url=f"http://127.0.0.1:{server.port}",
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop=stop, parts=frozenset({"bot", "sender"})))
    try:
        fake.enqueue_update(fake.updates().command(tenant, "start"))
        for _ in range(100):
            if fake.chat(tenant).bot_messages():
                break
            await asyncio.sleep(0.05)
        assert fake.chat(tenant).bot_messages(), (
            "the bot did not answer through the self-hosted API"
        )
        assert fake.calls_for("setMyCommands")
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
        await server.close()


# ---- output for people, no stray databases, departments from the start (issue 15, items 13–15) ----


def test_commands_print_what_they_did_and_nothing_else(tmp_path):
    """Through the console script: no library log lines such as "INFO tortoise: Tortoise-ORM shutdown"."""
    done = qingchu("migrate", cwd=tmp_path)
    assert done.returncode == 0 and "applied models.0015_standard_departments" in done.stdout
    assert done.stderr == ""
    listed = qingchu("department", "list", cwd=tmp_path)
    assert listed.returncode == 0 and listed.stderr == ""
    assert [line.split("\t")[:3] for line in listed.stdout.splitlines()] == [
        ["cleaning", "保洁部", "active"],
        ["customer_service", "客服部", "active"],
        ["engineering", "工程部", "active"],
        ["security", "保安部", "active"],
    ]
    nobody = qingchu("staff", "list", cwd=tmp_path)
    assert nobody.returncode == 0 and nobody.stdout == ""
    assert (
        nobody.stderr.startswith("no staff yet")
        and "qingchu staff add --telegram-id ID" in nobody.stderr
    )
    assert "qingchu staff invite" in nobody.stderr and "INFO" not in nobody.stderr


def test_a_command_logs_no_library_chatter(cli_db, capsys):
    assert cli.main(["token", "list"]) == 0
    err = capsys.readouterr().err
    assert "Tortoise-ORM shutdown" not in err and "INFO" not in err
    assert err.startswith("no API tokens yet")


async def test_the_service_logs_what_happened_not_each_routine_sweep(tmp_path, capsys):
    from datetime import timedelta

    from backend.logs import configure_logging
    from backend.metrics import SWEEP_SECONDS
    from backend.runtime import serve

    def sweeps() -> float:
        return next(
            s.value for s in SWEEP_SECONDS.collect()[0].samples if s.name.endswith("_count")
        )

    configure_logging("INFO", "text", service=True)  # as `qingchu run` does
    settings = replace(
        load_settings(env={}, env_file=None),
        database_url=f"sqlite://{tmp_path}/run.sqlite3",
        sweep_interval=timedelta(seconds=1),
    )
    before = sweeps()
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop=stop, parts=frozenset({"scheduler"})))
    for _ in range(200):
        if sweeps() >= before + 2:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 10)
    assert sweeps() >= before + 2, "the scheduler did not sweep"
    err = capsys.readouterr().err
    assert "scheduler started (sweep every 1s)" in err and "stopped" in err
    assert "apscheduler" not in err and "Tortoise-ORM" not in err and "sweep:" not in err


@pytest.mark.parametrize(
    ("level", "service", "ours", "libraries"),
    [
        ("INFO", True, logging.INFO, logging.WARNING),  # qingchu run
        ("INFO", False, logging.WARNING, logging.WARNING),  # any other command
        ("ERROR", True, logging.ERROR, logging.ERROR),
        ("DEBUG", False, logging.DEBUG, logging.DEBUG),  # LOG_LEVEL=DEBUG shows everything
    ],
)
def test_log_levels(level, service, ours, libraries):
    from backend.logs import configure_logging

    configure_logging(level, "text", service=service)
    assert logging.getLogger("qingchu").getEffectiveLevel() == ours
    assert {logging.getLogger(name).getEffectiveLevel() for name in CHATTY_LIBRARIES} == {libraries}


async def test_a_sweep_with_nothing_to_do_logs_only_at_debug(settings, clock, caplog):
    from backend.context import AppContext
    from scheduler import sweep_all

    with caplog.at_level(logging.DEBUG, logger="scheduler.sweeps"):
        report = await sweep_all(AppContext.build(settings, clock))
    assert report.total == 0
    assert [r.levelno for r in caplog.records if r.name == "scheduler.sweeps"] == [logging.DEBUG]


@pytest.mark.parametrize(
    "argv",
    [
        ["token", "list"],
        ["staff", "list"],
        ["department", "list"],
        ["department", "add", "--code", "x", "--name", "X"],
        ["dashboard", "link", "--telegram-id", "1"],
        ["report", "monthly"],
        ["nlp", "retrain"],
        ["chat"],
    ],
)
def test_only_run_and_migrate_create_the_database(cli_env, capsys, argv):
    assert cli.main(argv) == 3
    err = capsys.readouterr().err
    assert f"qingchu: no database at {cli_env.resolve() / 'cli.sqlite3'}\n" in err
    assert (
        "(set in the environment)" in err
        and "Only `qingchu migrate` and `qingchu run` create" in err
    )
    assert list(cli_env.iterdir()) == []


def test_the_missing_database_message_says_where_the_url_came_from(tmp_path, monkeypatch, capsys):
    home, elsewhere = tmp_path / "desk", tmp_path / "desk" / "reports"
    elsewhere.mkdir(parents=True)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(home)
    assert cli.main(["migrate"]) == 0
    monkeypatch.chdir(elsewhere)
    assert cli.main(["staff", "list"]) == 3
    err = capsys.readouterr().err
    where = home.resolve() / "data" / "qingchu.sqlite3"
    assert f"no database at {elsewhere.resolve() / 'data' / 'qingchu.sqlite3'}" in err
    assert (
        f"DATABASE_URL is sqlite://data/qingchu.sqlite3 (the default; there is no .env in {elsewhere.resolve()})"
        in err
    )
    assert f"There is a database at {where}: run qingchu in {home.resolve()}" in err
    assert f"DATABASE_URL=sqlite://{where} in the environment or in .env" in err
    (elsewhere / ".env").write_text("DATABASE_URL=sqlite://db/desk.sqlite3\n", encoding="utf-8")
    assert cli.main(["token", "list"]) == 3
    assert f"(set in {elsewhere.resolve() / '.env'})" in capsys.readouterr().err
    assert sorted(p.name for p in elsewhere.iterdir()) == [".env"]


def test_through_the_console_script_in_another_directory(tmp_path):
    assert qingchu("migrate", cwd=tmp_path).returncode == 0
    elsewhere = tmp_path / "reports"
    elsewhere.mkdir()
    done = qingchu("report", "monthly", "--month", "2026-10", cwd=elsewhere)
    assert done.returncode == 3 and done.stdout == ""
    assert f"no database at {elsewhere.resolve() / 'data' / 'qingchu.sqlite3'}" in done.stderr
    assert list(elsewhere.iterdir()) == []


def test_check_reaches_the_database_and_tells_missing_unmigrated_and_down_apart(
    tmp_path, monkeypatch, capsys
):
    import asyncio

    from tortoise import Tortoise
    from tortoise.migrations.api import migrate as migrate_api

    from backend import db

    monkeypatch.setenv("DATABASE_URL", f"sqlite://{tmp_path}/desk.sqlite3")
    assert cli.main(["check"]) == 3  # missing: nothing is created
    assert "no database at" in capsys.readouterr().err and list(tmp_path.iterdir()) == []

    async def migrate_to_0015() -> None:
        await migrate_api(
            config=db.tortoise_config(f"sqlite://{tmp_path}/desk.sqlite3"),
            target="models.0015_standard_departments",
        )
        await (
            Tortoise.close_connections()
        )  # an open aiosqlite connection keeps the test process alive

    asyncio.run(migrate_to_0015())
    assert cli.main(["check"]) == 3
    err = capsys.readouterr().err
    later = [
        p for p in (Path(db.__file__).parent / "migrations").glob("0*.py") if int(p.name[:4]) > 15
    ]
    assert f"missing {len(later)} migration(s)" in err and "run `qingchu migrate` first" in err
    assert cli.main(["migrate"]) == 0
    capsys.readouterr()
    assert cli.main(["check"]) == 0
    assert (
        capsys.readouterr().out.splitlines()[-1]
        == "database ok: reachable, every migration applied"
    )
    monkeypatch.setenv("DATABASE_URL", "postgres://nobody@127.0.0.1:9/none")
    assert cli.main(["check"]) == 1
    assert "cannot reach the database" in capsys.readouterr().err


def test_unknown_departments_are_answered_with_the_codes(cli_db, capsys):
    for argv in (
        [
            "staff",
            "add",
            "--telegram-id",
            "5",
            "--name",
            "x",
            "--role",
            "agent",
            "--department",
            "eng",
        ],
        ["staff", "invite", "--name", "x", "--role", "agent", "--department", "eng"],
    ):
        assert cli.main(argv) == 2
        assert capsys.readouterr().err.strip() == (
            "qingchu: no department 'eng'; the department codes are cleaning, customer_service, engineering, security"
        )
    assert cli.main(["department", "list"]) == 0
    listing = capsys.readouterr().out
    assert "engineering\t工程部\tactive\tfacility, utilities" in listing
    assert "customer_service\t客服部\tactive\tservice, billing, neighbor, other" in listing


# ---- the README (issue 15, item 16) ----

README = Path(__file__).resolve().parents[2] / "README.md"


def _subcommands() -> list[tuple[str, str]]:
    """Every (command, subcommand) the parser knows; subcommand "" for a command without any."""

    def choices(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
        found = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        return found[0].choices if found else {}

    return [
        (name, sub)
        for name, command in choices(cli._parser()).items()
        for sub in (choices(command) or [""])
    ]


def test_the_readme_lists_every_command_and_names_the_dashboard():
    text = README.read_text(encoding="utf-8")
    listing = text.split("## Command line", 1)[1].split("```")[1].splitlines()
    for name, sub in _subcommands():
        usages = [
            line.split("  ")[0].replace("|", " ").split()
            for line in listing
            if line.startswith(f"qingchu {name} ")
        ]
        assert any(not sub or sub in usage for usage in usages), (
            f"`qingchu {name} {sub}` is not in the command list"
        )
    assert "http://127.0.0.1:8080/dashboard/" in text and "PUBLIC_BASE_URL/dashboard/" in text


def test_the_first_steps_of_the_readme_work_on_a_fresh_directory(cli_env, capsys, monkeypatch):
    """Every command of "First steps", as written, after `qingchu run` created the database (here: migrate)."""
    import shlex

    steps = (
        README.read_text(encoding="utf-8")
        .split("### First steps", 1)[1]
        .split("```bash", 1)[1]
        .split("```")[0]
    )
    commands = [shlex.split(line)[1:] for line in steps.strip().splitlines()]
    assert [c[:2] for c in commands] == [
        ["department", "list"],
        ["staff", "add"],
        ["chat"],
        ["dashboard", "link"],
    ]
    assert cli.main(["migrate"]) == 0
    capsys.readouterr()
    tenant = (
        "\n".join(
            [
                "/complain",
                "小区东门的路灯坏了三天了",
                "1",
                "1",
                "1-1-101",
                "13812345678",
                "1",
                "1",
                "1",
                "1",
                "@quit",
            ]
        )
        + "\n"
    )
    monkeypatch.setattr(sys, "stdin", io.StringIO(tenant))
    outputs = []
    for argv in commands:
        assert cli.main(argv) == 0, argv
        outputs.append(capsys.readouterr().out)
    assert "engineering\t工程部\tactive" in outputs[0]
    assert outputs[1].startswith("staff Wang Li (admin) registered")
    assert "[staff group]" in outputs[2] and "138****5678" in outputs[2]
    assert outputs[3].startswith("http://127.0.0.1:8080/dashboard/sign-in/")
