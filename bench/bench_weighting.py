"""`weighting: proportional` against `check`: what applying the weights costs in `score`.

    python bench/bench_weighting.py [--projects 100000] [--repeat 3]

The same generated district (bench_score.dataset, cached under bench/out/) scored, best of
--repeat, under project-self-eval (`check`: applied points are the points as written) and
examples/rulesets/benefit-heavy.yaml (`proportional`: a pre-pass sums each project's
written points per category over the whole input, then every row's applied points are
the compiled expression). Reading the inputs is included in both; writing is left out.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bench_score import dataset  # noqa: E402

from jixiao.scoring import api  # noqa: E402

VARIANT = ROOT / "examples" / "rulesets" / "benefit-heavy.yaml"


def best(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    paths = list(dataset(args.projects))
    check = api.load_ruleset("project-self-eval")
    proportional = api.load_ruleset(str(VARIANT))
    rows = api.score(check, paths).indicator_scores.height
    t_check = best(lambda: api.score(check, paths), args.repeat)
    t_prop = best(lambda: api.score(proportional, paths), args.repeat)
    print(f"projects={args.projects:,}  indicator rows={rows:,}")
    print(f"check         {t_check:8.2f} s   1.00x")
    print(f"proportional  {t_prop:8.2f} s   {t_prop / t_check:.2f}x")


if __name__ == "__main__":
    main()
