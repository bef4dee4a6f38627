"""One tiny bad ruleset per error case; each states its expected problems in `# expect:`
lines (line:col: message fragment), so adding a case is adding a file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jixiao.scoring.rules.validate import validate

BAD = Path(__file__).parent / "bad"
EXPECT = re.compile(rb"^# expect: (\d+):(\d+): (.+)$", re.MULTILINE)


def expectations(path: Path) -> list[tuple[int, int, str]]:
    found = EXPECT.findall(path.read_bytes())
    return [(int(line), int(col), text.decode("utf-8")) for line, col, text in found]


CASES = sorted(BAD.glob("*.yaml"))


def test_every_case_states_its_expectation() -> None:
    assert len(CASES) >= 15
    for path in CASES:
        assert expectations(path), f"{path.name} has no '# expect:' line"


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_bad_ruleset_is_reported_at_its_position(path: Path) -> None:
    (outcome,) = validate([str(path)])
    assert not outcome.ok
    got = [(p.line, p.col, str(p)) for p in outcome.problems if Path(p.file).name == path.name]
    for line, col, fragment in expectations(path):
        matches = [g for g in got if fragment in g[2]]
        assert matches, f"no problem mentions {fragment!r}; got {[g[2] for g in got]}"
        assert (line, col) in [(g[0], g[1]) for g in matches], f"{fragment!r} at {matches}"
    assert len(outcome.problems) == len(expectations(path)), [str(p) for p in outcome.problems]
