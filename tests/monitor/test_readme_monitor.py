"""The README's `jixiao monitor` commands run as written on the bundled monitoring sample
(as of 31 July, DOMAIN §4), and its slow spenders come out red."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from jixiao.cli.main import main
from jixiao.examples.monitoring import SLOW_DEPARTMENTS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text("utf-8")
SAMPLE_README = (ROOT / "examples" / "monitoring-2025-07" / "README.md").read_text("utf-8")
COMMANDS = [
    line.split("#")[0].strip()
    for block in re.findall(r"```sh\n(.*?)```", README, re.DOTALL)
    for line in block.splitlines()
    if line.startswith("jixiao monitor")
]


def test_the_readme_shows_monitor() -> None:
    assert len(COMMANDS) >= 2


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_monitor_command_runs(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    args = shlex.split(command)[1:]
    args[args.index("-o") + 1] = str(tmp_path / "out")
    result = CliRunner().invoke(main, [*args, "-q", "-f", "parquet"])
    assert result.exit_code == 0, result.output
    projects = pl.read_parquet(tmp_path / "out" / "monitor_projects.parquet")
    assert projects.height == 300
    assert (projects["budget_light"] == "red").sum() >= 20
    for light in ("red", "yellow", "green", "grey"):
        assert (projects["light"] == light).sum() > 0, light
    # realistic mid-year data: most projects green or yellow, a minority red
    red_share = (projects["light"] == "red").mean()
    assert red_share is not None and 0.15 <= red_share <= 0.30, red_share
    # the slow spenders are concentrated in the works and procurement departments
    slow = pl.col("department").is_in(list(SLOW_DEPARTMENTS))
    red = (pl.col("budget_light") == "red").mean()
    shares = dict(projects.group_by(slow.alias("slow")).agg(red).iter_rows())
    assert shares[True] > 2 * shares[False], shares
    # the sample's README states what monitor gives, per ruleset
    ruleset = args[args.index("-r") + 1] if "-r" in args else "project-self-eval"
    counts = projects.get_column("light").value_counts()
    row = f"| {ruleset} | " + " | ".join(
        str(dict(counts.iter_rows()).get(light, 0)) for light in ("red", "yellow", "green", "grey")
    )
    assert row + " |" in SAMPLE_README, row
    actions = pl.read_parquet(tmp_path / "out" / "monitor_actions.parquet")
    at_risk = actions["budget_at_risk"].drop_nulls().to_list()
    assert at_risk == sorted(at_risk, reverse=True)


def test_the_generator_reproduces_the_bundled_files(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(ROOT / "examples"))
    try:
        from jixiao.examples.monitoring import main as generate
    finally:
        sys.path.remove(str(ROOT / "examples"))
    assert generate(["--out", str(tmp_path)]) == 0
    bundled = ROOT / "examples" / "monitoring-2025-07"
    for name in ("monitoring.csv", "README.md"):
        assert (tmp_path / name).read_bytes() == (bundled / name).read_bytes(), name
