"""Shared by the expression tests: the names expressions may use, and the Polars schema
of the rows they run on (found through `pythonpath` in pyproject.toml)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import yaml
from hypothesis import settings

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


ISSUE_CI_EXAMPLES = 500
"""Issue 7 item 7: at least this many examples per property in CI."""


def property_settings(namespace: dict[str, object]) -> dict[str, settings]:
    """The Hypothesis settings every property test of a module runs with, by name."""
    return {
        name: fn._hypothesis_internal_use_settings  # type: ignore[attr-defined]
        for name, fn in namespace.items()
        if getattr(fn, "is_hypothesis_test", False)
    }


def assert_ci_floor(namespace: dict[str, object], expected: set[str]) -> None:
    """Every property of the module takes its example count from the profile (no per-test
    max_examples below the CI floor), and the CI profile runs at least 500."""
    found = property_settings(namespace)
    assert set(found) == expected, sorted(found)
    for name, used in found.items():
        assert used.max_examples >= settings.default.max_examples, (name, used.max_examples)
    assert settings.get_profile("ci").max_examples >= ISSUE_CI_EXAMPLES
