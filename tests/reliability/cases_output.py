"""Outputs (issue 8, items 3, 5c, 6, 7): nothing a spreadsheet would run, the user's
permissions, no silent cut in the workbook, every OS error one line naming the path with
exit 1 and no partial file, and a run's folder replaced whole or not at all.

Scores: each project is `project(pid, 100, 90)` with the four met indicators of
corpus.indicators: 90 indicator points + budget 10 × 90% = 99, 优 (DOMAIN §3; grade
bands 优 ≥ 90)."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import zipfile
from pathlib import Path

import polars as pl
from corpus import (
    INDICATOR_HEADER,
    PROJECT_HEADER,
    Case,
    Reject,
    Run,
    indicators,
    project,
    run_cli,
    write_csv,
    write_pair,
)

FORMULAS = {
    "P001": '=HYPERLINK("http://example.com","点我")',
    "P002": "+cmd|' /C calc'!A0",
    "P003": "-2+3+cmd|' /C calc'!A0",
    "P004": "@SUM(1+1)*cmd|' /C calc'!A0",
    "P005": "\t=1+1",
    "P006": "\r=1+1",
    "P007": "  =1+1",
}
LONG = 40_000
"""Characters: more than Excel's 32,767 a cell."""


def _whole_set(out: Path) -> dict[str, object]:
    """The folder holds exactly what its manifest lists, each file with its sha256."""
    manifest: dict[str, object] = json.loads((out / "manifest.json").read_text("utf-8"))
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(manifest["outputs"]), (names, manifest["outputs"])  # type: ignore[arg-type]
    for name, digest in manifest["output_sha256"].items():  # type: ignore[attr-defined]
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name
    return manifest


def _no_strays(folder: Path) -> None:
    strays = [p.name for p in folder.iterdir() if ".jixiao-" in p.name]
    assert strays == [], strays


# --- 3: csv neutralisation, xlsx strings, umask -------------------------------------------


def _formula_names(folder: Path) -> list[str]:
    projects = [project(pid, 100, 90, name=name) for pid, name in FORMULAS.items()]
    rows = [r for pid in FORMULAS for r in indicators(pid)]
    return write_pair(folder, projects, rows)


def _names_neutralised(run: Run) -> None:
    names = dict(run.table("project_scores").select("project_id", "project_name").iter_rows())
    for pid, name in FORMULAS.items():
        assert names[pid] == "'" + name, (pid, names[pid])
    _whole_set(run.out)


def _formula_key(folder: Path) -> list[str]:
    rows = [
        *indicators("P001"),
        ["=1+1", "产出指标", "数量指标", "@x", "", "≥1", "个", "1", 5, 5, ""],
    ]
    return write_pair(folder, [project("P001", 100, 90)], rows)


def _rejects_neutralised(run: Run) -> None:
    rejects = pl.read_csv(run.out / "rejects.csv", infer_schema=False)
    cells = [c for row in rejects.iter_rows() for c in row if c]
    assert cells, rejects
    risky = [c for c in cells if c.lstrip()[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert risky == [], risky


def _formula_paths(folder: Path) -> list[str]:
    """Inputs named `=1+1.csv` and `@SUM(1).csv` in the working folder (the case's parent
    folder), given by relative name: the source paths in every table start with = and @."""
    root = folder.parent
    write_csv(root / "=1+1.csv", PROJECT_HEADER, [project("P001", 100, 90)])
    write_csv(root / "@SUM(1).csv", INDICATOR_HEADER, indicators("P001"))
    return ["=1+1.csv", "@SUM(1).csv"]


def _paths_neutralised(run: Run) -> None:
    scores = run.table("project_scores")
    assert scores["source_file"].to_list() == ["'=1+1.csv"]
    rows = run.table("indicator_scores")["source_file"].unique().to_list()
    assert rows == ["'@SUM(1).csv"], rows


def _numbers(folder: Path) -> list[str]:
    rows = indicators("P001")
    rows[0] = ["P001", "产出指标", "数量指标", "培训人次", "", "≥-5", "人次", "-3", 25, 25, ""]
    return write_pair(folder, [project("P001", 100, 90, name="-5")], rows)


def _numbers_untouched(run: Run) -> None:
    raw = (run.out / "project_scores.csv").read_text("utf-8-sig")
    assert "'-5" not in raw and ",-5," in raw, raw[:400]
    indicator = pl.read_csv(run.out / "indicator_scores.csv", infer_schema=False)
    assert "-3" in indicator.row(0), indicator.row(0)
    assert not any(str(c).startswith("'-") for c in indicator.row(0) if c), indicator.row(0)


def _xlsx_strings(run: Run) -> None:
    with zipfile.ZipFile(run.out / "results.xlsx") as book:
        parts = [n for n in book.namelist() if n.startswith(("xl/worksheets/", "xl/shared"))]
        xml = "".join(book.read(n).decode("utf-8") for n in parts)
    assert "<f>" not in xml and "<f " not in xml, "a text cell became a formula"
    assert "=HYPERLINK" in xml and "'=HYPERLINK" not in xml  # as written, no apostrophe
    sheet = pl.read_excel(run.out / "results.xlsx", sheet_name="project_scores")
    assert sorted(sheet["项目名称"].to_list()) == sorted(FORMULAS.values())
    _whole_set(run.out)


def _modes(run: Run) -> None:
    mask = os.umask(0)
    os.umask(mask)
    for path in run.out.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask, (path, oct(mask))
    assert stat.S_IMODE(run.out.stat().st_mode) == 0o777 & ~mask


def _umask_027(run: Run) -> None:
    out = run.inputs / "res027"
    args = ["score", "-q", "-f", "csv", "-f", "xlsx", "-f", "parquet", "-o", str(out)]
    code, output = run_cli([*args, *_inputs(run)], run.inputs, umask=0o027)
    assert code == 0, output
    assert {stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()} == {0o640}
    assert stat.S_IMODE(out.stat().st_mode) == 0o750


def _inputs(run: Run) -> list[str]:
    return [str(run.inputs / "projects.csv"), str(run.inputs / "indicators.csv")]


# --- 5c: cells over Excel's limit -----------------------------------------------------------


def _long_name(text: str):  # type: ignore[no-untyped-def]
    def make(folder: Path) -> list[str]:
        return write_pair(folder, [project("P001", 100, 90, name=text)], indicators("P001"))

    return make


def _cut_noted(run: Run) -> None:
    manifest = _whole_set(run.out)
    notes = manifest["output_notes"]
    assert len(notes) == 1 and "project_scores!B2" in notes[0], notes  # type: ignore[arg-type,index]
    assert "note:" in run.output and "32,767" in run.output
    assert "project_scores!B2" in (run.out / "report.md").read_text("utf-8")
    sheet = pl.read_excel(run.out / "results.xlsx", sheet_name="project_scores")
    cell = sheet["项目名称"][0]
    assert len(cell) <= 32_767 and "cut: 40,000 characters" in cell
    assert len(run.table("project_scores")["project_name"][0]) == LONG  # csv: whole


def _not_cut(run: Run) -> None:
    assert _whole_set(run.out)["output_notes"] == []
    sheet = pl.read_excel(run.out / "results.xlsx", sheet_name="project_scores")
    assert sheet["项目名称"][0] == "名" * 32_767


def _long_indicator(folder: Path) -> list[str]:
    """An indicator named with 40,000 characters (三级指标 is free text)."""
    rows = indicators("P001")
    rows[0] = [*rows[0][:3], "长" * LONG, *rows[0][4:]]
    return write_pair(folder, [project("P001", 100, 90)], rows)


def _indicator_cut(run: Run) -> None:
    notes = _whole_set(run.out)["output_notes"]
    assert len(notes) == 1 and "indicator_scores!" in notes[0], notes  # type: ignore[arg-type,index]
    assert len(run.table("indicator_scores")["indicator"][0]) == LONG


# --- 6: OS errors ------------------------------------------------------------------------


def _clean(folder: Path) -> list[str]:
    return write_pair(folder, [project("P001", 100, 90)], indicators("P001"))


def _with_dir_named_like_output(folder: Path) -> list[str]:
    (folder / "res" / "project_scores.csv").mkdir(parents=True)
    return _clean(folder)


def _with_foreign_file(folder: Path) -> list[str]:
    (folder / "res").mkdir()
    (folder / "res" / "我的笔记.docx").write_bytes(b"PK\x03\x04 the user's own file")
    return _clean(folder)


def _res_untouched(names: list[str]):  # type: ignore[no-untyped-def]
    def check(run: Run) -> None:
        assert sorted(p.name for p in (run.inputs / "res").iterdir()) == names
        _no_strays(run.inputs)

    return check


def _nothing_written(run: Run) -> None:
    assert not run.out.exists()
    _no_strays(run.out.parent)
    _no_strays(run.inputs)


def _fifo(folder: Path) -> list[str]:
    paths = _clean(folder)
    os.unlink(paths[0])
    os.mkfifo(paths[0])
    return paths


def _unreadable(folder: Path) -> list[str]:
    """No read permission; as root (who reads anything), a file whose read fails (EIO)."""
    paths = _clean(folder)
    if os.geteuid() == 0:
        os.unlink(paths[0])
        os.symlink("/proc/self/mem", paths[0])
    else:
        os.chmod(paths[0], 0)
    return paths


def _many(folder: Path) -> list[str]:
    """300 projects of four met indicators each (1,200 indicator rows)."""
    pids = [f"P{i:03d}" for i in range(1, 301)]
    rows = [r for pid in pids for r in indicators(pid)]
    return write_pair(folder, [project(pid, 100, 90) for pid in pids], rows)


def _full_disk_keeps_previous(run: Run) -> None:
    """A second run that cannot write (the file size limit stops it as a full disk would)
    fails in one line; the first run's complete set is still there, nothing stray."""
    before = _whole_set(run.out)
    # Half the first run's indicator_scores.csv: more than the scoring scratch (compressed
    # parquet) needs, less than the csv the rerun writes.
    limit = (run.out / "indicator_scores.csv").stat().st_size // 2
    args = ["score", "-q", "-f", "xlsx", "-f", "csv", "-o", str(run.out), *_inputs(run)]
    code, output = run_cli(args, run.inputs, file_size_limit=limit)
    assert code == 1, output
    assert "file size limit" in output and str(run.out) in output, output
    assert len(output.strip().splitlines()) == 1, output
    assert _whole_set(run.out) == before
    _no_strays(run.out.parent)


def _second_run_replaces_first(run: Run) -> None:
    """-f csv, then -f parquet into the same folder: no csv of the first run is left
    beside the second run's parquet (no mix), and the manifest lists exactly the files."""
    args = ["score", "-q", "-f", "parquet", "-o", str(run.out), *_inputs(run)]
    code, output = run_cli(args, run.inputs)
    assert code == 0, output
    manifest = _whole_set(run.out)
    assert not [n for n in manifest["outputs"] if n.endswith(".csv")], manifest  # type: ignore[attr-defined]
    _no_strays(run.out.parent)


def _with_strays(folder: Path) -> list[str]:
    """What a killed run leaves beside --out (staging and old folders, a spill folder)."""
    beside = folder.parent  # the harness's --out is the case's `out` beside `in`
    for name in (".out.jixiao-staging-0badc0de", ".out.jixiao-old-0badc0de"):
        (beside / name).mkdir()
        (beside / name / "project_scores.csv").write_text("half a file")
    (beside / ".out.jixiao-spill-0badc0de").mkdir()
    return _clean(folder)


def _strays_gone(run: Run) -> None:
    _no_strays(run.out.parent)
    _whole_set(run.out)


def _ruleset_dir(folder: Path) -> list[str]:
    (folder / "rules.yaml").mkdir()
    return _clean(folder)


def _ruleset_fifo(folder: Path) -> list[str]:
    os.mkfifo(folder / "rules.yaml")
    return _clean(folder)


def _id(folder: Path) -> list[str]:
    return [*_clean(folder), "P001"]


def _schema_target(folder: Path) -> list[str]:
    (folder / "afile").write_text("x")
    (folder / "adir.json").mkdir()
    os.mkfifo(folder / "pipe.json")
    return []


def _pipe_kept(run: Run) -> None:
    assert stat.S_ISFIFO((run.inputs / "pipe.json").lstat().st_mode)
    assert sorted(os.listdir(run.inputs)) == ["adir.json", "afile", "pipe.json"]


CSV_XLSX = ("-o", "{out}", "-f", "csv", "-f", "xlsx")
ONE_LINE = r"^error: [^\n]*$"

CASES = [
    Case(
        name="output-formula-project-names",
        about="CSV injection: names starting = + - @ tab CR (and blanks then =) get a leading ' in csv; 99 优 each (DOMAIN §3).",
        make=_formula_names,
        scores={pid: (99.0, "优") for pid in FORMULAS},
        check=_names_neutralised,
    ),
    Case(
        name="output-formula-in-rejects",
        about="CSV injection in rejects.csv: a project ID =1+1 and indicator @x rejected; no rejects cell starts with = + - @.",
        make=_formula_key,
        exact_rejects=False,
        rejects=(Reject("indicators.csv", 6, "."),),
        scores={"P001": (99.0, "优")},
        check=_rejects_neutralised,
    ),
    Case(
        name="output-formula-source-paths",
        about="CSV injection through source paths: inputs named =1+1.csv and @SUM(1).csv; source_file starts with '.",
        make=_formula_paths,
        scores={"P001": (99.0, "优")},
        check=_paths_neutralised,
    ),
    Case(
        name="output-plain-numbers-untouched",
        about="Numbers are not neutralised: a name -5 and an actual -3 stay as written in csv (no apostrophe).",
        make=_numbers,
        exact_rejects=False,
        check=_numbers_untouched,
    ),
    Case(
        name="output-xlsx-strings-stay-strings",
        about="xlsx cells are typed: formula-like names are shared strings, no <f> element, no apostrophe; 99 优 each.",
        make=_formula_names,
        args=CSV_XLSX,
        scores={pid: (99.0, "优") for pid in FORMULAS},
        check=_xlsx_strings,
    ),
    Case(
        name="output-files-get-the-umask",
        about="Permissions: files are 0666 less the umask (not mkstemp's 0600), the folder 0777 less it.",
        make=_clean,
        args=("-o", "{out}", "-f", "csv", "-f", "xlsx", "-f", "parquet"),
        scores={"P001": (99.0, "优")},
        check=_modes,
    ),
    Case(
        name="output-umask-027",
        about="Permissions under umask 027: every output 0640, the folder 0750.",
        make=_clean,
        scores={"P001": (99.0, "优")},
        check=_umask_027,
    ),
    Case(
        name="output-cell-over-excel-limit",
        about="5c: a 40,000-character project name is cut visibly in xlsx (marker), noted in manifest and summary; csv whole.",
        make=_long_name("名" * LONG),
        args=CSV_XLSX,
        scores={"P001": (99.0, "优")},
        check=_cut_noted,
    ),
    Case(
        name="output-cell-astral-over-limit",
        about="5c: 20,000 emoji are 40,000 UTF-16 units (Excel's count): cut and noted like any long cell.",
        make=_long_name("😀" * 20_000),
        args=CSV_XLSX,
        scores={"P001": (99.0, "优")},
        check=lambda run: _whole_set(run.out)["output_notes"] != [] or None,  # type: ignore[func-returns-value]
    ),
    Case(
        name="output-cell-exactly-at-limit",
        about="5c boundary: a 32,767-character name fits Excel exactly: whole, no note.",
        make=_long_name("名" * 32_767),
        args=CSV_XLSX,
        scores={"P001": (99.0, "优")},
        check=_not_cut,
    ),
    Case(
        name="output-long-indicator-name",
        about="5c in indicator_scores: a 40,000-character indicator name is cut in its sheet and noted; 99 优 (DOMAIN §3).",
        make=_long_indicator,
        args=CSV_XLSX,
        scores={"P001": (99.0, "优")},
        check=_indicator_cut,
    ),
    Case(
        name="oserror-out-is-a-file",
        about="6: -o names an existing file: one line naming it, exit 1, the file untouched.",
        make=_clean,
        args=("-o", "{in}/projects.csv"),
        exit_code=1,
        message=r"projects\.csv: is a file, not a folder",
        check=lambda run: _no_strays(run.inputs),
    ),
    Case(
        name="oserror-out-under-a-file",
        about="6: a component of -o is a file (projects.csv/out): one line naming that file, exit 1, nothing written.",
        make=_clean,
        args=("-o", "{in}/projects.csv/out"),
        exit_code=1,
        message=r"projects\.csv is a file, not a folder; nothing was written",
        check=lambda run: _no_strays(run.inputs),
    ),
    Case(
        name="oserror-streaming-out-under-a-file",
        about="6: the streaming engine's spill folder (beside -o) below a file: one line naming the file, exit 1.",
        make=_clean,
        args=("--engine", "streaming", "-f", "csv", "-o", "{in}/projects.csv/out"),
        exit_code=1,
        message=r"projects\.csv is a file, not a folder; nothing was written$",
        check=lambda run: _no_strays(run.inputs),
    ),
    Case(
        name="oserror-folder-named-like-an-output",
        about="6: out/project_scores.csv is a folder: refused in one line naming it, nothing replaced.",
        make=_with_dir_named_like_output,
        args=("-o", "{in}/res", "-f", "csv"),
        exit_code=1,
        message=r"res/project_scores\.csv: is a folder named like an output",
        check=_res_untouched(["project_scores.csv"]),
    ),
    Case(
        name="oserror-out-holds-a-users-file",
        about="7: a run replaces its folder whole, so a user's own file in -o is refused, never deleted.",
        make=_with_foreign_file,
        args=("-o", "{in}/res", "-f", "csv"),
        exit_code=1,
        message=r"我的笔记\.docx: is a file jixiao did not write",
        check=_res_untouched(["我的笔记.docx"]),
    ),
    Case(
        name="oserror-full-disk-keeps-previous-set",
        about="6/7: a rerun that hits the file size limit (EFBIG, like a full disk) fails in one line; the first set stays whole; 99 优.",
        make=_many,
        rows_in={"projects": 300, "indicators": 1200},
        scores={"P001": (99.0, "优"), "P300": (99.0, "优")},
        check=_full_disk_keeps_previous,
    ),
    Case(
        name="oserror-fifo-input",
        about="6: a FIFO given as input is refused at once (never opened for reading): exit 1, one line.",
        make=_fifo,
        exit_code=1,
        message=r"projects\.csv: is a pipe \(FIFO\), not a regular file",
        timeout=30,
        check=_nothing_written,
    ),
    Case(
        name="oserror-dev-zero-input",
        about="6: /dev/zero as input is a device, refused without reading: exit 1, one line.",
        make=lambda folder: ["/dev/zero", _clean(folder)[1]],
        exit_code=1,
        message=r"/dev/zero: is a character device, not a regular file",
        timeout=30,
        check=_nothing_written,
    ),
    Case(
        name="oserror-folder-as-input",
        about="6: a folder given as input is read for its files (issue 10); one of them given "
        "again by itself: exit 1 (not click's usage error), one line naming it.",
        make=lambda folder: [str(folder), _clean(folder)[1]],
        exit_code=1,
        message=r"indicators\.csv: is given twice",
        check=_nothing_written,
    ),
    Case(
        name="oserror-explain-unreadable-input",
        about="6: explain with an unreadable input (no permission; EIO as root): exit 1, one line naming it.",
        make=lambda folder: [*_unreadable(folder), "P001"],
        command="explain",
        exit_code=1,
        message=r"projects\.csv: cannot be read: ",
    ),
    Case(
        name="oserror-explain-fifo-input",
        about="6: explain with a FIFO input does not block: exit 1, one line.",
        make=lambda folder: [*_fifo(folder), "P001"],
        command="explain",
        exit_code=1,
        message=r"projects\.csv: is a pipe",
        timeout=30,
    ),
    Case(
        name="oserror-explain-missing-input",
        about="6: explain with a missing input: exit 1 (was a usage error), one line naming it.",
        make=lambda folder: [_clean(folder)[0], str(folder / "nope.csv"), "P001"],
        command="explain",
        exit_code=1,
        message=r"nope\.csv: no such file",
    ),
    Case(
        name="oserror-schema-out-under-a-file",
        about="6: schema --out below a file: exit 1, one line naming the file, nothing created.",
        make=_schema_target,
        command="schema",
        args=("ruleset", "--out", "{in}/afile/ruleset.schema.json"),
        exit_code=1,
        message=r"afile is a file, not a folder" + ONE_LINE[-2:],
    ),
    Case(
        name="oserror-schema-out-is-a-folder",
        about="6: schema --out names a folder: exit 1 (was a usage error), one line.",
        make=_schema_target,
        command="schema",
        args=("ruleset", "--out", "{in}/adir.json"),
        exit_code=1,
        message=r"adir\.json: it is a folder, not a file",
    ),
    Case(
        name="oserror-schema-out-in-proc",
        about="6: schema --out into /proc (a file system that refuses new files): exit 1, one line naming it.",
        make=_schema_target,
        command="schema",
        args=("ruleset", "--out", "/proc/jixiao-schema.json"),
        exit_code=1,
        message=r"cannot write /proc/jixiao-schema\.json",
    ),
    Case(
        name="oserror-schema-out-is-a-pipe",
        about="6: schema --out names a FIFO (as /dev/null would be a device): refused, never replaced by a file.",
        make=_schema_target,
        command="schema",
        args=("ruleset", "--out", "{in}/pipe.json"),
        exit_code=1,
        message=r"pipe\.json: is a device, pipe or socket, not a file",
        timeout=30,
        check=_pipe_kept,
    ),
    Case(
        name="oserror-ruleset-is-a-folder",
        about="6: -r names a folder (rules.yaml/): exit 1, one line saying it is a folder.",
        make=_ruleset_dir,
        args=("-r", "{in}/rules.yaml", "-o", "{out}"),
        exit_code=1,
        message=r"ruleset '[^']*rules\.yaml' is a folder, not a file",
        check=_nothing_written,
    ),
    Case(
        name="oserror-ruleset-is-a-fifo",
        about="6: -r names a FIFO: refused without opening it (no wait), exit 1.",
        make=_ruleset_fifo,
        args=("-r", "{in}/rules.yaml", "-o", "{out}"),
        exit_code=1,
        message=r"is a pipe \(FIFO\), not a regular file",
        timeout=30,
    ),
    Case(
        name="oserror-ruleset-dev-zero",
        about="6: -r /dev/zero: refused without reading it (a device), exit 1.",
        make=_clean,
        args=("-r", "/dev/zero", "-o", "{out}"),
        exit_code=1,
        message=r"ruleset '/dev/zero' is a character device",
        timeout=30,
    ),
    Case(
        name="unit-second-run-replaces-the-first",
        about="7: csv then parquet into one folder: the first run's csv files do not stay beside the second run's set.",
        make=_clean,
        scores={"P001": (99.0, "优")},
        check=_second_run_replaces_first,
    ),
    Case(
        name="unit-leftovers-of-a-killed-run-removed",
        about="7: staging, old and spill folders a killed run left beside -o are removed by the next run.",
        make=_with_strays,
        scores={"P001": (99.0, "优")},
        check=_strays_gone,
    ),
]
