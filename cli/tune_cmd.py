"""`jixiao tune`: a local page to tune a ruleset live over parsed inputs (docs/tune.md)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from jixiao.cli.score_cmd import (
    console,
    hidden_sheets_option,
    inputs_argument,
    max_xlsx_option,
    ruleset_option,
    year_option,
)
from jixiao.scoring.errors import JixiaoError
from jixiao.scoring.tune import serve


@click.command("tune")
@ruleset_option
@inputs_argument
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--host",
    default=serve.LOOPBACK,
    show_default=True,
    help="Address to listen on. Anything but loopback lets other machines reach the page "
    "(the token still guards it); a warning is printed.",
)
@click.option("--no-browser", is_flag=True, help="Print the URL only; do not open a browser.")
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path),
    metavar="DIRECTORY",
    default=Path("jixiao-tune"),
    show_default=True,
    help="Where 'Save as ruleset' writes <name>.yaml (nothing is written anywhere else).",
)
@year_option
@hidden_sheets_option
@max_xlsx_option
def tune_cmd(
    ruleset: str,
    inputs: tuple[Path, ...],
    port: int,
    host: str,
    no_browser: bool,
    out: Path,
    year: int | None,
    include_hidden_sheets: bool,
    max_xlsx_mb: int,
) -> None:
    """Tune a ruleset live: drag a weight, see every project re-grade, save the variant.

    Reads and parses INPUT files once, then serves a local page (Chinese first, works
    offline) with the base ruleset's grade distribution and, live, the candidate's: the
    level-1 weights (one absorbing the difference, so the total stays at the scale),
    level-2 weights, qualitative tier defaults, grade bands, the budget-execution cap and
    the params flags use; the migration matrix, departments with deltas, the projects that
    change grade (each with its explanation) and those near a boundary. Every change is
    checked like a ruleset file (the message `validate` gives, next to the control) and
    re-scored over the parsed rows. "Save as ruleset" writes OUT/<name>.yaml, which
    extends the base with only the changed keys.

    The URL carries a random token (every request must): open it as printed. Ctrl-C stops.

    \b
    Examples:
      jixiao tune examples/sample-district/
      jixiao tune -r sichuan-10-90 自评表.xlsx --port 8800 -o variants/
      jixiao tune data/ --no-browser --port 0
    """
    problem = serve.missing()
    if problem is not None:
        raise JixiaoError(problem)
    from jixiao.scoring.tune.app import create_app, new_token

    if not serve.is_loopback(host):
        console.print(
            f"[yellow]warning[/yellow]: listening on {host}: other machines can reach this "
            "page; the token is its only guard"
        )
    sock = serve.bind(host, port)  # before the long read: a port in use is said at once
    try:
        started = time.perf_counter()

        def step(text: str) -> None:
            console.print(f"[dim]{time.perf_counter() - started:6.1f}s[/dim] {text} …")

        from jixiao.scoring.tune.session import Session  # the engine: loaded only to run

        session = Session.open(
            ruleset,
            list(inputs),
            out_dir=out,
            year=year,
            include_hidden_sheets=include_hidden_sheets,
            max_xlsx_mb=max_xlsx_mb,
            step=step,
        )
        token = new_token()
        url = serve.url_of(sock, host, token)
        app = create_app(session, token)
        base = session.base_results.projects.height
        rejected = session.prepared.rejects.height
        step(f"ready: {base:,} projects scored, {rejected:,} rows rejected")

        def announce() -> None:
            click.echo(f"\n  jixiao tune: open {url}\n  (Ctrl-C stops the server)\n")

        serve.serve(app, sock, on_started=announce, open_url=None if no_browser else url)
    finally:
        sock.close()
    console.print("stopped")


COMMANDS = [tune_cmd]
