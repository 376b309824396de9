"""The code base stays ruff-clean, ruff-formatted and mypy-clean: run as part of the suite so CI catches it."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("backend", "bot", "nlp", "scheduler")


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


def test_mypy_is_clean():
    """The whole project type-checks under ``[tool.mypy]`` in pyproject.toml, whose overrides hold
    ``backend/domain`` and ``nlp`` to --strict."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            *PACKAGES,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
