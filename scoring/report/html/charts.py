"""Chart specs (Vega-Lite through Altair) from the small frames `aggregate` makes, and
the same charts as PNG through vl-convert (no browser).

Every chart carries its data inline under a stable name (`grades`, `histogram` …), so
the page needs no request and a test can read back what a chart drew. One font stack,
a CJK font first, for the page and the PNGs alike. The migration heatmap and the sweep
chart take the frames compare and whatif will write (`base_grade, candidate_grade, n`
and `value, grade, n, mean_total`).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

import polars as pl
import vl_convert as vlc

if TYPE_CHECKING:
    import altair as alt


def _lazy(name: str) -> ModuleType:
    """`name` imported on its first attribute access (importlib's LazyLoader): altair
    takes a third of importing the API (0.3-0.5 s), and only a report draws charts."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.loader is not None, name
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


if not TYPE_CHECKING:
    alt = _lazy("altair")

FONT = "Microsoft YaHei, PingFang SC, Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif"
"""CJK first: Windows, macOS, Linux (Noto), then the Debian package the tests install."""

GRADE_COLOURS = {"优": "#1a9850", "良": "#66bd63", "中": "#fdae61", "差": "#d73027"}
UNGRADED_COLOUR = "#9e9e9e"
LIGHT_COLOURS = {"红": "#d73027", "黄": "#fee08b", "绿": "#1a9850", "灰": "#bdbdbd"}
WIDTH = 560

Spec = dict[str, Any]


def _inline(name: str, frame: pl.DataFrame) -> alt.InlineData:
    return alt.InlineData(values=frame.to_dicts(), name=name)


def _config(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return cast(
        alt.TopLevelMixin,
        chart.configure(font=FONT)
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=12, titleFontSize=13)
        .configure_legend(labelFontSize=12, titleFontSize=13)
        .configure_title(fontSize=15),
    )


def spec(chart: alt.TopLevelMixin) -> Spec:
    """The Vega-Lite JSON of a chart (as the page embeds it and vl-convert draws it)."""
    return dict(_config(chart).to_dict())


def png(vl_spec: Spec, scale: float = 2.0) -> bytes:
    """The chart as a PNG (for pasting into Word), drawn with the machine's fonts."""
    return bytes(vlc.vegalite_to_png(json.dumps(vl_spec, ensure_ascii=False), scale=scale))


def grade_scale(grades: Sequence[str]) -> alt.Scale:
    """Known grades in their colours (优 green … 差 red, 未定级 grey), others by scheme."""
    palette = ["#4575b4", "#74add1", "#abd9e9", "#f46d43", "#a50026", "#313695"]
    colours = []
    for i, g in enumerate(grades):
        colours.append(GRADE_COLOURS.get(g, UNGRADED_COLOUR if g == "未定级" else palette[i % 6]))
    return alt.Scale(domain=list(grades), range=colours)


def grade_bar(frame: pl.DataFrame, order: Sequence[str]) -> alt.TopLevelMixin:
    """grade, n, share → one bar per grade, best first, its count on top."""
    base = alt.Chart(_inline("grades", frame)).encode(
        x=alt.X("grade:N", sort=list(order), title="等级", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("n:Q", title="项目数"),
    )
    bars = base.mark_bar().encode(
        color=alt.Color("grade:N", scale=grade_scale(order), legend=None),
        tooltip=[
            alt.Tooltip("grade:N", title="等级"),
            alt.Tooltip("n:Q", title="项目数"),
            alt.Tooltip("share:Q", title="占比", format=".1%"),
        ],
    )
    text = base.mark_text(dy=-6).encode(text="n:Q")
    return cast(
        alt.TopLevelMixin, (bars + text).properties(width=WIDTH, height=240, title="等级分布")
    )


def histogram(frame: pl.DataFrame, title: str = "得分分布", axis: str = "总分") -> alt.Chart:
    """bin_start, bin_end, n → a histogram of pre-binned counts."""
    return cast(
        alt.Chart,
        alt.Chart(_inline("histogram", frame))
        .mark_bar(color="#4575b4")
        .encode(
            x=alt.X("bin_start:Q", bin="binned", title=axis),
            x2="bin_end:Q",
            y=alt.Y("n:Q", title="项目数"),
            tooltip=[
                alt.Tooltip("bin_start:Q", title="自"),
                alt.Tooltip("bin_end:Q", title="至"),
                alt.Tooltip("n:Q", title="项目数"),
            ],
        )
        .properties(width=WIDTH, height=220, title=title),
    )


def department_ranking(frame: pl.DataFrame) -> alt.TopLevelMixin:
    """department, n, mean, min, q1, median, q3, max → per department (best mean on top)
    a line min–max, a bar q1–q3 and a tick at the mean."""
    order = frame["department"].to_list()
    height = max(120, 18 * len(order))
    base = alt.Chart(_inline("departments", frame)).encode(
        y=alt.Y("department:N", sort=order, title="主管部门")
    )
    tooltip = [
        alt.Tooltip("department:N", title="主管部门"),
        alt.Tooltip("n:Q", title="项目数"),
        alt.Tooltip("mean:Q", title="平均分"),
        alt.Tooltip("min:Q", title="最低分"),
        alt.Tooltip("median:Q", title="中位数"),
        alt.Tooltip("max:Q", title="最高分"),
    ]
    spread = base.mark_rule(color="#888").encode(
        x=alt.X("min:Q", title="总分", scale=alt.Scale(zero=False)), x2="max:Q"
    )
    box = base.mark_bar(color="#abd9e9", size=10).encode(x="q1:Q", x2="q3:Q", tooltip=tooltip)
    mean = base.mark_tick(color="#d73027", thickness=2, size=14).encode(x="mean:Q", tooltip=tooltip)
    chart = (spread + box + mean).properties(width=WIDTH, height=height, title="部门排名与分布")
    return cast(alt.TopLevelMixin, chart)


def category_bars(frame: pl.DataFrame) -> alt.Chart:
    """department, category, mean, order → a stacked bar per department (全部 first) of
    the mean score of each category."""
    departments = frame["department"].unique(maintain_order=True).to_list()
    return cast(
        alt.Chart,
        alt.Chart(_inline("categories", frame))
        .mark_bar()
        .encode(
            y=alt.Y("department:N", sort=departments, title="主管部门"),
            x=alt.X("mean:Q", stack="zero", title="平均得分"),
            color=alt.Color(
                "category:N",
                sort=frame.sort("order")["category"].unique(maintain_order=True).to_list(),
                title="类别",
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("department:N", title="主管部门"),
                alt.Tooltip("category:N", title="类别"),
                alt.Tooltip("mean:Q", title="平均得分"),
            ],
        )
        .properties(width=WIDTH, height=max(120, 18 * len(departments)), title="分类得分"),
    )


def heatmap(
    frame: pl.DataFrame,
    name: str,
    x: tuple[str, str, Sequence[str] | None],
    y: tuple[str, str, Sequence[str] | None],
    title: str,
) -> alt.TopLevelMixin:
    """A count heatmap with the count written in each cell; x and y are (column, axis
    title, order or None for the data's order)."""
    xs = list(x[2]) if x[2] is not None else frame[x[0]].unique(maintain_order=True).to_list()
    ys = list(y[2]) if y[2] is not None else frame[y[0]].unique(maintain_order=True).to_list()
    base = alt.Chart(_inline(name, frame)).encode(
        x=alt.X(f"{x[0]}:N", sort=xs, title=x[1], axis=alt.Axis(labelAngle=-40)),
        y=alt.Y(f"{y[0]}:N", sort=ys, title=y[1]),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("n:Q", scale=alt.Scale(scheme="oranges"), title="数量"),
        tooltip=[
            alt.Tooltip(f"{x[0]}:N", title=x[1]),
            alt.Tooltip(f"{y[0]}:N", title=y[1]),
            alt.Tooltip("n:Q", title="数量"),
        ],
    )
    text = base.mark_text(fontSize=10).encode(text="n:Q")
    size = {"width": max(160, 26 * len(xs)), "height": max(80, 20 * len(ys))}
    return cast(alt.TopLevelMixin, (cells + text).properties(title=title, **size))


def flag_heatmap(frame: pl.DataFrame) -> alt.TopLevelMixin:
    """flag, severity, department, n → flags per id (rows) and department (columns)."""
    return heatmap(
        frame, "flags", ("department", "主管部门", None), ("flag", "标记", None), "标记分布"
    )


def migration_heatmap(frame: pl.DataFrame, order: Sequence[str]) -> alt.TopLevelMixin:
    """base_grade, candidate_grade, n → the grade migration matrix (compare, whatif):
    rows the base grade, columns the candidate grade, both best first, 未定级 included;
    every pair is drawn (0 where no project moved) so the diagonal reads as a line."""
    grades = [*order, *(g for g in _seen(frame, "base_grade", "candidate_grade") if g not in order)]
    got = {
        (b, c): int(n) for b, c, n in frame.select("base_grade", "candidate_grade", "n").iter_rows()
    }
    full = pl.DataFrame(
        [(b, c, got.get((b, c), 0)) for b in grades for c in grades],
        schema={"base_grade": pl.String, "candidate_grade": pl.String, "n": pl.Int64},
        orient="row",
    )
    return heatmap(
        full,
        "migration",
        ("candidate_grade", "调整后等级", grades),
        ("base_grade", "调整前等级", grades),
        "等级迁移",
    )


def _seen(frame: pl.DataFrame, *cols: str) -> list[str]:
    out: list[str] = []
    for c in cols:
        out += [g for g in frame[c].to_list() if g is not None and g not in out]
    return out


def sweep_chart(frame: pl.DataFrame, order: Sequence[str], key: str = "") -> alt.TopLevelMixin:
    """value, grade, n, mean_total → for each swept value a stacked bar of projects per
    grade (left axis) and the mean total as a line (right axis)."""
    grades = [*order, *(g for g in _seen(frame, "grade") if g not in order)]
    rank = {g: i for i, g in enumerate(grades)}
    data = frame.with_columns(
        order=pl.col("grade").replace_strict(rank, default=len(grades), return_dtype=pl.Int64)
    )
    axis = key or "取值"
    base = alt.Chart(_inline("sweep", data)).encode(x=alt.X("value:O", title=axis))
    bars = base.mark_bar().encode(
        y=alt.Y("n:Q", stack="zero", title="项目数"),
        color=alt.Color("grade:N", scale=grade_scale(grades), title="等级"),
        order=alt.Order("order:Q"),
        tooltip=[
            alt.Tooltip("value:O", title=axis),
            alt.Tooltip("grade:N", title="等级"),
            alt.Tooltip("n:Q", title="项目数"),
        ],
    )
    line = base.mark_line(color="#000", point=True).encode(
        y=alt.Y("mean(mean_total):Q", title="平均分", scale=alt.Scale(zero=False)),
        tooltip=[
            alt.Tooltip("value:O", title=axis),
            alt.Tooltip("mean(mean_total):Q", title="平均分", format=".2f"),
        ],
    )
    chart = (
        alt.layer(bars, line)
        .resolve_scale(y="independent")
        .properties(width=WIDTH, height=260, title="参数扫描")
    )
    return cast(alt.TopLevelMixin, chart)


def light_bars(frame: pl.DataFrame) -> alt.Chart:
    """kind, light, n, order → per kind of light a stacked bar of projects by colour."""
    return _stacked_lights(frame, "lights", "kind", "灯类", "监控灯分布")


def department_light_bars(frame: pl.DataFrame) -> alt.Chart:
    """department, light, n, order → per department a stacked bar of its projects' lights."""
    return _stacked_lights(frame, "department_lights", "department", "主管部门", "部门监控灯")


def _stacked_lights(frame: pl.DataFrame, name: str, by: str, title: str, chart: str) -> alt.Chart:
    rows = frame[by].unique(maintain_order=True).to_list()
    return cast(
        alt.Chart,
        alt.Chart(_inline(name, frame))
        .mark_bar()
        .encode(
            y=alt.Y(f"{by}:N", sort=rows, title=title),
            x=alt.X("n:Q", stack="zero", title="项目数"),
            color=alt.Color(
                "light:N",
                scale=alt.Scale(domain=list(LIGHT_COLOURS), range=list(LIGHT_COLOURS.values())),
                title="灯",
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip(f"{by}:N", title=title),
                alt.Tooltip("light:N", title="灯"),
                alt.Tooltip("n:Q", title="项目数"),
            ],
        )
        .properties(width=WIDTH, height=max(80, 20 * len(rows)), title=chart),
    )
