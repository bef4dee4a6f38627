"""What a report is made from: a job's tables (lazy), its manifest and its labels.

The same `ReportData` comes from a results folder on disk (`from_folder`, what
`jixiao report DIR` reads: parquet when present, else the csv with every column cast to
the registry's dtype) or from a run still in memory (`score --report`), so the page is
the same either way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from jixiao.scoring import columns
from jixiao.scoring.errors import InputError, JixiaoError
from jixiao.scoring.rules.load import load_catalogue
from jixiao.scoring.rules.models import Catalogue

MANIFEST = "manifest.json"

VOLATILE_MANIFEST_KEYS = ("written_at", "timings", "output_sha256", "outputs")
"""Manifest keys left out of the page: they change from run to run (or would describe the
page itself), and the page must be byte-identical across reruns of the same inputs."""


@dataclass(frozen=True)
class ReportData:
    """One job's results as the report reads them."""

    job: str
    """Which job wrote the results: `score` or `monitor` (compare and whatif later)."""
    manifest: Mapping[str, Any]
    tables: Mapping[str, pl.LazyFrame]
    labels: Mapping[str, str] = field(default_factory=dict)
    """Chinese label of a category id (`output` → 产出), from the catalogue; else the id."""

    def has(self, table: str) -> bool:
        return table in self.tables

    def frame(self, table: str) -> pl.LazyFrame:
        return self.tables[table]

    def shown_manifest(self) -> dict[str, Any]:
        """The manifest as the page shows it: without the keys that vary between reruns,
        keys sorted as manifest.json writes them (so a run still in memory and its folder
        read back show the same)."""
        kept = {k: v for k, v in self.manifest.items() if k not in VOLATILE_MANIFEST_KEYS}
        shown: dict[str, Any] = json.loads(json.dumps(kept, sort_keys=True, default=str))
        return shown


def job_of(manifest: Mapping[str, Any], present: set[str]) -> str:
    """The job that wrote a folder: the manifest's `job`, else (manifests written before
    the key existed were all `score`'s) told by the tables present."""
    job = manifest.get("job")
    if isinstance(job, str) and job:
        return job
    if "project_scores" in present:
        return "score"
    if "monitor_projects" in present:
        return "monitor"
    raise InputError("manifest.json names no job and the folder holds no table a report knows")


def from_folder(folder: Path) -> ReportData:
    """Read a results folder: manifest.json, then each table from parquet (csv fallback)."""
    if not folder.is_dir():
        what = "does not exist" if not folder.exists() else "is not a folder"
        raise InputError(f"{folder}: {what}; give the folder a score or monitor run wrote")
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise InputError(
            f"{folder}: holds no {MANIFEST}; give the folder a score or monitor run wrote (-o)"
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{manifest_path}: is not valid JSON ({exc})") from None
    if not isinstance(manifest, dict):
        raise InputError(f"{manifest_path}: is not a JSON object")
    tables: dict[str, pl.LazyFrame] = {}
    for name in (*columns.TABLES, *columns.MONITOR_TABLES, *EXTRA_TABLES):
        frame = _read_table(folder, name)
        if frame is not None:
            tables[name] = frame
    job = job_of(manifest, set(tables))
    return ReportData(job, manifest, tables)


EXTRA_TABLES = (
    "migration",
    "sweep",
    "compare_projects",
    "compare_departments",
    "near_boundary",
    "ruleset_diff",
    "top_movers",
    "near_boundary_base",
    "near_boundary_candidate",
)
"""Tables of the jobs to come (compare, whatif, boundary list): read when present, so
their sections plug in without a change here."""


def _read_table(folder: Path, name: str) -> pl.LazyFrame | None:
    parquet, csv = folder / f"{name}.parquet", folder / f"{name}.csv"
    try:
        if (folder / name).is_dir():  # `score --partition-by`: its files hold every column
            files = sorted(str(p) for p in (folder / name).rglob("*.parquet"))
            return pl.read_parquet(files, hive_partitioning=False).lazy() if files else None
        if parquet.is_file():
            return pl.read_parquet(parquet).lazy()
        if csv.is_file():
            return _typed(pl.read_csv(csv, infer_schema=False), name)
    except (pl.exceptions.PolarsError, OSError) as exc:
        path = parquet if parquet.is_file() else csv
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: cannot be read as a results table ({first})") from None
    return None


def _typed(frame: pl.DataFrame, table: str) -> pl.LazyFrame:
    """A csv read as text, cast column by column to the registry's dtype (patterns such
    as `<level1>_score` matched by shape); unknown columns stay text."""
    dtypes = _registry_dtypes(table)
    casts = []
    for name in frame.columns:
        dtype = next((t for pattern, t in dtypes if pattern.fullmatch(name)), None)
        col = pl.col(name)
        if dtype is None or dtype == pl.String():
            casts.append(col)
        elif dtype == pl.Boolean():
            casts.append(
                pl.when(col.str.to_lowercase() == "true")
                .then(True)
                .when(col.str.to_lowercase() == "false")
                .then(False)
                .otherwise(None)
                .alias(name)
            )
        else:
            # A formula-like cell was written with a leading quote (io.cells): strip it.
            casts.append(col.str.strip_prefix("'").cast(dtype, strict=False).alias(name))
    return frame.lazy().select(casts)


def _registry_dtypes(table: str) -> list[tuple[re.Pattern[str], pl.DataType]]:
    registry = {
        **columns.TABLES,
        **columns.MONITOR_TABLES,
        **columns.COMPARE_TABLES,
        **columns.WHATIF_TABLES,
    }.get(table, ())
    out = []
    for column in registry:
        pattern = re.escape(column.name)
        if column.placeholder:
            pattern = pattern.replace(re.escape(column.placeholder), ".+")
        out.append((re.compile(pattern), column.dtype))
    # Exact names first, so `budget_score` is not taken for the `<level1>_score` pattern.
    out.sort(key=lambda p: ".+" in p[0].pattern)
    return out


def catalogue_labels(manifest: Mapping[str, Any]) -> dict[str, str]:
    """Category ids → Chinese names (`output` → 产出) from the catalogue the manifest
    names, when it is a built-in one; else nothing (headers then show the id)."""
    catalogue = manifest.get("catalogue")
    ref = catalogue.get("id") if isinstance(catalogue, dict) else None
    if not isinstance(ref, str) or not ref:
        return {}
    try:
        cat, _ = load_catalogue(ref)
    except (JixiaoError, OSError, ValueError):
        return {}
    return catalogue_label_map(cat)


def catalogue_label_map(cat: Catalogue) -> dict[str, str]:
    """Category and common-indicator ids → their Chinese names, as the workbook's headers
    (report.markdown.headers_for) label them."""
    labels = {lv.id: lv.name.removesuffix("指标") for lv in cat.levels}
    return labels | {ind.id: ind.name for ind in cat.common_indicators}


def headers(table: str, names: list[str], labels: Mapping[str, str]) -> dict[str, str]:
    """Chinese header of each column from the registry (patterns filled with `labels`);
    a column the registry does not know keeps its name."""
    registry = {
        **columns.TABLES,
        **columns.MONITOR_TABLES,
        **columns.COMPARE_TABLES,
        **columns.WHATIF_TABLES,
    }.get(table, ())
    exact = {c.name: c.header for c in registry if c.placeholder is None}
    # The most specific pattern first: `<level1>_score` before the bare `<common>`.
    patterns = sorted(
        (c for c in registry if c.placeholder is not None),
        key=lambda c: -len(c.name.replace(c.placeholder or "", "")),
    )
    out = {}
    for name in names:
        header = exact.get(name)
        for column in patterns if header is None else ():
            pre, _, post = column.name.partition(column.placeholder or "")
            if name.startswith(pre) and name.endswith(post) and len(name) > len(pre + post):
                value = name[len(pre) : len(name) - len(post)]
                header = column.header.format(labels.get(value, value))
                break
        out[name] = header or name
    return out
