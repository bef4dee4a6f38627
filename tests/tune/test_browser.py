"""The tuning page in Debian's Chromium (Playwright, the system executable; skipped
without it, failed under CI, like tests/report/browser.py): the server in a thread on a
free port, the output-weight slider moved, the grade counts shown equal to `jixiao whatif`
with the same overrides, a refused value shown next to its control, nothing requested
from anywhere but the server. A screenshot is kept in tests/artifacts/ (git-ignored)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import browser
import pytest

from jixiao.scoring import api
from jixiao.scoring.tune.app import create_app, new_token
from jixiao.scoring.tune.serve import Running, start_in_thread
from jixiao.scoring.tune.session import Session

from .conftest import RULESET

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

COUNTS = """() => Object.fromEntries(Array.from(document.querySelectorAll('#counts tbody tr'))
  .map(r => [r.dataset.grade, [Number(r.querySelector('[data-side=base]').dataset.v),
                               Number(r.querySelector('[data-side=candidate]').dataset.v)]]))"""


@pytest.fixture(scope="module")
def server(session: Session) -> Iterator[Running]:
    token = new_token()
    running = start_in_thread(create_app(session, token), token=token)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def page(server: Running) -> Iterator[tuple[Any, dict[str, list[str]]]]:
    origin = server.url.split("/?")[0]
    seen: dict[str, list[str]] = {"errors": [], "outside": []}
    with browser.browser() as b:
        context = b.new_context(viewport={"width": 1400, "height": 1000})

        def route(r: Any) -> None:
            if r.request.url.startswith(origin + "/"):
                r.continue_()
            else:
                seen["outside"].append(r.request.url)
                r.abort()

        context.route("**/*", route)
        p = context.new_page()
        p.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
        p.on("pageerror", lambda e: seen["errors"].append(f"pageerror: {e}"))
        p.goto(server.url, wait_until="load")
        p.wait_for_function("document.body.dataset.state === 'ready'", timeout=60_000)
        yield p, seen
        context.close()


def settle(p: Any, before: str) -> None:
    """Wait for the answer to the change after round `before` (state ready or error)."""
    p.wait_for_function(
        "([s]) => document.body.dataset.seq !== s && "
        "['ready', 'error'].includes(document.body.dataset.state)",
        arg=[before],
        timeout=60_000,
    )


def test_moving_the_output_weight_regrades_as_whatif(
    page: tuple[Any, dict[str, list[str]]], inputs: api.Inputs
) -> None:
    p, seen = page
    shown = p.evaluate(COUNTS)
    assert all(b == c for b, c in shown.values()), "before any change, candidate = base"
    before = p.evaluate("document.body.dataset.seq")
    slider = p.locator('input[type=range][data-key="weights.output"]')
    slider.fill("40")  # dispatches input and change, as a drag does at its end
    settle(p, before)
    assert p.evaluate("document.body.dataset.state") == "ready", p.locator(
        "#controls, #errors"
    ).all_inner_texts()
    # The absorbing key (效益, the second-largest) took the difference.
    assert p.locator('input[type=number][data-key="weights.benefit"]').input_value() == "40"
    shown = p.evaluate(COUNTS)
    results = api.whatif(api.variant(RULESET, ["weights.output=40", "weights.benefit=40"]), inputs)
    projects = results.compare_projects
    for side in ("base", "candidate"):
        counts = {str(k): int(v) for k, v in projects.group_by(f"{side}_grade").len().iter_rows()}
        index = 0 if side == "base" else 1
        assert {g: v[index] for g, v in shown.items() if v[index]} == counts
    assert shown != {g: [v[0], v[0]] for g, v in shown.items()}, "the override moves grades"
    changed = p.locator("#changed tbody tr").count()
    assert changed == results.n_changed
    marks = p.evaluate(
        "document.querySelectorAll('#chart-grades svg g[class*=\"role-mark\"] > *').length"
    )
    assert marks > 0
    ARTIFACTS.mkdir(exist_ok=True)
    p.screenshot(path=str(ARTIFACTS / "tune.png"), full_page=False)
    assert not seen["errors"], seen["errors"]
    assert not seen["outside"], seen["outside"]


def test_a_refused_value_is_shown_next_to_its_control(
    page: tuple[Any, dict[str, list[str]]],
) -> None:
    p, seen = page
    before = p.evaluate("document.body.dataset.seq")
    band = p.locator('input[type=number][data-key="grades.优.min"]')
    band.fill("120")
    band.dispatch_event("change")
    settle(p, before)
    assert p.evaluate("document.body.dataset.state") == "error"
    with pytest.raises(api.RulesetError if hasattr(api, "RulesetError") else Exception) as caught:
        api.variant(RULESET, ["weights.output=40", "weights.benefit=40", "grades.优.min=120"])
    said = p.locator('.err[data-key="grades.优.min"]').inner_text()
    assert said and said in str(caught.value)
    before = p.evaluate("document.body.dataset.seq")
    band.fill("90")
    band.dispatch_event("change")
    settle(p, before)
    assert p.evaluate("document.body.dataset.state") == "ready"
    assert p.locator('.err[data-key="grades.优.min"]').inner_text() == ""
    assert not seen["outside"], seen["outside"]


def test_a_project_links_to_its_explanation(page: tuple[Any, dict[str, list[str]]]) -> None:
    """On a fresh page (the tests of this module may run on different workers, each
    with its own page): move the output weight, then follow a changed project's link."""
    p, _ = page
    p.reload(wait_until="load")
    p.wait_for_function("document.body.dataset.state === 'ready'", timeout=60_000)
    before = p.evaluate("document.body.dataset.seq")
    p.locator('input[type=range][data-key="weights.output"]').fill("40")
    settle(p, before)
    first = p.locator("#changed tbody tr button.link").first
    pid = first.inner_text()
    first.click()
    p.wait_for_function(
        "document.getElementById('explain-text').textContent.length > 10", timeout=60_000
    )
    assert p.locator("#explain-text").inner_text().startswith(pid)
