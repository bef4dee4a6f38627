"""Debian's Chromium driven by Playwright for Python, with the system executable (no
browser download: `playwright install` cannot work offline and is never run).

Absent Chromium (or Playwright) skips the browser tests on a developer's machine, naming
the install command; under CI (`CI` set) it fails them: the CI script installs both.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

INSTALL = "apt-get install -y --no-install-recommends chromium fonts-wqy-microhei"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]
"""The background-networking flags keep Chromium itself from calling out (this machine's
network is closed, so without them it logs refused connections at every start)."""


def chromium_path() -> str:
    """/usr/bin/chromium (or $JIXIAO_CHROMIUM); skip, or fail under CI, when absent."""
    path = os.environ.get("JIXIAO_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    missing = [] if Path(path).is_file() else [f"Chromium ({path})"]
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("Playwright for Python (pip install '.[dev]')")
    if missing:
        message = f"{' and '.join(missing)} not found: {INSTALL}"
        if os.environ.get("CI"):
            pytest.fail(f"the browser test must run in CI: {message}")
        pytest.skip(message)
    return path


@dataclass
class Loaded:
    """A page loaded offline: what it logged and asked for, and its load time."""

    page: Any
    url: str
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    load_ms: float = 0.0


@contextmanager
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def load(b: Any, path: Path, timeout_ms: float = 30_000) -> Loaded:
    """Open `path` offline; every request is routed, and any but the page itself is
    aborted and recorded; console errors and page errors are recorded."""
    context = b.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    page = context.new_page()
    url = path.resolve().as_uri()
    loaded = Loaded(page, url)

    def route(r: Any) -> None:
        if r.request.url == url:
            r.continue_()
        else:
            loaded.blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page.on("request", lambda r: loaded.requests.append(r.url))
    page.on(
        "console", lambda m: loaded.console_errors.append(m.text) if m.type == "error" else None
    )
    page.on("pageerror", lambda e: loaded.console_errors.append(f"pageerror: {e}"))
    page.goto(url, wait_until="load", timeout=timeout_ms)
    page.wait_for_function("document.body.dataset.charts === 'ready'", timeout=timeout_ms)
    loaded.load_ms = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
    return loaded


CHART_CHECK = """() => Array.from(document.querySelectorAll('div.chart')).map(div => {
  const svg = div.querySelector('svg');
  const marks = svg ? svg.querySelectorAll('g[class*="role-mark"] > *').length : 0;
  const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  return {id: div.id, svg: !!svg, marks: marks, width: box.width, height: box.height};
})"""

TABLE_VALUES = """([id, column]) => {
  const table = document.getElementById(id);
  const index = Array.from(table.tHead.rows[0].cells).findIndex(th => th.dataset.col === column);
  return Array.from(table.tBodies[0].rows).map(r => r.cells[index].dataset.v);
}"""
