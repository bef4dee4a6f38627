"""`python -m jixiao.cli`: the same command as the `jixiao` script."""

from jixiao.cli.main import main

main(prog_name="jixiao")
