"""`jixiao --help` starts without the engine (cli/lazy.py), and the constants the option
declarations read before the engine is imported are the engine's own."""

from __future__ import annotations

import json
import subprocess
import sys

from jixiao.cli.lazy import LIGHT
from jixiao.scoring import api

HEAVY = ("jixiao.scoring.api", "polars", "rich", "pydantic", "xlsxwriter", "altair", "simpleeval")

PROBE = """
import json, sys
from jixiao.cli.main import main
try:
    main(sys.argv[1:], prog_name="jixiao")
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def _loaded(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True
    )
    assert "Usage: jixiao" in done.stdout
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_light_constants_are_the_engines() -> None:
    for name, value in LIGHT.items():
        real = getattr(api, name)
        if name == "SCHEMA_KINDS":
            assert tuple(sorted(real)) == value
        else:
            assert real == value, name


def test_help_imports_neither_the_engine_nor_rich() -> None:
    for args in (["--help"], ["score", "--help"], ["validate", "--help"], ["tune", "--help"]):
        loaded = _loaded(*args)
        heavy = [m for m in loaded if m.split(".")[0] in HEAVY or m.startswith(HEAVY)]
        assert heavy == [], (args, heavy)


def test_a_command_still_reaches_the_engine(tmp_path) -> None:
    from click.testing import CliRunner

    from jixiao.cli.main import main

    result = CliRunner().invoke(main, ["rulesets"])
    assert result.exit_code == 0, result.output
    assert "project-self-eval" in result.output
