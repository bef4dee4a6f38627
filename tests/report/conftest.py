"""Results folders the report tests read: the sample district scored, and its July
monitoring table monitored, each written once per test process (with the report)."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

import pytest

from jixiao.scoring import api

EXAMPLES = Path(str(resources.files("jixiao.examples")))
SAMPLE = EXAMPLES / "sample-district" / "sample-district.xlsx"
MONITORING = EXAMPLES / "monitoring-2025-07" / "monitoring.xlsx"


@pytest.fixture(scope="session")
def score_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`jixiao score --report -f parquet -f csv` of the sample district."""
    out = tmp_path_factory.mktemp("score") / "out"
    plan = api.load_ruleset()
    results = api.score(plan, [SAMPLE])
    api.write(results, out, ["parquet", "csv"], plan=plan, report=True)
    return out


@pytest.fixture(scope="session")
def monitor_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`jixiao monitor --report --as-of 2025-07-31 -f parquet` of the July sample."""
    out = tmp_path_factory.mktemp("monitor") / "out"
    plan = api.load_ruleset()
    results = api.monitor(plan, [MONITORING], dt.date(2025, 7, 31))
    api.write_monitor(results, out, ["parquet"], report=True)
    return out


@pytest.fixture(scope="session")
def compare_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`jixiao compare --report -f parquet` of the sample: the built-in against the
    benefit-heavy example variant."""
    out = tmp_path_factory.mktemp("compare") / "out"
    base = api.load_ruleset()
    candidate = api.load_ruleset(str(EXAMPLES / "rulesets" / "benefit-heavy.yaml"))
    api.write_compare(api.compare(base, candidate, [SAMPLE]), out, ["parquet"], report=True)
    return out


@pytest.fixture(scope="session")
def sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`jixiao whatif --set weights.output=40 --set weights.benefit=40 --sweep
    weights.output=30..50:5 --absorb weights.benefit --report -f parquet` of the sample."""
    out = tmp_path_factory.mktemp("sweep") / "out"
    chosen = api.variant("project-self-eval", ["weights.output=40", "weights.benefit=40"])
    spec, _ = api.sweep_variants(chosen, "weights.output=30..50:5", "weights.benefit")
    api.write_whatif(api.whatif(chosen, [SAMPLE], sweep=spec), out, ["parquet"], report=True)
    return out
