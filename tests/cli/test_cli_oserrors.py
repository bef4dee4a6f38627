"""A full disk and a read-only folder, for real (issue 8, item 6): a small tmpfs mounted for
the test (root only; skipped where mounting is not allowed) or, for read-only, a folder
without write permission when not root. One line naming the path, exit 1, no traceback,
no partial file, and a previous complete set left whole."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GBK = ROOT / "examples" / "gbk-sample"
INPUTS = [str(GBK / "projects.csv"), str(GBK / "indicators.csv")]


def jixiao(*args: str) -> tuple[int, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "jixiao.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output, output
    return proc.returncode, output


def _skip_outside_ci(why: str) -> None:
    """A developer's machine may lack what these need; CI (root, `.ci/run`) must not."""
    if os.environ.get("CI"):
        pytest.fail(f"{why}: CI must run the full-disk and read-only tests")
    pytest.skip(why)


def _mount(target: Path, options: str) -> Iterator[Path]:
    target.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        _skip_outside_ci(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield target
    finally:
        subprocess.run(["umount", str(target)], check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB file system: room for the csv outputs of the GBK sample, not the workbook."""
    if os.geteuid() != 0:
        _skip_outside_ci("mounting needs root (CI runs as root)")
    yield from _mount(tmp_path / "disk", "size=64k")


def _whole(out: Path) -> list[str]:
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(manifest["outputs"])
    return names


def test_a_full_disk_is_one_line_and_keeps_the_previous_set(small_disk: Path) -> None:
    out = small_disk / "out"
    code, output = jixiao("score", "-q", "-f", "csv", "-o", str(out), *INPUTS)
    assert code == 0, output
    before = _whole(out)
    code, output = jixiao("score", "-q", "-f", "csv", "-f", "xlsx", "-o", str(out), *INPUTS)
    assert code == 1
    assert output.startswith("error: cannot write ") and "no space left on the disk" in output
    assert len(output.strip().splitlines()) == 1, output
    assert _whole(out) == before
    assert sorted(p.name for p in small_disk.iterdir()) == ["out"]  # no staging left


def test_a_full_disk_on_the_first_run_leaves_nothing(small_disk: Path) -> None:
    out = small_disk / "out"
    code, output = jixiao("score", "-q", "-f", "xlsx", "-f", "csv", "-o", str(out), *INPUTS)
    assert code == 1 and "no space left on the disk; nothing was written" in output, output
    assert list(small_disk.iterdir()) == []


def test_a_read_only_folder(tmp_path: Path) -> None:
    """Read-only for real: a read-only tmpfs as root, a folder without write permission
    otherwise (root would write through mode bits)."""
    if os.geteuid() == 0:
        gen = _mount(tmp_path / "ro", "ro,size=64k")
        folder = next(gen)
    else:
        gen = None
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o555)
    try:
        code, output = jixiao("score", "-q", "-f", "csv", "-o", str(folder / "out"), *INPUTS)
        assert code == 1, output
        assert "read-only" in output or "permission denied" in output, output
        assert str(folder) in output and len(output.strip().splitlines()) == 1, output
        code, output = jixiao("schema", "--out", str(folder / "ruleset.schema.json"))
        assert code == 1 and str(folder / "ruleset.schema.json") in output, output
        assert list(folder.iterdir()) == []
    finally:
        if gen is not None:
            next(gen, None)
