"""Where PyYAML was built without libyaml (musl, source installs) the pure loader reads
rulesets alone: importing the module must not fail, and the data and messages are the
same. Run in a fresh interpreter with `yaml.cyaml` made unimportable."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys
sys.modules["yaml.cyaml"] = None  # import yaml.cyaml now raises ImportError
from jixiao.scoring.rules import yamlsource
from jixiao.scoring import api
from jixiao.scoring.errors import RulesetError
assert yamlsource._BoundedCLoader is None
plan = api.load_ruleset()
print(plan.loaded.ruleset.id)
try:
    yamlsource.parse_document("a: [1, 2\\n", "bad.yaml")
except RulesetError as exc:
    print(exc)
"""


def test_rulesets_load_without_libyaml() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "project-self-eval"
    assert lines[1].startswith("bad.yaml:2:1:"), lines
