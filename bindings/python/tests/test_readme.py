"""Every Python snippet of this README (and the Python quick start of the repository's README)
runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
TOP_README = Path(__file__).resolve().parents[3] / "README.md"


def snippets(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S)


SNIPPETS = [(README, s) for s in snippets(README)] + [(TOP_README, s) for s in snippets(TOP_README)]


def test_the_readme_has_a_quick_start_of_at_most_ten_lines() -> None:
    own = snippets(README)
    assert len(own) >= 3
    quick_start = [line for line in own[0].splitlines() if line.strip()]
    assert len(quick_start) <= 10


def test_the_repository_readme_has_a_python_quick_start() -> None:
    assert len(snippets(TOP_README)) >= 1


@pytest.mark.parametrize(
    ("path", "snippet"),
    SNIPPETS,
    ids=[f"{p.parent.name if p == README else 'top'}-snippet-{i}" for i, (p, _) in enumerate(SNIPPETS)],
)
def test_the_readme_snippet_runs(path: Path, snippet: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The snippets that keep state write their files in the current directory.
    monkeypatch.chdir(tmp_path)
    exec(compile(snippet, str(path), "exec"), {"__name__": "readme"})
