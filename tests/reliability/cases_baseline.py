"""Clean inputs the other cases vary: if these fail, the harness is wrong, not the input."""

from __future__ import annotations

from pathlib import Path

from corpus import Case, indicators, project, write_pair


def _clean(folder: Path) -> list[str]:
    return write_pair(folder, [project("P001", 100, 90)], indicators("P001"))


CASES = [
    Case(
        name="baseline-clean-csv",
        about="A clean pair of CSVs: every target met, 90% spent → 9 + 90 = 99 (DOMAIN §3).",
        make=_clean,
        rows_in={"projects": 1, "indicators": 4},
        scores={"P001": (99.0, "优")},
    ),
]
