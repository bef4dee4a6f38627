"""The README's Python example runs as written, from the repository root."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_readme_python_example_runs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    (code,) = re.findall(r"```python\n(.*?)```", readme, re.DOTALL)
    monkeypatch.chdir(ROOT)
    code = code.replace('"out/"', repr(str(tmp_path / "out")))
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert (tmp_path / "out" / "project_scores.parquet").exists()


def test_readme_opens_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    first = re.search(r"```(\w+)\n(.*?)```", readme, re.DOTALL)
    assert first is not None and first.group(1) == "sh", "the README opens with the commands"
    install_run, install_test = first.group(2).strip().splitlines()
    assert install_run.endswith("jixiao demo") and install_test.endswith("pytest")
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert install_test in ci.splitlines(), ".ci/run must run the README's test command verbatim"
