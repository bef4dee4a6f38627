"""Commands about rulesets themselves: validate, rulesets, schema."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from jixiao.scoring import api
else:
    from jixiao.cli.lazy import api


@click.command("validate")
@click.argument("refs", nargs=-1, metavar="[PATH_OR_ID]...")
@click.option("--show", "show", metavar="ID_OR_PATH", help="Print the effective (merged) ruleset.")
@click.option("-q", "--quiet", is_flag=True, help="Print only problems.")
def validate_cmd(refs: tuple[str, ...], show: str | None, quiet: bool) -> None:
    """Check rulesets and catalogues; print every problem as file:line:col.

    With no arguments, checks every built-in. Directories stand for the YAML files in them.

    \b
    Examples:
      jixiao validate
      jixiao validate my-rulesets/
      jixiao validate --show sichuan-10-90
    """
    outcomes = api.validate(list(refs)) if refs or not show else []
    if refs and not outcomes:
        # A folder with no YAML in it must not read as "all fine".
        click.echo(f"no ruleset or catalogue files in {', '.join(refs)}", err=True)
        sys.exit(1)
    failed = 0
    for outcome in outcomes:
        if outcome.ok:
            if not quiet:
                click.echo(f"ok    {outcome.kind:<9} {outcome.label:<28} {outcome.file}")
            continue
        failed += 1
        for problem in outcome.problems:
            click.echo(str(problem), err=True)
    if show:
        click.echo(api.show_ruleset(show), nl=False)
    if failed:
        n = sum(len(o.problems) for o in outcomes)
        click.echo(f"{failed} of {len(outcomes)} files have problems ({n} in all)", err=True)
        sys.exit(1)


@click.command("rulesets")
def rulesets_cmd() -> None:
    """List the built-in rulesets: id, version, name and file."""
    for rs in api.builtin_rulesets():
        click.echo(f"{rs.id:<22} {rs.version:<9} {rs.name}  ({rs.path})")


@click.command("schema")
@click.argument("kind", type=click.Choice(sorted(api.SCHEMA_KINDS)), default="ruleset")
@click.option("--out", type=click.Path(path_type=Path), help="Write to FILE.")
def schema_cmd(kind: str, out: Path | None) -> None:
    """Print the JSON Schema of the ruleset (or catalogue) format.

    \b
    Editors (e.g. VS Code's YAML extension) use it to complete and check ruleset files:
      jixiao schema ruleset --out schema/ruleset.schema.json
    """
    text = api.schema_text(kind)
    if out is None:
        click.echo(text, nl=False)
    else:
        api.write_text(out, text)
        click.echo(f"wrote {out}")


COMMANDS = [validate_cmd, rulesets_cmd, schema_cmd]
