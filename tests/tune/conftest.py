"""One tuning session over the sample district, shared by the tune tests of a process."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="jixiao tune needs pip install '.[tune]'")

from jixiao.scoring import api  # noqa: E402
from jixiao.scoring.tune.session import Session  # noqa: E402

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
