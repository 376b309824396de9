"""`qingchu residents import` of a large estate's register beside a bare sqlite3 executemany of its rows.

    python bench/bench_residents.py [--rows 200000] [--seed 2026] [--database-url URL] [--keep]

A generated CSV (buildings, units, Chinese names, mainland mobiles for most, the three roles as operators
write them) is imported by the installed `qingchu` command in a subprocess, end to end: start-up, reading,
checking every row, writing. Then the same file is imported again in this process with the phases timed
apart (read + check, database write), and the baseline: the checked rows written by a bare `sqlite3`
executemany into the same table in one transaction. Each run gets a fresh, migrated SQLite database
unless --database-url names one (migrated here; its estates `bench` and `bench-phases` are replaced).

Lines: `residents: rows=N seconds=S rate=R/s` (end to end), `phases: …`, `raw insert: …` and last
`import/raw-insert ratio: X.XX` (how many times longer the whole import takes than the bare INSERTs).
"""

import argparse
import csv
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchkit  # noqa: E402 - bench/ on the path first
from tortoise import Tortoise  # noqa: E402

from backend.db import migrate, sqlite_path, tortoise_config  # noqa: E402
from backend.domain.contact import regions_for  # noqa: E402
from backend.domain.residents import ResidentRow, check_rows, read_header  # noqa: E402
from backend.models import Estate  # noqa: E402
from backend.resident_files import read_table  # noqa: E402
from backend.services.residents import import_residents  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华红梅建国志强文博子涵雨欣浩然思远嘉怡"
MOBILE_PREFIXES = (
    "138",
    "139",
    "135",
    "136",
    "137",
    "150",
    "151",
    "158",
    "159",
    "186",
    "188",
    "177",
    "189",
)
ROLES = ("业主", "owner", "租户", "tenant", "商户", "租客", "业主", "业主")


def generate_csv(path: Path, n_rows: int, seed: int) -> None:
    """n_rows distinct residents: about 2.5 per unit, buildings 1–60, 30 floors, 8 flats a floor."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["building", "unit", "name", "phone", "role"])
        unit_index = 0
        written = 0
        while written < n_rows:
            building = 1 + unit_index // 240 % 60
            floor = 1 + unit_index // 8 % 30
            unit = f"{floor}{1 + unit_index % 8:02d}"
            if unit_index >= 60 * 240:
                unit = f"{unit}-{unit_index // (60 * 240)}"  # more units than a 60-building estate
            for person in range(min(rng.choice((1, 2, 3, 3, 4)), n_rows - written)):
                name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
                name = f"{name}{person}" if person else name
                phone = (
                    f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
                    if rng.random() < 0.85
                    else ""
                )
                writer.writerow([f"{building}栋", unit, name, phone, rng.choice(ROLES)])
                written += 1
            unit_index += 1


async def prepare(url: str, codes: tuple[str, ...]) -> dict[str, int]:
    """A migrated database with fresh estates `codes`; their ids."""
    await migrate(url)
    await Tortoise.init(config=tortoise_config(url))
    try:
        ids = {}
        for code in codes:
            await Estate.filter(code=code).delete()
            now = benchkit.START
            estate = await Estate.create(code=code, name=code, created_at=now, updated_at=now)
            ids[code] = estate.id
        return ids
    finally:
        await Tortoise.close_connections()


def import_end_to_end(csv_path: Path, url: str, code: str) -> float:
    """Seconds of `qingchu residents import` as an operator runs it."""
    script = Path(sys.executable).with_name("qingchu")
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    started = time.perf_counter()
    done = subprocess.run(
        [str(script), "residents", "import", str(csv_path), "--estate", code],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        first_lines = "\n".join(done.stdout.splitlines()[:10])
        raise SystemExit(
            f"qingchu residents import failed ({done.returncode}):\n{first_lines}\n{done.stderr}"
        )
    print(f"  {done.stdout.strip()}")
    return seconds


async def import_in_phases(
    csv_path: Path, url: str, estate_id: int
) -> tuple[float, float, list[ResidentRow]]:
    """(read + check seconds, database seconds, the checked rows) of the same import in this process."""
    started = time.perf_counter()
    data = csv_path.read_bytes()  # noqa: ASYNC240 - timed on purpose: reading is part of an import
    header, table = read_table(data, csv_path.name)
    columns, _ = read_header(header)
    rows, problems = check_rows(table, columns, regions_for("zh_CN", "CN"))
    checked = time.perf_counter()
    if problems.total:
        raise SystemExit(f"the generated file has {problems.total} problems, e.g. {problems[0]}")
    await Tortoise.init(config=tortoise_config(url))
    try:
        written_at = time.perf_counter()
        result = await import_residents(estate_id, rows, benchkit.START)
        written = time.perf_counter() - written_at
    finally:
        await Tortoise.close_connections()
    assert result.added == len(rows), result
    return checked - started, written, rows


def raw_insert(path: Path, estate_id: int, rows: list[ResidentRow]) -> float:
    """Seconds of a bare sqlite3 executemany of `rows` into the resident table, in one transaction."""
    stamp = benchkit.START.isoformat()
    values = [
        (estate_id, row.building, row.unit, row.name, row.phone, row.role.value, stamp, stamp)
        for row in rows
    ]
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        started = time.perf_counter()
        connection.execute("BEGIN")
        connection.executemany(
            'INSERT INTO "resident" ("estate_id", "building", "unit", "name", "phone", "role", '
            '"created_at", "updated_at") VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
            values,
        )
        connection.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        connection.close()


async def main() -> int:
    args = _parser().parse_args()
    watch = benchkit.Stopwatch()
    benchkit.header("residents import", f"{args.rows} rows")
    folder = Path(tempfile.mkdtemp(prefix="qingchu-bench-residents-"))
    try:
        csv_path = folder / "residents.csv"
        generate_csv(csv_path, args.rows, args.seed)
        print(f"  generated {csv_path.stat().st_size / 1024 / 1024:.1f} MB of CSV")
        url = args.database_url or f"sqlite://{folder / 'import.sqlite3'}"
        ids = await prepare(url, ("bench", "bench-phases"))

        seconds = import_end_to_end(csv_path, url, "bench")
        print(
            f"residents: rows={args.rows} seconds={seconds:.1f} rate={args.rows / seconds:,.0f}/s"
        )

        check_seconds, write_seconds, rows = await import_in_phases(
            csv_path, url, ids["bench-phases"]
        )
        print(f"phases: read+check={check_seconds:.2f} s database={write_seconds:.2f} s")

        if sqlite_path(url) is None:
            print("raw insert: n/a (the bare sqlite3 baseline needs SQLite)")
            print("import/raw-insert ratio: n/a")
            return 0
        raw_url = f"sqlite://{folder / 'raw.sqlite3'}"
        raw_ids = await prepare(raw_url, ("bench",))
        raw_seconds = raw_insert(folder / "raw.sqlite3", raw_ids["bench"], rows)
        print(
            f"raw insert: rows={len(rows)} seconds={raw_seconds:.1f} rate={len(rows) / raw_seconds:,.0f}/s"
        )
        print(watch.finished())
        print(f"import/raw-insert ratio: {seconds / raw_seconds:.2f}")
        return 0
    finally:
        if args.keep:
            print(f"  (kept {folder})")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rows", type=int, default=200_000, help="residents in the file (default 200 000)"
    )
    parser.add_argument("--seed", type=int, default=2026, help="random seed of the generated file")
    parser.add_argument(
        "--database-url",
        help="database to import into (default: a fresh SQLite file); estates bench and bench-phases "
        "on it are replaced",
    )
    parser.add_argument("--keep", action="store_true", help="keep the CSV and the SQLite files")
    return parser


if __name__ == "__main__":
    benchkit.run_main(main)
