"""Header normalization and the spec's own consistency checks."""

from __future__ import annotations

import pytest

from jixiao.scoring.io.tablespec import ColumnSpec, TableSpec, normalize_header


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("全年预算数（万元）", "全年预算数"),
        (" 全年预算数 (万元) ", "全年预算数"),
        ("产出指标(50分)", "产出指标"),
        ("完成率(%)", "完成率"),
        ("分值【10】", "分值"),
        ("* 项目编号", "项目编号"),
        ("Ｐｒｏｊｅｃｔ＿ＩＤ", "project_id"),
        ("全\u3000年\t执行数", "全年执行数"),
        ("(万元)", "(万元)"),  # nothing but a bracket: kept, it is the whole name
        ("指标值(上限)(%)", "指标值"),
    ],
)
def test_normalize_header(raw: str, expected: str) -> None:
    assert normalize_header(raw) == expected


def spec(*columns: ColumnSpec, key: tuple[str, ...] = ()) -> TableSpec:
    return TableSpec("t", ("表",), columns, key)


def test_match_by_name_or_alias() -> None:
    t = spec(ColumnSpec("budget", ("全年预算数", "调整后预算数"), True))
    assert t.match("BUDGET") == "budget"
    assert t.match("调整后预算数（元）") == "budget"
    assert t.match("预算") is None
    assert t.column("budget").label() == "budget (全年预算数, 调整后预算数)"
    assert [c.name for c in t.required] == ["budget"]


def test_alias_meaning_two_columns_is_rejected() -> None:
    with pytest.raises(ValueError, match="'执行数' means both 'spent' and 'budget'"):
        spec(ColumnSpec("spent", ("执行数",), True), ColumnSpec("budget", ("执行数",), True))


def test_key_must_be_a_column() -> None:
    with pytest.raises(ValueError, match="key columns"):
        spec(ColumnSpec("a", (), True), key=("b",))
    with pytest.raises(ValueError, match="duplicate column names"):
        spec(ColumnSpec("a", (), True), ColumnSpec("a", (), False))


def test_sheet_name_matching_tolerates_decoration() -> None:
    t = TableSpec("indicators", ("指标",), (ColumnSpec("a", (), True),))
    assert t.matches_sheet_name("绩效指标")
    assert t.matches_sheet_name(" 指 标 表 ")
    assert t.matches_sheet_name("Indicators")
    assert not t.matches_sheet_name("项目")
