"""Parquet outputs partitioned Hive-style (`score --partition-by department`): one folder
per value, `project_scores/department=教育局/part-0.parquet`, read back by jixiao itself
(docs/inputs.md), Polars, Spark, DuckDB or Hive as one table.

Which tables: each is partitioned by the `--partition-by` columns it holds; a table
without them that has `project_id` (indicator_scores) takes them from project_scores
through its project, so a department's indicator rows sit beside its projects; a table
with neither (rejects) is written whole, `<table>.parquet`, as without the option. The
files keep every column of their table, the partition columns included, so one file
alone says what it holds; the folder name is a safe label for the value
(`io/file_names.py`: `../x`, `CON`, `a/b`, 300 characters, an empty value `(未填部门)`
never escape the table's folder or collide). Folders and files are written in the sorted
order of the values, rows in their order in the table: the same tables give the same
files and bytes. A table with no rows is written whole too (a partitioned folder of no
file would say nothing of its columns).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

import polars as pl

from jixiao.scoring.errors import JixiaoError
from jixiao.scoring.io.file_names import unique_names

PART = "part-0.parquet"
_KEYS_SOURCE = "project_scores"
ParquetWriter = Callable[[pl.DataFrame | pl.LazyFrame, Path], None]
Atomic = Callable[[Path], AbstractContextManager[Path]]


def partition_columns(
    tables: Mapping[str, pl.DataFrame | pl.LazyFrame], by: Sequence[str]
) -> dict[str, list[str]]:
    """Table → the columns it is partitioned by (its own or through project_id); a
    table missing from the result is written whole. An unknown column is an error."""
    schemas = {name: frame.collect_schema().names() for name, frame in tables.items()}
    known = {c for names in schemas.values() for c in names}
    unknown = [c for c in by if c not in known]
    if unknown:
        raise JixiaoError(
            f"--partition-by {', '.join(unknown)}: no output table has this column; "
            "partition by columns of the outputs (docs/outputs.md), e.g. department, year"
        )
    source = set(schemas.get(_KEYS_SOURCE, []))
    out = {}
    for name, names in schemas.items():
        if all(c in names for c in by) or ("project_id" in names and {"project_id", *by} <= source):
            out[name] = list(by)
    return out


def write_partitioned(
    tables: Mapping[str, pl.DataFrame | pl.LazyFrame],
    out_dir: Path,
    by: Sequence[str],
    write_one: ParquetWriter,
    atomic: Atomic,
) -> list[Path]:
    """Every table as parquet, partitioned where it can be (see above); `write_one`
    writes one frame to a path (io/write's zstd writer) inside `atomic(target)`."""
    partitioned = partition_columns(tables, by)
    keys = _project_keys(tables, by) if partitioned else None
    frames = {name: _collected(tables[name]) for name in partitioned}
    labels = _labels(frames, keys, by)
    written: list[Path] = []
    for name in sorted(tables):
        frame = frames.get(name)
        if frame is None or frame.height == 0:
            written.append(_whole(tables[name], out_dir / f"{name}.parquet", write_one, atomic))
            continue
        for values, part in _parts(frame, keys, by):
            folder = out_dir / name
            for column, value in zip(by, values, strict=True):
                folder = folder / f"{column}={labels[column][value]}"
            written.append(_whole(part, folder / PART, write_one, atomic))
    return written


def _collected(frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    return frame.collect() if isinstance(frame, pl.LazyFrame) else frame


def _project_keys(
    tables: Mapping[str, pl.DataFrame | pl.LazyFrame], by: Sequence[str]
) -> pl.DataFrame | None:
    source = tables.get(_KEYS_SOURCE)
    if source is None or not {"project_id", *by} <= set(source.collect_schema().names()):
        return None
    return _collected(source.lazy().select("project_id", *by).unique("project_id", keep="first"))


def _with_keys(frame: pl.DataFrame, keys: pl.DataFrame | None, by: Sequence[str]) -> pl.DataFrame:
    """The frame with its partition values (its own, or its project's) as `__key<i>`."""
    if all(c in frame.columns for c in by):
        return frame.with_columns(pl.col(c).alias(f"__key{i}") for i, c in enumerate(by))
    assert keys is not None
    named = keys.select("project_id", *(pl.col(c).alias(f"__key{i}") for i, c in enumerate(by)))
    return frame.join(named, on="project_id", how="left", maintain_order="left")


def _labels(
    frames: Mapping[str, pl.DataFrame], keys: pl.DataFrame | None, by: Sequence[str]
) -> dict[str, dict[object, str]]:
    """Column → value → its folder label, the same in every table (one set per column)."""
    labels = {}
    for i, column in enumerate(by):
        values: set[object] = set()
        for frame in frames.values():
            values.update(_with_keys(frame, keys, by).get_column(f"__key{i}").unique().to_list())
        text = {v: None if v is None else str(v) for v in values}
        names = unique_names(text.values())
        labels[column] = {v: names[t] for v, t in text.items()}
    return labels


def _parts(
    frame: pl.DataFrame, keys: pl.DataFrame | None, by: Sequence[str]
) -> list[tuple[tuple[object, ...], pl.DataFrame]]:
    """(values, rows) per distinct combination, sorted by value (nulls first)."""
    marked = _with_keys(frame, keys, by)
    names = [f"__key{i}" for i in range(len(by))]
    groups = marked.partition_by(names, maintain_order=True, as_dict=True)
    ordered = sorted(groups, key=lambda k: tuple((v is not None, str(v)) for v in k))
    return [(values, groups[values].drop(names)) for values in ordered]


def _whole(
    frame: pl.DataFrame | pl.LazyFrame,
    target: Path,
    write_one: ParquetWriter,
    atomic: Atomic,
) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic(target) as tmp:
        write_one(frame, tmp)
    return target
