"""What the flags cost: `jixiao score` parquet → parquet with and without a ruleset of
flags shaped like the built-ins (9 indicator flags with messages and specs, 4 project,
1 department), on the bench_score.py district (~10 indicator rows per project).

    python bench/bench_flags.py --projects 100000 --repeat 3

Prints the best time of each, the flags raised, and the ratio. The flag ruleset extends
project-self-eval and replaces its `flags:`, so the difference is the flags alone.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from jixiao.scoring import api

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_score import OUT, dataset

FLAGS = """
extends: project-self-eval
id: bench-flags
params: {over_ratio: 1.3, loose: 0.7, low: 0.9, cut: 0.1}
flags:
  - {id: missed, level: indicator, when: "evaluable and not achieved", explanation_required: true,
     message: "未达到年度指标值 {target_text}（实际完成值 {actual_text}，得分 {score} / {points}）"}
  - {id: not_scored, level: indicator, when: "not evaluable", severity: serious, message: "无法评价：{reason}"}
  - {id: over, level: indicator, explanation_required: true,
     when: "evaluable and direction == 'higher' and target > 0 and actual >= params.over_ratio * target",
     message: "实际完成值 {actual_text} 为 {ratio:.1%}，达到 {params.over_ratio:.0%} 以上"}
  - {id: loose, level: indicator, explanation_required: true,
     when: "evaluable and direction == 'lower' and target > 0 and actual <= params.loose * target",
     message: "反向 {actual_text} 仅为 {ratio:.1%}（不高于 {params.loose:.0%}）"}
  - {id: cost_cmp, level: indicator, when: "level1 == 'cost' and comparator in ('>=', '>')",
     message: "成本指标 {target_text} 按正向（{comparator}）计分"}
  - {id: claimed_gap, level: indicator, severity: serious,
     when: "abs(claimed_score - score) > 0.005", message: "自评得分 {claimed_score} 与复算 {score} 不符"}
  - {id: tier_low, level: indicator, when: "kind == 'qualitative' and tier != '达成'",
     message: "定性 {tier} {claimed_score:.2f}"}
  - {id: fraction, level: indicator, severity: info, when: "fraction_candidate",
     message: "{actual_text} 未写单位，{target_text} 为百分比"}
  - {id: unexplained, level: indicator, when: "(explanation_due or missed) and not has_explanation",
     message: "未填写偏差原因分析及改进措施"}
  - {id: low_execution, level: project, when: "execution_rate < params.low",
     message: "预算执行率 {execution_rate:.2%} 低于 {params.low:.0%}（{spent:,.2f} / {budget:,.2f}）"}
  - {id: cut, level: project,
     when: "(budget_initial - budget) / budget_initial >= params.cut and spent / budget_initial < params.low",
     message: "年初预算数 {budget_initial:,.2f} → 全年预算数 {budget:,.2f}"}
  - {id: overspend, level: project, severity: serious, when: "spent > budget",
     message: "超支 {overspent:,.2f}"}
  - {id: incomplete, level: project, severity: serious, when: "not complete",
     message: "评价不完整：{issues}"}
  - {id: all_missed, level: department, when: "sum(n_missed) > 0 and count() > 1",
     message: "{department} {n_projects} 个项目"}
"""


def best(repeat: int, ruleset: str, files: tuple[Path, Path], out: Path) -> tuple[float, int]:
    times, raised = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        plan = api.load_ruleset(ruleset)
        results = api.score(plan, list(files))
        api.write(results, out, ["parquet"])
        times.append(time.perf_counter() - started)
        raised = int(results.department_summary["n_flags"].sum())
    return min(times), raised


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = dataset(args.projects)
    with tempfile.TemporaryDirectory() as folder:
        ruleset = Path(folder) / "bench-flags.yaml"
        ruleset.write_text(FLAGS, "utf-8")
        bare, _ = best(args.repeat, "project-self-eval", files, OUT / "flags-none")
        flagged, raised = best(args.repeat, str(ruleset), files, OUT / "flags-14")
    print(f"data: {args.projects:,} projects (best of {args.repeat})")
    print("| ruleset | seconds | flags raised |")
    print("| --- | ---: | ---: |")
    print(f"| project-self-eval without flags | {bare:.2f} | 0 |")
    print(f"| with 14 flags | {flagged:.2f} | {raised:,} |")
    print(f"ratio {flagged / bare:.2f}x")


if __name__ == "__main__":
    main()
