"""A folder of parquet files partitioned Hive-style (`year=2025/province=四川/department=教育局/
part-0.parquet`) read as one input table, lazily.

A finance data platform (Spark, Hive, DuckDB, `jixiao score --partition-by`) stores a
large table as such a folder. Given as an input (or found inside an input folder), it
is one source: every parquet file under it, in the sorted order of their paths, scanned
together by `pl.scan_parquet(..., hive_partitioning=True)`, never loaded whole. The
partition keys become columns like any other and are matched to the table's columns by
the catalogue's aliases (`department=…` or `主管部门=…`; a key the table does not know
is listed as unused, like any extra column). Each row's provenance is its own file
(`_file`, the parquet file's path) and its row in that file (`_row`, from 1).

What is refused, in one line naming the file: a corrupt or unreadable parquet file, a
data file of another type inside the partitions (`.csv`, `.xlsx`: its rows would be left
out), files at different partition depths or with different keys, files whose columns
differ. Hidden files and those starting with `_` (`_SUCCESS`, `_common_metadata`, as
Spark and Hive leave them) are skipped; any other file (a README) is noted, not read.

When a file also holds a partition key as a column (jixiao's own partitioned outputs
keep it, so that one file alone says what it holds), the file's value is read: the
folder name is only a safe label for it (`io/file_names.py` cleans `../x`, `CON`, …).
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from jixiao.scoring.errors import InputError

PARTITION = re.compile(r"^([^=/\\]+)=(.*)$")
"""A Hive partition folder: `key=value`."""
FORMAT = "parquet (hive-partitioned)"
_OTHER_DATA = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".csv", ".tsv", ".txt", ".json")


def is_partitioned(folder: Path) -> bool:
    """A folder whose own sub-folders are Hive partitions (`key=value`)."""
    if not folder.is_dir() or PARTITION.match(folder.name):
        return False
    return any(
        child.is_dir() and PARTITION.match(child.name) and not _skipped(child.name)
        for child in folder.iterdir()
    )


def _skipped(name: str) -> bool:
    return name.startswith((".", "_", "~$"))


def dataset_files(root: Path, file: str) -> tuple[list[Path], list[str], list[str]]:
    """The parquet files of the dataset at `root` (sorted by their path inside it), the
    partition keys (outermost first), and notes on files not read."""
    found: list[Path] = []
    notes: list[str] = []
    for path in sorted(root.rglob("*"), key=lambda p: p.relative_to(root).parts):
        inside = path.relative_to(root)
        if any(_skipped(part) for part in inside.parts) or not path.is_file():
            continue
        if path.suffix.lower() == ".parquet":
            found.append(path)
        elif path.suffix.lower() in _OTHER_DATA:
            raise InputError(
                f"{path}: a {path.suffix} file inside the partitioned dataset {file}, which "
                "is read as parquet only (its rows would be left out); convert it to "
                "parquet or move it out"
            )
        else:
            notes.append(f"{file}: not read (not a parquet file): {inside}")
    if not found:
        raise InputError(f"{file}: the partitioned folder holds no parquet file")
    return found, _keys(root, found, file), notes


def _keys(root: Path, files: list[Path], file: str) -> list[str]:
    """The partition keys, the same for every file (`year`, `province`, …)."""
    first: list[str] | None = None
    for path in files:
        keys = []
        for part in path.relative_to(root).parts[:-1]:
            match = PARTITION.match(part)
            if match is None:
                raise InputError(
                    f"{path}: folder {part!r} of the partitioned dataset {file} is not a "
                    "partition (key=value)"
                )
            keys.append(match.group(1))
        if first is None:
            first = keys
        elif keys != first:
            raise InputError(
                f"{path}: partitioned by {'/'.join(keys) or 'nothing'}, but {files[0]} by "
                f"{'/'.join(first) or 'nothing'}: one dataset has one set of partition keys"
            )
    return first or []


def scan_dataset(root: Path, file: str) -> tuple[pl.LazyFrame, list[str], int, list[str]]:
    """The dataset as one lazy frame of its columns (file columns, then partition keys
    the files lack), `_file` and `_row`; its column names, row count, and notes."""
    files, keys, notes = dataset_files(root, file)
    schema, counts = _check_files(files, file)
    extra = [k for k in keys if k not in schema]
    offsets, start = {}, 0
    for path, count in zip(files, counts, strict=True):
        offsets[str(path)] = start
        start += count
    names = [str(p) for p in files]
    scan = pl.scan_parquet(
        names,
        hive_partitioning=bool(extra),
        hive_schema={k: pl.String for k in keys} if extra else None,
        try_parse_hive_dates=False,
        include_file_paths="_file",
    )
    if extra and len(extra) < len(keys):  # the files' own values of the keys they hold
        scan = _file_values_first(names, keys, extra, scan)
    offset = pl.col("_file").replace_strict(offsets, return_dtype=pl.Int64)
    body = scan.with_row_index("__index").with_columns(
        (pl.col("__index").cast(pl.Int64) - offset + 1).alias("_row")
    )
    columns = [*schema, *extra]
    return body.select(*columns, "_file", "_row"), columns, start, notes


def _file_values_first(
    names: list[str], keys: list[str], extra: list[str], scan: pl.LazyFrame
) -> pl.LazyFrame:
    """Hive reading takes a key's value from the folder even where the file holds that
    column: the keys the files hold are read again from the files and put back."""
    held = [k for k in keys if k not in extra]
    own = pl.scan_parquet(names, hive_partitioning=False).select(held)
    return pl.concat([scan.drop(held), own], how="horizontal")


def _check_files(files: list[Path], file: str) -> tuple[dict[str, pl.DataType], list[int]]:
    """Every file readable as parquet, with the first one's columns; their row counts."""
    schema: dict[str, pl.DataType] | None = None
    counts = []
    for path in files:
        try:
            scan = pl.scan_parquet(path, hive_partitioning=False)
            found = dict(scan.collect_schema())
            counts.append(int(scan.select(pl.len()).collect().item()))
        except Exception as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InputError(f"{path}: cannot read as parquet: {reason}") from None
        if schema is None:
            schema = found
        elif found != schema:
            raise InputError(
                f"{path}: its columns ({', '.join(found)}) differ from those of {files[0]} "
                f"({', '.join(schema)}); every file of the dataset {file} needs the same"
            )
    return schema or {}, counts
