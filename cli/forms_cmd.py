"""`jixiao forms`: self-evaluation form workbooks (项目支出绩效自评表) as tables, and
the blank form for departments. See docs/forms.md."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from rich.console import Console

    from jixiao.scoring import api
else:
    from jixiao.cli.lazy import Console, api


console = Console(stderr=True)


@click.group("forms")
def forms_cmd() -> None:
    """Self-evaluation forms (项目支出绩效自评表): convert them to tables, or write a blank one.

    Forms come one project per sheet, national (财预〔2020〕10号 附件1) or Sichuan
    (510000_0013zp) layout, found by their labels. `jixiao score` and `jixiao explain`
    also read form workbooks directly.
    """


@forms_cmd.command("to-tables")
@click.argument("forms", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    metavar="DIRECTORY",
    help="Output folder (replaced whole, like score's).",
)
@click.option(
    "-f",
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(api.FORMATS),
    help="Output format(s); default csv. Repeat for several.",
)
@click.option(
    "--include-hidden-sheets",
    is_flag=True,
    help="Also read hidden sheets (by default they are skipped, with a note).",
)
@click.option("-q", "--quiet", is_flag=True, help="Only problems, no summary.")
def to_tables_cmd(
    forms: tuple[Path, ...],
    out: Path,
    formats: tuple[str, ...],
    include_hidden_sheets: bool,
    quiet: bool,
) -> None:
    """Convert FORMS (workbooks or folders of them) into the canonical projects and
    indicators tables, claimed scores included, so they can be scored, diffed and archived.

    A workbook that is corrupt, encrypted or holds no form, a sheet that is not a form
    and a form missing a label are reported (file, sheet, label) and the rest goes on;
    exit 1 only when no form at all could be read.

    \b
    Examples:
      jixiao forms to-tables 自评表/ -o tables/
      jixiao forms to-tables 教育局.xlsx 卫健委.xlsx -o tables/ -f csv -f xlsx
    """
    read = api.read_forms(list(forms), include_hidden_sheets=include_hidden_sheets)
    for problem in read.problems:
        console.print(f"[red]problem[/red]: {problem}", soft_wrap=True)
    if not quiet:
        for line in read.notes[len(read.problems) :]:
            console.print(f"[yellow]note[/yellow]: {line}", soft_wrap=True)
    paths = api.write_form_tables(read, out, formats or ("csv",))
    if not quiet:
        rows = {name: frame.height for name, frame in read.frames.items()}
        files = sum(1 for f in read.files if f.forms)
        console.print(
            f"read {len(read.forms)} form(s) from {files} of {len(read.files)} file(s): "
            f"{rows['projects']} projects, {rows['indicators']} indicators → {out}"
            f" ({', '.join(p.name for p in paths)})",
            soft_wrap=True,
        )


@forms_cmd.command("template")
@click.option(
    "--layout",
    type=click.Choice(api.FORM_LAYOUTS),
    default="national",
    show_default=True,
    help="national: 财预〔2020〕10号 附件1; sichuan: 报表编号 510000_0013zp.",
)
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    metavar="FILE.xlsx",
    help="The workbook to write.",
)
def template_cmd(layout: str, out: Path) -> None:
    """Write a blank self-evaluation form for departments to fill in; jixiao reads it back.

    \b
    Examples:
      jixiao forms template -o 自评表.xlsx
      jixiao forms template --layout sichuan -o 自评表-四川.xlsx
    """
    path = api.write_form_template(out, layout)
    console.print(f"wrote {path} ({layout} layout)")


COMMANDS = [forms_cmd]
