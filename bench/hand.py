"""Hand-written Polars baselines for the suite (`python -m bench`).

- `lean`: bench_score.run_hand_written, the DOMAIN §2 rules straight in Polars from the
  raw parquet files (regex parsing, when/then chains, roll-up, grades), three tables.
- `wide`: the same rules, written by hand to give jixiao's output *tables*: the same
  files (indicator_scores, project_scores, department_summary, near_boundary, rejects,
  flags, manifest.json), jixiao's column names and dtypes for the columns it computes,
  provenance (source_file/source_sheet/source_row), rejects for rows without a key, and
  a manifest with the inputs' and outputs' sha256. `compare_wide` reports, column by
  column, how many values equal jixiao's (the suite prints it; it is not all of them).
- `core`: the scoring core by hand on rows jixiao has parsed (`prepare`): direction,
  not-evaluable conditions, the four quantitative rules, qualitative tier bands and
  claims, the roll-up per category, the budget score, the rescaled total and the grade.

Run as a child process: `python -m bench.hand wide PROJECTS INDICATORS OUT`.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import polars as pl

from bench.bench_score import CMP, LEVEL1, TIERS, WORDS, run_hand_written

LEVEL2 = {
    "数量指标": "quantity",
    "质量指标": "quality",
    "时效指标": "timeliness",
    "成本指标": "cost",
    "经济效益指标": "economic",
    "社会效益指标": "social",
    "生态效益指标": "ecological",
    "可持续影响指标": "sustainability",
    "服务对象满意度指标": "service_satisfaction",
    "满意度指标": "service_satisfaction",
}
WEIGHTS = {"output": 50.0, "benefit": 30.0, "satisfaction": 10.0}
BUDGET_POINTS = 10.0
GRADES = [("优", 90.0), ("良", 80.0), ("中", 60.0), ("差", 0.0)]
BANDS = {
    "达成": (0.8, 1.0, True, 1.0),
    "部分达成": (0.6, 0.8, False, 0.7),
    "未达成": (0.0, 0.6, False, 0.3),
}
TOL = 1e-9


def _r2(e: pl.Expr) -> pl.Expr:
    return e.round(2, mode="half_away_from_zero")


def _ge(x: pl.Expr, y: pl.Expr) -> pl.Expr:
    return x - y >= -(TOL * x.abs() + TOL * y.abs())


def _le(x: pl.Expr, y: pl.Expr) -> pl.Expr:
    return x - y <= TOL * x.abs() + TOL * y.abs()


def _rules(a: pl.Expr, t: pl.Expr, hi: pl.Expr, w: pl.Expr, d: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(score, achieved) of DOMAIN §2's quantitative rules by direction."""
    safe = pl.when(t != 0).then(w * a / t)
    higher = pl.when(_ge(a, t)).then(w).otherwise(safe)
    lower = pl.when(_le(a, t)).then(w).when(a < 2 * t).then(w * (1 - (a - t) / t)).otherwise(0.0)
    exact = (
        pl.when(t == 0)
        .then(pl.when(_le(a, pl.lit(0.0))).then(w).otherwise(0.0))
        .otherwise(pl.when(_ge(a, t)).then(w).otherwise(w * a / t))
    )
    between = _ge(a, t) & _le(a, hi)
    ranged = (
        pl.when(between)
        .then(w)
        .when(a < t)
        .then(safe)
        .when(a < 2 * hi)
        .then(w * (1 - (a - hi) / hi))
        .otherwise(0.0)
    )
    score = (
        pl.when(d == "higher")
        .then(higher)
        .when(d == "lower")
        .then(lower)
        .when(d == "exact")
        .then(exact)
        .when(d == "range")
        .then(ranged)
    )
    achieved = (
        pl.when(d == "higher")
        .then(_ge(a, t))
        .when(d == "lower")
        .then(_le(a, t))
        .when(d == "exact")
        .then(pl.when(t == 0).then(_le(a, pl.lit(0.0))).otherwise(_ge(a, t)))
        .when(d == "range")
        .then(between)
    )
    return score, achieved


def score_parsed(rows: pl.LazyFrame) -> pl.LazyFrame:
    """Score rows with jixiao's parsed columns (comparator, target, upper, actual,
    actual_kind, tier, points, claimed_score, errors) by hand."""
    direction = (
        pl.col("comparator")
        .replace_strict(
            {">=": "higher", ">": "higher", "<=": "lower", "<": "lower", "=": "exact",
             "range": "range", "qual": "qualitative"},
            default=None,
        )
    )  # fmt: skip
    rows = rows.with_columns(direction=direction).with_columns(
        kind=pl.when(pl.col("direction") == "qualitative")
        .then(pl.lit("qualitative"))
        .otherwise(pl.lit("quantitative")),
        a0=pl.when(pl.col("actual") < 0).then(0.0).otherwise(pl.col("actual")),
    )
    quant = pl.col("kind") == "quantitative"
    not_evaluable = (
        pl.col("target_error").is_not_null()
        | pl.col("actual_kind").is_in(["error", "blank"])
        | (~quant & (pl.col("actual_kind") != "tier"))
        | (quant & pl.col("actual_kind").is_in(["tier", "text"]))
        | (quant & pl.col("actual_error").is_not_null())
        | (quant & pl.col("actual").is_null())
    )
    a, t, hi, w, d = (
        pl.col("a0"),
        pl.col("target"),
        pl.col("upper"),
        pl.col("points"),
        pl.col("direction"),
    )
    written, met_written = _rules(a, t, hi, w, d)
    as_fraction, met_fraction = _rules(a * 100, t, hi, w, d)
    candidate = pl.col("fraction_candidate").fill_null(False)
    ambiguous = candidate & (met_fraction != met_written) & ((d == "lower") | (a * 10 >= t))
    quant_score = pl.when(candidate).then(as_fraction).otherwise(written)
    quant_met = pl.when(candidate).then(met_fraction).otherwise(met_written)
    lo = pl.col("tier").replace_strict({k: v[0] for k, v in BANDS.items()}, default=None)
    up = pl.col("tier").replace_strict({k: v[1] for k, v in BANDS.items()}, default=None)
    incl = pl.col("tier").replace_strict({k: v[2] for k, v in BANDS.items()}, default=None)
    default = pl.col("tier").replace_strict({k: v[3] for k, v in BANDS.items()}, default=None)
    claim = pl.col("claimed_score")
    in_band = _ge(claim, lo * w) & pl.when(incl).then(_le(claim, up * w)).otherwise(claim < up * w)
    qual_score = pl.when(claim.is_not_null()).then(claim).otherwise(default * w)
    out_of_band = ~quant & claim.is_not_null() & ~in_band.fill_null(False)
    bad = not_evaluable | (quant & ambiguous.fill_null(False)) | out_of_band
    score = pl.when(bad).then(None).when(quant).then(quant_score).otherwise(qual_score)
    achieved = (
        pl.when(bad).then(None).when(quant).then(quant_met).otherwise(pl.col("tier") == "达成")
    )
    return rows.with_columns(score=_r2(score), achieved=achieved, evaluable=~bad)


def rollup(scored: pl.LazyFrame, projects: pl.LazyFrame) -> pl.LazyFrame:
    """Per project: category sums in one group-by, budget score, rescaled total, grade."""
    cats = list(WEIGHTS)
    per = scored.group_by("project_id").agg(
        *[pl.col("score").filter(pl.col("level1") == c).sum().alias(f"{c}_score") for c in cats],
        *[(pl.col("level1") == c).any().alias(f"has_{c}") for c in cats],
        pl.len().alias("n_indicators"),
        (~pl.col("evaluable")).sum().alias("n_not_evaluable"),
    )
    rate = pl.col("execution_rate")
    budget_score = _r2(pl.when(rate.is_null()).then(0.0).otherwise(rate.clip(0, 1) * BUDGET_POINTS))
    present = pl.sum_horizontal(
        [pl.when(pl.col(f"has_{c}")).then(WEIGHTS[c]).otherwise(0.0) for c in cats]
    )
    raw = pl.col("budget_score") + pl.sum_horizontal([f"{c}_score" for c in cats])
    total = _r2(raw / (BUDGET_POINTS + present) * 100)
    complete = (pl.col("n_indicators") > 0) & (pl.col("n_not_evaluable") == 0)
    grade = pl.when(~complete).then(pl.lit("未定级"))
    for name, low in GRADES:
        grade = grade.when(_ge(pl.col("total"), pl.lit(low))).then(pl.lit(name))
    return (
        projects.select("project_id", "department", "execution_rate", "budget", "spent")
        .join(per, on="project_id", how="left", maintain_order="left")
        .with_columns(pl.col("n_indicators").fill_null(0), pl.col("n_not_evaluable").fill_null(0))
        .with_columns(budget_score=budget_score)
        .with_columns(total=total, complete=complete.fill_null(False))
        .with_columns(grade=grade.otherwise(pl.lit("差")))
    )


def core(prepared_rows: pl.DataFrame, projects: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The scoring core by hand: (scored rows, project table) from parsed rows."""
    scored = score_parsed(prepared_rows.lazy()).collect()
    return scored, rollup(scored.lazy(), projects.lazy()).collect()


# --- the wide hand-written pipeline: jixiao's tables, by hand --------------------------


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_wide(projects: Path, indicators: Path, out: Path) -> int:
    """Raw parquet in, jixiao's tables out (see the module doc)."""
    raw = pl.scan_parquet(indicators).with_row_index("source_row", offset=1)
    names = raw.collect_schema().names()[1:]
    c = dict(zip(["pid", "l1", "l2", "name", "cmp", "target", "unit", "actual", "points",
                  "claimed", "why"], names, strict=False))  # fmt: skip
    ind = raw.select(
        pl.col(c["pid"]).str.strip_chars().alias("project_id"),
        pl.col(c["l1"]).alias("level1_label"),
        pl.col(c["l2"]).alias("level2_label"),
        pl.col(c["name"]).alias("indicator"),
        pl.col(c["cmp"]).alias("comparator_text"),
        pl.col(c["target"]).alias("target_text"),
        pl.col(c["unit"]).alias("unit_text"),
        pl.col(c["actual"]).cast(pl.String).alias("actual_text"),
        pl.col(c["claimed"]).cast(pl.Float64, strict=False).alias("claimed_score"),
        pl.col(c["why"]).alias("explanation"),
        pl.col(c["points"]).cast(pl.Float64, strict=False).alias("points"),
        pl.lit(str(indicators)).alias("source_file"),
        pl.lit(None, pl.String).alias("source_sheet"),
        pl.col("source_row").cast(pl.Int64) + 1,
    )
    keyless = pl.col("project_id").is_null() | (pl.col("project_id") == "")
    rejects = ind.filter(keyless).select(
        pl.col("source_file").alias("file"),
        pl.col("source_sheet").alias("sheet"),
        pl.col("source_row").alias("row"),
        pl.lit("indicators").alias("table"),
        pl.lit("project_id").alias("column"),
        pl.col("target_text").alias("text"),
        pl.lit("project id is blank").alias("reason"),
    )
    ind = ind.filter(~keyless)
    text = (
        pl.col("target_text")
        .str.replace_all("＞＝", ">=")
        .str.replace_all("＜＝", "<=")
        .str.replace_all("＝", "=")
    )
    number = r"([0-9][0-9,]*\.?[0-9]*)"
    a_text = pl.col("actual_text").str.strip_chars()
    a_num = a_text.str.extract(r"^(-?[0-9][0-9,]*\.?[0-9]*)", 1).str.replace_all(",", "")
    ind = ind.with_columns(
        level1=pl.col("level1_label")
        .str.replace(r"[\(（].*$", "")
        .str.replace("指标$", "")
        .replace_strict(LEVEL1, default=None),
        level2=pl.col("level2_label").replace_strict(LEVEL2, default=None),
        sym=text.str.extract(r"^\s*\[?\s*(>=|<=|≥|≤|=)", 1),
        word=pl.col("target_text").str.extract(r"(以上|不低于|不少于|以下|以内|不超过|不高于)", 1),
        target=text.str.extract(number, 1).str.replace_all(",", "").cast(pl.Float64, strict=False),
        upper=text.str.extract(r"[-~,至]\s*" + number, 1)
        .str.replace_all(",", "")
        .cast(pl.Float64, strict=False),
        actual_raw=a_num.cast(pl.Float64, strict=False),
        tier=a_text.replace_strict({k: ("达成" if v == 1.0 else "部分达成" if v == 0.7 else "未达成") for k, v in TIERS.items()}, default=None),
    )  # fmt: skip
    ranged = pl.col("upper").is_not_null() & pl.col("target_text").str.contains(r"\[|-|~")
    ind = ind.with_columns(
        comparator=pl.when(pl.col("target").is_null())
        .then(pl.lit("qual"))
        .when(ranged)
        .then(pl.lit("range"))
        .otherwise(
            pl.coalesce(
                pl.col("sym").replace_strict(CMP, default=None),
                pl.col("word").replace_strict(WORDS, default=None),
                pl.col("comparator_text").replace_strict(CMP, default=None),
                pl.lit(">="),
            )
        ),
        comparator_source=pl.when(pl.col("sym").is_not_null())
        .then(pl.lit("text"))
        .when(pl.col("word").is_not_null())
        .then(pl.lit("word"))
        .otherwise(pl.lit("default")),
        unit=pl.col("unit_text"),
        actual_kind=pl.when(a_text.is_null() | (a_text == ""))
        .then(pl.lit("blank"))
        .when(pl.col("tier").is_not_null())
        .then(pl.lit("tier"))
        .when(pl.col("actual_raw").is_not_null())
        .then(pl.lit("number"))
        .otherwise(pl.lit("text")),
        fraction_candidate=pl.col("target_text").str.contains("%|百分比")
        & (pl.col("actual_raw") <= 1)
        & ~a_text.str.contains("%"),
        target_error=pl.lit(None, pl.String),
        actual_error=pl.lit(None, pl.String),
        claimed_error=pl.lit(None, pl.String),
    ).with_columns(actual=pl.col("actual_raw"))
    ind = score_parsed(ind).with_columns(
        rule=pl.when(pl.col("kind") == "qualitative")
        .then(pl.lit("qualitative:") + pl.col("tier").fill_null(""))
        .otherwise(pl.lit("quantitative:") + pl.col("direction")),
        applied_points=pl.col("points"),
        ratio=pl.when(pl.col("target") != 0).then(pl.col("a0") / pl.col("target")),
        claimed_in_band=pl.lit(None, pl.Boolean),
        claimed_differs=(pl.col("claimed_score") - pl.col("score")).abs() > 0.01,
        has_explanation=pl.col("explanation").is_not_null()
        & ~pl.col("explanation").is_in(["", "0", "无", "/", "-", "—", "——"]),
        reason=pl.when(~pl.col("evaluable")).then(pl.lit("not evaluable")),
        note=pl.lit(None, pl.String),
        actual=pl.col("a0"),
    )
    indicator_columns = [
        "project_id", "level1", "level2", "indicator", "level1_label", "level2_label",
        "comparator_text", "target_text", "unit_text", "actual_text", "claimed_score",
        "explanation", "comparator", "comparator_source", "target", "upper", "unit", "actual",
        "actual_raw", "actual_kind", "fraction_candidate", "tier", "kind", "direction", "rule",
        "points", "applied_points", "score", "evaluable", "achieved", "ratio",
        "claimed_in_band", "claimed_differs", "has_explanation", "reason", "note",
        "target_error", "actual_error", "claimed_error", "source_file", "source_sheet",
        "source_row",
    ]  # fmt: skip
    ind = ind.select(indicator_columns)

    prj_raw = pl.scan_parquet(projects).with_row_index("source_row", offset=2)
    p = prj_raw.collect_schema().names()[1:]
    budget, spent = (
        pl.col(p[6]).cast(pl.Float64, strict=False),
        pl.col(p[7]).cast(pl.Float64, strict=False),
    )
    prj = prj_raw.select(
        pl.col(p[0]).str.strip_chars().alias("project_id"),
        pl.col(p[1]).alias("project_name"),
        pl.col(p[2]).alias("department"),
        pl.col(p[3]).alias("unit"),
        pl.col(p[4]).cast(pl.String).alias("year"),
        pl.col(p[5]).cast(pl.Float64, strict=False).alias("budget_initial"),
        budget.alias("budget"),
        spent.alias("spent"),
        pl.when(budget != 0).then(spent / budget).alias("execution_rate"),
        pl.lit(str(projects)).alias("source_file"),
        pl.lit(None, pl.String).alias("source_sheet"),
        pl.col("source_row").cast(pl.Int64) - 1,
    )  # fmt: skip
    table = rollup(ind, prj)
    table = prj.join(
        table.drop("department", "execution_rate", "budget", "spent"),
        on="project_id",
        how="left",
        maintain_order="left",
    )
    indicators_df, project_df, rejects_df = pl.collect_all([ind, table, rejects])
    departments = (
        project_df.group_by("department", maintain_order=True)
        .agg(
            pl.len().cast(pl.UInt32).alias("n_projects"),
            (~pl.col("complete")).sum().cast(pl.UInt32).alias("n_incomplete"),
            _r2(pl.col("total").mean()).alias("mean_total"),
            pl.col("total").min().alias("min_total"),
            pl.col("total").max().alias("max_total"),
            *[(pl.col("grade") == g).sum().cast(pl.UInt32).alias(f"grade_{g}") for g, _ in GRADES],
            (pl.col("grade") == "未定级").sum().cast(pl.UInt32).alias("grade_未定级"),
            pl.col("budget").sum(),
            pl.col("spent").sum(),
        )
        .with_columns(execution_rate=pl.col("spent") / pl.col("budget"))
        .sort("department")
    )
    bounds = pl.DataFrame({"boundary": [b for _, b in GRADES[:-1]]})
    near = (
        project_df.filter(pl.col("grade") != "未定级")
        .select("project_id", "project_name", "department", "total", "grade")
        .join(bounds, how="cross")
        .with_columns(distance=_r2(pl.col("total") - pl.col("boundary")))
        .filter(pl.col("distance").abs() <= 0.5)
        .sort("project_id", "boundary")
    )
    out.mkdir(parents=True, exist_ok=True)
    tables = {
        "indicator_scores": indicators_df,
        "project_scores": project_df,
        "department_summary": departments,
        "near_boundary": near,
        "rejects": rejects_df,
    }
    for name, frame in tables.items():
        frame.write_parquet(out / f"{name}.parquet", row_group_size=262_144)
    manifest = {
        "inputs": [
            {"path": str(path), "sha256": _sha(path), "format": "parquet"}
            for path in (projects, indicators)
        ],
        "rows": {name: frame.height for name, frame in tables.items()},
        "output_sha256": {f"{n}.parquet": _sha(out / f"{n}.parquet") for n in sorted(tables)},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return indicators_df.height


def compare_wide(hand: Path, jixiao: Path) -> dict[str, tuple[int, int]]:
    """Per table, (columns whose every value equals jixiao's, columns compared): rows
    matched by source_row (indicators, projects) or by department."""
    result: dict[str, tuple[int, int]] = {}
    for name, key in [
        ("indicator_scores", "source_row"),
        ("project_scores", "source_row"),
        ("department_summary", "department"),
        ("rejects", None),
    ]:
        mine = pl.read_parquet(hand / f"{name}.parquet")
        theirs = pl.read_parquet(jixiao / f"{name}.parquet")
        shared = [col for col in mine.columns if col in theirs.columns and col != key]
        if key is None:
            same = (
                sum(mine[col].equals(theirs[col]) for col in shared)
                if mine.height == theirs.height
                else 0
            )
            result[name] = (same, len(shared))
            continue
        joined = mine.select(key, *shared).join(
            theirs.select(key, *shared), on=key, how="full", suffix="_j", coalesce=True
        )
        same = 0
        for col in shared:
            a, b = joined[col], joined[f"{col}_j"]
            if a.dtype != b.dtype:
                continue
            if a.dtype == pl.Float64:
                eq = ((a - b).abs() <= 1e-9) | (a.is_null() & b.is_null())
            else:
                eq = (a == b) | (a.is_null() & b.is_null())
            same += bool(eq.fill_null(False).all())
        result[name] = (same, len(shared))
    return result


def main(argv: list[str]) -> None:
    kind, projects, indicators, out = argv
    job = {"lean": run_hand_written, "wide": run_wide}[kind]
    job(Path(projects), Path(indicators), Path(out))


if __name__ == "__main__":
    main(sys.argv[1:])
