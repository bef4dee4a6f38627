"""The tuning page and its assets, every one served by jixiao itself (no CDN): the page's
script and style (package data in `assets/`) and the Vega/Vega-Lite/vega-embed bundle the
HTML report inlines (report/html/page.py, from vl-convert), so the page works offline.

The page is a shell: the controls and views are drawn by `assets/tune.js` from the
session's `/api/controls` and `/api/score` answers.
"""

from __future__ import annotations

import functools
import html
from importlib.resources import files
from typing import Any

from jixiao.scoring.report.html.page import SORT_TABLE_JS, vega_bundle

ASSETS = {
    "tune.js": "text/javascript; charset=utf-8",
    "tune.css": "text/css; charset=utf-8",
}
VEGA = "vega.js"
SORT = "sort.js"
"""The report's table sorting (`jixiaoSortTable`), the same code on both pages."""


@functools.cache
def _read(name: str) -> bytes:
    return files("jixiao.scoring.tune").joinpath("assets", name).read_bytes()


@functools.cache
def _vega() -> bytes:
    return vega_bundle().encode("utf-8")


def asset(name: str) -> tuple[bytes, str] | None:
    """An asset by its fixed name, or None (never a path: the names are a closed set)."""
    if name == VEGA:
        return _vega(), "text/javascript; charset=utf-8"
    if name == SORT:
        return SORT_TABLE_JS.encode("utf-8"), "text/javascript; charset=utf-8"
    if name in ASSETS:
        return _read(name), ASSETS[name]
    return None


def document(ruleset: dict[str, Any], token: str) -> str:
    """The page shell (Chinese first, English beside); the token in a meta tag, which
    the script sends as a header with every request (only a page served by this server,
    to someone holding the token, can read it)."""
    title = f"规则调参 · {ruleset.get('name') or ruleset.get('id')}"
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="zh-CN">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="generator" content="jixiao tune">',
            f'<meta name="jixiao-token" content="{html.escape(token)}">',
            f"<title>{html.escape(title)}</title>",
            '<link rel="stylesheet" href="/assets/tune.css">',
            "</head>",
            '<body data-state="loading">',
            "<header>",
            f'<h1>规则调参<span class="en">Live tuning</span> · {html.escape(str(ruleset.get("name") or ""))}</h1>',
            f'<p class="meta" id="meta">规则集 {html.escape(str(ruleset.get("id")))} '
            f"{html.escape(str(ruleset.get('version')))}</p>",
            "</header>",
            '<div id="layout">',
            '<aside id="controls" aria-label="controls"></aside>',
            "<main>",
            '<div id="status" role="status"></div>',
            '<div id="errors" role="alert"></div>',
            '<section id="s-grades"><h2>等级分布<span class="en">Grades: base vs candidate</span></h2>',
            '<div class="chart" id="chart-grades"></div>',
            '<table id="counts" class="plain"><thead></thead><tbody></tbody></table></section>',
            '<section id="s-migration"><h2>等级迁移<span class="en">Migration (rows: base, columns: candidate)</span></h2>',
            '<table id="migration" class="matrix"></table></section>',
            '<section id="s-departments"><h2>部门排名<span class="en">Departments, largest mean gain first</span></h2>',
            '<div class="scroll"><table id="departments" class="sortable"></table></div></section>',
            '<section id="s-changed"><h2>等级变化的项目<span class="en">Projects that change grade</span></h2>',
            '<p class="note" id="changed-note"></p>',
            '<div class="scroll"><table id="changed" class="sortable"></table></div></section>',
            '<section id="s-near"><h2>临界项目<span class="en">Within the margin of a boundary (candidate)</span></h2>',
            '<p class="note" id="near-note"></p>',
            '<div class="scroll"><table id="near" class="sortable"></table></div></section>',
            '<section id="s-flags"><h2>偏差标记<span class="en">Flag counts</span></h2>',
            '<p class="note">标记需完整评分（每行指标与全部标记），故按需计算。'
            "Flags need a full scoring of every row, so they are counted on request.</p>",
            '<button type="button" id="flags-button">统计标记 Count flags</button>',
            '<table id="flags" class="plain"></table></section>',
            '<section id="s-explain" hidden><h2>得分说明<span class="en">Explanation (candidate)</span></h2>',
            '<pre id="explain-text"></pre></section>',
            "</main>",
            "</div>",
            f'<script src="/assets/{VEGA}"></script>',
            f'<script src="/assets/{SORT}"></script>',
            '<script src="/assets/tune.js"></script>',
            "</body>",
            "</html>",
            "",
        ]
    )
