"""Sichuan (川财绩〔2025〕10号, DOMAIN §4 [varies]): cumulative execution below 25/40/60/80 %
at the end of April/June/August/October is red (the latest checkpoint passed applies),
and a warning when goal progress and execution progress differ by more than 10 points."""

from __future__ import annotations

from pathlib import Path

import pytest
from monitor_fixtures import by_project, monitor, row

from jixiao.scoring import api
from jixiao.scoring.errors import RulesetError

SC = "sichuan-10-90"


@pytest.mark.parametrize(
    ("as_of", "spent", "light", "checkpoint"),
    [
        ("2025-08-31", "59.99", "red", 0.6),  # below August's 60 % although ratio 0.9 green
        ("2025-08-31", "60", "green", 0.6),  # exactly at the checkpoint: not red
        ("2025-08-30", "59", "green", 0.4),  # August not ended: June's 40 %; ratio ≈ 1.01
        ("2025-07-31", "39.99", "red", 0.4),  # June's 40 % applies in July
        ("2025-06-30", "40", "green", 0.4),
        ("2025-04-30", "24.99", "red", 0.25),
        ("2025-04-30", "25", "yellow", 0.25),  # not red; the national bands: 0.75
        ("2025-03-31", "14", "red", None),  # before April: the national ratio bands (0.56)
        ("2025-10-31", "79.99", "red", 0.8),
        ("2025-12-31", "80", "green", 0.8),  # October's checkpoint still the latest
    ],
)
def test_the_latest_checkpoint_passed_applies(
    tmp_path: Path, as_of: str, spent: str, light: str, checkpoint: float | None
) -> None:
    # the goal as far along as the money (no progress warning): the checkpoint alone decides
    rows = [row("P1", 100, spent, actual=spent)]
    project = by_project(monitor(tmp_path, rows, as_of, SC))["P1"]
    assert not project["progress_warning"]
    assert project["checkpoint"] == checkpoint
    assert project["budget_light"] == light, project


@pytest.mark.parametrize(("spent", "warned"), [("90", False), ("89", True), ("100", False)])
def test_progress_gap_warning_at_ten_points(tmp_path: Path, spent: str, warned: bool) -> None:
    """Goal progress 100 % (100 of ≥100 done): execution 90 % differs by exactly 10 points
    (no warning), 89 % by 11 (warning)."""
    rows = [row("P1", 100, spent, actual="100")]
    project = by_project(monitor(tmp_path, rows, "2025-07-31", SC))["P1"]
    assert project["goal_progress"] == 1
    assert project["progress_warning"] is warned


def test_national_ruleset_has_no_gap_warning(tmp_path: Path) -> None:
    rows = [row("P1", 100, 10, target="≥95", unit="%", actual="96%", forecast="96%")]
    assert by_project(monitor(tmp_path, rows))["P1"]["progress_warning"] is False


def _ruleset(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "r.yaml"
    path.write_text(f"extends: sichuan-10-90\nid: r\nname: r\nmonitoring:\n{body}", "utf-8")
    return path


def test_checkpoints_that_do_not_increase_are_a_ruleset_error_at_line_col(tmp_path: Path) -> None:
    path = _ruleset(
        tmp_path,
        "  checkpoints:\n"
        "    - {month: 4, min_execution: 0.25}\n"
        "    - {month: 6, min_execution: 0.25}\n"
        "    - {month: 6, min_execution: 0.60}\n",
    )
    with pytest.raises(RulesetError) as err:
        api.load_ruleset(str(path))
    problems = {(p.line, p.col, p.message.split(":")[0]) for p in err.value.problems}
    assert (7, 33, "checkpoint requirements must increase") in problems, problems
    assert (8, 15, "checkpoint months must increase") in problems, problems


def test_unknown_name_in_a_light_is_reported_where_written(tmp_path: Path) -> None:
    path = _ruleset(tmp_path, "  goal_light: \"'green' if tagret > 0 else 'red'\"\n")
    with pytest.raises(RulesetError) as err:
        api.load_ruleset(str(path))
    (problem,) = err.value.problems
    assert (problem.line, problem.col) == (5, 27)
    assert "tagret" in problem.message and problem.hint and "target" in problem.hint


@pytest.mark.parametrize(
    ("actual", "spent", "warned"),
    [
        ("70", "60", False),  # exactly 10 points (0.7 − 0.6 is 0.09999999999999998 in binary)
        ("65", "55", False),  # exactly 10 points (0.65 − 0.55 is 0.10000000000000009)
        ("70.01", "60", True),  # 10.01 points
        ("49.99", "60", True),  # 10.01 points the other way: execution ahead of the goal
        ("50", "60", False),
    ],
)
def test_progress_warning_lifts_a_green_budget_light(
    tmp_path: Path, actual: str, spent: str, warned: bool
) -> None:
    """川财绩〔2025〕10号: goal and execution progress more than 10 points apart is a
    warning; it counts in the lights (a green budget light turns yellow, with its reason).
    Budget 60 or 55 of 100 by 31 July is green (ratio ≥ 0.94) and so is the goal."""
    rows = [row("P1", 100, spent, actual=actual, forecast="100")]
    project = by_project(monitor(tmp_path, rows, "2025-07-31", SC))["P1"]
    assert project["progress_warning"] is warned
    assert project["budget_light"] == ("yellow" if warned else "green")
    assert project["light"] == ("yellow" if warned else "green")
    if warned:
        assert project["budget_reason"] == (
            f"目标完成进度 {float(actual):.1f}% 与预算执行进度 {float(spent):.1f}% 相差超过 10%"
            "（川财绩〔2025〕10号 进度偏差预警）"
        )
        assert project["budget_at_risk"] == 100 - float(spent)
    else:
        assert project["budget_reason"] is None
    # the national ruleset has no such warning: the same project stays green
    national = by_project(monitor(tmp_path, rows))["P1"]
    assert (national["progress_warning"], national["budget_light"]) == (False, "green")


def test_progress_warning_does_not_soften_a_red_or_yellow_light(tmp_path: Path) -> None:
    # goal 100 % done; 30 % spent is below the June checkpoint (40 %): red, and stays red
    rows = [row("P1", 100, 30, actual="100"), row("P2", 100, 40, actual="100")]
    projects = by_project(monitor(tmp_path, rows, "2025-07-31", SC))
    assert projects["P1"]["progress_warning"] and projects["P1"]["budget_light"] == "red"
    assert projects["P1"]["budget_reason"].startswith("累计执行 30.0%，低于节点执行要求 40%")
    # 40 % spent: ratio 0.686, yellow by the bands; the reason is the ratio's
    assert projects["P2"]["progress_warning"] and projects["P2"]["budget_light"] == "yellow"
    assert projects["P2"]["budget_reason"].startswith("预算执行进度 40.0%")


def test_a_rate_met_is_not_goal_progress_for_the_warning(tmp_path: Path) -> None:
    """The warning compares the share of the year's targets done with the share of the
    budget spent: a rate (≥95 %) met is a level, not 100 % of the year's work, so a
    project with only rates has no goal progress and no warning
    (monitoring.project_goal_progress)."""
    rows = [row("P1", 100, 60, target="≥95", unit="%", actual="96%", forecast="96%")]
    project = by_project(monitor(tmp_path, rows, "2025-07-31", SC))["P1"]
    assert project["goal_progress"] is None
    assert not project["progress_warning"]
    assert project["budget_light"] == "green"
