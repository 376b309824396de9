"""`qingchu residents import|list|export` as an operator runs them."""

import asyncio
import logging
import subprocess
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from backend import cli
from backend.clock import SystemClock
from backend.config import load_settings
from backend.db import close_database, open_database
from backend.logs import CHATTY_LIBRARIES
from backend.services.estates import add_estate

HEADER = "building,unit,name,phone,role\n"


@pytest.fixture(autouse=True)
def _restore_logging():
    """cli.main configures logging for the whole process; put it back for the tests that follow."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in CHATTY_LIBRARIES}
    yield
    root.handlers[:], level = saved
    root.setLevel(level)
    for name, library_level in levels.items():
        logging.getLogger(name).setLevel(library_level)


async def _add_estates(url: str, *codes: str) -> None:
    await open_database(url, auto_migrate=True)
    try:
        for code in codes:
            await add_estate(
                code, f"{code} estate", SystemClock().now(), load_settings(env={}, env_file=None)
            )
    finally:
        await close_database()


@pytest.fixture
def cli_db(monkeypatch, tmp_path, capsys):
    """A migrated database with the estates `park` and `garden`, commands run in tmp_path."""
    monkeypatch.chdir(tmp_path)
    url = f"sqlite://{tmp_path}/cli.sqlite3"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DEFAULT_LOCALE", "en")
    assert cli.main(["migrate"]) == 0
    asyncio.run(_add_estates(url, "park", "garden"))
    capsys.readouterr()
    return tmp_path


def write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def listing(capsys, *args: str) -> list[str]:
    assert cli.main(["residents", "list", *args]) == 0
    return capsys.readouterr().out.splitlines()


def test_import_a_csv_then_reimport_it_changed(cli_db, capsys):
    first = write(
        cli_db,
        "park.csv",
        HEADER + "3,1202,张三,13812345678,业主\n3,1202,李四,,tenant\nA座,0101,王记小吃,,商户\n",
    )
    assert cli.main(["residents", "import", first, "--estate", "park"]) == 0
    assert capsys.readouterr().out.strip() == "imported: 3 added, 0 updated, 0 unchanged"

    second = write(
        cli_db,
        "park2.csv",
        HEADER
        + "3号楼,1202,张三,13812345678,owner\n3,1202,李四,13700002222,tenant\n5,301,赵六,,owner\n",
    )
    assert cli.main(["residents", "import", second, "--estate", "PARK"]) == 0
    assert capsys.readouterr().out.strip() == "imported: 1 added, 1 updated, 1 unchanged"
    assert listing(capsys, "--estate", "park") == [
        "3\t1202\t张三\t+86 138****5678\towner",
        "3\t1202\t李四\t+86 137****2222\ttenant",
        "5\t301\t赵六\t\towner",
        "A\t0101\t王记小吃\t\tshop",
    ]
    assert listing(capsys, "--estate", "park", "--building", "5") == ["5\t301\t赵六\t\towner"]
    assert listing(capsys, "--estate", "garden") == []  # another estate's register


def test_list_counts_on_stderr(cli_db, capsys):
    path = write(
        cli_db, "r.csv", HEADER + "3,1202,张三,,owner\n3,1202,李四,,tenant\n3,302,王五,,owner\n"
    )
    assert cli.main(["residents", "import", path, "--estate", "park"]) == 0
    capsys.readouterr()
    assert cli.main(["residents", "list", "--estate", "park"]) == 0
    assert capsys.readouterr().err.strip() == "3 residents in 2 units"


def test_dry_run_reports_and_changes_nothing(cli_db, capsys):
    path = write(cli_db, "r.csv", HEADER + "3,1202,张三,,owner\n3,1203,李四,,tenant\n")
    assert cli.main(["residents", "import", path, "--estate", "park", "--dry-run"]) == 0
    out = capsys.readouterr().out.strip()
    assert out == "dry run: would add 2, update 0, leave 0 unchanged; nothing changed"
    assert listing(capsys, "--estate", "park") == []


def test_bad_rows_are_named_by_line_and_nothing_is_imported(cli_db, capsys):
    rows = [f"1,{100 + n},住户{n},,owner\n" for n in range(5)]
    rows[3] = "1,103,住户3,12345,owner\n"  # line 5 of the file
    rows.append('=HYPERLINK("http://x"),104,甲,,owner\n')  # line 7
    path = write(cli_db, "r.csv", HEADER + "".join(rows))

    assert cli.main(["residents", "import", path, "--estate", "park"]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "line 5: phone: Phone 12345 is not a valid number",
        'line 7: building: Looks like a spreadsheet formula: =HYPERLINK("http://x")',
    ]
    assert "Nothing was imported: 2 problems" in captured.err
    assert listing(capsys, "--estate", "park") == []  # the four good rows were not written either


def test_problems_in_chinese_name_the_operators_column(cli_db, capsys):
    path = write(cli_db, "r.csv", "楼栋,房号,姓名,手机,身份\n3,1202,张三,12345,业主\n")
    assert cli.main(["residents", "import", path, "--estate", "park", "--locale", "zh_CN"]) == 1
    line = capsys.readouterr().out.strip()
    assert "2" in line and "手机" in line and "电话 12345 不是有效号码" in line


def test_a_header_without_a_role_column(cli_db, capsys):
    path = write(cli_db, "r.csv", "building,unit,name,phone\n3,1202,张三,\n")
    assert cli.main(["residents", "import", path, "--estate", "park"]) == 1
    assert capsys.readouterr().out.startswith("line 1: The header has no role column")


def test_a_missing_file_an_unknown_estate_and_a_huge_file_are_refused_politely(cli_db, capsys):
    assert cli.main(["residents", "import", "nowhere.csv", "--estate", "park"]) == 2
    assert "There is no file nowhere.csv" in capsys.readouterr().err

    path = write(cli_db, "r.csv", HEADER + "3,1202,张三,,owner\n")
    assert cli.main(["residents", "import", path, "--estate", "nosuch"]) == 2
    assert "There is no estate nosuch" in capsys.readouterr().err

    huge = cli_db / "huge.csv"
    subprocess.run(["truncate", "-s", "100M", str(huge)], check=True)  # sparse: no 100 MB written
    assert cli.main(["residents", "import", str(huge), "--estate", "park"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "qingchu: The file is 100 MB; files up to 50 MB can be imported"


def test_export_imports_back_unchanged(cli_db, capsys):
    path = write(
        cli_db,
        "r.csv",
        HEADER
        + "3,1202,张三,13812345678,owner\n3,1202,李四,9123 4567,tenant\n"
        + "B,0101,王记,,shop\n5,301,赵六,021 1234 5678,owner\n",
    )
    assert cli.main(["residents", "import", path, "--estate", "park"]) == 0
    capsys.readouterr()
    before = listing(capsys, "--estate", "park")

    out = cli_db / "park.xlsx"
    assert cli.main(["residents", "export", "--estate", "park", "--out", str(out)]) == 0
    sheet = load_workbook(out, read_only=True).worksheets[0]
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert cells[0] == ["building", "unit", "name", "phone", "role"]
    assert len(cells) == 5
    capsys.readouterr()

    assert cli.main(["residents", "import", str(out), "--estate", "park"]) == 0
    assert capsys.readouterr().out.strip() == "imported: 0 added, 0 updated, 4 unchanged"
    assert cli.main(["residents", "import", str(out), "--estate", "garden"]) == 0
    assert capsys.readouterr().out.strip() == "imported: 4 added, 0 updated, 0 unchanged"
    assert listing(capsys, "--estate", "garden") == before


def test_a_workbook_with_a_formula_cell_is_refused(cli_db, capsys):
    book = Workbook()
    sheet = book.active
    sheet.append(["building", "unit", "name", "phone", "role"])
    sheet.append(["3", "1202", "张三", "", "owner"])
    sheet.append(["3", "1203", "@SUM(1,2)", "", "owner"])
    path = cli_db / "r.xlsx"
    book.save(path)
    assert cli.main(["residents", "import", str(path), "--estate", "park"]) == 1
    assert (
        capsys.readouterr().out.strip()
        == "line 3: name: Looks like a spreadsheet formula: @SUM(1,2)"
    )
    assert listing(capsys, "--estate", "park") == []
