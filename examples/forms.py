"""Example self-evaluation forms generated from the sample district (issue 10 item 4).

Three departments of `sample-district/` as they would hand in their forms, one project
per sheet, in `sample-district/forms/`:

- 区体育局, national layout (财预〔2020〕10号 附件1), claiming full points everywhere
  (every indicator at its 分值, the budget at 10, total 100, 优), as in the sample
  tables: the department `reevaluate` must rank first by inflation;
- 区司法局, Sichuan layout (510000_0013zp), claims as in the sample;
- 区退役军人事务局, national layout, claims as in the sample.

The claims are those of the sample tables (projects.csv 自评预算执行得分 / 自评总分 /
自评等级, made by `sampling.with_claims`; indicators.csv 得分), so the forms and the
tables re-evaluate alike. Deterministic: run `python -m jixiao.examples.forms` (or
`python examples/forms.py`) to write them again, byte for byte.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from jixiao.examples.sampling import claimed_budget_score, claimed_grade
from jixiao.scoring import api

HERE = Path(__file__).resolve().parent
SAMPLE_DIR = HERE / "sample-district"
FORMS_DIR = SAMPLE_DIR / "forms"

DEPARTMENTS = (
    ("区体育局", "national", True),
    ("区司法局", "sichuan", False),
    ("区退役军人事务局", "national", False),
)
"""(department, layout, claims full points everywhere)."""


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None  # type: ignore[arg-type]
    except ValueError:
        return None


def _fmt(value: float) -> str:
    return f"{round(value, 2):.2f}"


def claims(
    project: dict[str, str | None], indicators: list[dict[str, str | None]], full: bool
) -> tuple[dict[str, str | None], list[dict[str, str | None]]]:
    """The project and its indicators with the department's claims: those of the sample
    tables (projects.csv 自评预算执行得分 / 自评总分 / 自评等级, indicators.csv 得分), or
    with `full` every indicator at its 分值, the budget at 10, total 100, 优."""
    rows = [dict(r) for r in indicators]
    out = dict(project)
    if not full and project.get("claimed_total") not in (None, ""):
        return out, rows
    if full:
        for r in rows:
            r["claimed_score"] = r.get("points")
    budget_score = (
        10.0
        if full
        else claimed_budget_score(_number(project.get("budget")), _number(project.get("spent")))
    )
    total = budget_score + sum(_number(r.get("claimed_score")) or 0.0 for r in rows)
    total = 100.0 if full else round(total, 2)
    out |= {
        "claimed_budget_score": _fmt(budget_score),
        "claimed_total": _fmt(total),
        "claimed_grade": claimed_grade(total),
    }
    return out, rows


def write_example_forms(out: Path = FORMS_DIR, sample: Path = SAMPLE_DIR) -> list[Path]:
    """Write one workbook per department of `DEPARTMENTS` into `out`."""
    plan = api.load_ruleset()
    read = api.read(plan, [sample / "projects.csv", sample / "indicators.csv"])
    projects = read.tables["projects"].drop("_file", "_sheet", "_row")
    indicators = read.tables["indicators"].drop("_file", "_sheet", "_row")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for department, layout, full in DEPARTMENTS:
        chosen = [p for p in projects.to_dicts() if p["department"] == department]
        forms_p: list[dict[str, str | None]] = []
        forms_i: list[dict[str, str | None]] = []
        for project in chosen:
            rows = [r for r in indicators.to_dicts() if r["project_id"] == project["project_id"]]
            p, i = claims(project, rows, full)
            forms_p.append(p)
            forms_i.extend(i)
        name = f"{department}-{layout}{'-全部满分' if full else ''}.xlsx"
        written.append(api.write_forms_from_tables(out / name, layout, forms_p, forms_i))
    return written


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=FORMS_DIR)
    args = parser.parse_args(argv)
    for path in write_example_forms(args.out):
        print(path)


if __name__ == "__main__":
    main()
