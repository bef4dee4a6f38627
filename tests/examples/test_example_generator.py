"""The sample district generator: reproducible, internally consistent, quirky on purpose.

The quirk checks read the bundled CSV files back and recognise each quirk from the text
alone, then compare with what the generator says it put in: a generator that miscounts
(or a sample that drifts from the generator) fails here.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # plain `pytest` does not put the work tree on sys.path
    sys.path.insert(0, str(ROOT))

from examples import generate as gen  # noqa: E402
from examples import vocab  # noqa: E402

SAMPLE = ROOT / "examples" / "sample-district"
GBK = ROOT / "examples" / "gbk-sample"
TIERS = {
    label: i for labels in (vocab.LONG, vocab.MEDIUM, vocab.SHORT) for i, label in enumerate(labels)
}
GE = re.compile(r"^(?:≥|＞＝)\s*(\d+(?:\.\d+)?)|^不低于(\d+(?:\.\d+)?)|^(\d+(?:\.\d+)?)\D*以上$")
LE = re.compile(r"^(?:≤|＜＝)\s*(\d+(?:\.\d+)?)|^不超过(\d+(?:\.\d+)?)")
NUMBER = re.compile(r"^(\d+(?:\.\d+)?)")


@pytest.fixture(scope="module")
def bundled() -> tuple[pl.DataFrame, pl.DataFrame]:
    projects = pl.read_csv(SAMPLE / "projects.csv", infer_schema=False)
    indicators = pl.read_csv(SAMPLE / "indicators.csv", infer_schema=False)
    return projects, indicators.with_columns(pl.col("分值", "得分").cast(pl.Float64))


@pytest.fixture(scope="module")
def quirks() -> dict[str, int]:
    return gen.generate_sample(gen.DEFAULT_PROJECTS, gen.DEFAULT_SEED).quirks


def _category(level1: pl.Expr) -> pl.Expr:
    return level1.str.extract(r"^(产出|效益|满意度)")


# ---------------------------------------------------------------------------- determinism


def test_same_arguments_give_identical_bytes(tmp_path: Path) -> None:
    for run in ("a", "b"):
        gen.write_sample(gen.generate_sample(40, 11), tmp_path / run, ["csv"])
    for name in ("projects.csv", "indicators.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    gen.write_sample(gen.generate_sample(40, 12), tmp_path / "c", ["csv"])
    assert (tmp_path / "a" / "indicators.csv").read_bytes() != (
        tmp_path / "c" / "indicators.csv"
    ).read_bytes()


def test_bundled_files_equal_a_fresh_default_generation(tmp_path: Path) -> None:
    sample = gen.generate_sample(gen.DEFAULT_PROJECTS, gen.DEFAULT_SEED)
    gen.write_sample(sample, tmp_path / "sample", ["csv"])
    gen.write_gbk_sample(tmp_path / "gbk")
    for name in ("projects.csv", "indicators.csv"):
        assert (tmp_path / "sample" / name).read_bytes() == (SAMPLE / name).read_bytes(), name
        assert (tmp_path / "gbk" / name).read_bytes() == (GBK / name).read_bytes(), name
    readme = gen.readme_text(sample, gen.DEFAULT_PROJECTS, gen.DEFAULT_SEED)
    assert (SAMPLE / "README.md").read_text(encoding="utf-8") == readme


def test_csv_is_utf8_with_bom_and_crlf() -> None:
    raw = (SAMPLE / "indicators.csv").read_bytes()
    assert raw.startswith(
        b"\xef\xbb\xbf\xe9\xa1\xb9\xe7\x9b\xae\xe7\xbc\x96\xe5\x8f\xb7,"
    )  # BOM 项目编号
    assert raw.count(b"\r\n") == raw.count(b"\n")


def test_gbk_sample_is_gbk_and_one_department() -> None:
    raw = (GBK / "indicators.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.decode("gbk").startswith("项目编号,一级指标")
    projects = pl.read_csv(GBK / "projects.csv", encoding="gbk", infer_schema=False)
    assert projects.height == 5
    assert projects["主管部门"].unique().to_list() == ["区人社局"]
    assert projects["项目编号"].to_list()[0] == "JD2025-9001"


def test_xlsx_has_title_row_then_header(tmp_path: Path) -> None:
    sample = gen.generate_sample(25, 5)
    (path,) = gen.write_sample(sample, tmp_path / "t", ["xlsx"])
    for sheet, frame in (("项目", sample.projects), ("指标", sample.indicators)):
        titled = pl.read_excel(path, sheet_name=sheet, read_options={"header_row": None})
        assert str(titled.row(0)[0]).startswith("2025年度项目支出绩效自评表")
        body = pl.read_excel(
            path, sheet_name=sheet, read_options={"header_row": 1}, infer_schema_length=0
        )
        assert body.columns == frame.columns
        assert body.height == frame.height
        assert body["项目编号"].to_list() == frame["项目编号"].to_list()


# ---------------------------------------------------------------------------- shape


def test_counts_and_departments(bundled: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    projects, indicators = bundled
    assert projects.columns == list(gen.generate_sample(1, 1).projects.columns)
    assert indicators.columns[:4] == ["项目编号", "一级指标", "二级指标", "三级指标"]
    assert projects.height >= 300
    assert projects["主管部门"].n_unique() == 15
    assert 2700 <= indicators.height <= 3300
    assert projects["项目编号"].is_unique().all()
    assert projects["项目编号"].str.contains(r"^JD2025-\d{4}$").all()
    per_project = indicators.group_by("项目编号").len()
    assert per_project.height == projects.height
    assert per_project["len"].min() == 6 and per_project["len"].max() == 14


def test_points_roll_up(bundled: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    _, indicators = bundled
    assert (indicators["分值"] > 0).all()
    by_level1 = indicators.group_by("项目编号", "一级指标").agg(pl.col("分值").sum())
    declared = by_level1.with_columns(
        pl.col("一级指标").str.extract(r"\((\d+)分\)").cast(pl.Float64).alias("declared")
    ).drop_nulls("declared")
    assert declared.height > 0
    assert (declared["declared"] == declared["分值"]).all()
    shapes = (
        by_level1.with_columns(_category(pl.col("一级指标")).alias("cat"))
        .group_by("项目编号")
        .agg(pl.struct("cat", "分值").sort_by("cat").alias("split"))
    )
    allowed = {
        (("产出", 50.0), ("效益", 30.0), ("满意度", 10.0)),
        (("产出", 60.0), ("效益", 30.0)),
        (("产出", 50.0), ("效益", 40.0)),
    }
    for split in shapes["split"].to_list():
        assert tuple((s["cat"], s["分值"]) for s in split) in allowed


def test_names_distinct_within_a_project(bundled: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    _, indicators = bundled
    assert indicators.select(pl.struct("项目编号", "三级指标").is_unique().all()).item()


def test_execution_never_exceeds_budget_except_zero_budgets(
    bundled: tuple[pl.DataFrame, pl.DataFrame], quirks: dict[str, int]
) -> None:
    projects, _ = bundled
    amounts = projects.select(
        initial=pl.col("年初预算数（万元）").cast(pl.Float64),
        final=pl.col("全年预算数（万元）").cast(pl.Float64),
        spent=pl.col("全年执行数（万元）").cast(pl.Float64),
    )
    valid = amounts.filter(pl.col("final") > 0)
    assert (valid["spent"] <= valid["final"]).all()
    rate = valid["spent"] / valid["final"]
    assert (rate >= 0.85).mean() > 0.6  # type: ignore[operator]
    assert (amounts["final"] == 0).sum() == quirks["zero_budget"] >= 1
    assert (amounts["final"] != amounts["initial"]).sum() == quirks["budget_adjusted"]
    assert quirks["budget_adjusted"] / projects.height == pytest.approx(0.08, abs=0.04)
    assert (valid["spent"] == valid["final"]).sum() == quirks["exact_full"] >= 1
    assert (rate < 0.8).sum() == quirks["low_execution"] >= 1
    cut = valid.filter((pl.col("final") < 0.7 * pl.col("initial")) & (rate >= 0.98))
    assert cut.height >= quirks["large_cut"] >= 1


# ---------------------------------------------------------------------------- quirks


def _count(indicators: pl.DataFrame, expr: pl.Expr) -> int:
    return int(indicators.select(expr.fill_null(False).sum()).item())


def test_label_and_comparator_quirks(
    bundled: tuple[pl.DataFrame, pl.DataFrame], quirks: dict[str, int]
) -> None:
    _, ind = bundled
    target, nature = pl.col("年度指标值"), pl.col("指标性质")
    counts = {
        "level1_with_points": _count(ind, pl.col("一级指标").str.contains(r"\(\d+分\)$")),
        "level1_short": _count(ind, pl.col("一级指标").is_in(["产出", "效益", "满意度"])),
        "level2_short": _count(ind, ~pl.col("二级指标").str.ends_with("指标")),
        "cmp_column": _count(ind, nature.is_in(["≥", "≤", "=", "定性"])),
        "cmp_fullwidth": _count(ind, target.str.contains(r"^(＞＝|＜＝|＝)\d")),
        "target_range": _count(ind, target.str.contains(r"^(\[\d+%,100%\]|\d+%-100%)$")),
        "target_fraction": _count(ind, target.str.contains(r"^≥ 0\.\d+$")),
    }
    for key, count in counts.items():
        assert count == quirks[key] >= 1, key
    words = target.str.contains(r"以上$|^不低于|^不超过")
    assert _count(ind, words) >= 1
    assert _count(ind, target.str.contains(r"^[≥≤=]\d") & nature.is_null()) >= 1
    assert _count(ind, target.str.contains("百分比") | pl.col("度量单位").eq("百分比")) >= 1
    numeric_without_unit = target.str.contains(r"\d") & pl.col("度量单位").is_null()
    assert _count(ind, numeric_without_unit) >= 1


def test_actual_quirks(bundled: tuple[pl.DataFrame, pl.DataFrame], quirks: dict[str, int]) -> None:
    _, ind = bundled
    actual = pl.col("实际完成值")
    assert _count(ind, actual.is_null()) == quirks["actual_blank"] >= 1
    assert _count(ind, actual.is_in(list(vocab.TEXT_ACTUALS))) == quirks["actual_text"] >= 1
    percent = pl.col("年度指标值").str.contains("%|百分比") | pl.col("度量单位").eq("%")
    fraction = percent & actual.str.contains(r"^(0\.\d+|1)$")  # 100 % written as 1
    assert _count(ind, fraction) >= quirks["actual_fraction"] >= 1
    for labels in (vocab.LONG, vocab.MEDIUM, vocab.SHORT):
        for label in labels:
            assert _count(ind, actual == label) >= 1, label


def _numbers(ind: pl.DataFrame, pattern: re.Pattern[str], symbol: str) -> list[tuple[float, float]]:
    """(target, actual) of numeric rows whose comparator is `symbol`, however it is written."""
    pairs = []
    for row in ind.iter_rows(named=True):
        text, actual = row["年度指标值"], row["实际完成值"]
        hit = pattern.match(text)
        value = float(hit.group(hit.lastindex or 1)) if hit else None
        if row["指标性质"] == symbol and NUMBER.match(text):
            value = float(text)
        number = NUMBER.match(actual or "")
        if value is None or number is None or "%" in text or row["度量单位"] in ("%", "百分比"):
            continue
        pairs.append((value, float(number.group(1))))
    return pairs


def test_over_achievers_and_reverse_overruns(
    bundled: tuple[pl.DataFrame, pl.DataFrame], quirks: dict[str, int]
) -> None:
    _, ind = bundled
    over = sum(a >= 1.3 * t for t, a in _numbers(ind, GE, "≥"))
    assert over == quirks["over_achiever"] >= 1
    late_or_costly = sum(a > t for t, a in _numbers(ind, LE, "≤"))
    assert 1 <= late_or_costly <= quirks["reverse_over"]
    assert quirks["reverse_double"] >= 1


def test_self_scores_and_explanations(
    bundled: tuple[pl.DataFrame, pl.DataFrame], quirks: dict[str, int]
) -> None:
    _, ind = bundled
    tiered = ind.with_columns(
        pl.col("实际完成值")
        .replace_strict(TIERS, default=None, return_dtype=pl.Int64)
        .alias("tier"),
    ).filter(pl.col("tier").is_not_null())
    score, points = pl.col("得分"), pl.col("分值")

    def at_least(share: float) -> pl.Expr:
        return score >= share * points - 1e-9  # tolerate 4.2 / 7 ≠ 0.6 in binary

    in_band = (
        pl.when(pl.col("tier") == 0)
        .then(at_least(0.8) & (score <= points))
        .when(pl.col("tier") == 1)
        .then(at_least(0.6) & (score < 0.8 * points))
        .otherwise(score < 0.6 * points)
    )
    assert tiered.filter(~in_band).height == quirks["score_out_of_band"] >= 1
    sport = ind.filter(pl.col("项目编号").is_in(_projects_of("区体育局")))
    assert (sport["得分"] == sport["分值"]).all() and sport.height == quirks["full_marks_rows"]
    achieved = tiered.filter(pl.col("tier") == 0)
    missed = tiered.filter(pl.col("tier") > 0)
    assert achieved["偏差原因分析及改进措施"].null_count() == achieved.height
    assert 0 < missed["偏差原因分析及改进措施"].null_count() < missed.height / 2
    assert 0.15 <= quirks["missed"] / ind.height <= 0.25
    assert quirks["missed_unexplained"] >= 1


def _projects_of(department: str) -> list[str]:
    projects = pl.read_csv(SAMPLE / "projects.csv", infer_schema=False)
    return projects.filter(pl.col("主管部门") == department)["项目编号"].to_list()


def test_missing_satisfaction_moves_points(
    bundled: tuple[pl.DataFrame, pl.DataFrame], quirks: dict[str, int]
) -> None:
    _, ind = bundled
    with_sat = ind.filter(_category(pl.col("一级指标")) == "满意度")["项目编号"].unique()
    without = ind["项目编号"].n_unique() - with_sat.len()
    expected = quirks["no_satisfaction_to_output"] + quirks["no_satisfaction_to_benefit"]
    assert without == expected
    assert quirks["no_satisfaction_to_output"] >= 1 and quirks["no_satisfaction_to_benefit"] >= 1


# ---------------------------------------------------------------------------- properties, speed


@settings(max_examples=15, deadline=None)
@given(n=st.integers(min_value=1, max_value=60), seed=st.integers(min_value=0, max_value=10**6))
def test_any_seed_keeps_the_invariants(n: int, seed: int) -> None:
    sample = gen.generate_sample(n, seed)
    projects, ind = sample.projects, sample.indicators
    assert projects.height == n
    assert projects["主管部门"].n_unique() == min(n, 15)
    totals = ind.group_by("项目编号").agg(pl.col("分值").sum(), pl.len())
    assert (totals["分值"] == 90).all() and totals["len"].is_between(6, 14).all()
    assert set(ind["项目编号"]) == set(projects["项目编号"])
    assert (ind["得分"] >= 0).all() and (ind["得分"] <= ind["分值"]).all()


def test_two_thousand_projects_give_twenty_thousand_rows() -> None:
    """The generator's scale (its speed is for bench/, not a timed test on a shared machine)."""
    _, indicators = gen.generate(2_000, 1)
    assert indicators.height >= 19_000


def test_bad_arguments_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        gen.generate_sample(0, 1)
    with pytest.raises(ValueError, match="区水务局"):
        gen.generate_sample(3, 1, departments=["区水务局"])
    with pytest.raises(SystemExit) as exit_info:
        gen.main(["--projects", "0", "--out", str(tmp_path)])
    assert exit_info.value.code == 2
    assert "--projects" in capsys.readouterr().err


def test_command_line_writes_requested_formats(tmp_path: Path) -> None:
    assert (
        gen.main(
            [
                "--projects",
                "20",
                "--seed",
                "3",
                "--out",
                str(tmp_path),
                "--format",
                "csv",
                "parquet",
            ]
        )
        == 0
    )
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "README.md",
        "indicators.csv",
        "indicators.parquet",
        "projects.csv",
        "projects.parquet",
    ]
    expected = gen.generate_sample(20, 3)
    assert pl.read_parquet(tmp_path / "indicators.parquet").equals(expected.indicators)
    assert "20 projects" in (tmp_path / "README.md").read_text(encoding="utf-8")
