"""Chart specs: data inline under a stable name (what the browser test reads back), the
CJK font stack, and the compare/whatif charts ready for the frames those jobs will write."""

from __future__ import annotations

from typing import Any

import polars as pl

from jixiao.scoring.report.html import charts

ORDER = ["优", "良", "中", "差", "未定级"]


def _named(spec: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The rows of the inline dataset `name`, wherever the spec holds it."""
    found: list[list[dict[str, Any]]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, dict) and data.get("name") == name and "values" in data:
                found.append(data["values"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(spec)
    assert len(found) == 1, f"dataset {name!r} found {len(found)} times"
    return found[0]


def test_every_chart_uses_the_cjk_font_stack_first() -> None:
    frame = pl.DataFrame({"grade": ["优"], "n": [1], "share": [1.0]})
    spec = charts.spec(charts.grade_bar(frame, ["优"]))
    assert spec["config"]["font"].split(",")[0] == "Microsoft YaHei"
    for font in ("PingFang SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei"):
        assert font in spec["config"]["font"]


def test_grade_bar_carries_its_rows_and_order() -> None:
    frame = pl.DataFrame({"grade": ["优", "良"], "n": [3, 4], "share": [0.43, 0.57]})
    spec = charts.spec(charts.grade_bar(frame, ["优", "良"]))
    assert _named(spec, "grades") == frame.to_dicts()
    assert "datasets" not in spec  # nothing left for a loader to fetch or resolve


def test_migration_heatmap_draws_every_grade_pair_with_zeros() -> None:
    frame = pl.DataFrame(
        {
            "base_grade": ["优", "良", "未定级"],
            "candidate_grade": ["优", "中", "良"],
            "n": [5, 2, 1],
        }
    )
    spec = charts.spec(charts.migration_heatmap(frame, ORDER))
    cells = {(r["base_grade"], r["candidate_grade"]): r["n"] for r in _named(spec, "migration")}
    assert len(cells) == len(ORDER) ** 2
    assert cells[("优", "优")] == 5 and cells[("良", "中")] == 2 and cells[("未定级", "良")] == 1
    assert sum(cells.values()) == 8
    layer = spec["layer"][0]["encoding"]
    assert layer["y"]["sort"] == ORDER and layer["x"]["sort"] == ORDER


def test_migration_heatmap_keeps_a_grade_the_order_lacks() -> None:
    frame = pl.DataFrame({"base_grade": ["A"], "candidate_grade": ["B"], "n": [1]})
    spec = charts.spec(charts.migration_heatmap(frame, ["A"]))
    assert {(r["base_grade"], r["candidate_grade"]) for r in _named(spec, "migration")} == {
        ("A", "A"),
        ("A", "B"),
        ("B", "A"),
        ("B", "B"),
    }


def test_sweep_chart_stacks_grades_in_band_order_and_lines_the_mean() -> None:
    frame = pl.DataFrame(
        {
            "value": [30, 30, 40, 40],
            "grade": ["良", "优", "优", "未定级"],
            "n": [3, 5, 6, 2],
            "mean_total": [88.1, 88.1, 90.2, 90.2],
        }
    )
    spec = charts.spec(charts.sweep_chart(frame, ORDER, "weights.output"))
    rows = _named(spec, "sweep")
    assert {(r["value"], r["grade"], r["n"]) for r in rows} == set(
        frame.select("value", "grade", "n").iter_rows()
    )
    assert {r["grade"]: r["order"] for r in rows} == {"优": 0, "良": 1, "未定级": 4}
    bars, line = spec["layer"]
    assert bars["encoding"]["x"]["title"] == "weights.output"
    assert line["mark"]["type"] == "line"
    assert spec["resolve"]["scale"]["y"] == "independent"


def test_png_is_a_png() -> None:
    frame = pl.DataFrame({"bin_start": [90.0], "bin_end": [95.0], "n": [3]})
    data = charts.png(charts.spec(charts.histogram(frame)))
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 2000
