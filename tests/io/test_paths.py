"""Inputs that are not readable regular files are refused in one line, without waiting
(issue 8, item 6): a FIFO, a device, a folder, a broken link, an unreadable file."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from jixiao.scoring.errors import InputError
from jixiao.scoring.io.paths import check_input, unusable


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "projects.csv"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(InputError, match=r"projects\.csv: is a pipe \(FIFO\), not a regular"):
        check_input(fifo, "projects.csv")
    assert time.monotonic() - started < 1


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_a_device_is_refused(device: str) -> None:
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    with pytest.raises(InputError, match=rf"{device}: is a character device"):
        check_input(Path(device), device)


def test_a_folder_missing_file_and_broken_link(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a folder, not a file"):
        check_input(tmp_path, str(tmp_path))
    with pytest.raises(InputError, match=r"nope\.csv: no such file"):
        check_input(tmp_path / "nope.csv", "nope.csv")
    (tmp_path / "link.csv").symlink_to(tmp_path / "gone.csv")
    with pytest.raises(InputError, match=r"is a broken link \(to .*gone\.csv\)"):
        check_input(tmp_path / "link.csv", "link.csv")
    (tmp_path / "f").write_text("x")
    assert "f is a file, not a folder" in (unusable(tmp_path / "f" / "x.csv") or "")


def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    """Without read permission (as root, which may read anything: a file whose read
    fails with EIO, /proc/self/mem at offset 0)."""
    if os.geteuid() == 0:
        target = tmp_path / "x.csv"
        target.symlink_to("/proc/self/mem")
        expected = "cannot be read: input/output error"
    else:
        target = tmp_path / "x.csv"
        target.write_text("a,b\n")
        target.chmod(0)
        expected = "cannot be read: permission denied"
    with pytest.raises(InputError, match=expected):
        check_input(target, "x.csv")


def test_a_readable_file_passes(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("a,b\n")
    check_input(tmp_path / "x.csv", "x.csv")
    (tmp_path / "empty.csv").write_text("")
    check_input(tmp_path / "empty.csv", "empty.csv")  # empty is the reader's to say
