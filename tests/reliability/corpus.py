"""The messy-input corpus: each case writes its own inputs, runs the real CLI, and states
what must come out (issue 8).

A case is built for a class of defect, not for one file: `make` writes the inputs into a
fresh folder (binary fixtures are generated here, so they stay reviewable as code), the
runner starts `jixiao` as a separate process (so a traceback would be seen as a user sees
it), and the expectations are checked against the files written: exit code, message,
rows in = scored + rejected, the rejects with file/row/column/reason, the scores.

Cases live in `cases_*.py` modules beside this one, each exporting `CASES`; run
`python tests/reliability/make_corpus.py DIR` to write every case's inputs for review.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

PROJECT_HEADER = [
    "项目编号",
    "项目名称",
    "主管部门",
    "实施单位",
    "年度",
    "年初预算数（万元）",
    "全年预算数（万元）",
    "全年执行数（万元）",
]
INDICATOR_HEADER = [
    "项目编号",
    "一级指标",
    "二级指标",
    "三级指标",
    "指标性质",
    "年度指标值",
    "度量单位",
    "实际完成值",
    "分值",
    "得分",
    "偏差原因分析及改进措施",
]

Cell = str | int | float | None
Row = list[Cell]


def project(pid: str = "P001", budget: Cell = 100, spent: Cell = 100, **kw: Cell) -> Row:
    """A project row; keyword overrides by header: name, department, unit, year, initial."""
    return [
        pid,
        kw.get("name", f"项目{pid}"),
        kw.get("department", "区教育局"),
        kw.get("unit", "区教育局"),
        kw.get("year", 2025),
        kw.get("initial", budget),
        budget,
        spent,
    ]


def indicators(pid: str = "P001") -> list[Row]:
    """Four indicators, every target met: 90 indicator points (DOMAIN §3, 财预〔2020〕10号
    附件1: 产出 50, 效益 30, 满意度 10), so with the budget fully spent the total is 100."""
    return [
        [pid, "产出指标", "数量指标", "培训人次", "", "≥100", "人次", "120", 25, 25, ""],
        [pid, "产出指标", "质量指标", "验收合格率", "", "≥95%", "%", "96%", 25, 25, ""],
        [pid, "效益指标", "社会效益指标", "受益学生数", "", "≥1000", "人", "1000", 30, 30, ""],
        [pid, "满意度指标", "服务对象满意度指标", "学生满意度", "", "≥90%", "%", "92%", 10, 10, ""],
    ]


def write_csv(
    path: Path, header: Sequence[str], rows: Sequence[Row], encoding: str = "utf-8"
) -> Path:
    """A CSV as Excel's "CSV UTF-8" writes it (quotes only where needed)."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(["" if c is None else c for c in r] for r in rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_pair(folder: Path, projects: Sequence[Row], rows: Sequence[Row]) -> list[str]:
    """projects.csv and indicators.csv; returns their paths as CLI arguments."""
    return [
        str(write_csv(folder / "projects.csv", PROJECT_HEADER, projects)),
        str(write_csv(folder / "indicators.csv", INDICATOR_HEADER, rows)),
    ]


def write_xlsx(path: Path, sheets: dict[str, Sequence[Row]], **options: Any) -> Path:
    """A workbook by xlsxwriter, one sheet per entry (first row = header), values as given."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), options)
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    ws.write(r, c, value)
    wb.close()
    return path


@dataclass(frozen=True)
class Reject:
    """One expected row of rejects.csv: `file` is the input's name, `reason` a regex."""

    file: str
    row: int
    reason: str
    column: str | None = None
    sheet: str | None = None


@dataclass
class Run:
    """What one run of the CLI left behind."""

    code: int
    output: str
    out: Path
    inputs: Path

    def table(self, name: str) -> pl.DataFrame:
        return pl.read_csv(self.out / f"{name}.csv", infer_schema=False)

    @property
    def manifest(self) -> dict[str, Any]:
        return dict(json.loads((self.out / "manifest.json").read_text("utf-8")))


@dataclass(frozen=True)
class Case:
    """One messy or hostile input and what jixiao must do with it.

    `make(folder)` writes the inputs and returns the input arguments. `args` come before
    them; `{out}` and `{in}` in an arg stand for the output and input folders. For
    `score` without `-o` in args, `-o {out} -f csv` is added. `scores` maps project_id
    to (total, grade); a total of None means "not scored" (blank total).
    """

    name: str
    about: str
    make: Callable[[Path], list[str]]
    command: str = "score"
    args: tuple[str, ...] = ()
    exit_code: int = 0
    message: str | None = None
    rows_in: dict[str, int] | None = None
    scores: dict[str, tuple[float | None, str | None]] = field(default_factory=dict)
    rejects: tuple[Reject, ...] = ()
    exact_rejects: bool = True
    check: Callable[[Run], None] | None = None
    timeout: float = 120


def run_case(case: Case, tmp: Path) -> Run:
    """Write the inputs, run `jixiao` as a user would, check every expectation. The
    command runs in this process (through the real command group); with
    JIXIAO_CORPUS_SUBPROCESS=1 each case is a separate `python -m jixiao.cli`."""
    inputs, out = tmp / "in", tmp / "out"
    inputs.mkdir(parents=True, exist_ok=True)
    paths = case.make(inputs)
    args = [a.replace("{out}", str(out)).replace("{in}", str(inputs)) for a in case.args]
    if case.command == "score" and "-o" not in args and "--out" not in args:
        args += ["-o", str(out), "-f", "csv"]
    argv = [case.command, *args, *paths]
    if os.environ.get("JIXIAO_CORPUS_SUBPROCESS"):
        code, output = run_cli(argv, tmp, timeout=case.timeout)
    else:
        code, output = _in_this_process(argv, tmp)
    run = Run(code, output, out, inputs)
    assert "Traceback" not in output, output
    assert code == case.exit_code, f"exit {code}: {output}"
    if case.message is not None:
        flat = " ".join(output.split())
        assert re.search(case.message, flat), f"{case.message!r} not in: {flat}"
    if case.command == "score" and code == 0:
        _check_outputs(case, run)
    if case.check is not None:
        case.check(run)
    return run


ENV = {"COLUMNS": "200", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}


def _in_this_process(argv: list[str], cwd: Path) -> tuple[int, str]:
    """`jixiao ARGV` through the real command group, in this process (click's runner):
    what a user sees on stdout and stderr and the exit code, without paying a Python
    start and the engine's import per case. An exception that escapes the group is
    what a user would see as a traceback, so it is returned as one."""
    from click.testing import CliRunner

    from jixiao.cli import forms_cmd, score_cmd
    from jixiao.cli.main import main

    for console in (score_cmd.console, forms_cmd.console):
        console.reset()  # built again inside the run, 200 columns wide as ENV says
    before = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner(env=ENV).invoke(main, argv, prog_name="jixiao")
    finally:
        os.chdir(before)
    output = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        output += "Traceback (most recent call last):\n" + "".join(
            traceback.format_exception(result.exception)
        )
    return result.exit_code, output


def _check_outputs(case: Case, run: Run) -> None:
    rows = run.manifest["rows"]
    for table, counts in rows.items():
        assert counts["in"] == counts["scored"] + counts["rejected"], (table, counts)
    if case.rows_in is not None:
        assert {t: c["in"] for t, c in rows.items()} == case.rows_in, rows
    rejects = run.table("rejects")
    assert rejects.height == sum(c["rejected"] for c in rows.values()) or not case.exact_rejects
    for want in case.rejects:
        hits = rejects.filter(
            pl.col("file").str.ends_with(want.file)
            & (pl.col("row") == str(want.row))
            & pl.col("reason").str.contains(want.reason)
        )
        if want.column is not None:
            hits = hits.filter(pl.col("column") == want.column)
        if want.sheet is not None:
            hits = hits.filter(pl.col("sheet") == want.sheet)
        assert hits.height >= 1, f"no reject like {want} in:\n{rejects}"
    if case.exact_rejects and case.rejects:
        assert rejects.height == len(case.rejects), f"unexpected rejects:\n{rejects}"
    if case.scores:
        scores = run.table("project_scores")
        got = {r["project_id"]: (r["total"], r["grade"]) for r in scores.iter_rows(named=True)}
        for pid, (total, grade) in case.scores.items():
            assert pid in got, f"{pid} not scored: {sorted(got)}"
            t, g = got[pid]
            if total is None:
                assert t in (None, ""), (pid, t)
            else:
                assert t is not None and abs(float(t) - total) < 0.005, (pid, t, total)
            assert (g or None) == grade, (pid, g, grade)


def all_cases() -> list[Case]:
    """Every `CASES` of the `cases_*.py` modules beside this file, names unique."""
    import importlib

    found: list[Case] = []
    for path in sorted(Path(__file__).parent.glob("cases_*.py")):
        module = importlib.import_module(path.stem)
        found.extend(module.CASES)
    names = [c.name for c in found]
    dupes = {n for n in names if names.count(n) > 1}
    assert not dupes, f"duplicate case names: {dupes}"
    return found


def run_cli(
    args: Sequence[str],
    cwd: Path,
    *,
    umask: int | None = None,
    file_size_limit: int | None = None,
    timeout: float = 120,
) -> tuple[int, str]:
    """Run `jixiao ARGS` once more, for a case's `check` (issue 8 output cases): with a
    umask, or a file size limit (RLIMIT_FSIZE: writes past it fail with EFBIG, as on a
    full disk, since Python ignores SIGXFSZ). Returns the exit code and the output."""
    import resource

    def limits() -> None:
        if umask is not None:
            os.umask(umask)
        if file_size_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    env = {**os.environ, **ENV}
    proc = subprocess.run(
        [sys.executable, "-m", "jixiao.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
        preexec_fn=limits,
    )
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output, output
    return proc.returncode, output


# --- monitoring tables (`jixiao monitor`, issue 9; tests/reliability/cases_monitor.py) ---

MONITOR_HEADER = [
    "项目编号",
    "项目名称",
    "主管部门",
    "年度",
    "全年预算数（万元）",
    "1-7月执行数（万元）",
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "度量单位",
    "1-7月完成值",
    "全年预计完成值",
    "偏差原因",
    "完成可能性",
]


def monitoring_row(pid: str = "P001", budget: Cell = 1200, spent: Cell = 700, **kw: Cell) -> Row:
    """One indicator row of a monitoring table; keyword overrides by field: name,
    department, year, level1, level2, indicator, target, unit, actual, forecast, cause,
    likelihood. The default is on pace as of 31 July (ratio 1.0) and green everywhere."""
    return [
        pid,
        kw.get("name", f"项目{pid}"),
        kw.get("department", "区教育局"),
        kw.get("year", 2025),
        budget,
        spent,
        kw.get("level1", "产出指标"),
        kw.get("level2", "数量指标"),
        kw.get("indicator", "培训人次"),
        kw.get("target", "≥120"),
        kw.get("unit", "人次"),
        kw.get("actual", "70"),
        kw.get("forecast", "120"),
        kw.get("cause", ""),
        kw.get("likelihood", "确定能"),
    ]


def write_monitoring(
    folder: Path,
    rows: Sequence[Row],
    name: str = "monitoring.csv",
    header: Sequence[str] = MONITOR_HEADER,
    encoding: str = "utf-8",
) -> list[str]:
    """A monitoring table as one CSV; returns its path as the CLI argument."""
    return [str(write_csv(folder / name, header, rows, encoding))]
