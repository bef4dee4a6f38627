"""Deferred imports for the CLI, so `jixiao --help` starts in a fraction of a second.

Importing `jixiao.scoring.api` loads the whole engine (Polars plans, pydantic models,
xlsxwriter, altair, the validate modules) and rich loads its own tree; a command's help
needs none of it. The command modules import `api`, `Console` and `Table` from here
(the real ones under TYPE_CHECKING): `api` imports the engine on the first attribute a
command body reads, and a console or table is built by rich when first used.

The option declarations read a few constants of `api` while the commands are being
defined (`--format` choices, the default ruleset...): `LIGHT` holds their values so
that defining a command imports nothing; tests/cli/test_lazy.py checks they equal the
engine's and that `--help` leaves the engine and rich unimported.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any

API = "jixiao.scoring.api"

LIGHT: dict[str, Any] = {
    "DEFAULT_RULESET": "project-self-eval",
    "DEFAULT_MAX_XLSX_MB": 200,
    "FORMATS": ("csv", "parquet", "xlsx"),
    "FORM_LAYOUTS": ("national", "sichuan"),
    "SCHEMA_KINDS": ("catalogue", "ruleset"),  # only its names are read (sorted) at definition
}
"""Constants the option declarations read, while the engine is not imported yet."""


class _LazyApi(ModuleType):
    """`jixiao.scoring.api`, imported on the first attribute read that needs it."""

    def __getattr__(self, name: str) -> Any:
        if name in LIGHT and API not in sys.modules:
            return LIGHT[name]
        return getattr(importlib.import_module(API), name)


api = _LazyApi(API)


class Console:
    """A rich Console built on first use (rich is imported then)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._args, self._kwargs = args, kwargs
        self._console: Any = None

    def real(self) -> Any:
        """The rich Console itself (for rich's own objects: Progress, Live)."""
        if self._console is None:
            from rich.console import Console as RichConsole

            self._console = RichConsole(*self._args, **self._kwargs)
        return self._console

    def reset(self) -> None:
        """Build the rich Console again on next use, under the environment then (its
        width comes from COLUMNS when it is built): for commands run in one process one
        after another, as the reliability corpus runs them."""
        self._console = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real(), name)


def rich_console(console: Any) -> Any:
    """The rich Console behind a lazy one (a rich Console is returned as it is)."""
    return console.real() if isinstance(console, Console) else console


def Table(*args: Any, **kwargs: Any) -> Any:
    """A rich Table (rich is imported on the first table)."""
    from rich.table import Table as RichTable

    return RichTable(*args, **kwargs)
