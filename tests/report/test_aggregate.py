"""Aggregation before charting: each chart's frame, hand-computed on small inputs."""

from __future__ import annotations

import polars as pl
import pytest

from jixiao.scoring.report.html import aggregate as agg


def _projects(**cols: list[object]) -> pl.LazyFrame:
    return pl.DataFrame(cols, strict=False).lazy()


def test_grade_distribution_keeps_band_order_zeros_and_counts_null_as_ungraded() -> None:
    ps = _projects(grade=["良", "优", None, "良", "未定级"])
    dept = pl.DataFrame(
        schema={"department": pl.String, "grade_优": pl.UInt32, "grade_良": pl.UInt32,
                "grade_中": pl.UInt32, "grade_差": pl.UInt32, "grade_未定级": pl.UInt32}
    ).lazy()  # fmt: skip
    order = agg.grade_order(dept, ["良", "优"])
    assert order == ["优", "良", "中", "差", "未定级"]
    dist = agg.grade_distribution(ps, order)
    assert dist.rows() == [
        ("优", 1, 0.2),
        ("良", 2, 0.4),
        ("中", 0, 0.0),
        ("差", 0, 0.0),
        ("未定级", 2, 0.4),
    ]


def test_grade_order_appends_grades_the_bands_do_not_name() -> None:
    assert agg.grade_order(None, ["A", "B"]) == ["A", "B"]
    ps = _projects(grade=["A", "Z"])
    assert agg.grade_distribution(ps, ["A"]).rows() == [("A", 1, 0.5), ("Z", 1, 0.5)]


@pytest.mark.parametrize(
    ("values", "width", "expected"),
    [
        # 100 (the scale's top) is counted with 95–100, a boundary value with the bin it starts.
        (
            [100.0, 95.0, 94.99, 60.0],
            5.0,
            [
                (60.0, 65.0, 1),
                *[(x, x + 5, 0) for x in range(65, 90, 5)],
                (90.0, 95.0, 1),
                (95.0, 100.0, 2),
            ],
        ),
        ([7.0], 5.0, [(5.0, 10.0, 1)]),
        ([0.0, 0.05, 1.2], 0.5, [(0.0, 0.5, 2), (0.5, 1.0, 0), (1.0, 1.5, 1)]),
        ([None, float("nan")], 5.0, []),
    ],
)
def test_histogram_bins(
    values: list[float | None], width: float, expected: list[tuple[float, float, int]]
) -> None:
    got = agg.histogram(_projects(total=values), "total", width)
    assert got.rows() == expected
    assert got["n"].sum() == sum(1 for v in values if v is not None and v == v)


def test_department_spread_orders_by_mean_then_name_and_skips_null_totals() -> None:
    ps = _projects(
        department=["乙", "乙", "甲", "甲", "甲", "丙"],
        total=[80.0, 90.0, 85.0, 85.0, None, 85.0],
    )
    got = agg.department_spread(ps)
    # All three means are 85: ties by name, in code point order (丙 U+4E19 < 乙 < 甲).
    assert got["department"].to_list() == ["丙", "乙", "甲"]
    row = got.row(1, named=True)
    assert (row["n"], row["mean"], row["min"], row["max"], row["median"]) == (
        2,
        85.0,
        80.0,
        90.0,
        85.0,
    )
    assert (row["q1"], row["q3"]) == (82.5, 87.5)
    assert got.row(2, named=True)["n"] == 2  # the null total is not a project of the spread


def test_a_project_without_department_is_charted_under_a_label() -> None:
    ps = _projects(department=["甲", None], total=[90.0, 80.0], a_score=[1.0, 2.0])
    assert set(agg.department_spread(ps)["department"]) == {"甲", agg.BLANK_DEPARTMENT}
    means = agg.category_means(ps, ["a_score"], {})
    assert set(means["department"]) == {"全部", "甲", agg.BLANK_DEPARTMENT}


def test_category_columns_are_the_weighted_ones_and_budget() -> None:
    ps = _projects(
        budget_score=[1.0],
        output_score=[2.0],
        output_points=[2.0],
        benefit_score=[3.0],
        benefit_points=[3.0],
        indicator_score=[5.0],
        total=[6.0],
    )
    assert agg.category_columns(ps) == ["budget_score", "output_score", "benefit_score"]


def test_category_means_per_department_and_overall() -> None:
    ps = _projects(department=["甲", "乙", "乙"], a_score=[1.0, 2.0, 4.0], b_score=[0.0, 1.0, None])
    got = agg.category_means(ps, ["a_score", "b_score"], {"a_score": "甲类"})
    assert got.rows() == [
        ("全部", "甲类", 2.33, 0),
        ("全部", "b_score", 0.5, 1),
        ("乙", "甲类", 3.0, 0),
        ("乙", "b_score", 1.0, 1),
        ("甲", "甲类", 1.0, 0),
        ("甲", "b_score", 0.0, 1),
    ]


def test_flag_counts_most_frequent_first_and_totals() -> None:
    flags = _projects(
        flag=["x", "y", "y", "y", "x"],
        severity=["info", "warning", "warning", "warning", "info"],
        department=["甲", "甲", "乙", None, "甲"],
    )
    counts = agg.flag_counts(flags)
    assert counts.rows() == [
        ("y", "warning", "", 1),
        ("y", "warning", "乙", 1),
        ("y", "warning", "甲", 1),
        ("x", "info", "甲", 2),
    ]
    assert agg.flag_totals(counts).rows() == [("y", "warning", 3), ("x", "info", 2)]
    assert agg.flag_counts(flags.head(0)).height == 0


def test_light_counts_list_every_colour() -> None:
    projects = _projects(light=["red", "green", "red"], budget_light=["grey", "green", "green"])
    got = agg.light_counts(projects)
    assert got.filter(pl.col("kind") == "综合").select("light", "n").rows() == [
        ("红", 2),
        ("黄", 0),
        ("绿", 1),
        ("灰", 0),
    ]
    assert got.filter(pl.col("kind") == "预算执行")["n"].to_list() == [0, 0, 2, 1]
    assert set(got["kind"]) == {"综合", "预算执行"}


def test_department_lights_most_red_first() -> None:
    depts = pl.DataFrame(
        {"department": ["甲", "乙"], "n_light_red": [0, 2], "n_light_yellow": [5, 0],
         "n_light_green": [1, 1], "n_light_grey": [0, 0]}
    ).lazy()  # fmt: skip
    got = agg.department_lights(depts)
    assert got["department"].unique(maintain_order=True).to_list() == ["乙", "甲"]
    assert got.filter(pl.col("department") == "甲")["n"].to_list() == [0, 5, 1, 0]


def test_headers_fill_patterns_with_labels_most_specific_first() -> None:
    from jixiao.scoring.report.html.data import catalogue_labels, headers

    labels = catalogue_labels({"catalogue": {"id": "project-common"}})
    assert labels["output"] == "产出"
    got = headers(
        "project_scores",
        ["output_score", "output_points", "budget_score", "budget_spending_rate", "mystery"],
        labels,
    )
    assert got["output_score"] == "产出得分"
    assert got["output_points"] == "产出分值"
    assert got["budget_score"] == "预算执行得分"
    assert got["budget_spending_rate"] == labels["budget_spending_rate"]
    assert got["mystery"] == "mystery"
    assert catalogue_labels({"catalogue": {"id": "no-such-catalogue"}}) == {}
    assert catalogue_labels({}) == {}
