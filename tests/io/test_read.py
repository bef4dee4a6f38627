"""Readers: every file form departments hand in, row numbers exact, nothing lost."""

from __future__ import annotations

import codecs
from collections.abc import Sequence
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jixiao.scoring.errors import InputError
from jixiao.scoring.io.read import (
    REJECT_SCHEMA,
    detect_encoding,
    empty_rejects,
    read_inputs,
    read_table,
)
from jixiao.scoring.io.tablespec import ColumnSpec, TableSpec


def col(name: str, *aliases: str, required: bool = False) -> ColumnSpec:
    return ColumnSpec(name, aliases, required)


PROJECTS = TableSpec(
    name="projects",
    sheet_names=("项目", "projects"),
    columns=(
        col("project_id", "项目编号", required=True),
        col("project_name", "项目名称"),
        col("department", "主管部门", "部门", "预算部门"),
        col("unit", "实施单位", "预算单位"),
        col("year", "年度"),
        col("budget_initial", "年初预算数"),
        col("budget", "全年预算数", "调整后预算数", "全年预算", required=True),
        col("spent", "全年执行数", "预算执行数", "执行数", "实际支出", required=True),
    ),
    key=("project_id",),
    unique_key=True,
)

INDICATORS = TableSpec(
    name="indicators",
    sheet_names=("指标", "indicators"),
    columns=(
        col("project_id", "项目编号", required=True),
        col("level1", "一级指标", required=True),
        col("level2", "二级指标", required=True),
        col("indicator", "三级指标", required=True),
        col("comparator", "指标性质"),
        col("target", "年度指标值", "指标值", required=True),
        col("unit", "度量单位"),
        col("actual", "实际完成值", "完成值", "实际值", required=True),
        col("points", "分值", "权重", required=True),
        col("claimed_score", "得分", "自评得分"),
        col("explanation", "偏差原因分析及改进措施", "未完成原因分析", "偏差原因"),
    ),
    key=("project_id",),
)

SPECS = {"projects": PROJECTS, "indicators": INDICATORS}

PROJECT_HEADERS = ["项目编号", "项目名称", "主管部门", "全年预算数（万元）", "全年执行数（万元）"]
INDICATOR_HEADERS = [
    "项目编号", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值",
]  # fmt: skip
INDICATOR_ROWS = [
    ["P001", "产出指标", "数量指标", "培训人次", "≥95%", "完成", "10"],
    ["P001", "效益指标", "社会效益", "满意度", "≥90%", "0.95", "20"],
    ["P002", "产出指标", "时效指标", "按时完成", "按时完成", "达成", "30"],
]


def write_csv(path: Path, rows: Sequence[Sequence[str]], encoding: str = "utf-8") -> Path:
    text = "\n".join(",".join(r) for r in rows) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


def write_workbook(path: Path, sheets: dict[str, Sequence[Sequence[object]]]) -> Path:
    """Cells written with their Python type: floats become Excel numbers."""
    wb = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    ws.write(r, c, value)
    wb.close()
    return path


PROJECT_ROWS = [
    ["P001", "培训项目", "教育局", "100", "95.5"],
    ["P002", "道路维修", "交通局", "12", "12"],
]


def both_csv(tmp_path: Path, encoding: str = "utf-8") -> list[Path]:
    return [
        write_csv(tmp_path / "p.csv", [PROJECT_HEADERS, *PROJECT_ROWS], encoding),
        write_csv(tmp_path / "i.csv", [INDICATOR_HEADERS, *INDICATOR_ROWS], encoding),
    ]


@pytest.mark.parametrize(
    ("encoding", "recorded"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("utf-16", "utf-16")],
)
def test_csv_encodings_are_detected_and_recorded(
    tmp_path: Path, encoding: str, recorded: str
) -> None:
    inputs = read_inputs(both_csv(tmp_path, encoding), SPECS)
    assert [s.encoding for s in inputs.sources] == [recorded, recorded]
    projects = inputs.tables["projects"]
    assert projects["project_name"].to_list() == ["培训项目", "道路维修"]
    assert inputs.tables["indicators"]["target"].to_list() == ["≥95%", "≥90%", "按时完成"]


def test_gbk_bytes_written_by_hand_decode(tmp_path: Path) -> None:
    # 项目编号 in GBK is not valid UTF-8: the reader must not fall back silently.
    raw = "项目编号,全年预算数,执行数\nP1,10,9\n".encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    path = tmp_path / "p.csv"
    path.write_bytes(raw)
    table, rejects = read_table(path, PROJECTS)
    assert table.row(0, named=True)["budget"] == "10"
    assert rejects.height == 0


def test_undecodable_bytes_name_the_offset(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"offset 9"):
        detect_encoding(b"project_i\xff\xff\xff", "x.csv")
    assert detect_encoding(codecs.BOM_UTF8 + b"a", "x") == "utf-8-sig"


def test_tab_delimited_by_suffix_and_by_header(tmp_path: Path) -> None:
    rows = [PROJECT_HEADERS, *PROJECT_ROWS]
    text = "\n".join("\t".join(r) for r in rows) + "\n"
    for name in ("p.tsv", "p.txt", "p.csv"):
        (tmp_path / name).write_text(text, encoding="utf-8")
        table, _ = read_table(tmp_path / name, PROJECTS)
        assert table["spent"].to_list() == ["95.5", "12"], name


def test_workbook_with_both_sheets_title_row_and_notes_sheet(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "book.xlsx",
        {
            "填表说明": [["请按模板填写"]],
            " 项目表 ": [
                ["2025年项目支出绩效自评表"],
                PROJECT_HEADERS,
                ["P001", "a", "b", 12.0, 0.95],
            ],
            "绩效指标": [INDICATOR_HEADERS, *INDICATOR_ROWS],
        },
    )
    inputs = read_inputs([path], SPECS)
    source = inputs.sources[0]
    assert source.sheets == {"填表说明": None, " 项目表 ": "projects", "绩效指标": "indicators"}
    assert source.header_rows == {" 项目表 ": 2, "绩效指标": 1}
    row = inputs.tables["projects"].row(0, named=True)
    # Excel numbers come back as written: 12.0 without ".0", a percentage's fraction as is.
    assert (row["budget"], row["spent"], row["_row"], row["_sheet"]) == (
        "12",
        "0.95",
        3,
        " 项目表 ",
    )
    assert inputs.tables["indicators"]["_row"].to_list() == [2, 3, 4]


def test_english_sheet_names_and_headers(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "en.xlsx",
        {
            "projects": [["Project_ID", "BUDGET", "spent"], ["p1", 1.5, 1]],
            "indicators": [
                ["project_id", "level1", "level2", "indicator", "target", "actual", "points"],
                ["p1", "a", "b", "c", "≥1", "1", 10.0],
            ],
        },
    )
    inputs = read_inputs([path], SPECS)
    assert inputs.tables["projects"].select("budget", "spent").row(0) == ("1.5", "1")
    assert inputs.tables["indicators"]["points"].to_list() == ["10"]


def test_headers_normalized_full_width_brackets_stars(tmp_path: Path) -> None:
    headers = ["* 项目编号", "全年预算数（万元）", "全 年 执 行 数 (万元)", "年度指标值(50分)"]
    path = write_csv(tmp_path / "p.csv", [headers, ["P1", "1", "2", "x"]])
    inputs_table, _ = read_table(path, PROJECTS)
    assert inputs_table.select("project_id", "budget", "spent").row(0) == ("P1", "1", "2")


def test_extra_columns_are_listed_not_kept(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "p.csv", [[*PROJECT_HEADERS, "备注"], [*PROJECT_ROWS[0], "n"]])
    i = write_csv(tmp_path / "i.csv", [INDICATOR_HEADERS, *INDICATOR_ROWS])
    inputs = read_inputs([p, i], SPECS)
    assert inputs.unused_columns == [(str(p), None, "备注")]
    assert "备注" not in inputs.tables["projects"].columns
    optional = inputs.tables["projects"]["budget_initial"]
    assert optional.dtype == pl.String and optional.null_count() == 1


def test_missing_required_column_names_it_with_aliases_and_hint(tmp_path: Path) -> None:
    headers = ["项目编号", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成", "分值"]
    path = write_workbook(tmp_path / "b.xlsx", {"指标": [headers, ["P1"] * 7]})
    with pytest.raises(InputError) as info:
        read_inputs([path], SPECS)
    message = str(info.value)
    assert "b.xlsx, sheet '指标', row 1" in message
    assert "actual (实际完成值, 完成值, 实际值)" in message
    assert "did you mean '实际完成'" in message


def test_unknown_csv_says_which_columns_it_found(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "data.csv", [["编号", "金额"], ["1", "2"]])
    with pytest.raises(InputError, match=r"cannot tell which table.*'编号', '金额'"):
        read_inputs([path], SPECS)


def test_csv_named_like_a_table_gets_the_missing_column_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "projects.csv", [["项目编号", "全年预算数"], ["P1", "2"]])
    with pytest.raises(InputError, match=r"lacks required column\(s\) spent \(全年执行数"):
        read_inputs([path], SPECS)


def test_headers_fitting_both_tables_are_ambiguous(tmp_path: Path) -> None:
    headers = [*INDICATOR_HEADERS, "全年预算数", "执行数"]
    path = write_csv(tmp_path / "all.csv", [headers, ["P1"] * len(headers)])
    with pytest.raises(InputError, match="several tables"):
        read_inputs([path], SPECS)


def test_two_headers_meaning_one_column_is_an_error(tmp_path: Path) -> None:
    headers = ["项目编号", "全年预算数", "执行数", "实际支出"]
    path = write_csv(tmp_path / "p.csv", [headers, ["P1", "1", "2", "3"]])
    with pytest.raises(InputError, match=r"'执行数' \(column C\) and '实际支出' \(column D\)"):
        read_table(path, PROJECTS)


def test_missing_table_overall(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", [PROJECT_HEADERS, *PROJECT_ROWS])
    with pytest.raises(InputError, match="no input provides the indicators table"):
        read_inputs([path], SPECS)


def test_bad_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_inputs([tmp_path / "nope.csv"], SPECS)
    (tmp_path / "x.doc").write_text("hi")
    with pytest.raises(InputError, match=r"unknown file type \.doc"):
        read_inputs([tmp_path / "x.doc"], SPECS)
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    with pytest.raises(InputError, match=r"broken\.xlsx: cannot read as an Excel workbook"):
        read_inputs([tmp_path / "broken.xlsx"], SPECS)
    with pytest.raises(InputError, match="no input files"):
        read_inputs([], SPECS)


def test_row_level_rejects_with_exact_rows(tmp_path: Path) -> None:
    rows = [
        PROJECT_HEADERS,  # line 1
        ["P001", "a", "d", "1", "1"],  # 2
        ["", "", "", "", ""],  # 3 blank row
        ["P002", "b", "d", "1", "1"],  # 4
        [" ", "合计", "", "2", "2"],  # 5 blank key
        ["P001", "c", "d", "3", "3"],  # 6 duplicate of line 2
    ]
    p = write_csv(tmp_path / "p.csv", rows)
    book = write_workbook(
        tmp_path / "b.xlsx",
        {"项目": [PROJECT_HEADERS, ["P002", "x", "y", 1.0, 1.0]], "指标": [INDICATOR_HEADERS]},
    )
    inputs = read_inputs([p, book], SPECS)
    assert inputs.tables["projects"]["_row"].to_list() == [2, 4]
    rejects = inputs.rejects
    assert rejects.schema == pl.Schema(REJECT_SCHEMA)
    assert rejects.select("file", "sheet", "row", "column", "reason").rows() == [
        (str(p), None, 3, None, "blank row"),
        (str(p), None, 5, "project_id", "missing 项目编号 (project_id)"),
        (str(p), None, 6, "project_id", "duplicate project_id 'P001', first at row 2"),
        (str(book), "项目", 2, "project_id", f"duplicate project_id 'P002', first at {p} row 4"),
    ]
    assert rejects["text"][1] == "项目名称=合计; 全年预算数=2; 全年执行数=2"


def test_blank_rows_in_excel_keep_row_numbers(tmp_path: Path) -> None:
    book = write_workbook(
        tmp_path / "b.xlsx",
        {
            "指标": [
                [],
                ["自评表"],
                INDICATOR_HEADERS,
                INDICATOR_ROWS[0],
                [],
                [None, "  "],
                INDICATOR_ROWS[1],
                [None, "合计"],
                [],
                [],
            ]
        },
    )
    p = write_csv(tmp_path / "p.csv", [PROJECT_HEADERS, *PROJECT_ROWS])
    inputs = read_inputs([p, book], SPECS)
    assert inputs.tables["indicators"]["_row"].to_list() == [4, 7]
    assert inputs.rejects.select("row", "reason").rows() == [
        (5, "blank row"),
        (6, "blank row"),
        (8, "missing 项目编号 (project_id)"),
    ]
    assert inputs.sources[1].rows == {"indicators": 5}


def test_parquet_round_trip_casts_to_text(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "项目编号": ["P1", "P2", None],
            "全年预算数": [12.0, 12.5, 3.0],
            "全年执行数": [1, 2, 3],
            "年度": [True, False, None],
        }
    )
    path = tmp_path / "p.parquet"
    frame.write_parquet(path)
    table, rejects = read_table(path, PROJECTS)
    assert table.select("project_id", "budget", "spent", "year").rows() == [
        ("P1", "12", "1", "true"),
        ("P2", "12.5", "2", "false"),
    ]
    assert rejects.select("row", "reason").rows() == [(3, "missing 项目编号 (project_id)")]


def test_empty_rejects_schema() -> None:
    assert empty_rejects().schema == pl.Schema(REJECT_SCHEMA)
    assert empty_rejects().height == 0


cell = st.one_of(st.none(), st.sampled_from(["", " ", "P1", "P2", "P3", "≥95%", "完成"]))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.lists(cell, min_size=5, max_size=5), min_size=0, max_size=12))
def test_nothing_lost(tmp_path: Path, body: list[list[str | None]]) -> None:
    """Every data row up to the last non-blank one is kept or rejected, exactly once."""
    rows = [["" if v is None else v for v in r] for r in body]
    p = write_csv(tmp_path / "p.csv", [PROJECT_HEADERS, *rows, ["P9", "x", "y", "1", "1"]])
    i = write_csv(tmp_path / "i.csv", [INDICATOR_HEADERS, *INDICATOR_ROWS])
    inputs = read_inputs([p, i], SPECS)
    kept = inputs.tables["projects"]["_row"].to_list()
    rejected = inputs.rejects.filter(pl.col("table") == "projects")["row"].to_list()
    assert sorted(kept + rejected) == list(range(2, len(rows) + 3))
    assert inputs.sources[0].rows["projects"] == len(rows) + 1
    assert inputs.tables["projects"]["project_id"].is_duplicated().sum() == 0


def test_empty_sheets_are_skipped_empty_files_are_errors(tmp_path: Path) -> None:
    book = write_workbook(
        tmp_path / "b.xlsx",
        {"指标": [], "项目": [PROJECT_HEADERS, PROJECT_ROWS[0]], "Sheet3": []},
    )
    i = write_csv(tmp_path / "i.csv", [INDICATOR_HEADERS, *INDICATOR_ROWS])
    inputs = read_inputs([book, i], SPECS)
    assert inputs.sources[0].sheets == {"指标": None, "项目": "projects", "Sheet3": None}
    (tmp_path / "e.csv").write_bytes(b"")
    with pytest.raises(InputError, match=r"e\.csv: the file is empty"):
        read_inputs([tmp_path / "e.csv"], SPECS)


def test_did_you_mean_survives_quotes_in_headers(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "projects.csv", [["项目编号", "全年预算数", "全年执行数'"]])
    with pytest.raises(InputError, match='did you mean "全年执行数\'"'):
        read_inputs([path], SPECS)


def test_multiline_csv_records_keep_editor_line_numbers(tmp_path: Path) -> None:
    text = '项目编号,项目名称,全年预算数,全年执行数\nP1,"培训,\n第二行",1,1\n\nP2,b,2,2\n'
    path = tmp_path / "p.csv"
    path.write_text(text, encoding="utf-8")
    table, rejects = read_table(path, PROJECTS)
    assert table.select("project_name", "_row").rows() == [("培训,\n第二行", 2), ("b", 5)]
    assert rejects.select("row", "reason").rows() == [(4, "blank row")]


def test_vertically_merged_label_cells_fill_their_rows(tmp_path: Path) -> None:
    """Templates merge the 一级/二级 cells of a block of rows; the value is shown in every
    row of the merge, so every row gets it. A header merged across columns stays one
    column, and a merged title row above the header is harmless."""
    path = tmp_path / "merged.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("指标")
    ws.merge_range(0, 1, 0, 7, "2025年度项目支出绩效自评表")  # title over B1:H1
    ws.write_row(1, 1, INDICATOR_HEADERS)  # header in row 2, from column B
    ws.merge_range(1, 8, 1, 9, "备注")  # a header merged across two columns
    rows = [
        ["P001", "产出指标", "数量指标", "培训人次", "≥95%", "96%", "10"],
        ["P001", None, None, "培训天数", "≥5天", "5", "10"],
        ["P001", None, "质量指标", "合格率", "≥90%", "91%", "30"],
        ["P001", "效益指标", "社会效益", "满意度", "≥90%", "95%", "40"],
    ]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.write(r, c, value)
    ws.merge_range(2, 2, 4, 2, "产出指标")  # C3:C5
    ws.merge_range(2, 3, 3, 3, "数量指标")  # D3:D4
    wb.close()
    wb2 = tmp_path / "p.csv"
    write_csv(wb2, [PROJECT_HEADERS, *PROJECT_ROWS])
    inputs = read_inputs([wb2, path], SPECS)
    table = inputs.tables["indicators"]
    assert table["level1"].to_list() == ["产出指标", "产出指标", "产出指标", "效益指标"]
    assert table["level2"].to_list() == ["数量指标", "数量指标", "质量指标", "社会效益"]
    assert table["_row"].to_list() == [3, 4, 5, 6]
    assert inputs.rejects.height == 0
