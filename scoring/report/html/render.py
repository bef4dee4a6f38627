"""The door: results (a folder or in memory) → the page and its PNG files.

PNGs sit beside the page, named after it: `report.html` gets `report-grades.png`,
`report-histogram.png` … one per chart on the page, drawn by vl-convert from the same
spec the page embeds (for pasting into Word). Names are fixed per chart, so a results
folder's writer knows them in advance (`file_names`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from jixiao.scoring.errors import InputError
from jixiao.scoring.io.atomic import atomic_path
from jixiao.scoring.io.write import write_text
from jixiao.scoring.report.html import charts, page
from jixiao.scoring.report.html.data import ReportData
from jixiao.scoring.report.html.sections import TITLES, sections_for

PAGE_NAME = "report.html"

CHART_NAMES = (
    "grades",
    "histogram",
    "departments",
    "categories",
    "flags",
    "lights",
    "department_lights",
    "execution",
    "migration",
    "sweep",
)
"""Every chart a page may hold, hence every PNG name (`<page stem>-<chart>.png`)."""


@dataclass(frozen=True)
class Rendered:
    html: str
    pngs: dict[str, bytes]
    """Chart name → PNG bytes, in page order."""


def render(data: ReportData, *, pngs: bool = True) -> Rendered:
    """The page (and, unless `pngs` is false, each chart as PNG) for these results."""
    sections = sections_for(data)
    if not sections:
        raise InputError(
            f"nothing to report for job {data.job!r}: the folder holds none of the tables "
            "a report shows"
        )
    title, title_en = TITLES.get(data.job, (f"{data.job} 报告", data.job))
    text = page.document(title, title_en, _meta(data), sections, data.shown_manifest())
    images = {c.name: charts.png(c.spec) for s in sections for c in s.charts} if pngs else {}
    return Rendered(text, images)


def _meta(data: ReportData) -> str:
    m = data.manifest
    ruleset = m.get("ruleset") or {}
    parts = [f"规则集 {ruleset.get('id', '')} {ruleset.get('version', '')}".strip()]
    rows = m.get("rows") or {}
    projects = rows.get("projects") or {}
    if "scored" in projects:
        parts.append(f"{projects['scored']:,} 个项目")
    elif "monitored" in projects:
        parts.append(f"{projects['monitored']:,} 个项目")
    if "as_of" in m:
        parts.append(f"截至 {m['as_of']}")
    return " · ".join(parts)


def png_path(page_path: Path, chart: str) -> Path:
    return page_path.with_name(f"{page_path.stem}-{chart}.png")


def file_names(page_name: str = PAGE_NAME) -> list[str]:
    """Every file a report named `page_name` may write (the page and every PNG)."""
    stem = Path(page_name).stem
    return [page_name, *(f"{stem}-{c}.png" for c in CHART_NAMES)]


def write(rendered: Rendered, page_path: Path) -> list[Path]:
    """Write the page and its PNGs atomically; PNGs of charts this page no longer has
    (a previous report's) are removed so the folder never mixes two reports."""
    written = [write_text(page_path, rendered.html)]
    for name, data in rendered.pngs.items():
        target = png_path(page_path, name)
        with atomic_path(target) as tmp:
            tmp.write_bytes(data)
        written.append(target)
    for name in CHART_NAMES:
        stale = png_path(page_path, name)
        if name not in rendered.pngs and stale.is_file():
            os.remove(stale)
    return written
