"""One tuning session over the sample district, shared by the tune tests of a process."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import pytest

try:
    import starlette  # noqa: F401
    import uvicorn  # noqa: F401
except ImportError:
    _why = "jixiao tune needs Starlette and uvicorn: pip install '.[dev]' (or '.[tune]')"
    if os.environ.get("CI"):
        raise RuntimeError(f"the tune tests must run in CI: {_why}") from None
    pytest.skip(_why, allow_module_level=True)

from jixiao.scoring import api
from jixiao.scoring.tune.session import Session

EXAMPLES = Path(str(resources.files("jixiao.examples")))
SAMPLE = EXAMPLES / "sample-district" / "sample-district.xlsx"
RULESET = api.DEFAULT_RULESET


@pytest.fixture(scope="session")
def session(tmp_path_factory: pytest.TempPathFactory) -> Session:
    out = tmp_path_factory.mktemp("tune") / "variants"
    return Session.open(RULESET, [SAMPLE], out_dir=out)


@pytest.fixture(scope="session")
def inputs() -> api.Inputs:
    return api.read(api.load_ruleset(RULESET), [SAMPLE])
