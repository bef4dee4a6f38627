"""The thin CLI over rulesets: exit codes and messages (0 ok, 1 domain error, 2 usage)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from jixiao.cli.main import main

BAD = Path(__file__).resolve().parents[1] / "rulesets" / "bad"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_validate_builtins_exits_0() -> None:
    code, out = run("validate")
    assert code == 0, out
    assert "ok    ruleset   project-self-eval" in out


def test_validate_bad_file_prints_position_and_exits_1() -> None:
    code, out = run("validate", str(BAD / "unknown_key.yaml"))
    assert code == 1
    assert "unknown_key.yaml:4:1: wieghts: unknown key 'wieghts' — did you mean 'weights'?" in out
    assert "Traceback" not in out


def test_validate_directory_reports_every_bad_file() -> None:
    code, out = run("validate", "-q", str(BAD))
    assert code == 1
    n = len(list(BAD.glob("*.yaml")))
    assert f"{n} of {n} files have problems" in out


def test_validate_empty_directory_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a ruleset")
    code, out = run("validate", str(tmp_path))
    assert code == 1
    assert f"no ruleset or catalogue files in {tmp_path}" in out


def test_unknown_ruleset_id_suggests_the_closest() -> None:
    code, out = run("validate", "project-self-evl")
    assert code == 1
    assert "no ruleset 'project-self-evl'" in out and "did you mean 'project-self-eval'?" in out


def test_show_prints_the_effective_ruleset() -> None:
    code, out = run("validate", "--show", "sichuan-10-90")
    assert code == 0
    assert "points_distribution: free" in out and "output: 50.0" in out


def test_rulesets_lists_builtins() -> None:
    code, out = run("rulesets")
    assert code == 0
    assert "project-self-eval" in out and "sichuan-10-90" in out


def test_schema_writes_file(tmp_path: Path) -> None:
    code, _ = run("schema", "catalogue", "--out", str(tmp_path / "c.json"))
    assert code == 0 and '"levels"' in (tmp_path / "c.json").read_text("utf-8")


def test_usage_error_exits_2() -> None:
    code, _ = run("schema", "nonsense")
    assert code == 2


def test_cli_reference_is_in_sync() -> None:
    from jixiao.cli.reference import reference

    committed = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text("utf-8")
    assert committed == reference(), "run: python -m jixiao.cli.reference > docs/cli.md"
