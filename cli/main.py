"""The `jixiao` command group.

Commands only parse options and call the scoring package; domain errors become exit 1
with their message in one place (`Group.invoke`), usage errors exit 2 (click's own).
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from jixiao.cli import (
    compare_cmd,
    forms_cmd,
    monitor_cmd,
    reevaluate_cmd,
    report_cmd,
    rulesets_cmd,
    score_cmd,
    tune_cmd,
    whatif_cmd,
)
from jixiao.scoring.errors import JixiaoError, os_errno, os_message, os_reason


class JixiaoGroup(click.Group):
    """Turns every JixiaoError into a clean message and exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        with _quiet_exit():
            return self._invoke(ctx)

    def _invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except JixiaoError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(1)
        except OSError as exc:
            # The last resort: an OS error no layer below turned into a message (a file
            # that vanished mid-read, a device error) is still one line with its path.
            click.echo(f"error: {os_message(exc)}", err=True)
            ctx.exit(1)
        except Exception as exc:
            # Polars reports OS errors as its own, with "(os error N)" in the text.
            if os_errno(exc) is None:
                raise
            first = str(exc).strip().splitlines()[0]
            click.echo(f"error: {os_reason(exc)} ({first})", err=True)
            ctx.exit(1)


@contextmanager
def _quiet_exit() -> Iterator[None]:
    """While a command runs: SIGTERM unwinds like Ctrl-C (so a staging folder is removed
    on the way out) and finalisers' errors are one line; both restored afterwards."""
    hook = sys.unraisablehook
    sys.unraisablehook = _quiet_unraisable
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if main_thread else None
    try:
        yield
    finally:
        sys.unraisablehook = hook
        if main_thread:
            signal.signal(signal.SIGTERM, previous)


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM ends the run like Ctrl-C: the staging folder is removed on the way out."""
    raise SystemExit(128 + signum)


def _quiet_unraisable(unraisable: Any) -> None:
    """An error in a finaliser at exit (a library's half-closed file after a full disk)
    is one line, not a traceback: the error that caused it has been reported."""
    exc = unraisable.exc_value
    if isinstance(exc, OSError):
        return
    click.echo(f"warning: {type(exc).__name__}: {exc}", err=True)


@click.group(cls=JixiaoGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="jixiao")
def main() -> None:
    """jixiao (绩效): score budget projects by declared rules.

    \b
    Examples:
      jixiao demo                          score the bundled sample district
      jixiao validate                      check every built-in ruleset
      jixiao validate my-variant.yaml      check your own ruleset
      jixiao rulesets                      list the built-in rulesets
    """


for command in [
    *score_cmd.COMMANDS,
    *rulesets_cmd.COMMANDS,
    *monitor_cmd.COMMANDS,
    *forms_cmd.COMMANDS,
    *reevaluate_cmd.COMMANDS,
    *report_cmd.COMMANDS,
    *compare_cmd.COMMANDS,
    *whatif_cmd.COMMANDS,
    *tune_cmd.COMMANDS,
]:
    main.add_command(command)
