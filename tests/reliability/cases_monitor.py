"""`jixiao monitor` on messy and boundary monitoring tables (issue 9: lights at exactly
0.60 and 0.80, Sichuan checkpoints, grey for no data, bad input that is rejected or
refused with a clear message; DOMAIN §4)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from corpus import (
    MONITOR_HEADER,
    Case,
    Run,
    monitoring_row,
    write_csv,
    write_monitoring,
    write_xlsx,
)

AS_OF = ("--as-of", "2025-07-31", "-o", "{out}", "-f", "csv")


def expect(
    lights: dict[str, dict[str, str]] | None = None,
    rows: tuple[int, int, int] | None = None,
    rejects: dict[int, str] | None = None,
    indicator: dict[int, dict[str, str]] | None = None,
) -> Callable[[Run], None]:
    """A check of the files written: project lights by id, rows (in, monitored,
    rejected) with in = monitored + rejected always, reject reasons by input row, and
    indicator columns by input row (a value containing the expected text)."""

    def check(run: Run) -> None:
        counts = run.manifest["rows"]["monitoring"]
        assert counts["in"] == counts["monitored"] + counts["rejected"], counts
        if rows is not None:
            assert (counts["in"], counts["monitored"], counts["rejected"]) == rows, counts
        projects = {r["project_id"]: r for r in run.table("monitor_projects").iter_rows(named=True)}
        for pid, want in (lights or {}).items():
            assert pid in projects, (pid, sorted(projects))
            for column, value in want.items():
                assert projects[pid][column] == value, (pid, column, projects[pid])
        got = {int(r["row"]): r for r in run.table("rejects").iter_rows(named=True)}
        assert len(got) == counts["rejected"], got
        for row, reason in (rejects or {}).items():
            assert row in got and reason in (got[row]["reason"] or ""), (row, got)
        found = {
            int(r["source_row"]): r for r in run.table("monitor_indicators").iter_rows(named=True)
        }
        for row, want in (indicator or {}).items():
            for column, value in want.items():
                assert value in (found[row][column] or ""), (row, column, found[row])

    return check


def _rows(*rows: list[object]) -> Callable[[Path], list[str]]:
    return lambda folder: write_monitoring(folder, rows)  # type: ignore[arg-type]


def _bad_checkpoints(folder: Path) -> list[str]:
    (folder / "sc.yaml").write_text(
        "extends: sichuan-10-90\nid: sc\nname: sc\nmonitoring:\n  checkpoints:\n"
        "    - {month: 8, min_execution: 0.6}\n    - {month: 6, min_execution: 0.4}\n",
        "utf-8",
    )
    return write_monitoring(folder, [monitoring_row()])


def _no_to_date(folder: Path) -> list[str]:
    header = [h for h in MONITOR_HEADER if not h.startswith("1-7月")]
    row = [
        c
        for h, c in zip(MONITOR_HEADER, monitoring_row(), strict=True)
        if not h.startswith("1-7月")
    ]
    return [str(write_csv(folder / "monitoring.csv", header, [row]))]


def _xlsx_with_title(folder: Path) -> list[str]:
    title = ["2025年项目支出绩效运行监控表"] + [None] * (len(MONITOR_HEADER) - 1)
    rows = [title, MONITOR_HEADER, monitoring_row("P001"), monitoring_row("P002", 1200, 100)]
    return [str(write_xlsx(folder / "监控表.xlsx", {"绩效监控表": rows}))]


def _gbk(folder: Path) -> list[str]:
    rows = [monitoring_row("P001", department="区人社局"), monitoring_row("P002", 1200, 420)]
    return write_monitoring(folder, rows, encoding="gbk")


def _blank_middle(folder: Path) -> list[str]:
    rows = [monitoring_row("P001"), [""] * len(MONITOR_HEADER), monitoring_row("P002")]
    return write_monitoring(folder, rows)


def _neutralised(run: Run) -> None:
    expect({"P001": {"light": "green"}})(run)
    text = (run.out / "monitor_projects.csv").read_text("utf-8-sig")
    assert "'=HYPERLINK" in text, text


CASES = [
    Case(
        name="monitor-clean",
        about="On pace by 31 July (ratio 1.0, 70 of 120 done, forecast met): green throughout.",
        make=_rows(monitoring_row("P001")),
        command="monitor",
        args=AS_OF,
        check=expect(
            {
                "P001": {
                    "light": "green",
                    "budget_light": "green",
                    "time_progress": "0.5833333333333333",
                }
            },
            (1, 1, 0),
        ),
    ),
    Case(
        name="monitor-ratio-exactly-060-and-080",
        about="DOMAIN §4: a ratio of exactly 60 % is yellow, exactly 80 % green, a hair below "
        "each falls to the band below (decimal budgets, float care).",
        make=_rows(
            monitoring_row("P060", "1234.56", "432.096"),
            monitoring_row("P080", "1234.56", "576.128"),
            monitoring_row("P059", "1234.56", "432.09"),
            monitoring_row("P079", "1234.56", "576.12"),
        ),
        command="monitor",
        args=AS_OF,
        check=expect(
            {
                "P060": {"budget_light": "yellow"},
                "P080": {"budget_light": "green"},
                "P059": {"budget_light": "red"},
                "P079": {"budget_light": "yellow"},
            }
        ),
    ),
    Case(
        name="monitor-mid-month-counts-completed-months",
        about="15 July: only June's figures are complete, time progress 6/12 (docs/monitoring.md).",
        make=_rows(monitoring_row("P001", 1200, 360)),
        command="monitor",
        args=("--as-of", "2025-07-15", "-o", "{out}", "-f", "csv"),
        check=expect(
            {"P001": {"time_progress": "0.5", "budget_ratio": "0.6", "budget_light": "yellow"}}
        ),
    ),
    Case(
        name="monitor-sichuan-august-checkpoint",
        about="川财绩〔2025〕10号: below 60 % at the end of August is red though the ratio is green; "
        "exactly 60 % is not red.",
        make=_rows(monitoring_row("P059", 100, "59.99"), monitoring_row("P060", 100, 60)),
        command="monitor",
        args=("-r", "sichuan-10-90", "--as-of", "2025-08-31", "-o", "{out}", "-f", "csv"),
        check=expect(
            {
                "P059": {"budget_light": "red", "checkpoint": "0.6"},
                "P060": {"budget_light": "green"},
            }
        ),
    ),
    Case(
        name="monitor-sichuan-checkpoints-not-increasing",
        about="Checkpoints that go back in time are a ruleset error at their line and column.",
        make=_bad_checkpoints,
        command="monitor",
        args=("-r", "{in}/sc.yaml", "--as-of", "2025-07-31", "-o", "{out}"),
        exit_code=1,
        message=r"sc\.yaml:7:15: monitoring\.checkpoints\[1\]\.month: checkpoint months must increase",
    ),
    Case(
        name="monitor-as-of-outside-the-budget-year",
        about="Every row names 2025, the as-of date is in 2026: nothing can be monitored, exit 1.",
        make=_rows(monitoring_row("P001"), monitoring_row("P002")),
        command="monitor",
        args=("--as-of", "2026-03-31", "-o", "{out}"),
        exit_code=1,
        message=r"nothing can be monitored as of 2026-03-31: 2 row\(s\) read.*budget year 2025 does not contain",
    ),
    Case(
        name="monitor-some-rows-of-another-year",
        about="Rows of 2024 are rejected with the reason; the 2025 rows are monitored.",
        make=_rows(
            monitoring_row("P001"),
            monitoring_row("P002", year=2024),
            monitoring_row("P003", year="2025年"),
        ),
        command="monitor",
        args=AS_OF,
        check=expect(
            {"P001": {"light": "green"}, "P003": {"light": "green"}},
            (3, 2, 1),
            {3: "budget year 2024"},
        ),
    ),
    Case(
        name="monitor-without-to-date-columns",
        about="No 执行数 and no 执行值 column: refused with what the table needs.",
        make=_no_to_date,
        command="monitor",
        args=AS_OF,
        exit_code=1,
        message=r"table .monitoring. lacks required column\(s\) spent_to_date .*actual_to_date",
    ),
    Case(
        name="monitor-likelihood-outside-vocabulary",
        about="完成可能性 `也许`: grey forecast light with the reason, the project not green.",
        make=_rows(monitoring_row("P001", likelihood="也许")),
        command="monitor",
        args=AS_OF,
        check=expect(
            {"P001": {"forecast_light": "grey", "light": "grey"}},
            indicator={
                2: {
                    "forecast_light": "grey",
                    "reason": "完成可能性“也许”不是 确定能/有可能/完全不可能",
                }
            },
        ),
    ),
    Case(
        name="monitor-cause-outside-vocabulary",
        about="偏差原因 `天气`: grey forecast light with the reason; `经费、人员` is fine.",
        make=_rows(
            monitoring_row("P001", cause="天气", likelihood="有可能"),
            monitoring_row("P002", cause="经费、人员", likelihood="有可能"),
        ),
        command="monitor",
        args=AS_OF,
        check=expect(
            {"P001": {"forecast_light": "grey"}, "P002": {"forecast_light": "yellow"}},
            indicator={2: {"reason": "偏差原因“天气”不是 经费/制度/人员/硬件/其他"}},
        ),
    ),
    Case(
        name="monitor-no-budget-no-spending-is-grey",
        about="No budget, a zero budget, no spending figure, an unreadable amount: grey, never green.",
        make=_rows(
            monitoring_row("P1", "", 700),
            monitoring_row("P2", 0, 0),
            monitoring_row("P3", 1200, ""),
            monitoring_row("P4", "一千二", 700),
        ),
        command="monitor",
        args=AS_OF,
        check=expect(
            {p: {"budget_light": "grey", "light": "grey"} for p in ("P1", "P2", "P3", "P4")}
        ),
    ),
    Case(
        name="monitor-project-without-indicators",
        about="A project row with no indicator: grey goal and forecast lights, 'no indicator rows'.",
        make=_rows(
            monitoring_row(
                "P001", indicator="", target="", unit="", actual="", forecast="", likelihood=""
            )
        ),
        command="monitor",
        args=AS_OF,
        check=expect(
            {
                "P001": {
                    "goal_light": "grey",
                    "forecast_light": "grey",
                    "light": "grey",
                    "n_indicators": "0",
                }
            },
            (1, 1, 0),
        ),
    ),
    Case(
        name="monitor-xlsx-with-title-row",
        about="A workbook sheet 绩效监控表 with a merged-title row above the header.",
        make=_xlsx_with_title,
        command="monitor",
        args=AS_OF,
        check=expect(
            {"P001": {"light": "green"}, "P002": {"budget_light": "red", "light": "red"}}, (2, 2, 0)
        ),
    ),
    Case(
        name="monitor-gbk-csv",
        about="A monitoring CSV exported by an old system in GBK.",
        make=_gbk,
        command="monitor",
        args=AS_OF,
        check=expect({"P001": {"department": "区人社局"}, "P002": {"budget_light": "yellow"}}),
    ),
    Case(
        name="monitor-bad-as-of-date",
        about="--as-of 2025-13-01 is a usage error (exit 2) naming the expected form.",
        make=_rows(monitoring_row()),
        command="monitor",
        args=("--as-of", "2025-13-01", "-o", "{out}"),
        exit_code=2,
        message=r"YYYY-MM-DD",
    ),
    Case(
        name="monitor-negative-and-contradicting-amounts",
        about="A negative 执行数 and a second budget for the same project: rejected rows.",
        make=_rows(
            monitoring_row("P001"),
            monitoring_row("P001", 2400, 700, indicator="第二个指标"),
            monitoring_row("P002", 1200, -5),
        ),
        command="monitor",
        args=AS_OF,
        check=expect(
            {"P001": {"budget": "1200.0"}},
            (3, 1, 2),
            {3: "differs from the project's first row", 4: "negative"},
        ),
    ),
    Case(
        name="monitor-fraction-actual",
        about="0.96 against ≥95% is read as 96 % (year-end grammar): met, green goal light.",
        make=_rows(monitoring_row("P001", target="≥95%", unit="", actual="0.96", forecast="0.97")),
        command="monitor",
        args=AS_OF,
        check=expect(indicator={2: {"goal_light": "green", "forecast_light": "green"}}),
    ),
    Case(
        name="monitor-forecast-misses-target",
        about="完成可能性 确定能 but the forecast 100 misses ≥120: red, and the project is in actions.",
        make=_rows(monitoring_row("P001", forecast="100")),
        command="monitor",
        args=AS_OF,
        check=expect({"P001": {"forecast_light": "red", "light": "red", "needs_action": "true"}}),
    ),
    Case(
        name="monitor-blank-row-in-the-middle",
        about="A blank line between rows is a reject (blank), the rows around it are monitored.",
        make=_blank_middle,
        command="monitor",
        args=AS_OF,
        check=expect(rows=(3, 2, 1)),
    ),
    Case(
        name="monitor-formula-like-text",
        about="A project name that Excel would run as a formula is neutralised in the csv.",
        make=_rows(monitoring_row("P001", name='=HYPERLINK("http://x")')),
        command="monitor",
        args=AS_OF,
        check=_neutralised,
    ),
]
