"""Shared by the expression tests: the names expressions may use, and the Polars schema
of the rows they run on (found through `pythonpath` in pyproject.toml)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import yaml

from jixiao.scoring.expr import Type

HERE = Path(__file__).parent

NAMES = {
    "a": Type.NUMBER,
    "b": Type.NUMBER,
    "c": Type.NUMBER,
    "actual": Type.NUMBER,
    "target": Type.NUMBER,
    "points": Type.NUMBER,
    "flag": Type.BOOL,
    "label": Type.TEXT,
}

ROW_SCHEMA = {
    "a": pl.Float64,
    "b": pl.Float64,
    "c": pl.Float64,
    "flag": pl.Boolean,
    "label": pl.String,
}


def load(name: str) -> object:
    """A YAML data file next to the tests."""
    with (HERE / name).open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)
