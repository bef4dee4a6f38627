"""Run every case of the messy-input corpus through the CLI (see corpus.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus import Case, all_cases, run_case

CASES = all_cases()


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 60, len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Case, tmp_path: Path) -> None:
    run_case(case, tmp_path)
