"""The Python examples under examples/python run as written."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[3] / "examples" / "python").glob("*.py"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_the_example_runs(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(path), run_name="__main__")

    assert capsys.readouterr().out


def test_the_foreign_adapter_benchmark_runs_on_a_small_portfolio(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # Its figures are for the closing note; here it only has to keep working.
    bench = Path(__file__).resolve().parents[1] / "benches" / "foreign_pms.py"
    monkeypatch.setenv("BENCH_RESIDENTS", "200")
    runpy.run_path(str(bench), run_name="__main__")
    out = capsys.readouterr().out
    assert "full sync of 200 residents" in out and "Python adapter" in out
