"""ruff (configured in pyproject.toml) passes over the package, the tests and the benchmarks: lint and format.

ruff is a development dependency (the ``dev`` extra, requirements.lock); without it this test fails,
it is never skipped.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TARGETS = ["lib", "tests", "benchmarks"]


def ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ruff", *args], cwd=REPO, capture_output=True, text=True, timeout=120)


def test_ruff_is_installed():
    done = ruff("--version")
    assert done.returncode == 0, (
        f"ruff is not installed in this environment ({sys.executable}): install the dev extra\n{done.stderr}"
    )


@pytest.mark.parametrize(
    "command", [["check", "--no-cache"], ["format", "--check", "--no-cache"]], ids=["check", "format"]
)
def test_ruff_passes(command):
    done = ruff(*command, *TARGETS)
    assert done.returncode == 0, f"ruff {' '.join(command)} {' '.join(TARGETS)} failed:\n{done.stdout}{done.stderr}"


def test_notebooks_use_no_undefined_name():
    """The notebooks' code cells as one program per notebook: every name they use is imported or assigned."""
    done = ruff("check", "--isolated", "--no-cache", "--select", "F821", "notebooks")
    assert done.returncode == 0, f"ruff check --select F821 notebooks failed:\n{done.stdout}{done.stderr}"
