"""Rows a reader cannot pass on — lines that break the CSV quoting, blank rows, repeated
header rows, blank keys, keys Excel turned into scientific notation, repeated keys —
with their place.

Everything here is lazy: the rejects are a query over the same scan as the kept rows, so
a run can collect both together without reading the input twice.
"""

from __future__ import annotations

import polars as pl

from jixiao.scoring.io.keys import id_label, scientific
from jixiao.scoring.io.tablespec import TableSpec

PROVENANCE = ("_file", "_sheet", "_row")
REJECT_SCHEMA: dict[str, pl.DataType] = {
    "file": pl.String(),
    "sheet": pl.String(),
    "row": pl.Int64(),
    "table": pl.String(),
    "column": pl.String(),
    "text": pl.String(),
    "reason": pl.String(),
}
# Helper columns that live between reading and splitting off rejects.
BLANK, TEXT, BROKEN, REPEATED = "__blank", "__text", "__broken", "__repeated"


def empty_rejects() -> pl.DataFrame:
    """A rejects table with no rows, for stages that found nothing to reject."""
    return pl.DataFrame(schema=REJECT_SCHEMA)


def _reject_frame(
    frame: pl.LazyFrame, table: str, column: pl.Expr, reason: pl.Expr, text: pl.Expr
) -> pl.LazyFrame:
    return frame.select(
        pl.col("_file").alias("file"),
        pl.col("_sheet").alias("sheet"),
        pl.col("_row").alias("row"),
        pl.lit(table, pl.String).alias("table"),
        column.cast(pl.String).alias("column"),
        text.cast(pl.String).alias("text"),
        reason.cast(pl.String).alias("reason"),
        pl.col("__seq"),
    )


def split_rejects(frame: pl.LazyFrame, spec: TableSpec) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """Broken lines, blank rows, repeated headers, blank keys, keys in scientific notation
    and (for unique keys) repeated keys go to rejects, in that order, each row at most
    once; rejects keep the input order."""
    frame = frame.with_row_index("__seq").cache()  # read once, split many ways
    broken = pl.col(BROKEN).is_not_null()
    rejects = [
        _reject_frame(frame.filter(broken), spec.name, pl.lit(None), pl.col(BROKEN), pl.col(TEXT))
    ]
    rest = frame.filter(~broken)
    blank = rest.filter(pl.col(BLANK))
    rejects.append(_reject_frame(blank, spec.name, pl.lit(None), pl.lit("blank row"), pl.lit(None)))
    rest = rest.filter(~pl.col(BLANK))
    rejects.append(_repeated_header_rejects(rest.filter(pl.col(REPEATED)), spec))
    rest = rest.filter(~pl.col(REPEATED))
    if spec.key:
        no_key = pl.any_horizontal(pl.col(k).is_null() for k in spec.key)
        rejects.append(_missing_key_rejects(rest.filter(no_key), spec))
        rest = rest.filter(~no_key)
        lost = pl.any_horizontal(scientific(pl.col(k)) for k in spec.key)
        rejects.append(_scientific_rejects(rest.filter(lost), spec))
        rest = rest.filter(~lost)
    if spec.unique_key and spec.key:
        rest, dupes = _split_duplicates(rest, spec)
        rejects.append(dupes)
    kept = rest.select(*spec.column_names, *PROVENANCE)
    ordered = pl.concat(rejects).sort("__seq").drop("__seq")  # input order, not reason order
    return kept, ordered.cast(REJECT_SCHEMA)  # type: ignore[arg-type]


def _missing_key_rejects(frame: pl.LazyFrame, spec: TableSpec) -> pl.LazyFrame:
    blank_names = [pl.when(pl.col(k).is_null()).then(pl.lit(k)) for k in spec.key]
    reasons = [
        pl.when(pl.col(k).is_null()).then(pl.lit(f"missing {spec.column(k).first_alias()} ({k})"))
        for k in spec.key
    ]
    return _reject_frame(
        frame,
        spec.name,
        pl.concat_str(blank_names, separator=",", ignore_nulls=True),
        pl.concat_str(reasons, separator="; ", ignore_nulls=True),
        pl.col(TEXT),
    )


def _repeated_header_rejects(frame: pl.LazyFrame, spec: TableSpec) -> pl.LazyFrame:
    key = spec.key[0] if spec.key else None
    text = pl.col(key) if key else pl.lit(None)
    reason = pl.lit("repeated header row (a header inside the data, not a row to score)")
    return _reject_frame(frame, spec.name, pl.lit(key), reason, text)


def _scientific_rejects(frame: pl.LazyFrame, spec: TableSpec) -> pl.LazyFrame:
    """Convention 3: `1.23456789012346E+17` is what Excel kept of an 18-digit ID."""
    lost = [pl.when(scientific(pl.col(k))).then(pl.lit(k)) for k in spec.key]
    reasons = [
        pl.when(scientific(pl.col(k))).then(
            pl.format(
                "{} {} was stored as a number and lost digits; format the column as text",
                pl.lit(id_label(k)),
                pl.col(k),
            )
        )
        for k in spec.key
    ]
    first_lost = pl.coalesce([pl.when(scientific(pl.col(k))).then(pl.col(k)) for k in spec.key])
    return _reject_frame(
        frame,
        spec.name,
        pl.concat_str(lost, separator=",", ignore_nulls=True),
        pl.concat_str(reasons, separator="; ", ignore_nulls=True),
        first_lost,
    )


def _first_of_key(key: list[str]) -> pl.Expr:
    return (pl.col(key[0]) if len(key) == 1 else pl.struct(key)).is_first_distinct()


def _split_duplicates(frame: pl.LazyFrame, spec: TableSpec) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """Keep each key's first row; later rows are rejected, pointing at the first."""
    key = list(spec.key)
    marked = frame.with_columns(_first_of_key(key).alias("__first"))
    first = marked.filter(pl.col("__first")).select(
        *key,
        pl.col("_file").alias("__f_file"),
        pl.col("_sheet").alias("__f_sheet"),
        pl.col("_row").alias("__f_row"),
    )
    dupes = marked.filter(~pl.col("__first")).join(
        first, on=key, how="left", nulls_equal=True, maintain_order="left"
    )
    same_place = (pl.col("__f_file") == pl.col("_file")) & pl.col("__f_sheet").eq_missing(
        pl.col("_sheet")
    )
    elsewhere = pl.concat_str(
        pl.col("__f_file"),
        pl.when(pl.col("__f_sheet").is_not_null()).then(
            pl.lit(", sheet '") + pl.col("__f_sheet") + pl.lit("'")
        ),
        ignore_nulls=True,
    )
    place = pl.when(same_place).then(pl.lit("")).otherwise(elsewhere + pl.lit(" "))
    value = pl.concat_str([pl.col(k) for k in key], separator="', '")
    reason = pl.format(
        "duplicate {} '{}', first at {}row {}",
        pl.lit(", ".join(key)),
        value,
        place,
        pl.col("__f_row"),
    )
    rejects = _reject_frame(dupes, spec.name, pl.lit(",".join(key)), reason, value)
    return marked.filter(pl.col("__first")).drop("__first"), rejects
