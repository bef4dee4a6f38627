"""The Spark engine: the self-evaluation's compiled plan run on Apache Spark (docs/spark.md).

Every project scores on its own, so the indicator rows are partitioned by project (Spark's
hash of project_id: all of a project's rows land in one partition) and each partition is
scored inside `mapInArrow` by jixiao's own stages, Arrow in, Arrow out: placed and parsed
(`prepare_indicators`), its weighting sums taken (`group_sums`), scored
(`score_indicators`), its indicator flags raised (`indicator_flags`) and its per-project
totals summed (`indicator_totals`). No rule is written here; the same `Plan` runs.

What is whole-table stays on the driver, as in the in-memory engine: reading (header
matching, repeated keys, rejects), preparing the projects, then from the partitions'
per-project totals the project scores, project flags, department measures, department
flags and the near-boundary list, all over the collected project table (one row per
project). The department measures are expression-language aggregates (means, minima,
ratios of sums); summed over the one project table in project order, their last digit is
the in-memory engine's (partial float sums combined in another order would not be).

Order: before the rows go to Spark the provenance row number (`_row`) is replaced by the
row's position in the input; every output row that came from an indicator row (scored
row, reject, indicator flag) carries it, so the driver sorts each table by it (stable:
a row's flags keep their ruleset order) and then puts the real row numbers back. The
tables are then the in-memory engine's, row for row (tests/spark/).

pyspark is imported only when the engine runs (`jixiao --help` does not pay for it).
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import pickle
import re
import secrets
import shutil
import sys
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from jixiao.scoring import columns
from jixiao.scoring.errors import JixiaoError
from jixiao.scoring.io.read import Inputs
from jixiao.scoring.jobs.selfeval import (
    PROVENANCE,
    TOTALS_INPUTS,
    Results,
    Spill,
    _finish,
    _prepared,
    _require_year,
    _scratch,
    _whole,
    _with_provenance,
    manifest,
)
from jixiao.scoring.rules.compile import Plan
from jixiao.scoring.stages import flags as flag_stage
from jixiao.scoring.stages.rollup import indicator_totals, project_scores
from jixiao.scoring.stages.score import score_indicators
from jixiao.scoring.stages.weighting import SUM_INPUTS, group_sums, needs_sums

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped]
    from pyspark.sql import SparkSession

SPARK_INSTALL = "pip install 'jixiao[spark]'"
JAVA_INSTALL = "apt-get install openjdk-17-jre-headless"
DEFAULT_MASTER = "local[2]"
PAYLOAD_ROWS = 200_000
"""Rows of one table per Arrow IPC payload a partition sends back (a Spark binary cell
must stay well under 2 GB)."""

SPARK_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
"""A path Spark resolves itself (hdfs://, s3a://, abfss://, file://)."""


@dataclass(frozen=True)
class SparkOptions:
    """Where and how wide to run. `master`: a Spark master URL; None means the
    SPARK_MASTER environment variable, else spark-submit's own, else `local[2]`.
    `partitions`: how many project buckets (None: the session's default parallelism)."""

    master: str | None = None
    partitions: int | None = None


def missing() -> str | None:
    """Why the Spark engine cannot run here (pyspark or Java missing), or None."""
    if find_spec("pyspark") is None:
        return f"--engine spark needs pyspark: {SPARK_INSTALL} (and Java 17: {JAVA_INSTALL})"
    home = os.environ.get("JAVA_HOME")
    if shutil.which("java") is None and not (home and (Path(home) / "bin" / "java").exists()):
        return f"--engine spark needs Java 17 (no java found): {JAVA_INSTALL}"
    return None


def master_url(options: SparkOptions) -> str | None:
    """The master to ask for: the option, SPARK_MASTER, or (outside spark-submit) local[2].
    Under spark-submit (it starts Python with PYSPARK_GATEWAY_PORT) its own is kept."""
    if options.master:
        return options.master
    if os.environ.get("SPARK_MASTER"):
        return os.environ["SPARK_MASTER"]
    return None if os.environ.get("PYSPARK_GATEWAY_PORT") else DEFAULT_MASTER


def session(options: SparkOptions) -> SparkSession:
    """The active SparkSession, or a new one on `master_url(options)`; one clear line when
    pyspark or Java is missing."""
    why = missing()
    if why:
        raise JixiaoError(why)
    # Executors run the partitions with this Python (the one that has jixiao installed).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("jixiao score").config(
        "spark.ui.showConsoleProgress", "false"
    )
    master = master_url(options)
    if master:
        builder = builder.master(master)
    started_here = SparkSession.getActiveSession() is None
    try:
        spark = builder.getOrCreate()
    except Exception as exc:
        raise JixiaoError(
            f"cannot start Spark ({_first_line(exc)}); Java 17: {JAVA_INSTALL}; "
            f"pyspark: {SPARK_INSTALL}"
        ) from None
    if started_here:  # a session of ours: Spark's warnings would bury jixiao's lines
        spark.sparkContext.setLogLevel("ERROR")
    return spark


def run(
    plan: Plan,
    inputs: Inputs,
    *,
    year: int | None = None,
    options: SparkOptions | None = None,
) -> Results:
    """Score already-read inputs on Spark: the same tables `selfeval.run` makes."""
    options = options or SparkOptions()
    started = time.perf_counter()
    spark = session(options)
    _require_year(plan, inputs, year)
    with _scratch(None) as tmp:
        whole = _whole(plan, inputs, year, tmp, "in-memory")
        source = pl.read_parquet(whole.source)
        whole.source.unlink()
    rows_of = source["_row"]
    numbered = source.with_columns(_row=pl.int_range(pl.len(), dtype=pl.Int64))
    partitions = options.partitions or spark.sparkContext.defaultParallelism
    parts = _score_partitions(spark, plan, whole.projects, numbered, partitions)
    spill = Spill(Path("."), keep=False)  # in memory: no file written
    indicators = _restored(_in_order(parts["indicators"], "source_row"), "source_row", rows_of)
    spill.add_flags(_restored(_in_order(parts["flags"], "source_row"), "source_row", rows_of))
    spill.add(indicators)
    rejects = _restored(_in_order(parts["rejects"], "row"), "row", rows_of)
    counts = (indicators.height, int((~indicators["evaluable"]).sum()))
    project_table = _projects(plan, whole.projects, pl.concat(parts["totals"]), spill)
    results = _finish(plan, project_table, pl.concat([*whole.rejects, rejects]), counts, spill)
    results.manifest = manifest(plan.loaded, inputs, results, time.perf_counter() - started)
    results.manifest["engine"] = {
        **results.manifest.get("engine", {}),
        "name": "spark",
        "master": spark.sparkContext.master,
        "partitions": partitions,
        "spark": spark.version,
    }
    return results


def _projects(
    plan: Plan, projects: pl.DataFrame, totals: pl.DataFrame, spill: Spill
) -> pl.DataFrame:
    """Project scores from the partitions' per-project totals (each project's rows were
    summed in one partition, in input order), project flags, flag counts: on the driver,
    as `selfeval._scored_slices` ends."""
    query = project_scores(projects.lazy(), totals.lazy(), plan)
    names = columns.project_columns(plan.categories, list(plan.common), flag_counts=False)
    table = _with_provenance(query, names).collect()
    spill.add_flags(flag_stage.project_flags(table, plan))
    order = [*columns.project_columns(plan.categories, list(plan.common)), *PROVENANCE.values()]
    return flag_stage.with_counts(table, spill.counts("project_id"), "project_id", order)


def _in_order(parts: list[pl.DataFrame], key: str) -> pl.DataFrame:
    """The partitions' rows in input order (stable: a row's flags keep their order)."""
    return pl.concat(parts).sort(key, maintain_order=True, nulls_last=True)


def _restored(frame: pl.DataFrame, key: str, rows_of: pl.Series) -> pl.DataFrame:
    """The real provenance row numbers back in place of the input positions."""
    return frame.with_columns(rows_of.gather(frame[key]).cast(frame[key].dtype).alias(key))


# --- on Spark ------------------------------------------------------------------------


PACKED = "kind string, payload binary"
KINDS = ("indicators", "flags", "rejects", "totals")


def _score_partitions(
    spark: SparkSession, plan: Plan, projects: pl.DataFrame, rows: pl.DataFrame, partitions: int
) -> dict[str, list[pl.DataFrame]]:
    """Hash-partition the indicator rows by project, score every partition with
    `score_partition`, and bring back its tables (Arrow IPC payloads) by kind."""
    from pyspark.sql import functions as F

    table = to_spark_arrow(rows)
    frame = spark.createDataFrame(table) if rows.height else _empty_frame(spark, table)
    payload = pickle.dumps((plan, projects, rows.clear()))
    shared = spark.sparkContext.broadcast(payload)
    scored = (
        frame.repartition(partitions, F.col("project_id"))
        .sortWithinPartitions("_row")
        .mapInArrow(partial(score_partition, shared, secrets.token_hex(8)), PACKED)
    )
    try:
        packed = scored.toArrow()
    except Exception as exc:  # a lost executor, a worker without jixiao, memory
        raise JixiaoError(f"the Spark job failed: {_last_line(exc)}") from exc
    finally:
        shared.unpersist()
    out: dict[str, list[pl.DataFrame]] = defaultdict(list)
    for kind, blob in zip(
        packed.column("kind").to_pylist(), packed.column("payload").to_pylist(), strict=True
    ):
        out[kind].append(pl.read_ipc(io.BytesIO(blob)))
    absent = [k for k in KINDS if not out[k]]
    if absent:
        raise JixiaoError(f"internal error: no {', '.join(absent)} came back from Spark")
    return out


def _empty_frame(spark: SparkSession, table: pa.Table) -> Any:
    """A Spark DataFrame of the input schema with no rows (createDataFrame wants rows)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return spark.createDataFrame([], from_arrow_schema(table.schema))


def to_spark_arrow(frame: pl.DataFrame) -> pa.Table:
    """Polars' Arrow with the types Spark reads: large_string → string, large_binary →
    binary (Spark's Arrow reader wants the 32-bit offsets), categories → their text,
    unsigned counts → the next signed integer (Spark has no unsigned types)."""
    import pyarrow as pa  # type: ignore[import-untyped]

    table = frame.to_arrow()
    fields = []
    for f in table.schema:
        t = f.type
        if pa.types.is_dictionary(t):
            t = t.value_type
        if pa.types.is_large_string(t) or pa.types.is_string_view(t):
            t = pa.string()
        elif pa.types.is_unsigned_integer(t):  # Spark has no unsigned types
            t = {8: pa.int16(), 16: pa.int32()}.get(t.bit_width, pa.int64())
        elif pa.types.is_large_binary(t) or pa.types.is_binary_view(t):
            t = pa.binary()
        fields.append(pa.field(f.name, t, f.nullable))
    return table.cast(pa.schema(fields))


_CACHE: dict[str, tuple[Plan, pl.DataFrame, pl.DataFrame]] = {}
"""The unpickled plan and projects per broadcast, once per Python worker."""


def score_partition(
    shared: Any, key: str, batches: Iterator[pa.RecordBatch]
) -> Iterator[pa.RecordBatch]:
    """One partition (whole projects, rows in input order) through jixiao's own stages:
    the scored rows, their flags, the rows rejected while placing them and each project's
    totals, each as Arrow IPC payloads tagged by kind. This is the Arrow-in/Arrow-out
    entry point another engine (Dask, Ray) would call on its partitions."""
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = pickle.loads(shared.value)
    plan, projects, empty = _CACHE[key]
    for kind, table in score_rows(plan, projects, _frame(batches, empty)).items():
        for offset in range(0, max(table.height, 1), PAYLOAD_ROWS):
            yield _packed(kind, table.slice(offset, PAYLOAD_ROWS))


def score_rows(plan: Plan, projects: pl.DataFrame, rows: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """The per-project work of `selfeval.run` on whole projects' indicator rows (in input
    order): scored rows (output columns and provenance), indicator flags, rejects and the
    per-project totals the roll-up reads."""
    prepared, rejects = _prepared(rows.lazy(), projects.lazy(), plan)
    prepared = prepared.cache()
    sums = None
    if needs_sums(plan):  # all of a project's rows are here: its sums are whole
        sums = group_sums(prepared.select(SUM_INPUTS), plan).collect().lazy()
    scored = score_indicators(prepared, plan, sums).cache()
    table, narrow, rejected = pl.collect_all(
        [
            _with_provenance(scored, columns.indicator_columns()),
            scored.select(TOTALS_INPUTS),
            rejects,
        ]
    )
    return {
        "indicators": table,
        "flags": flag_stage.indicator_flags(table, projects, plan),
        "rejects": rejected,
        "totals": indicator_totals(narrow.lazy(), plan).collect(),
    }


def _frame(batches: Iterator[pa.RecordBatch], empty: pl.DataFrame) -> pl.DataFrame:
    import pyarrow as pa  # type: ignore[import-untyped]

    parts = list(batches)
    if not parts:
        return empty
    frame = pl.from_arrow(pa.Table.from_batches(parts))
    assert isinstance(frame, pl.DataFrame)
    return frame.cast(empty.schema)


def _packed(kind: str, table: pl.DataFrame) -> pa.RecordBatch:
    import pyarrow as pa  # type: ignore[import-untyped]

    buffer = io.BytesIO()
    table.write_ipc(buffer, compression="lz4")
    return pa.RecordBatch.from_pydict(
        {"kind": [kind], "payload": [buffer.getvalue()]},
        schema=pa.schema([("kind", pa.string()), ("payload", pa.binary())]),
    )


# --- writing through Spark --------------------------------------------------------------


def write(
    tables: dict[str, pl.DataFrame], uri: str, manifest: dict[str, Any], options: SparkOptions
) -> list[str]:
    """Each table as a parquet dataset `uri/<table>/` (its part files, in name order, hold
    the rows in order), then `uri/manifest.json` with the tables listed, through Hadoop's file system
    API, so any URI Spark reaches works (hdfs://, s3a://, file://)."""
    spark = session(options)
    try:
        return _write(spark, tables, uri.rstrip("/"), manifest)
    except Exception as exc:
        raise JixiaoError(f"cannot write to {uri} through Spark: {_first_line(exc)}") from None


def _last_line(exc: BaseException) -> str:
    """The Python error at the bottom of a Spark worker's traceback (or the first line)."""
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    errors = [line.strip() for line in lines if re.match(r"^\s*\w+(Error|Exception)\b", line)]
    return errors[-1] if errors else _first_line(exc)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _write(
    spark: SparkSession, tables: dict[str, pl.DataFrame], base: str, manifest: dict[str, Any]
) -> list[str]:
    written = []
    for name, table in tables.items():
        frame = spark.createDataFrame(to_spark_arrow(table)) if table.height else None
        if frame is None:
            frame = _empty_frame(spark, to_spark_arrow(table))
        frame.write.mode("overwrite").parquet(f"{base}/{name}")
        written.append(f"{base}/{name}")
    blob = {**manifest, "outputs": [*sorted(f"{n}/" for n in tables), "manifest.json"]}
    _write_bytes(spark, f"{base}/manifest.json", json.dumps(blob, ensure_ascii=False, indent=2))
    return [*written, f"{base}/manifest.json"]


def _write_bytes(spark: SparkSession, uri: str, text: str) -> None:
    """One small file through the JVM's Hadoop FileSystem (whatever scheme `uri` has)."""
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    path = jvm.org.apache.hadoop.fs.Path(uri)
    fs = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    stream = fs.create(path, True)
    try:
        stream.write(bytearray(text.encode("utf-8")))
    finally:
        stream.close()


# --- reading through Spark ---------------------------------------------------------------


@contextmanager
def fetched(
    paths: Sequence[str | Path], options: SparkOptions
) -> Iterator[tuple[list[str | Path], dict[str, str]]]:
    """Inputs given as URIs (hdfs://, s3a://…) brought to the driver through Spark, into a
    scratch folder that lives as long as the `with` (the reader scans the files lazily):
    a file is copied as it is, through Hadoop's file system (so the reader sees the very
    bytes: encodings, workbooks); a folder (a parquet dataset, as Spark or Hive write
    them) is read by Spark and written as one parquet file. Yields the paths to read, and
    each fetched file's local path → its URI (see `renamed`). Local paths pass through."""
    if not any(isinstance(p, str) and SPARK_URI.match(p) for p in paths):
        yield list(paths), {}
        return
    spark = session(options)
    with _scratch(None) as folder:
        local: list[str | Path] = []
        names: dict[str, str] = {}
        for i, path in enumerate(paths):
            if not (isinstance(path, str) and SPARK_URI.match(path)):
                local.append(path)
                continue
            target = _fetch(spark, path, folder / f"{i:04d}")
            names[str(target)] = path
            local.append(target)
        yield local, names


def _fetch(spark: SparkSession, uri: str, folder: Path) -> Path:
    folder.mkdir()
    sc = spark.sparkContext
    assert sc._jvm is not None
    hadoop = sc._jvm.org.apache.hadoop.fs
    try:
        path = hadoop.Path(uri)
        fs = path.getFileSystem(sc._jsc.hadoopConfiguration())
        if not fs.exists(path):
            raise JixiaoError(f"{uri}: no such file or folder")
        if not fs.getFileStatus(path).isDirectory():
            target = folder / str(path.getName())
            fs.copyToLocalFile(False, path, hadoop.Path(target.as_uri()), True)
            return target
        target = folder / f"{path.getName()}.parquet"
        frame = pl.from_arrow(spark.read.parquet(uri).toArrow())
        assert isinstance(frame, pl.DataFrame)
        frame.write_parquet(target)
        return target
    except JixiaoError:
        raise
    except Exception as exc:
        raise JixiaoError(f"cannot read {uri} through Spark: {_first_line(exc)}") from None


def renamed(inputs: Inputs, names: dict[str, str]) -> Inputs:
    """The inputs with every fetched file's local path replaced by its URI: provenance,
    rejects (their file, and reasons that name it), sources and unused columns."""
    if not names:
        return inputs

    def text(column: str) -> pl.Expr:
        expr = pl.col(column)
        for local, uri in names.items():
            expr = expr.str.replace_all(local, uri, literal=True)
        return expr

    return Inputs(
        frames={k: f.with_columns(text("_file")) for k, f in inputs.frames.items()},
        reject_frame=inputs.reject_frame.with_columns(text("file"), text("reason")),
        sources=[dataclasses.replace(s, path=names.get(s.path, s.path)) for s in inputs.sources],
        unused_columns=[(names.get(f, f), s, h) for f, s, h in inputs.unused_columns],
    )
