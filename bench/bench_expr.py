"""Benchmark: a ruleset expression compiled by to_polars vs the same rule hand-written.

The rule is DOMAIN.md section 2 (quantitative indicators): 正向 higher-is-better,
反向 lower-is-better, 等于 exact, chosen by a direction column, negative actuals clamped
to 0, some actuals null. Both plans must give identical output (checked), and the
reference evaluator is timed per row on a sample for scale.

    python bench/bench_expr.py [--rows N]
"""

from __future__ import annotations

import argparse
import platform
import random
import time
from collections.abc import Callable

import polars as pl

from jixiao.scoring.expr import TOL, Type, check, evaluate, to_polars

CLAMP = "max(actual, 0)"
RULE = """
(points if a >= target else points * a / target) if direction == '正向' else (
  (points if a <= target else (points * (1 - (a - target) / target) if a < 2 * target else 0))
  if direction == '反向' else (
    (points if a <= 0 else 0) if target == 0 else
    (points if a >= target else points * a / target)))
"""
NAMES = {
    "actual": Type.NUMBER,
    "target": Type.NUMBER,
    "points": Type.NUMBER,
    "direction": Type.TEXT,
}


def make_frame(rows: int, seed: int = 20250101) -> pl.DataFrame:
    rng = random.Random(seed)
    directions = rng.choices(["正向", "反向", "等于"], weights=[6, 3, 1], k=rows)
    target = [
        0.0 if d == "等于" and rng.random() < 0.3 else round(rng.uniform(1, 500), 2)
        for d in directions
    ]
    actual: list[float | None] = [
        None if rng.random() < 0.05 else round(t * rng.uniform(-0.1, 2.5), 2) for t in target
    ]
    points = [rng.choice([2.0, 5.0, 8.0, 10.0, 12.5]) for _ in range(rows)]
    return pl.DataFrame(
        {"actual": actual, "target": target, "points": points, "direction": directions}
    )


def compiled_plan(lf: pl.LazyFrame) -> pl.LazyFrame:
    clamp = to_polars(check(CLAMP, NAMES))
    rule = to_polars(check(RULE, {**NAMES, "a": Type.NUMBER}))
    return lf.with_columns(clamp.alias("a")).select(rule.alias("score"))


def _ge(x: pl.Expr, y: pl.Expr) -> pl.Expr:
    return x - y >= -(TOL * x.abs() + TOL * y.abs())


def _le(x: pl.Expr, y: pl.Expr) -> pl.Expr:
    return x - y <= TOL * x.abs() + TOL * y.abs()


def hand_plan(lf: pl.LazyFrame) -> pl.LazyFrame:
    """What a careful Polars user writes for the same semantics: tolerant comparisons,
    null on division by zero, null instead of inf."""
    a, t, w, d = pl.col("a"), pl.col("target"), pl.col("points"), pl.col("direction")
    ratio = pl.when(t != 0).then(w * a / t)
    higher = pl.when(_ge(a, t)).then(w).otherwise(ratio)
    excess = pl.when(t != 0).then((a - t) / t)
    lower = (
        pl.when(_le(a, t))
        .then(w)
        .when(a - 2 * t < -(TOL * a.abs() + TOL * (2 * t).abs()))
        .then(w * (1 - excess))
        .otherwise(0.0)
    )
    exact = (
        pl.when(t.abs() <= TOL * t.abs())
        .then(pl.when(a <= TOL * a.abs()).then(w).otherwise(0.0))
        .otherwise(higher)
    )
    score = pl.when(d == "正向").then(higher).when(d == "反向").then(lower).otherwise(exact)
    clamp = (
        pl.when(pl.col("actual").is_null())
        .then(None)
        .otherwise(pl.max_horizontal(pl.col("actual"), 0.0))
    )
    return lf.with_columns(clamp.alias("a")).select(
        score.replace([float("inf"), float("-inf"), float("nan")], None).alias("score")
    )


def best_of(n: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    args = parser.parse_args()
    frame = make_frame(args.rows)
    lf = frame.lazy()
    compiled, hand = compiled_plan(lf), hand_plan(lf)
    same = compiled.collect()["score"].equals(hand.collect()["score"])
    assert same, "compiled and hand-written plans disagree"
    t_compiled = best_of(5, compiled.collect)
    t_hand = best_of(5, hand.collect)
    t_stream = best_of(5, lambda: compiled.collect(engine="streaming"))
    sample = frame.head(args.sample).to_dicts()
    clamp, rule = check(CLAMP, NAMES), check(RULE, {**NAMES, "a": Type.NUMBER})
    got = compiled_plan(frame.head(args.sample).lazy()).collect()["score"].to_list()

    def reference() -> None:
        for row, want in zip(sample, got, strict=True):
            value = evaluate(rule, {**row, "a": evaluate(clamp, row)})
            assert value == want, (row, value, want)

    t_ref = best_of(1, reference) * args.rows / len(sample)
    print(
        f"rows={args.rows:,}  python={platform.python_version()}  polars={pl.__version__}  "
        f"cpus={__import__('os').cpu_count()}"
    )
    print(f"{'plan':<34}{'time':>12}{'vs hand':>10}")
    for name, t in [
        ("hand-written Polars (in-memory)", t_hand),
        ("compiled to_polars (in-memory)", t_compiled),
        ("compiled to_polars (streaming)", t_stream),
        (f"reference per row (x{args.rows // len(sample)})", t_ref),
    ]:
        print(f"{name:<34}{t * 1000:>10.1f}ms{t / t_hand:>9.2f}x")
    print(f"compiled / hand-written = {t_compiled / t_hand:.2f}  (target <= 1.25)")
    print(f"reference / compiled = {t_ref / t_compiled:,.0f}  (target >= 100)")


if __name__ == "__main__":
    main()
