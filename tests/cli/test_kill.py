"""A run is a unit (issue 8, item 7): `jixiao score` killed with SIGKILL at any point while
writing leaves the previous complete set of outputs (or nothing), never a mix of two
runs, and the next run leaves no stray temporary file.

Two mid-size inputs (A and B, 800 generated projects each, ~8k indicator rows) give
different outputs. Run A completes; then run B is started again and again and killed
after a growing delay measured from the moment its staging folder appears (that is,
while it writes). After every kill, `out/` must be exactly run A's set or exactly run
B's: the manifest lists every file in the folder and nothing else, and each file's
sha256 is the one the manifest records.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jixiao.examples.generate import generate

FORMATS = ["-f", "csv", "-f", "parquet", "-f", "xlsx"]
KILL_AT = [0.0, 0.05, 0.2, 0.4, 0.6, 0.8, 0.9, 0.97, 1.3]
"""Fractions of the time a run takes from its staging folder's appearance to its end:
spread over the writing of every file, the manifest and the swap."""


def _inputs(folder: Path, seed: int) -> list[str]:
    projects, indicators = generate(800, seed)
    folder.mkdir()
    projects.write_csv(folder / "projects.csv")
    indicators.write_csv(folder / "indicators.csv")
    return [str(folder / "projects.csv"), str(folder / "indicators.csv")]


def _start(inputs: list[str], out: Path, options: tuple[str, ...] = ()) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "jixiao.cli", "score", "-q", *(options or FORMATS)]
    argv += ["-o", str(out), *inputs]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _which_run(out: Path, runs: dict[str, str]) -> str:
    """'A' or 'B' (by the inputs' hashes in the manifest); asserts the set is whole."""
    names = sorted(p.name for p in out.iterdir())
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert names == sorted(manifest["outputs"]), (names, manifest["outputs"])
    for name, digest in manifest["output_sha256"].items():
        assert _sha(out / name) == digest, f"{name} is not the file the manifest describes"
    inputs = manifest["inputs"][0]["sha256"]
    assert inputs in runs, "the manifest names inputs of neither run"
    return runs[inputs]


def _strays(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}"))


def _wait_for_staging(out: Path, proc: subprocess.Popen[bytes], limit: float = 120) -> bool:
    """True once a staging (or spill) folder of this run exists (False if it ended first)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if any(".jixiao-staging-" in n or ".jixiao-spill-" in n for n in _strays(out)):
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.005)
    raise AssertionError("the run never started writing")


STREAMING = ("--engine", "streaming", "-f", "csv", "-f", "parquet")
"""Spills the scored rows beside --out and sinks them from there."""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
@pytest.mark.parametrize(
    ("options", "kill_at"),
    [((), KILL_AT), (STREAMING, [0.0, 0.3, 0.7, 0.95])],
    ids=["in-memory-all-formats", "streaming-spill"],
)
def test_sigkill_while_writing_never_leaves_a_mix(
    tmp_path: Path, options: tuple[str, ...], kill_at: list[float]
) -> None:
    a = _inputs(tmp_path / "a", seed=1)
    b = _inputs(tmp_path / "b", seed=2)
    runs = {_sha(Path(a[0])): "A", _sha(Path(b[0])): "B"}
    out = tmp_path / "out"
    first = _start(a, out, options)
    assert first.wait(timeout=300) == 0, first.communicate()
    assert _which_run(out, runs) == "A"
    timing = _start(b, out, options)
    assert _wait_for_staging(out, timing)
    began = time.monotonic()
    assert timing.wait(timeout=300) == 0, timing.communicate()
    writing = time.monotonic() - began
    again = _start(a, out, options)
    assert again.wait(timeout=300) == 0, again.communicate()
    seen = []
    for fraction in kill_at:
        proc = _start(b, out, options)
        if _wait_for_staging(out, proc):
            time.sleep(fraction * writing)
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=300)
        seen.append(_which_run(out, runs))  # a whole set: A's or B's, never a mix
        if seen[-1] == "B":  # back to A, so that every kill can show a mix
            again = _start(a, out, options)
            assert again.wait(timeout=300) == 0, again.communicate()
    assert "A" in seen, seen  # at least one kill landed while B was writing
    last = _start(b, out, options)
    assert last.wait(timeout=300) == 0, last.communicate()
    assert _which_run(out, runs) == "B"
    assert _strays(out) == [], "a killed run's staging folder survived the next run"


def test_a_killed_runs_staging_folder_is_removed_by_the_next_run(tmp_path: Path) -> None:
    """A staging folder left by a killed run (no process holds its lock) goes; the
    output folder holds only the new run's files."""
    a = _inputs(tmp_path / "a", seed=3)
    out = tmp_path / "out"
    stray = tmp_path / ".out.jixiao-staging-deadbeef"
    stray.mkdir()
    (stray / "project_scores.csv").write_text("half a file")
    (tmp_path / ".out.jixiao-old-cafebabe").mkdir()
    proc = _start(a, out)
    assert proc.wait(timeout=300) == 0, proc.communicate()
    assert _strays(out) == []
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert sorted(p.name for p in out.iterdir()) == sorted(manifest["outputs"])


def test_sigterm_while_writing_cleans_up_at_once(tmp_path: Path) -> None:
    """SIGTERM (a service stop, `timeout`) unwinds like Ctrl-C: exit 143, the previous
    set whole, and the staging folder gone without waiting for the next run."""
    a = _inputs(tmp_path / "a", seed=4)
    b = _inputs(tmp_path / "b", seed=5)
    runs = {_sha(Path(a[0])): "A", _sha(Path(b[0])): "B"}
    out = tmp_path / "out"
    assert _start(a, out).wait(timeout=300) == 0
    proc = _start(b, out)
    assert _wait_for_staging(out, proc)
    time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=300)
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    assert "Traceback" not in stderr, stderr
    assert _which_run(out, runs) == ("A" if code == 143 else "B"), code
    assert _strays(out) == []
