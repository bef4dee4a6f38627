"""`jixiao tune` on the command line: a port in use, missing extras, Ctrl-C, the host
check; and the session's caches (row-level sums, parsed ruleset files)."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from jixiao.cli.main import main
from jixiao.scoring import api
from jixiao.scoring.rules import yamlsource
from jixiao.scoring.tune import serve
from jixiao.scoring.tune.session import budget_cap, row_key, with_cap

from .conftest import SAMPLE


def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            main, ["tune", "--no-browser", "--port", str(port), "-o", str(tmp_path), str(SAMPLE)]
        )
    assert result.exit_code == 1
    assert f"port {port} on 127.0.0.1 is in use" in result.output
    assert "Traceback" not in result.output


def test_without_the_extra_it_says_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    result = CliRunner().invoke(main, ["tune", "--no-browser", str(SAMPLE)])
    assert result.exit_code == 1
    assert "pip install 'jixiao[tune]'" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_only_loopback_is_quiet() -> None:
    assert serve.is_loopback("127.0.0.1") and serve.is_loopback("localhost")
    assert serve.is_loopback("::1")
    assert not serve.is_loopback("0.0.0.0") and not serve.is_loopback("192.168.1.5")


ROOT = Path(__file__).resolve().parents[2]


def readme_tune_line() -> list[str]:
    """The README's `jixiao tune …` example (its own sh block: it serves until Ctrl-C)."""
    readme = (ROOT / "README.md").read_text("utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", readme, re.DOTALL)
    [line] = [ln for b in blocks for ln in b.splitlines() if ln.startswith("jixiao tune ")]
    return shlex.split(line.split("  #")[0])


def test_the_readme_line_serves_the_page_and_ctrl_c_stops_it(tmp_path: Path) -> None:
    """The README's example as written (plus --no-browser --port 0), run from a folder
    holding the examples: it prints the URL with its token, the page answers with it and
    403 without, and Ctrl-C ends it with exit 0 and no traceback."""
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    args = readme_tune_line()
    jixiao = Path(sys.executable).with_name("jixiao")
    process = subprocess.Popen(
        [str(jixiao), *args[1:], "--no-browser", "--port", "0"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 120
        line = ""
        while "open http" not in line and time.monotonic() < deadline:
            line = process.stdout.readline()
        url = line.split("open ", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:") and "?token=" in url
        origin, token = url.split("/?token=")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(origin + "/api/controls", timeout=30)
        assert refused.value.code == 403
        request = urllib.request.Request(
            origin + "/api/controls", headers={"X-Jixiao-Token": token}
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert json.loads(answer.read())["projects"] == 300
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "Traceback" not in err and "Traceback" not in out
    assert "stopped" in err + out
    assert not (tmp_path / "variants").exists(), "nothing is written until a save"


def test_the_row_key_separates_row_changes_from_roll_up_changes() -> None:
    base = api.load_ruleset()
    band = api.variant(api.DEFAULT_RULESET, ["grades.优.min=85"]).plan
    cap = api.variant(
        api.DEFAULT_RULESET, ['budget_execution.score="clip(rate, 0, 1.2) * points"']
    ).plan
    weight = api.variant(api.DEFAULT_RULESET, ["weights.output=40", "weights.benefit=40"]).plan
    tier = api.variant(api.DEFAULT_RULESET, ["rules.qualitative.tiers.达成.default=0.9"]).plan
    param = api.variant(api.DEFAULT_RULESET, ["params.over_achievement=1.5"]).plan
    assert band and cap and weight and tier and param
    assert row_key(base) == row_key(api.load_ruleset()) == row_key(band) == row_key(cap)
    assert len({row_key(base), row_key(weight), row_key(tier), row_key(param)}) == 4


def test_budget_cap() -> None:
    assert budget_cap("clip(rate, 0, 1) * points") == 1.0
    assert budget_cap("clip( rate ,0, 1.25) * points") == 1.25
    assert budget_cap("rate * points") is None
    assert with_cap("clip(rate, 0, 1) * points", 1.2) == "clip(rate, 0, 1.2) * points"


def test_parsed_files_are_reused_and_edits_are_read(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("extends: project-self-eval\nid: a\n", "utf-8")
    first = yamlsource.read_document(path)
    first.data["id"] = "changed by a caller"
    again = yamlsource.read_document(path)
    assert again.data["id"] == "a", "a caller's change never reaches the next reader"
    path.write_text("extends: project-self-eval\nid: b\n", "utf-8")  # same size, same second
    assert yamlsource.read_document(path).data["id"] == "b"
