"""A run's folder is one unit (issue 8, item 7): staged beside --out, swapped in whole,
refused when --out holds what jixiao did not write, leftovers of killed runs removed."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import jixiao.scoring.io.staging as staging
from jixiao.scoring.errors import OutputError
from jixiao.scoring.io.staging import locked_dir, staged, sweep

OURS = ["a.csv", "b.csv", "manifest.json"]


def _run(out: Path, files: dict[str, str]) -> None:
    """A run; like every real one it writes a manifest (an empty one unless given)."""
    with staged(out, OURS) as folder:
        for name, text in {"manifest.json": "{}", **files}.items():
            (folder / name).write_text(text)


def _listing(folder: Path) -> dict[str, str]:
    """The files, without an empty manifest (the one `_run` adds)."""
    files = {p.name: p.read_text() for p in sorted(folder.iterdir())}
    return {n: t for n, t in files.items() if (n, t) != ("manifest.json", "{}")}


def test_a_run_replaces_the_previous_set_whole(tmp_path: Path) -> None:
    """A file the new run does not write (the old run's b.csv) does not survive beside
    the new set: no mix of runs."""
    out = tmp_path / "out"
    _run(out, {"a.csv": "1", "b.csv": "1", "manifest.json": '{"outputs": ["a.csv", "b.csv"]}'})
    _run(out, {"a.csv": "2", "manifest.json": '{"outputs": ["a.csv"]}'})
    assert _listing(out) == {"a.csv": "2", "manifest.json": '{"outputs": ["a.csv"]}'}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("exchange", [True, False])
def test_a_failure_while_writing_leaves_the_previous_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool
) -> None:
    if not exchange:
        monkeypatch.setattr(staging, "_exchange", lambda a, b: False)  # two renames
    out = tmp_path / "out"
    _run(out, {"a.csv": "1"})
    full = r"out/b\.csv: no space left on the disk; .*left as it"
    with pytest.raises(OutputError, match=full), staged(out, OURS) as folder:
        (folder / "a.csv").write_text("2")
        raise OSError(28, "No space left on device", str(folder / "b.csv"))
    assert _listing(out) == {"a.csv": "1"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    _run(out, {"a.csv": "3"})
    assert _listing(out) == {"a.csv": "3"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda out: (out / "notes.txt").write_text("mine"),
            r"notes\.txt: is a file jixiao did not",
        ),
        (lambda out: (out / "a.csv").mkdir(), r"a\.csv: is a folder named like an output"),
        (lambda out: (out / "sub").mkdir(), r"sub: is a folder; a run replaces the whole"),
        (
            lambda out: (out / "a.csv").write_text("mine"),
            r"a\.csv: is a file jixiao did not write",
        ),
    ],
)
def test_what_jixiao_did_not_write_is_refused_not_deleted(
    tmp_path: Path, make: object, message: str
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    make(out)  # type: ignore[operator]
    before = sorted(os.listdir(out))
    with pytest.raises(OutputError, match=message):
        _run(out, {"a.csv": "1"})
    assert sorted(os.listdir(out)) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_files_the_previous_manifest_lists_are_ours(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "flags.csv").write_text("x")  # a table a newer version wrote
    (out / "manifest.json").write_text('{"outputs": ["flags.csv", "manifest.json"]}')
    (out / ".projects.csv.0a1b2c3d.tmp").write_text("an old version's temp file")
    _run(out, {"a.csv": "1"})
    assert _listing(out) == {"a.csv": "1"}


def test_out_that_is_a_file_or_under_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError, match=r"f: is a file, not a folder"):
        _run(tmp_path / "f", {})
    with pytest.raises(OutputError, match=r"f is a file, not a folder; nothing was written"):
        _run(tmp_path / "f" / "out", {})
    assert (tmp_path / "f").read_text() == "x"


def test_the_current_folder_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputError, match="current folder"):
        _run(Path("."), {})


def test_new_folder_gets_the_umask_and_an_old_one_keeps_its_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        _run(tmp_path / "new", {"a.csv": "1"})
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o750
    os.chmod(tmp_path / "new", 0o711)
    _run(tmp_path / "new", {"a.csv": "2"})
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o711


def test_sweep_removes_leftovers_but_not_a_live_runs_folder(tmp_path: Path) -> None:
    (tmp_path / ".out.jixiao-staging-00000000").mkdir()
    (tmp_path / ".out.jixiao-old-00000000").mkdir()
    (tmp_path / ".outer.jixiao-staging-00000000").mkdir()  # another folder's: kept
    (tmp_path / "jixiao-out").mkdir()  # the user's: kept
    with locked_dir(tmp_path, ".out.jixiao-spill-live") as live:
        removed = sweep(tmp_path, ".out.jixiao-")
        assert live.exists()
    assert sorted(p.name for p in removed) == [
        ".out.jixiao-old-00000000",
        ".out.jixiao-staging-00000000",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".out.jixiao-spill-live",
        ".outer.jixiao-staging-00000000",
        "jixiao-out",
    ]


def test_a_symlinked_out_is_replaced_at_its_target(tmp_path: Path) -> None:
    real = tmp_path / "real"
    _run(real, {"a.csv": "1"})
    (tmp_path / "link").symlink_to(real)
    _run(tmp_path / "link", {"a.csv": "2"})
    assert (tmp_path / "link").is_symlink() and _listing(real) == {"a.csv": "2"}


def test_an_out_name_near_the_length_limit_leaves_room_for_staging(tmp_path: Path) -> None:
    out = tmp_path / ("长" * 80)  # 240 bytes of UTF-8: the staging suffix must not overflow
    _run(out, {"a.csv": "1"})
    _run(out, {"a.csv": "2"})
    assert _listing(out) == {"a.csv": "2"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


def test_a_failed_second_rename_puts_the_previous_set_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without an atomic exchange the swap is two renames; if the second fails, the
    previous set goes back to its place rather than into a folder the next run sweeps."""
    out = tmp_path / "out"
    _run(out, {"a.csv": "1"})
    monkeypatch.setattr(staging, "_exchange", lambda a, b: False)
    real_rename = os.rename

    def rename(src: object, dst: object) -> None:
        if ".jixiao-staging-" in str(src) and not str(src).endswith(".new"):
            raise OSError(28, "No space left on device", str(dst))
        real_rename(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(staging.os, "rename", rename)
    with pytest.raises(OutputError, match="left as it was"):
        _run(out, {"a.csv": "2"})
    assert _listing(out) == {"a.csv": "1"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_folder_being_created_is_not_swept(tmp_path: Path) -> None:
    """Between mkdir and flock a new folder is unlocked: it is made as `….new` and a
    young `.new` is left alone (an old one is a leftover)."""
    young = tmp_path / ".out.jixiao-staging-11111111.new"
    old = tmp_path / ".out.jixiao-staging-22222222.new"
    young.mkdir()
    old.mkdir()
    os.utime(old, (0, 0))
    removed = sweep(tmp_path, ".out.jixiao-")
    assert [p.name for p in removed] == [old.name]
    assert young.exists()
    with locked_dir(tmp_path, ".out.jixiao-staging-33333333") as made:
        assert made.name == ".out.jixiao-staging-33333333" and made.is_dir()
        assert not (tmp_path / ".out.jixiao-staging-33333333.new").exists()


def test_a_file_named_like_an_output_beside_no_manifest_is_the_users(tmp_path: Path) -> None:
    """No manifest.json: no run wrote the folder, so its a.csv is not replaced unseen;
    beside a manifest, the same name is a previous run's output and is replaced."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.csv").write_text("mine")
    with pytest.raises(OutputError, match=r"a\.csv: is a file jixiao did not write"):
        _run(out, {"a.csv": "1"})
    assert _listing(out) == {"a.csv": "mine"}
    (out / "manifest.json").write_text('{"outputs": ["a.csv", "manifest.json"]}')
    _run(out, {"a.csv": "1"})
    assert _listing(out) == {"a.csv": "1"}
