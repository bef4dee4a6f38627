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


def _examples() -> list[str]:
    """The `jixiao …` lines of the README's examples block (the sh block after the first)."""
    readme = (ROOT / "README.md").read_text("utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", readme, re.DOTALL)
    examples = next(b for b in blocks[1:] if "jixiao whatif" in b)
    return [
        line.split("  #")[0].strip() for line in examples.splitlines() if line.startswith("jixiao")
    ]


def test_readme_examples_run_on_the_sample(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every example line whose inputs are the bundled examples runs as written (in order:
    `report monitor-out/` reads what `monitor` wrote) and exits 0; lines naming the
    reader's own files (`projects.csv`, `data/*.parquet`) are left out, and the test
    insists that compare, whatif, a sweep and report are among those run."""
    import glob
    import shlex

    from click.testing import CliRunner

    from jixiao.cli.main import main

    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    ran = []
    for line in _examples():
        args: list[str] = []
        for word in shlex.split(line)[1:]:
            args += sorted(glob.glob(word)) or [word] if "*" in word else [word]
        outputs = {args[i + 1] for i, a in enumerate(args[:-1]) if a in {"-o", "--out"}}
        inputs = [a for a in args if a.endswith((".csv", ".xlsx", ".parquet")) and a not in outputs]
        if any(not Path(a).exists() for a in inputs):
            assert not any(a.startswith("examples/") for a in inputs if not Path(a).exists()), line
            continue  # the reader's own files
        result = CliRunner().invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 0, f"{line}\n{result.output}"
        ran.append(args[0])
    for command in ("score", "compare", "whatif", "report", "monitor", "reevaluate"):
        assert command in ran, f"the README's examples must run {command} on the sample"
    assert any("--sweep" in line for line in _examples())
    assert (tmp_path / "sweep-out" / "report.html").is_file()
    assert (tmp_path / "compare-out" / "report.html").is_file()
