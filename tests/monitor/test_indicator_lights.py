"""Goal and forecast lights per indicator, the project's worst, grey for no data
(DOMAIN §4: 完成可能性 完全不可能 → red, 有可能 → yellow; a forecast missing the target by its
comparator → red; qualitative 达成 green, 部分达成 yellow, 未达成 red; no data grey)."""

from __future__ import annotations

from pathlib import Path

import pytest
from monitor_fixtures import by_project, indicator_rows, monitor, row


@pytest.mark.parametrize(
    ("forecast", "likelihood", "cause", "light"),
    [
        ("100", "确定能", "", "green"),
        ("100", "", "", "green"),  # blank likelihood and a forecast that meets the target
        ("120", "确定", "", "green"),  # a synonym of the vocabulary
        ("100", "有可能", "经费", "yellow"),
        ("100", "完全不可能", "经费", "red"),
        ("99", "确定能", "", "red"),  # the forecast misses ≥100
        ("99", "有可能", "人员", "red"),
        ("", "确定能", "", "grey"),  # no forecast: no data, never green
        ("100", "也许", "", "grey"),  # outside the vocabulary: grey with the reason
        ("100", "有可能", "天气", "grey"),
        ("100", "有可能", "经费、人员", "yellow"),  # several causes
    ],
)
def test_forecast_light(
    tmp_path: Path, forecast: str, likelihood: str, cause: str, light: str
) -> None:
    rows = [row("P1", forecast=forecast, likelihood=likelihood, cause=cause)]
    (ind,) = indicator_rows(monitor(tmp_path, rows))
    assert ind["forecast_light"] == light, ind
    if likelihood == "也许":
        assert "完成可能性“也许”不是" in str(ind["forecast_reason"])
    if cause == "天气":
        assert "偏差原因“天气”不是" in str(ind["forecast_reason"])


@pytest.mark.parametrize(
    ("target", "forecast", "light"),
    [("≤30", "30", "green"), ("≤30", "31", "red"), ("=8", "8", "green"), ("=8", "7", "red")],
)
def test_forecast_judged_by_the_comparator(
    tmp_path: Path, target: str, forecast: str, light: str
) -> None:
    rows = [row("P1", target=target, unit="天", actual="10", forecast=forecast)]
    (ind,) = indicator_rows(monitor(tmp_path, rows))
    assert ind["forecast_light"] == light


@pytest.mark.parametrize(
    ("actual", "light"),
    [
        ("达成年度指标", "green"),
        ("部分达成", "yellow"),
        ("未达成", "red"),
        ("", "grey"),
        ("还行", "grey"),
    ],
)
def test_qualitative_goal_light_by_tier(tmp_path: Path, actual: str, light: str) -> None:
    rows = [row("P1", target="达成年度指标", unit="", actual=actual, forecast="达成")]
    (ind,) = indicator_rows(monitor(tmp_path, rows))
    assert ind["kind"] == "qualitative"
    assert ind["goal_light"] == light


@pytest.mark.parametrize(
    ("actual", "light"),
    # ≥100 人次 by 31 July (7/12): progress against time, the budget bands
    [("35", "yellow"), ("34.99", "red"), ("46.666667", "green"), ("46", "yellow"), ("0", "red")],
)
def test_cumulative_goal_against_time(tmp_path: Path, actual: str, light: str) -> None:
    (ind,) = indicator_rows(monitor(tmp_path, [row("P1", actual=actual)]))
    assert ind["cumulative"] is True
    assert ind["goal_light"] == light, ind


@pytest.mark.parametrize(
    ("target", "unit", "actual", "light"),
    [
        ("≥95", "%", "96%", "green"),  # a rate met as it stands
        ("≥95", "%", "80%", "yellow"),  # 80/95 = 0.84 ≥ 0.8
        ("≥95", "%", "70%", "red"),
        ("≤30", "天", "25", "green"),  # a ceiling kept
        ("≤30", "天", "36", "yellow"),  # 30/36 = 0.83
        ("≤30", "天", "40", "red"),
    ],
)
def test_levels_judged_as_they_stand(
    tmp_path: Path, target: str, unit: str, actual: str, light: str
) -> None:
    rows = [row("P1", target=target, unit=unit, actual=actual, forecast=actual)]
    (ind,) = indicator_rows(monitor(tmp_path, rows))
    assert ind["cumulative"] is False
    assert ind["goal_light"] == light, ind


def test_project_light_is_the_worst_and_grey_beats_green(tmp_path: Path) -> None:
    rows = [
        # P1: one green and one grey goal → grey (no data is never green)
        row("P1", 1200, 700, actual="100", forecast="100"),
        row("P1", 1200, 700, indicator="合格率", target="≥95", unit="%", actual="", forecast="96%"),
        # P2: green, yellow and red forecast → red
        row("P2", 1200, 700, actual="100"),
        row("P2", 1200, 700, indicator="b", actual="100", likelihood="有可能"),
        row("P2", 1200, 700, indicator="c", actual="100", likelihood="完全不可能"),
        # P3: project row only (no indicator): grey goal and forecast
        row(
            "P3", 1200, 700, indicator="", target="", unit="", actual="", forecast="", likelihood=""
        ),
    ]
    projects = by_project(monitor(tmp_path, rows))
    assert projects["P1"]["goal_light"] == "grey"
    assert projects["P1"]["light"] == "grey"
    assert projects["P2"]["forecast_light"] == "red"
    assert projects["P2"]["light"] == "red" and projects["P2"]["needs_action"]
    assert projects["P3"]["goal_light"] == projects["P3"]["forecast_light"] == "grey"
    assert projects["P3"]["n_indicators"] == 0
    assert "no indicator rows" in str(projects["P3"]["reason"])
    assert projects["P3"]["budget_light"] == "green"  # 700/1200 / (7/12) = 1.0
    assert projects["P3"]["light"] == "grey"


def test_actions_sorted_by_budget_at_risk_with_responses(tmp_path: Path) -> None:
    rows = [
        row("A", 1000, 100),  # budget red: at risk 900
        row("B", 5000, 100),  # budget red: at risk 4900
        row("C", 100, 58, likelihood="完全不可能"),  # forecast red: at risk 42
        row("D", 100, 58),  # green
    ]
    results = monitor(tmp_path, rows)
    actions = results.monitor_actions
    assert actions["project_id"].to_list() == ["B", "A", "C"]
    assert actions["rank"].to_list() == [1, 2, 3]
    assert actions["budget_at_risk"].to_list() == [4900, 900, 42]
    responses = dict(zip(actions["project_id"], actions["responses"], strict=True))
    assert "加快预算执行进度" in responses["B"]
    assert "暂缓或停止资金拨付" in responses["C"] and "加快" not in responses["C"]
    dept = results.monitor_departments.row(0, named=True)
    assert dept["n_projects"] == 4 and dept["n_light_red"] == 3 and dept["n_light_green"] == 1
