"""The page: sections of charts and tables, one inline Vega bundle, the manifest at the foot.

Self-contained by construction: the Vega/Vega-Lite/vega-embed bundle from vl-convert is
inlined once and shared by every chart, chart data is inline, styles are inline, and a
Content-Security-Policy forbids the page any request (`default-src 'none'`), so even a
chart that asked for a URL could not leave the machine. Fonts are the reader's own (a
CJK font stack, no web font). The page is a pure function of its sections and manifest:
byte-identical for the same results.
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import vl_convert as vlc

from jixiao.scoring.report.html.charts import FONT, Spec


@dataclass(frozen=True)
class Chart:
    """One chart on the page: its element id (`chart-<name>`), its PNG name, its spec."""

    name: str
    spec: Spec

    @property
    def element_id(self) -> str:
        return f"chart-{self.name}"


@dataclass(frozen=True)
class Section:
    """One section of the page: a Chinese title (and its English), charts, then HTML."""

    id: str
    title: str
    title_en: str
    charts: Sequence[Chart] = ()
    body: Sequence[str] = field(default_factory=tuple)
    """HTML fragments (tables, notes) already escaped."""


CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'unsafe-inline'; img-src data:; font-src 'none'; connect-src 'none'"
)
"""'unsafe-eval': Vega compiles its expressions with `Function`; nothing is fetched."""

CSS = f"""
:root {{ font-family: {FONT}; color: #222; background: #fff; }}
body {{ margin: 0 auto; max-width: 1100px; padding: 0 1.5rem 3rem; line-height: 1.5; }}
header {{ border-bottom: 3px solid #1a4f8b; margin-bottom: 1rem; }}
h1 {{ font-size: 1.6rem; margin: 1.2rem 0 .2rem; color: #1a4f8b; }}
h2 {{ font-size: 1.25rem; border-left: 4px solid #1a4f8b; padding-left: .5rem; margin-top: 2rem; }}
.en {{ color: #777; font-weight: normal; font-size: .8em; margin-left: .5em; }}
.meta {{ color: #555; margin: .2rem 0 .8rem; }}
nav a {{ margin-right: 1em; color: #1a4f8b; text-decoration: none; }}
.chart {{ margin: .5rem 0 1rem; overflow-x: auto; }}
dl.facts {{ display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1.2rem; }}
dl.facts dt {{ color: #555; }} dl.facts dd {{ margin: 0; font-variant-numeric: tabular-nums; }}
.scroll {{ max-height: 32rem; overflow: auto; border: 1px solid #ddd; margin: .5rem 0 1rem; }}
table {{ border-collapse: collapse; font-size: .85rem; width: 100%; }}
caption {{ text-align: left; font-weight: bold; padding: .4rem; }}
th, td {{ border-bottom: 1px solid #e5e5e5; padding: .25rem .5rem; text-align: left; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
thead th {{ position: sticky; top: 0; background: #f3f6fa; }}
th button {{ font: inherit; font-weight: bold; border: 0; background: none; cursor: pointer; padding: 0; }}
th[aria-sort=ascending] button::after {{ content: " ▲"; }}
th[aria-sort=descending] button::after {{ content: " ▼"; }}
footer {{ margin-top: 3rem; border-top: 1px solid #ccc; font-size: .85rem; }}
footer pre {{ white-space: pre-wrap; word-break: break-all; background: #f7f7f7; padding: .5rem; }}
p.note {{ color: #555; }}
"""

SORT_TABLE_JS = """
function jixiaoSortTable(table, th) {
  var index = Array.prototype.indexOf.call(th.parentElement.children, th);
  var ascending = th.getAttribute("aria-sort") !== "ascending";
  table.querySelectorAll("th").forEach(function (h) {
    if (h.hasAttribute("aria-sort")) h.setAttribute("aria-sort", "none");
  });
  th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  var numeric = th.dataset.type === "num", body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  rows.sort(function (a, b) {
    var x = a.cells[index].dataset.v, y = b.cells[index].dataset.v;
    if (x === y) return 0;
    if (x === "") return 1;
    if (y === "") return -1;
    var c = numeric ? Number(x) - Number(y) : x.localeCompare(y, "zh-CN");
    return ascending ? c : -c;
  });
  rows.forEach(function (row) { body.appendChild(row); });
}
"""
"""Sorting a table by a column (empty cells last, numbers as numbers, text in Chinese
order): the report's tables and the tuning page's (served there as /assets/sort.js)."""

SORT_JS = (
    SORT_TABLE_JS
    + """
document.querySelectorAll("table.sortable th button").forEach(function (button) {
  button.addEventListener("click", function () {
    var th = button.parentElement;
    jixiaoSortTable(th.closest("table"), th);
  });
});
"""
)

EMBED_JS = """
(function () {
  var specs = JSON.parse(document.getElementById("jixiao-specs").textContent);
  window.jixiaoViews = {};
  var pending = Object.keys(specs).map(function (id) {
    var element = document.getElementById(id);
    return vegaEmbed(element, specs[id], { renderer: "svg", actions: false })
      .then(function (result) { window.jixiaoViews[id] = result.view; })
      .catch(function (error) {
        console.error("chart " + id + ": " + error);
        element.textContent = "图表无法显示（chart failed）: " + error;
      });
  });
  window.jixiaoReady = Promise.all(pending).then(function () {
    document.body.dataset.charts = "ready";
  });
})();
"""


BUNDLE_SNIPPET = "window.vegaEmbed = vegaEmbed; window.vega = vega; window.vegaLite = vegaLite;"
"""What the bundle exports: the three libraries as globals, for the page's own script."""


@functools.cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed in one script (from vl-convert, ~900 KB), with any
    `</script` written so that it cannot close the tag it sits in."""
    bundle = vlc.javascript_bundle(BUNDLE_SNIPPET)
    return re.sub(r"</(script)", r"<\\/\1", bundle, flags=re.IGNORECASE)


def _script_json(obj: object) -> str:
    """JSON safe inside a <script> element: `<`, `>` and `&` as \\u escapes."""
    text = json.dumps(obj, ensure_ascii=False, sort_keys=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def document(
    title: str,
    title_en: str,
    meta: str,
    sections: Sequence[Section],
    manifest: Mapping[str, Any],
) -> str:
    """The whole page as one string."""
    specs = {c.element_id: c.spec for s in sections for c in s.charts}
    nav = " ".join(f'<a href="#{s.id}">{html.escape(s.title)}</a>' for s in sections)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="jixiao">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f'<h1>{html.escape(title)}<span class="en">{html.escape(title_en)}</span></h1>',
        f'<p class="meta">{html.escape(meta)}</p>',
        f'<nav>{nav} <a href="#manifest">运行清单</a></nav>',
        "</header>",
        "<main>",
    ]
    for s in sections:
        parts.append(f'<section id="{html.escape(s.id)}">')
        parts.append(
            f'<h2>{html.escape(s.title)}<span class="en">{html.escape(s.title_en)}</span></h2>'
        )
        for c in s.charts:
            parts.append(f'<div class="chart" id="{c.element_id}" data-png="{c.name}"></div>')
        parts.extend(s.body)
        parts.append("</section>")
    parts += ["</main>", manifest_footer(manifest)]
    parts += [
        f'<script type="application/json" id="jixiao-specs">{_script_json(specs)}</script>',
        f"<script>{vega_bundle()}</script>",
        f"<script>{EMBED_JS}{SORT_JS}</script>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts)


def manifest_footer(manifest: Mapping[str, Any]) -> str:
    """The run manifest at the foot: the facts people ask for, then the whole of it."""
    ruleset = manifest.get("ruleset") or {}
    catalogue = manifest.get("catalogue") or {}
    engine = manifest.get("engine") or {}
    facts: list[tuple[str, str]] = [
        ("作业 Job", str(manifest.get("job", ""))),
        ("规则集 Ruleset", f"{ruleset.get('id', '')} {ruleset.get('version', '')}".strip()),
        ("规则集 SHA-256", str(ruleset.get("sha256", ""))),
        ("指标库 Catalogue", f"{catalogue.get('id', '')} {catalogue.get('version', '')}".strip()),
        ("程序 Engine", ", ".join(f"{k} {v}" for k, v in engine.items())),
    ]
    if "as_of" in manifest:
        facts.append(("截至 As of", str(manifest["as_of"])))
    for item in manifest.get("inputs") or []:
        if isinstance(item, dict):
            rows = ", ".join(f"{k} {v}" for k, v in (item.get("rows") or {}).items())
            facts.append(
                ("输入 Input", f"{item.get('path', '')} ({rows}) sha256 {item.get('sha256', '')}")
            )
    lines = [
        '<footer id="manifest">',
        '<h2>运行清单<span class="en">Run manifest</span></h2>',
        '<dl class="facts">',
        *(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in facts),
        "</dl>",
        "<details><summary>manifest.json（不含写入时间与耗时）</summary>",
        f"<pre>{html.escape(json.dumps(manifest, ensure_ascii=False, indent=2))}</pre>",
        "</details>",
        "</footer>",
    ]
    return "\n".join(lines)
