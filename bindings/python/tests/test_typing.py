"""The package's types hold: stubtest agrees with the native module, and the examples pass
`mypy --strict` against the generated classes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]

pytest.importorskip("mypy")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, cwd=HERE, timeout=600)


def test_stubtest_passes() -> None:
    done = run(
        "mypy.stubtest",
        "concierge",
        "--mypy-config-file",
        str(HERE / "stubtest-mypy.ini"),
        "--allowlist",
        str(HERE / "stubtest-allowlist.txt"),
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_the_examples_pass_mypy_strict() -> None:
    done = run("mypy", "--strict", "--no-incremental", str(ROOT / "examples" / "python"))
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
