"""The code base stays ruff-clean and ruff-formatted: run as part of the suite so CI catches it."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _ruff() -> str:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is installed with the test extra"
    return ruff


@pytest.mark.parametrize(
    "args",
    [["check", "--quiet"], ["format", "--check", "--quiet"]],
    ids=["lint", "format"],
)
def test_ruff_is_clean(args):
    result = subprocess.run([_ruff(), *args, str(ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean_on_the_strict_packages():
    """``backend/domain`` and ``nlp`` are held to --strict by the overrides in pyproject.toml."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "backend/domain",
            "nlp",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
