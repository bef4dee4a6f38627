"""The HTML report: one self-contained page (every asset inline, no network request) with
Vega-Lite charts and sortable tables, and the same charts as PNG files beside it.

Modules, lowest first (an import-linter contract keeps the order):
`data` (a results folder or in-memory tables, as lazy frames), `aggregate` (Polars:
every chart's data is aggregated before it reaches a chart, so 100k projects stay a few
kilobytes), `charts` (Altair specs with the CJK font stack; PNG through vl-convert),
`tables` (sortable HTML tables), `sections` (what each job's results show), `page`
(the document, the inline Vega bundle, the manifest at the foot), `render` (the door).
"""
