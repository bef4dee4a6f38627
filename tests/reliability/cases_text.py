"""Text inputs and keys (issue 8, items 2, 4, 5a, 8b-8f): broken CSV quoting, encodings,
headers out of reach, `--year` without 年度, keys that only look alike, IDs Excel turned
into scientific notation, repeated headers, the same file twice, YAML bombs.

Scores: a project row `project(pid, 100, 90)` with the four met indicators of
`corpus.indicators` scores 90 indicator points plus 9 budget points (90% spent of the
10-point execution-rate indicator, DOMAIN §3) = 99, 优; 100% spent gives 100.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from corpus import (
    INDICATOR_HEADER,
    PROJECT_HEADER,
    Case,
    Reject,
    Row,
    Run,
    indicators,
    project,
    write_csv,
    write_xlsx,
)

Cell = str | int | float | None


def _line(row: Sequence[Cell], sep: str = ",") -> str:
    """One CSV line, quoting only cells that need it (as Excel does)."""
    out = []
    for cell in row:
        text = "" if cell is None else str(cell)
        if any(ch in text for ch in (sep, '"', "\n", "\r")):
            text = '"' + text.replace('"', '""') + '"'
        out.append(text)
    return sep.join(out)


def _text(header: Sequence[str], rows: Sequence[Sequence[Cell]], sep: str = ",") -> list[str]:
    return [_line(header, sep), *(_line(r, sep) for r in rows)]


def _write(path: Path, lines: Sequence[str], encoding: str = "utf-8", eol: str = "\r\n") -> str:
    path.write_bytes((eol.join(lines) + eol).encode(encoding))
    return str(path)


def _indicators_file(folder: Path, pids: Sequence[str] = ("P001", "P002")) -> str:
    rows = [r for pid in pids for r in indicators(pid)]
    return str(write_csv(folder / "indicators.csv", INDICATOR_HEADER, rows))


def _pair(
    projects: Callable[[list[str]], list[str]],
    pids: Sequence[str] = ("P001", "P002", "P003", "P004"),
    encoding: str = "utf-8",
    eol: str = "\r\n",
) -> Callable[[Path], list[str]]:
    """projects.csv from its clean lines edited by `projects`, and clean indicators."""

    def make(folder: Path) -> list[str]:
        lines = projects(_text(PROJECT_HEADER, [project(p, 100, 90) for p in pids]))
        return [
            _write(folder / "projects.csv", lines, encoding, eol),
            _indicators_file(folder, pids),
        ]

    return make


def _break(line_no: int, old: str, new: str) -> Callable[[list[str]], list[str]]:
    """Edit one line (1-based, header = line 1) of a file's lines."""

    def edit(lines: list[str]) -> list[str]:
        assert old in lines[line_no - 1], (old, lines[line_no - 1])
        lines[line_no - 1] = lines[line_no - 1].replace(old, new, 1)
        return lines

    return edit


def _orphans(pid: str, file: str = "indicators.csv", first: int = 0) -> tuple[Reject, ...]:
    """The four indicator rows of a project that was rejected: no such project."""
    return tuple(Reject(file, first + i, rf"{pid}|project") for i in range(4))


MET = (99.0, "优")
BROKEN = r"broken CSV quoting on this line"

# --- item 2: quotes --------------------------------------------------------------------

QUOTE_CASES = [
    Case(
        name="text-quote-open-at-last-line",
        about="Unclosed quote on the last line (runs to EOF): that line rejected with its line "
        "number; the three rows above scored 99 each (DOMAIN §3).",
        make=_pair(_break(5, "项目P004", '"项目P004')),
        rows_in={"projects": 4, "indicators": 16},
        scores={"P001": MET, "P002": MET, "P003": MET},
        rejects=(
            Reject("projects.csv", 5, BROKEN + r".*never closed.*end of the file"),
            *_orphans("P004", first=14),
        ),
        exact_rejects=False,
    ),
    Case(
        name="text-quote-open-mid-file",
        about="Quote opened mid-file (line 3) and never closed: only line 3 is lost (rejected), "
        "lines 4-5 still scored 99 (DOMAIN §3) instead of swallowed into one cell.",
        make=_pair(_break(3, "项目P002", '"项目P002')),
        rows_in={"projects": 4, "indicators": 16},
        scores={"P001": MET, "P003": MET, "P004": MET},
        rejects=(Reject("projects.csv", 3, BROKEN),),
        exact_rejects=False,
    ),
    Case(
        name="text-quote-closed-by-a-later-quote",
        about="Stray quote on line 2 closed by accident by a stray quote on line 5: the rows "
        "between look like rows, so line 2 and line 5 are rejected, lines 3-4 scored 99.",
        make=_pair(
            lambda ls: _break(5, "项目P004", 'x"项目P004')(_break(2, "项目P001", '"项目P001')(ls))
        ),
        rows_in={"projects": 4, "indicators": 16},
        scores={"P002": MET, "P003": MET},
        rejects=(
            Reject("projects.csv", 2, BROKEN),
            Reject("projects.csv", 5, BROKEN + r".*quote inside column B"),
        ),
        exact_rejects=False,
    ),
    Case(
        name="text-quote-text-after-closing-quote",
        about='Text after a closing quote ("项目"二): the line breaks RFC 4180 and is rejected '
        "(column B named); the other three scored 99 (DOMAIN §3).",
        make=_pair(_break(3, "项目P002", '"项目"P002')),
        rows_in={"projects": 4, "indicators": 16},
        scores={"P001": MET, "P003": MET, "P004": MET},
        rejects=(Reject("projects.csv", 3, BROKEN + r".*after the closing quote in column B"),),
        exact_rejects=False,
    ),
    Case(
        name="text-quote-inside-unquoted-cell",
        about='A quote inside an unquoted cell (12"寸): Polars would refuse the whole file; the '
        "line is rejected, the rest scored 99 (DOMAIN §3).",
        make=_pair(_break(4, "项目P003", '项目P003 12"寸')),
        rows_in={"projects": 4, "indicators": 16},
        scores={"P001": MET, "P002": MET, "P004": MET},
        rejects=(Reject("projects.csv", 4, BROKEN + r".*quote inside column B"),),
        exact_rejects=False,
    ),
    Case(
        name="text-two-stray-quotes-one-line",
        about='Two quotes inside unquoted cells of one line (12"寸 … 34"寸: even count, so the '
        "quick pass lets it by and Polars refuses it): found cell by cell, that line rejected.",
        make=_pair(_break(3, "项目P002,区教育局", '项目P002 12"寸,区教育局 34"寸')),
        rows_in={"projects": 4, "indicators": 16},
        scores={"P001": MET, "P003": MET, "P004": MET},
        rejects=(Reject("projects.csv", 3, BROKEN + r".*quote inside column B"),),
        exact_rejects=False,
    ),
    Case(
        name="text-unquoted-comma-shifts-cells",
        about="An unquoted comma inside 实施单位 (区教育局,一科) shifts 年度 and the amounts one "
        "column right: rejected, not scored on shifted amounts; the others 99 (DOMAIN §3).",
        make=_pair(_break(3, "区教育局,区教育局", "区教育局,区教育局,一科")),
        rows_in={"projects": 4, "indicators": 16},
        scores={"P001": MET, "P003": MET, "P004": MET},
        rejects=(Reject("projects.csv", 3, r"more cells than the header's 8 columns"),),
        exact_rejects=False,
    ),
    Case(
        name="text-trailing-empty-cells-kept",
        about="Rows with trailing empty cells (P002,…,90,,,) as Excel pads them: not a shift, "
        "nothing rejected; all four score 99 (DOMAIN §3).",
        make=_pair(lambda ls: [ls[0], *(line + ",,," for line in ls[1:])]),
        rows_in={"projects": 4, "indicators": 16},
        scores={"P001": MET, "P002": MET, "P003": MET, "P004": MET},
    ),
    Case(
        name="text-cr-only-line-ends",
        about="'CSV (Macintosh)' with lines ending in CR alone: read as lines, not one "
        "header row of 15 cells; P001 scores 99 (DOMAIN §3), rows in 1 and 4.",
        make=_pair(lambda ls: ls, ("P001",), eol="\r"),
        rows_in={"projects": 1, "indicators": 4},
        scores={"P001": MET},
    ),
    Case(
        name="text-quote-multiline-cell-kept",
        about="A legitimate quoted 偏差原因 over three lines (RFC 4180): one record, nothing "
        "rejected, the 合计 row after it reported at its editor line 8; P001 scores 99.",
        make=lambda folder: [
            str(write_csv(folder / "projects.csv", PROJECT_HEADER, [project("P001", 100, 90)])),
            _write(
                folder / "indicators.csv",
                _text(
                    INDICATOR_HEADER,
                    [
                        *[[*r[:-1], "第一段\n第二段\n第三段"] for r in indicators("P001")[:1]],
                        *indicators("P001")[1:],
                        [None, "合计", None, None, None, None, None, None, 90, 90, None],
                    ],
                ),
            ),
        ],
        rows_in={"projects": 1, "indicators": 5},
        scores={"P001": MET},
        rejects=(Reject("indicators.csv", 8, r"missing 项目编号", column="project_id"),),
    ),
    Case(
        name="text-quote-swallows-rows-closes-with-comma",
        about="A quote that swallows two whole rows and closes before a comma (valid RFC 4180 "
        "by accident): the inner lines hold a row's commas, so line 2 is rejected, 3-4 scored.",
        make=_pair(
            lambda ls: _break(4, "项目P003,", '项目P003",')(_break(2, "项目P001", '"项目P001')(ls))
        ),
        rows_in={"projects": 4, "indicators": 16},
        scores={"P002": MET, "P004": MET},
        rejects=(
            Reject("projects.csv", 2, BROKEN),
            Reject("projects.csv", 4, BROKEN + r".*quote inside column B"),
        ),
        exact_rejects=False,
    ),
    Case(
        name="text-quote-open-in-gbk-file",
        about="Unclosed quote in a GBK file (transcoded path), LF line ends: line 3 rejected "
        "with its line, the others scored 99 (DOMAIN §3).",
        make=_pair(_break(3, "项目P002", '"项目P002'), encoding="gbk", eol="\n"),
        rows_in={"projects": 4, "indicators": 16},
        scores={"P001": MET, "P003": MET, "P004": MET},
        rejects=(Reject("projects.csv", 3, BROKEN),),
        exact_rejects=False,
    ),
    Case(
        name="text-quote-open-indicator-row",
        about="Unclosed quote in an indicator row of P002 (line 6): that row rejected, the "
        "three indicators after it still read (rows in = 8 physical records); P001 scores 99.",
        make=lambda folder: [
            str(
                write_csv(
                    folder / "projects.csv",
                    PROJECT_HEADER,
                    [project("P001", 100, 90), project("P002", 100, 90)],
                )
            ),
            _write(
                folder / "indicators.csv",
                _break(6, "产出指标", '"产出指标')(
                    _text(INDICATOR_HEADER, indicators("P001") + indicators("P002"))
                ),
            ),
        ],
        rows_in={"projects": 2, "indicators": 8},
        scores={"P001": MET},
        rejects=(Reject("indicators.csv", 6, BROKEN + r".*column B"),),
        exact_rejects=False,
    ),
]

# --- item 8b: encodings --------------------------------------------------------------


def _encoded(
    encoding: str, sep: str = ",", header: Sequence[str] = PROJECT_HEADER
) -> Callable[[Path], list[str]]:
    def make(folder: Path) -> list[str]:
        lines = _text(header, [project("P001", 100, 90)], sep)
        suffix = ".txt" if sep == "\t" else ".csv"
        return [
            _write(folder / f"projects{suffix}", lines, encoding),
            _indicators_file(folder, ["P001"]),
        ]

    return make


def _encoding_is(name: str) -> Callable[[Run], None]:
    def check(run: Run) -> None:
        encodings = {Path(s["path"]).name: s["encoding"] for s in run.manifest["inputs"]}
        assert encodings.get("projects.csv", encodings.get("projects.txt")) == name, encodings

    return check


ENGLISH = [
    "project_id",
    "项目名稱",
    "department",
    "unit",
    "year",
    "budget_initial",
    "budget",
    "spent",
]

ENCODING_CASES = [
    Case(
        name="text-utf16le-no-bom-tab",
        about="Excel 'Unicode text' without its BOM (UTF-16LE, tab-separated .txt): told by "
        "the NUL high bytes, read; P001 scores 99 (DOMAIN §3).",
        make=_encoded("utf-16-le", "\t"),
        scores={"P001": MET},
        check=_encoding_is("utf-16-le"),
    ),
    Case(
        name="text-utf16be-no-bom-csv",
        about="UTF-16BE without BOM, comma-separated: read; P001 scores 99 (DOMAIN §3).",
        make=_encoded("utf-16-be"),
        scores={"P001": MET},
        check=_encoding_is("utf-16-be"),
    ),
    Case(
        name="text-big5-readable",
        about="Big5 (traditional Chinese) with canonical headers: GBK would also decode it, "
        "as kana and rare characters; Big5 is the plausible reading; 99 (DOMAIN §3).",
        make=lambda folder: [
            _write(
                folder / "projects.csv",
                _text(
                    [
                        "project_id",
                        "project_name",
                        "department",
                        "unit",
                        "year",
                        "budget_initial",
                        "budget",
                        "spent",
                    ],
                    [
                        [
                            "P001",
                            "國民中學營養午餐補助計畫",
                            "臺北市教育局",
                            "教育局",
                            2025,
                            100,
                            100,
                            90,
                        ]
                    ],
                ),
                "cp950",
            ),
            _indicators_file(folder, ["P001"]),
        ],
        scores={"P001": MET},
        check=_encoding_is("cp950"),
    ),
    Case(
        name="text-big5-traditional-headers",
        about="Big5 with traditional headers (項目編號): decoded, and the message shows them "
        "readable, not as GBK mojibake; exit 1.",
        make=lambda folder: [
            _write(
                folder / "projects.csv",
                _text(
                    ["項目編號", "項目名稱", "全年預算數", "全年執行數"],
                    [["P001", "營養午餐", 100, 90]],
                ),
                "cp950",
            ),
            _indicators_file(folder, ["P001"]),
        ],
        exit_code=1,
        message=r"projects\.csv.*項目編號.*read as Big5",
    ),
    Case(
        name="text-utf8-with-pasted-gbk-line",
        about="A UTF-8 file with one line pasted from a GBK file: GBK would read the whole "
        "file as plausible nonsense; 'mostly UTF-8, but line 3 …' names the mix, exit 1.",
        make=lambda folder: [
            str(
                _bytes(
                    folder / "projects.csv",
                    "\r\n".join(_text(PROJECT_HEADER, [project("P001", 100, 90)])).encode()
                    + b"\r\n"
                    + _line(project("P002", 100, 90)).encode("gbk")
                    + b"\r\n",
                )
            ),
            _indicators_file(folder, ["P001"]),
        ],
        exit_code=1,
        message=r"projects\.csv: the encoding is the problem: mostly UTF-8, but line 3",
    ),
    Case(
        name="text-binary-with-nul-bytes",
        about="An old binary .xls renamed .csv (NUL bytes, not UTF-16): the encoding is named "
        "as the problem, exit 1.",
        make=lambda folder: [
            str(
                _bytes(
                    folder / "projects.csv",
                    bytes.fromhex("d0cf11e0a1b11ae1") + bytes(range(256)) * 8,
                )
            ),
            _indicators_file(folder, ["P001"]),
        ],
        exit_code=1,
        message=r"projects\.csv: holds NUL bytes .* binary file",
    ),
    Case(
        name="text-neither-gbk-nor-big5",
        about="Bytes that are neither UTF-8, GBK nor Big5 (0x80 and 0xff leads): 'the encoding "
        "is the problem', exit 1.",
        make=lambda folder: [
            str(
                _bytes(
                    folder / "projects.csv",
                    "项目编号,全年预算数,全年执行数\r\n".encode("gbk") + b"P1,\x80\xff\xff,9\r\n",
                )
            ),
            _indicators_file(folder, ["P001"]),
        ],
        exit_code=1,
        message=r"projects\.csv: the encoding is the problem",
    ),
]


def _bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --- 8c, 8d, 8e, 8f, 4 ---------------------------------------------------------------


def _titled(n_titles: int) -> Callable[[Path], list[str]]:
    """A projects CSV with `n_titles` title and note lines above its header."""

    def make(folder: Path) -> list[str]:
        titles = ["2025年项目支出绩效自评表"] + [f"填表说明第{i}条" for i in range(1, n_titles)]
        lines = titles + _text(PROJECT_HEADER, [project("P001", 100, 90)])
        return [_write(folder / "projects.csv", lines), _indicators_file(folder, ["P001"])]

    return make


def _id_pair(project_ids: Sequence[str], indicator_id: str) -> Callable[[Path], list[str]]:
    def make(folder: Path) -> list[str]:
        return [
            str(
                write_csv(
                    folder / "projects.csv",
                    PROJECT_HEADER,
                    [project(p, 100, 90) for p in project_ids],
                )
            ),
            str(write_csv(folder / "indicators.csv", INDICATOR_HEADER, indicators(indicator_id))),
        ]

    return make


def _without_year(folder: Path) -> list[str]:
    header = [h for h in PROJECT_HEADER if h != "年度"]
    row = project("P001", 100, 90)
    del row[PROJECT_HEADER.index("年度")]
    return [
        str(write_csv(folder / "projects.csv", header, [row])),
        _indicators_file(folder, ["P001"]),
    ]


def _repeated_header_csv(folder: Path) -> list[str]:
    rows: list[Row] = [*indicators("P001")[:2], list(INDICATOR_HEADER), *indicators("P001")[2:]]
    return [
        str(write_csv(folder / "projects.csv", PROJECT_HEADER, [project("P001", 100, 90)])),
        str(write_csv(folder / "indicators.csv", INDICATOR_HEADER, rows)),
    ]


def _repeated_header_xlsx(folder: Path) -> list[str]:
    header = [f"* {h}" if h == "项目编号" else h for h in PROJECT_HEADER]
    sheets: dict[str, Sequence[Row]] = {
        "项目": [
            header,
            project("P001", 100, 90),
            [" 项目编号 ", *PROJECT_HEADER[1:]],
            project("P002", 100, 100),
        ],
        "指标": [INDICATOR_HEADER, *indicators("P001"), *indicators("P002")],
    }
    return [str(write_xlsx(folder / "book.xlsx", sheets))]


KEY_CASES = [
    Case(
        name="text-header-below-scanned-rows",
        about="Header on line 13 under 12 title/note lines (10 scanned): the message says how "
        "many rows were scanned and where the header is; exit 1.",
        make=_titled(12),
        exit_code=1,
        message=r"projects\.csv.*looked for in the first 10 rows\. The projects header is at row 13",
    ),
    Case(
        name="text-header-at-last-scanned-row",
        about="Header on line 10 under 9 title lines (within the 10 scanned): read; P001 "
        "scores 99 (DOMAIN §3).",
        make=_titled(9),
        scores={"P001": MET},
    ),
    Case(
        name="text-header-below-scanned-rows-xlsx",
        about="A workbook whose 项目 sheet has its header on row 14 (title, notes, blank rows "
        "above): the message names the sheet, the 10 rows scanned and row 14; exit 1.",
        make=lambda folder: [
            str(
                write_xlsx(
                    folder / "book.xlsx",
                    {
                        "项目": [
                            ["2025年项目支出绩效自评表"],
                            *([f"填表说明{i}"] for i in range(1, 9)),
                            *([] for _ in range(4)),
                            PROJECT_HEADER,
                            project("P001", 100, 90),
                        ],
                        "指标": [INDICATOR_HEADER, *indicators("P001")],
                    },
                )
            )
        ],
        exit_code=1,
        message=r"book\.xlsx, sheet '项目'.*first 10 rows\. The projects header is at row 14 "
        r"of sheet '项目'",
    ),
    Case(
        name="text-year-without-year-column",
        about="--year 2025 while the projects file has no 年度 column: every project would pass "
        "the year filter unchecked; error naming the file, exit 1.",
        make=_without_year,
        args=("--year", "2025"),
        exit_code=1,
        message=r"projects\.csv: no year \(年度.*\) column; --year 2025 needs it",
    ),
    Case(
        name="text-year-column-other-year",
        about="--year 2025 with a 年度 column: P002 (2024) rejected with its row, P001 "
        "scores 99 (DOMAIN §3).",
        make=lambda folder: [
            str(
                write_csv(
                    folder / "projects.csv",
                    PROJECT_HEADER,
                    [project("P001", 100, 90), project("P002", 100, 90, year=2024)],
                )
            ),
            _indicators_file(folder, ["P001"]),
        ],
        args=("--year", "2025"),
        scores={"P001": MET},
        rejects=(
            Reject("projects.csv", 3, r"year 2024 is not the scoring year 2025", column="year"),
        ),
    ),
    Case(
        name="text-full-width-id-joins",
        about="Indicators keyed Ｐ００１ (full-width) for project P001: NFKC makes them one "
        "key, so P001 scores 99 (DOMAIN §3) instead of losing its indicators.",
        make=_id_pair(["P001"], "Ｐ００１"),
        scores={"P001": MET},
    ),
    Case(
        name="text-zero-width-id-duplicate",
        about="Projects P001 and P001+ZWSP (pasted from the web): one key after removing the "
        "invisible character, so the second is rejected as a duplicate; P001 scores 99.",
        make=_id_pair(["P001", "P001\u200b"], "P001"),
        scores={"P001": MET},
        rejects=(Reject("projects.csv", 3, r"duplicate project_id 'P001', first at row 2"),),
    ),
    Case(
        name="text-ideographic-space-and-bom-in-id",
        about="IDs with a full-width space and a stray U+FEFF inside (\u3000P001\ufeff): "
        "normalised to P001 and joined; 99 (DOMAIN §3).",
        make=_id_pair(["\u3000P0\ufeff01"], "P001 "),
        scores={"P001": MET},
    ),
    Case(
        name="text-scientific-notation-id",
        about="An 18-digit ID Excel wrote as 1.23456789012346E+17 (CSV saved from Excel): "
        "rejected in both tables, digits lost (convention 3); P001 scores 99.",
        make=lambda folder: [
            str(
                write_csv(
                    folder / "projects.csv",
                    PROJECT_HEADER,
                    [project("P001", 100, 90), project("1.23456789012346E+17", 100, 90)],
                )
            ),
            _indicators_file(folder, ["P001", "1.23456789012346E+17"]),
        ],
        scores={"P001": MET},
        rejects=(
            Reject(
                "projects.csv",
                3,
                r"project ID 1\.23456789012346E\+17 was stored as a number and lost digits",
                column="project_id",
            ),
            *(
                Reject("indicators.csv", 6 + i, r"lost digits; format the column as text")
                for i in range(4)
            ),
        ),
    ),
    Case(
        name="text-scientific-notation-id-xlsx-text",
        about="Scientific-notation IDs typed as text in a workbook (1.2E+17, 3e5): rejected "
        "(convention 3); P001 scores 99 (DOMAIN §3).",
        make=lambda folder: [
            str(
                write_xlsx(
                    folder / "book.xlsx",
                    {
                        "项目": [
                            PROJECT_HEADER,
                            project("P001", 100, 90),
                            project("1.2E+17", 100, 90),
                            project("3e5", 100, 90),
                        ],
                        "指标": [INDICATOR_HEADER, *indicators("P001")],
                    },
                )
            )
        ],
        scores={"P001": MET},
        rejects=(
            Reject("book.xlsx", 3, r"project ID 1\.2E\+17 was stored as a number", sheet="项目"),
            Reject("book.xlsx", 4, r"project ID 3e5 was stored as a number", sheet="项目"),
        ),
    ),
    Case(
        name="text-repeated-header-csv",
        about="The header pasted again between indicator rows: rejected as a repeated header "
        "at line 4, not a project named 项目编号; P001 scores 99 (DOMAIN §3).",
        make=_repeated_header_csv,
        rows_in={"projects": 1, "indicators": 5},
        scores={"P001": MET},
        rejects=(Reject("indicators.csv", 4, r"repeated header row", column="project_id"),),
    ),
    Case(
        name="text-repeated-header-xlsx-decorated",
        about="A workbook whose 项目 sheet repeats its header (' 项目编号 ' under '* 项目编号'): "
        "rejected at row 3; P001 99 and P002 100 (DOMAIN §3).",
        make=_repeated_header_xlsx,
        rows_in={"projects": 3, "indicators": 8},
        scores={"P001": MET, "P002": (100.0, "优")},
        rejects=(Reject("book.xlsx", 3, r"repeated header row", sheet="项目"),),
    ),
    Case(
        name="text-same-file-twice",
        about="indicators.csv given twice on the command line: every row would be a duplicate "
        "of itself; refused, exit 1.",
        make=lambda folder: [*_id_pair(["P001"], "P001")(folder), str(folder / "indicators.csv")],
        exit_code=1,
        message=r"indicators\.csv: is given twice \(SHA-256 [0-9a-f]{12}…\); give each file once",
    ),
    Case(
        name="text-same-content-two-names",
        about="The same projects under two names (项目.csv copied to 项目-副本.csv): refused "
        "by content hash, naming both; exit 1.",
        make=lambda folder: [
            *_id_pair(["P001"], "P001")(folder),
            str(_bytes(folder / "projects-副本.csv", (folder / "projects.csv").read_bytes())),
        ],
        exit_code=1,
        message=r"projects-副本\.csv: has the same content as .*projects\.csv",
    ),
]

# --- 5a: YAML bombs ------------------------------------------------------------------


def _ruleset(text: str) -> Callable[[Path], list[str]]:
    def make(folder: Path) -> list[str]:
        path = folder / "variant.yaml"
        path.write_text(text, encoding="utf-8")
        return [str(path)]

    return make


def _laughs(levels: int, key: str = "weights") -> str:
    lines = [
        "extends: project-self-eval",
        "id: bomb",
        'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ]
    lines += [f"l{i}: &l{i} [{','.join([f'*l{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + f"\n{key}: *l{levels - 1}\n"


YAML_CASES = [
    Case(
        name="text-yaml-billion-laughs",
        about="The 330-byte alias bomb (9 levels of 9 aliases, 10⁹ values): refused at the "
        "alias that passes 200,000 values, file:line:col, in seconds; exit 1.",
        make=_ruleset(_laughs(9)),
        command="validate",
        exit_code=1,
        message=r"variant\.yaml:8:\d+: alias \*l4 makes the document larger than 200,000",
        timeout=30,
    ),
    Case(
        name="text-yaml-bomb-in-mapping-keys",
        about="A bomb built from mappings (each level a mapping of 10 aliases): refused with "
        "its position; exit 1.",
        make=_ruleset(
            "id: bomb\na: &a {k0: x, k1: x, k2: x, k3: x, k4: x, k5: x, k6: x, k7: x, k8: x, k9: x}\n"
            + "".join(
                f"{chr(98 + i)}: &{chr(98 + i)} {{{', '.join(f'k{j}: *{chr(97 + i)}' for j in range(10))}}}\n"
                for i in range(8)
            )
        ),
        command="validate",
        exit_code=1,
        message=r"variant\.yaml:\d+:\d+: alias \*\w makes the document larger",
        timeout=30,
    ),
    Case(
        name="text-yaml-recursive-alias",
        about="An alias inside the value it names (&a [1, *a]): a value that never ends; "
        "refused at the alias, exit 1.",
        make=_ruleset("extends: project-self-eval\nid: rec\nweights: &a [1, *a]\n"),
        command="validate",
        exit_code=1,
        message=r"variant\.yaml:3:17: alias \*a refers to the value that contains it",
    ),
    Case(
        name="text-yaml-bomb-when-scoring",
        about="The same bomb given to `score -r`: the ruleset is refused before any input is "
        "read, with its position; exit 1.",
        make=lambda folder: [
            _ruleset(_laughs(9))(folder) and "",
            *_id_pair(["P001"], "P001")(folder),
        ][1:],
        args=("-r", "{in}/variant.yaml"),
        exit_code=1,
        message=r"variant\.yaml:8:\d+: alias \*l4",
        timeout=30,
    ),
]

CASES = QUOTE_CASES + ENCODING_CASES + KEY_CASES + YAML_CASES
