"""The `qingchu` command and the running service."""

import asyncio
import socket
from dataclasses import replace

import aiohttp
import pytest

from backend import cli
from backend.config import load_settings


@pytest.fixture
def cli_env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite://{tmp_path}/cli.sqlite3")
    return tmp_path


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
    assert err.strip() == "qingchu: configuration error: HTTP_PORT: expected a whole number, got 'eighty'"


def test_token_create_prints_the_secret_once(cli_env, capsys):
    assert cli.main(["token", "create", "--role", "agent", "--name", "hotline"]) == 0
    secret = capsys.readouterr().out.strip()
    assert secret.startswith("qc_") and len(secret) > 30
    assert cli.main(["token", "list"]) == 0
    listing = capsys.readouterr().out
    assert "hotline" in listing and secret not in listing


def test_staff_and_department(cli_env, capsys):
    assert cli.main(["department", "add", "--code", "engineering", "--name", "工程部"]) == 0
    assert cli.main([
        "staff", "add", "--telegram-id", "42", "--name", "王师傅", "--role", "agent",
        "--department", "engineering", "--phone", "13800001111",
    ]) == 0
    capsys.readouterr()
    assert cli.main(["staff", "list"]) == 0
    out = capsys.readouterr().out
    assert "王师傅" in out and "138****1111" in out and "13800001111" not in out
    assert cli.main(["staff", "add", "--telegram-id", "43", "--name", "x", "--role", "agent", "--department", "nope"]) == 2
    assert "no department" in capsys.readouterr().err


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
        load_settings(env={}, env_file=None), database_url=f"sqlite://{tmp_path}/run.sqlite3", http_port=port
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

    await TriageCorrection.create(text="小区喷泉的水发臭了", suggested="facility", corrected="environment",
                                  actor_kind=ActorKind.STAFF, created_at=datetime.now(UTC))
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


def test_report_monthly_writes_the_file(cli_env, capsys):
    from openpyxl import load_workbook

    out = cli_env / "october.xlsx"
    assert cli.main(["report", "monthly", "--month", "2026-10", "--out", str(out), "--locale", "en"]) == 0
    assert "2026-10" in capsys.readouterr().out
    assert load_workbook(out).sheetnames[0] == "Summary"
    assert cli.main(["report", "monthly", "--month", "October"]) == 2
    assert "--month" in capsys.readouterr().err


def test_dashboard_link_for_active_staff_only(cli_env, capsys):
    assert cli.main(["staff", "add", "--telegram-id", "77", "--name", "陈主管", "--role", "supervisor"]) == 0
    capsys.readouterr()
    assert cli.main(["dashboard", "link", "--telegram-id", "77"]) == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith("http://127.0.0.1:8080/dashboard/sign-in/") and len(link) > 60
    assert cli.main(["dashboard", "link", "--telegram-id", "78"]) == 1


@pytest.mark.parametrize(("text", "parts"), [
    (None, {"api", "bot", "scheduler", "sender"}),
    ("api", {"api"}),
    (" scheduler , sender ", {"scheduler", "sender"}),
])
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
        load_settings(env={}, env_file=None), database_url=f"sqlite://{tmp_path}/run.sqlite3", http_port=port
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
    from bot.transport import FakeBotApi
    from bot.transport.server import serve_fake_bot_api

    fake = FakeBotApi()
    server = await serve_fake_bot_api(fake)
    tenant = fake.add_user("王芳", language_code="zh-hans")
    settings = replace(
        load_settings(env={}, env_file=None), database_url=f"sqlite://{tmp_path}/run.sqlite3",
        bot_token=fake.token, telegram_api_base_url=f"http://127.0.0.1:{server.port}",
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop=stop, parts=frozenset({"bot", "sender"})))
    try:
        fake.enqueue_update(fake.updates().command(tenant, "start"))
        for _ in range(100):
            if fake.chat(tenant).bot_messages():
                break
            await asyncio.sleep(0.05)
        assert fake.chat(tenant).bot_messages(), "the bot did not answer through the self-hosted API"
        assert fake.calls_for("setMyCommands")
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
        await server.close()
