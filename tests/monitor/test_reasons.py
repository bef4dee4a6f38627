"""Every light that is not green carries a reason a finance officer can read: Chinese,
with the numbers (DOMAIN §4: problems are fixed before the money is gone, so the list
must say what is wrong). The texts are ruleset templates (`monitoring.reasons`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from monitor_fixtures import HEADER, by_project, indicator_rows, monitor, row, write

from jixiao.examples.monitoring import MONITORING_DIR
from jixiao.scoring import api


def test_cumulative_goal_reason_names_progress_and_time(tmp_path: Path) -> None:
    # 10 of ≥100 by 31 July: 10 % done against a time progress of 7/12 = 58.3 %.
    (ind,) = indicator_rows(monitor(tmp_path, [row("P1", actual="10")]))
    assert ind["goal_light"] == "red"
    assert ind["goal_reason"] == "累计完成 10.0%（10/≥100人次），低于时间进度 58.3% 的 60%"
    assert ind["reason"].startswith("目标完成：累计完成 10.0%")


def test_cumulative_yellow_names_the_green_threshold(tmp_path: Path) -> None:
    # 40 of 100: ratio 0.6857, yellow (0.60 ≤ r < 0.80)
    (ind,) = indicator_rows(monitor(tmp_path, [row("P1", actual="40")]))
    assert ind["goal_light"] == "yellow"
    assert ind["goal_reason"] == "累计完成 40.0%（40/≥100人次），低于时间进度 58.3% 的 80%"


def test_level_goal_reason(tmp_path: Path) -> None:
    rows = [row("P1", indicator="投诉处理天数", target="≤30", unit="天", actual="40")]
    (ind,) = indicator_rows(monitor(tmp_path, rows))
    assert ind["goal_light"] == "red"  # 30 / 40 = 0.75 < 0.80
    assert ind["goal_reason"] == "执行值 40 未达到年度指标值 ≤30天，完成程度 75.0%，低于 80%"


@pytest.mark.parametrize(
    ("forecast", "likelihood", "cause", "light", "reason"),
    [
        ("100", "完全不可能", "经费", "red", "完成可能性：完全不可能"),
        ("1064", "确定能", "", "red", "全年预计 1064 未达到年度指标值 ≥2000人次"),
        ("2000", "有可能", "人员", "yellow", "完成可能性：有可能"),
        ("2000", "确定能", "", "green", None),
        ("", "确定能", "", "grey", "全年预计完成值未填写或无法读取，无法判断能否完成"),
    ],
)
def test_forecast_reason(
    tmp_path: Path, forecast: str, likelihood: str, cause: str, light: str, reason: str | None
) -> None:
    rows = [
        row(
            "P1",
            target="≥2000",
            actual="1500",
            forecast=forecast,
            likelihood=likelihood,
            cause=cause,
        )
    ]
    (ind,) = indicator_rows(monitor(tmp_path, rows))
    assert ind["forecast_light"] == light
    assert ind["forecast_reason"] == reason


def test_qualitative_goal_reason(tmp_path: Path) -> None:
    rows = [row("P1", indicator="群众满意", target="达成年度指标", unit="", actual="部分达成")]
    (ind,) = indicator_rows(monitor(tmp_path, rows))
    assert ind["goal_light"] == "yellow"
    assert ind["goal_reason"] == "定性指标完成情况：部分达成"


def test_budget_reason_with_numbers(tmp_path: Path) -> None:
    # 10 / 100 spent by 31 July: 10 % against 58.3 %, ratio 0.171429
    p = by_project(monitor(tmp_path, [row("P1", budget=100, spent=10)]))["P1"]
    assert p["budget_light"] == "red"
    assert p["budget_reason"] == "预算执行进度 10.0%，为时间进度 58.3% 的 17.1%，低于 60%"
    assert p["light_reason"].startswith("预算执行：预算执行进度 10.0%")


def test_green_project_has_no_light_reason(tmp_path: Path) -> None:
    p = by_project(monitor(tmp_path, [row("P1", budget=100, spent=60, actual="60")]))["P1"]
    assert (p["light"], p["budget_reason"], p["light_reason"]) == ("green", None, None)


def test_light_reason_names_the_worst_indicator(tmp_path: Path) -> None:
    rows = [
        row("P1", budget=100, spent=60, indicator="培训人次", actual="60"),  # green
        row("P1", budget=100, spent=60, indicator="发放补助", actual="40"),  # yellow
        row("P1", budget=100, spent=60, indicator="新建校舍", actual="5"),  # red
        row("P1", budget=100, spent=60, indicator="维修校舍", actual="8"),  # red
    ]
    p = by_project(monitor(tmp_path, rows))["P1"]
    assert p["light"] == "red" and p["budget_light"] == "green"
    assert p["light_reason"] == (
        "目标完成：「新建校舍」累计完成 5.0%（5/≥100人次），低于时间进度 58.3% 的 60%"
        "（红灯指标共 2 项）"
    )


def test_project_without_indicators_says_so(tmp_path: Path) -> None:
    rows = [
        row("P1", budget=100, spent=60, indicator="", target="", unit="", actual="", forecast="")
    ]
    rows[0][-1] = ""  # no likelihood either: a project-only row
    p = by_project(monitor(tmp_path, rows))["P1"]
    assert p["light"] == "grey"
    assert "目标完成：没有指标行" in p["light_reason"]


def test_every_light_that_is_not_green_has_a_reason() -> None:
    """Over the bundled sample (every light, every kind of row) and both rulesets."""
    for ruleset in ("project-self-eval", "sichuan-10-90"):
        plan = api.load_ruleset(ruleset)
        results = api.monitor(plan, [MONITORING_DIR / "monitoring.csv"], dt.date(2025, 7, 31))
        ind, proj = results.monitor_indicators, results.monitor_projects
        for d in ("goal", "forecast"):
            non_green = pl.col(f"{d}_light") != "green"
            assert ind.filter(non_green & pl.col(f"{d}_reason").is_null()).height == 0
            assert ind.filter(~non_green & pl.col(f"{d}_reason").is_not_null()).height == 0
            # a rule no entry explains would say so; the built-ins explain every light
            assert not ind.get_column(f"{d}_reason").str.contains("未给出说明").any()
        assert (
            proj.filter(
                (pl.col("budget_light") != "green") & pl.col("budget_reason").is_null()
            ).height
            == 0
        )
        assert (
            proj.filter((pl.col("light") != "green") & pl.col("light_reason").is_null()).height == 0
        )
        assert (
            proj.filter((pl.col("light") == "green") & pl.col("light_reason").is_not_null()).height
            == 0
        )


def test_a_light_no_entry_explains_says_so(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(
        "extends: project-self-eval\nid: no-reasons\nname: 无说明\n"
        "monitoring:\n  reasons:\n    goal: []\n",
        encoding="utf-8",
    )
    plan = api.load_ruleset(str(path))
    from monitor_fixtures import write

    results = api.monitor(
        plan, [write(tmp_path / "m.csv", [row("P1", actual="10")])], dt.date(2025, 7, 31)
    )
    (ind,) = results.monitor_indicators.iter_rows(named=True)
    assert ind["goal_reason"] == "红灯：规则集 monitoring.reasons.goal 未给出说明"


def test_sichuan_checkpoint_reason(tmp_path: Path) -> None:
    # 川财绩〔2025〕10号: 40 % by the end of June; 35 % spent is red by the checkpoint
    results = monitor(tmp_path, [row("P1", budget=100, spent=35)], "2025-06-30", "sichuan-10-90")
    p = by_project(results)["P1"]
    assert p["budget_light"] == "red"
    assert p["budget_reason"] == "累计执行 35.0%，低于节点执行要求 40%（川财绩〔2025〕10号）"


@pytest.mark.parametrize(
    ("comparator", "target", "unit", "shown"),
    [
        ("", "≥2000", "人次", "≥2000人次"),  # sign in the cell, unit in 度量单位
        ("≥", "2000", "人次", "≥2000人次"),  # sign in 指标性质
        ("正向", "2000", "", "≥2000"),  # a word: the sign the grammar read
        ("", "2000人次以上", "人次", "2000人次以上"),  # written out: as written
    ],
)
def test_target_written_in_reasons(
    tmp_path: Path, comparator: str, target: str, unit: str, shown: str
) -> None:
    header = [*HEADER[:9], "指标性质", *HEADER[9:]]
    cells = row("P1", target=target, unit=unit, actual="1500", forecast="1064")
    rows = [[*cells[:9], comparator, *cells[9:]]]
    plan = api.load_ruleset("project-self-eval")
    path = write(tmp_path / "m.csv", rows, header)
    results = api.monitor(plan, [path], dt.date(2025, 7, 31))
    (ind,) = results.monitor_indicators.iter_rows(named=True)
    assert ind["forecast_reason"] == f"全年预计 1064 未达到年度指标值 {shown}"
