"""The benchmark suite (`python -m bench`) runs end to end, so it cannot rot.

`--quick` generates a 300-project district (~3k indicator rows), times every pipeline
once and writes the results file; this checks the table is there, every pipeline ran,
the streaming tables equal the in-memory ones, and the per-row engines and the
hand-written core agree with jixiao's scores. Timings are printed, never asserted.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_quick_suite_runs_and_writes_its_table(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--results", str(results)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    text = results.read_text(encoding="utf-8")
    for row in [
        "| jixiao score (in-memory) |",
        "| jixiao score (streaming) |",
        "| hand-written Polars, lean |",
        "| hand-written Polars, jixiao's tables |",
        "| scoring core (score + roll-up on parsed rows), jixiao |",
        "| per row: jixiao reference evaluator (simpleeval path) |",
        "ruleset load+check+compile:",
        "`jixiao --help`:",
        "| target | measured | met |",
    ]:
        assert row in text, row
    assert "streaming tables byte-identical to in-memory: yes" in text
    # Every per-row engine that is installed scores the sample as jixiao does.
    for agreed in re.findall(r"agrees with jixiao on ([0-9.]+)%", text):
        assert float(agreed) == 100.0, text
    score_agreement = re.search(r"hand core against jixiao: score equal on ([0-9.]+)%", text)
    assert score_agreement and float(score_agreement.group(1)) > 99.0, text
