"""Example self-evaluation forms generated from the sample district (issue 10 item 4).

Three departments of `sample-district/` as they would hand in their forms, one project
per sheet, in `sample-district/forms/`:

- 区体育局, national layout (财预〔2020〕10号 附件1), claims as in the sample (its 得分);
- 区司法局, Sichuan layout (510000_0013zp), claims as in the sample;
- 区退役军人事务局, national layout, claiming full points everywhere (every indicator at
  its 分值, the budget at 10, total 100, 优): the department `reevaluate` must rank first
  by inflation.

Each project's claimed budget score is its execution rate × 10 (capped at 10, 2
decimals), its claimed total that plus its indicators' claimed scores, its 自评等级 the
national band of that total. Deterministic: run `python -m jixiao.examples.forms` (or
`python examples/forms.py`) to write them again, byte for byte.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from jixiao.scoring import api

HERE = Path(__file__).resolve().parent
SAMPLE_DIR = HERE / "sample-district"
FORMS_DIR = SAMPLE_DIR / "forms"

DEPARTMENTS = (
    ("区体育局", "national", False),
    ("区司法局", "sichuan", False),
    ("区退役军人事务局", "national", True),
)
"""(department, layout, claims full points everywhere)."""


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None  # type: ignore[arg-type]
    except ValueError:
        return None


def _grade(total: float) -> str:
    """The national bands (DOMAIN §2): 优 ≥ 90, 良 80–90, 中 60–80, 差 < 60."""
    return "优" if total >= 90 else "良" if total >= 80 else "中" if total >= 60 else "差"


def _fmt(value: float) -> str:
    return f"{round(value, 2):.2f}"


def claims(
    project: dict[str, str | None], indicators: list[dict[str, str | None]], full: bool
) -> tuple[dict[str, str | None], list[dict[str, str | None]]]:
    """The project and its indicators with the department's claims filled in."""
    rows = [dict(r) for r in indicators]
    if full:
        for r in rows:
            r["claimed_score"] = r.get("points")
    budget, spent = _number(project.get("budget")), _number(project.get("spent"))
    rate = min(spent / budget, 1.0) if budget and spent is not None else 0.0
    budget_score = 10.0 if full else round(rate * 10, 2)
    total = budget_score + sum(_number(r.get("claimed_score")) or 0.0 for r in rows)
    total = 100.0 if full else round(total, 2)
    out = dict(project)
    out |= {
        "claimed_budget_score": _fmt(budget_score),
        "claimed_total": _fmt(total),
        "claimed_grade": _grade(total),
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
