"""The page: its structure against golden files (not the ~900 KB bundle), self-contained,
byte-identical across renders, the same from memory (`--report`) as from the folder
(`jixiao report`), from parquet as from csv."""

from __future__ import annotations

import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest

from jixiao.scoring import api

GOLDEN = Path(__file__).parent / "golden"


class _Structure(HTMLParser):
    """Sections, headings, charts, table ids, captions and column names, fact labels."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self._capture: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("section", "footer", "table") and a.get("id"):
            self.lines.append(f"{tag} #{a['id']}")
        elif tag == "div" and a.get("class") == "chart":
            self.lines.append(f"  chart #{a['id']} png={a.get('data-png')}")
        elif tag == "th" and a.get("data-col"):
            self.lines.append(f"    column {a['data-col']} ({a.get('data-type')})")
        elif tag in ("h1", "h2", "caption", "dt", "title", "button"):
            self._capture, self._text = tag, ""
        elif tag == "script":
            self.lines.append(
                f"script {a.get('type') or 'javascript'} {a.get('id') or ''}".rstrip()
            )
        elif tag == "meta" and a.get("http-equiv"):
            self.lines.append(f"meta {a['http-equiv']}: {a.get('content')}")

    def handle_data(self, data: str) -> None:
        if self._capture:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == self._capture:
            # Counts in captions vary with the data; the words are the structure.
            text = re.sub(r"[\d,]+", "N", self._text.strip())
            self.lines.append(f"  {tag}: {text}")
            self._capture = None


def structure(page: str) -> str:
    parser = _Structure()
    parser.feed(page)
    return "\n".join(parser.lines) + "\n"


@pytest.mark.parametrize("job", ["score", "monitor"])
def test_page_structure_matches_golden(job: str, request: pytest.FixtureRequest) -> None:
    folder: Path = request.getfixturevalue(f"{job}_dir")
    got = structure((folder / "report.html").read_text("utf-8"))
    golden = GOLDEN / f"{job}.txt"
    if os.environ.get("JIXIAO_UPDATE_GOLDEN"):
        golden.write_text(got, "utf-8")
    assert got == golden.read_text("utf-8"), f"regenerate with JIXIAO_UPDATE_GOLDEN=1 ({golden})"


@pytest.mark.parametrize("job", ["score", "monitor"])
def test_page_is_self_contained(job: str, request: pytest.FixtureRequest) -> None:
    folder: Path = request.getfixturevalue(f"{job}_dir")
    page = (folder / "report.html").read_text("utf-8")
    assert "default-src 'none'" in page
    # No element points anywhere: no src=, no stylesheet link, no web font, no import
    # (the scripts' own text is the Vega bundle, which the CSP and the browser test cover).
    markup = re.sub(r"(?s)<script\b[^>]*>.*?</script>", "<script></script>", page)
    assert not re.search(
        r"<(script|img|iframe|link|source|video|audio)\b[^>]*\b(src|href)=", markup
    )
    assert "@import" not in page and "@font-face" not in page
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs and all(h.startswith("#") for h in hrefs)
    assert page.count("window.vegaEmbed=") == 1  # one bundle shared by every chart
    assert page.count("<script") == 3


def test_score_report_lists_page_and_pngs_in_the_manifest(score_dir: Path) -> None:
    manifest = json.loads((score_dir / "manifest.json").read_text("utf-8"))
    pngs = sorted(p.name for p in score_dir.glob("report-*.png"))
    assert pngs == [
        f"report-{c}.png"
        for c in sorted(["grades", "histogram", "departments", "categories", "flags"])
    ]
    for name in ["report.html", *pngs]:
        assert name in manifest["outputs"] and name in manifest["output_sha256"]
        assert (score_dir / name).read_bytes()[:4] in (b"<!DO", b"\x89PNG")
    assert manifest["job"] == "score"


@pytest.mark.parametrize("job", ["score", "monitor"])
def test_report_from_the_folder_equals_the_one_written_with_the_run(
    job: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    folder: Path = request.getfixturevalue(f"{job}_dir")
    paths = api.report(folder, tmp_path / "again.html")
    assert paths[0].read_bytes() == (folder / "report.html").read_bytes()
    for png in paths[1:]:
        chart = png.name.removeprefix("again-")
        assert png.read_bytes() == (folder / f"report-{chart}").read_bytes()


def test_csv_fallback_gives_the_same_page(score_dir: Path, tmp_path: Path) -> None:
    csv_only = tmp_path / "csv"
    csv_only.mkdir()
    for f in score_dir.iterdir():
        if f.suffix != ".parquet":
            shutil.copy(f, csv_only / f.name)
    (page,) = api.report(csv_only, tmp_path / "csv.html", pngs=False)
    assert page.read_bytes() == (score_dir / "report.html").read_bytes()


def test_page_shows_the_tuning_tables_when_a_folder_holds_them(
    score_dir: Path, tmp_path: Path
) -> None:
    """compare/whatif will write `migration` and `sweep`: their sections plug in by table."""
    folder = tmp_path / "tuning"
    shutil.copytree(score_dir, folder)
    pl.DataFrame(
        {"base_grade": ["优", "良"], "candidate_grade": ["良", "良"], "n": [3, 7]}
    ).write_parquet(folder / "migration.parquet")
    pl.DataFrame(
        {
            "value": [30.0, 30.0, 40.0],
            "grade": ["优", "良", "优"],
            "n": [8, 2, 10],
            "mean_total": [91.0, 91.0, 93.5],
        }
    ).write_parquet(folder / "sweep.parquet")
    (page, *pngs) = api.report(folder, tmp_path / "t.html")
    text = structure(page.read_text("utf-8"))
    assert "section #migration" in text and "section #sweep" in text
    assert "  chart #chart-migration png=migration" in text
    assert {p.name for p in pngs} >= {"t-migration.png", "t-sweep.png"}
