"""Reviewers' cases (issue 8): the same defect classes as the other modules, other
shapes: separators, BOMs, NUL bytes, merged key cells, wide and long inputs, paths with
spaces and Chinese, `-o` pointing at inputs or at a user's files, explain and validate.

Scores follow DOMAIN §3 (budget execution 10 points × rate; indicators proportional,
财预〔2020〕10号 附件1): the clean four indicators give 90, a fully met pair 99/100."""

from __future__ import annotations

import zipfile
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
    write_pair,
)


def _clean(folder: Path) -> list[str]:
    return write_pair(folder, [project("P001", 100, 90)], indicators("P001"))


def _edit(edit: object, which: int = 1) -> object:
    """A clean pair whose file `which` (0 projects, 1 indicators) gets `edit(bytes)`."""

    def make(folder: Path) -> list[str]:
        paths = _clean(folder)
        p = Path(paths[which])
        p.write_bytes(edit(p.read_bytes()))  # type: ignore[operator]
        return paths

    return make


def _bom_crlf_stray_quote(folder: Path) -> list[str]:
    p = write_csv(
        folder / "projects.csv", PROJECT_HEADER, [project("P001", 100, 90), project("P002")]
    )
    p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())
    i = write_csv(
        folder / "indicators.csv", INDICATOR_HEADER, indicators("P001") + indicators("P002")
    )
    last = 'P002,产出指标,时效指标,按时完成率,,≥95%,%,"96%,5,5,\r\n'.encode()
    i.write_bytes(b"\xef\xbb\xbf" + i.read_bytes() + last)
    return [str(p), str(i)]


def _separated(sep: str, suffix: str = ".csv") -> object:
    def make(folder: Path) -> list[str]:
        out = []
        for name, header, rows in (
            ("projects", PROJECT_HEADER, [project("P001", 100, 90)]),
            ("indicators", INDICATOR_HEADER, indicators("P001")),
        ):
            lines = [sep.join(header)] + [sep.join(str(c) for c in r) for r in rows]
            path = folder / f"{name}{suffix}"
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            out.append(str(path))
        return out

    return make


def _dup_header(folder: Path) -> list[str]:
    p = write_csv(
        folder / "projects.csv", [*PROJECT_HEADER, "全年执行数（万元）"], [[*project(), 50]]
    )
    return [str(p), str(write_csv(folder / "indicators.csv", INDICATOR_HEADER, indicators()))]


def _header_only(folder: Path) -> list[str]:
    return write_pair(folder, [], [])


def _folder_named_csv(folder: Path) -> list[str]:
    paths = _clean(folder)
    Path(paths[0]).unlink()
    Path(paths[0]).mkdir()
    return paths


def _zero_sheets(folder: Path) -> list[str]:
    """A package whose workbook lists no sheet at all."""
    ns = "http://schemas.openxmlformats.org"
    p = folder / "book.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            f'<Types xmlns="{ns}/package/2006/content-types"><Default Extension="xml" '
            'ContentType="application/xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" '
            f'Type="{ns}/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{ns}/spreadsheetml/2006/main"><sheets/></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{ns}/package/2006/relationships"/>',
        )
    return [str(p)]


def _openpyxl(
    projects: list[Row],
    rows: list[Row],
    merge: tuple[str, ...] = (),
    fmt: dict[str, str] | None = None,
    pmerge: tuple[str, ...] = (),
) -> object:
    def make(folder: Path) -> list[str]:
        import openpyxl

        wb = openpyxl.Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "项目"
        for r in [PROJECT_HEADER, *projects]:
            ws.append(r)
        for m in pmerge:
            ws.merge_cells(m)
        ws2 = wb.create_sheet("指标")
        for r in [INDICATOR_HEADER, *rows]:
            ws2.append(r)
        for m in merge:
            ws2.merge_cells(m)
        for cell, f in (fmt or {}).items():
            ws2[cell].number_format = f
        p = folder / "book.xlsx"
        wb.save(p)
        return [str(p)]

    return make


def _some_percent() -> list[Row]:
    rows = indicators()
    rows[1][5], rows[1][7] = "≥95%", 0.9  # H3 shown 90%
    rows[3][5], rows[3][7] = 0.9, 0.92  # F5 shown 90.0%, H5 shown 0.92% (literal sign)
    return rows


def _merged_ids() -> list[Row]:
    rows = []
    for pid in ("P001", "P002"):
        for n, r in enumerate(indicators(pid)):
            rows.append([None if n else pid, *r[1:]])
    return rows


def _long_cells(folder: Path) -> list[str]:
    rows = indicators()
    rows[0][10] = "偏差" * 40_000
    return write_pair(folder, [project("P001", 100, 90, name="名" * 50_000)], rows)


def _relative(folder: Path) -> list[str]:
    sub = folder / "二〇二五 年 自评"
    sub.mkdir()
    write_pair(sub, [project("P001", 100, 90)], indicators())
    return [f"in/二〇二五 年 自评/{n}.csv" for n in ("projects", "indicators")]


def _with(pid: str) -> object:
    def make(folder: Path) -> list[str]:
        return [*_clean(folder), pid]

    return make


def _out_in_inputs(folder: Path) -> list[str]:
    """`-o` inside the input folder; `out` beside it links there so the checks see it."""
    (folder.parent / "out").symlink_to(folder / "结果 目录")
    return _clean(folder)


def _users_file(folder: Path) -> list[str]:
    out = folder.parent / "out"
    out.mkdir()
    (out / "project_scores.csv").write_text("我的表", "utf-8")
    return _clean(folder)


def _users_file_kept(run: Run) -> None:
    assert (run.out / "project_scores.csv").read_text("utf-8") == "我的表"
    assert sorted(p.name for p in run.out.iterdir()) == ["project_scores.csv"]


def _nul_in_cell(data: bytes) -> bytes:
    lines = data.split(b"\r\n")
    lines[2] = lines[2].replace(b"25", b"2\x005", 1)
    return b"\r\n".join(lines)


def _numeric_ids() -> object:
    rows = indicators(1001)  # type: ignore[arg-type]
    rows += [[r[0], r[1], r[2], f"{r[3]}b", *r[4:]] for r in indicators("1001.0")]
    return _openpyxl([project(1001, 100, 90, year=2025.0), project(1002.5, 100, 100)], rows)  # type: ignore[arg-type]


def _dup_across_files(folder: Path) -> list[str]:
    a = write_csv(folder / "projects.csv", PROJECT_HEADER, [project("P001", 100, 90)])
    b = write_csv(folder / "projects2.csv", PROJECT_HEADER, [project("P001", 200, 90)])
    i = write_csv(folder / "indicators.csv", INDICATOR_HEADER, indicators() + indicators("P404"))
    return [str(a), str(b), str(i)]


def _amount_texts(folder: Path) -> list[str]:
    projects = [
        project("P001", "1,000.50", "900.25万元"),
        project("P002", "１００", "９０"),
        project("P003", "100", ""),
    ]
    return write_pair(
        folder, projects, indicators("P001") + indicators("P002") + indicators("P003")
    )


def _wide(folder: Path) -> list[str]:
    n = 3000
    header = [*PROJECT_HEADER, *(f"系统字段{j}" for j in range(n))]
    p = write_csv(folder / "projects.csv", header, [project("P001", 100, 90) + ["x"] * n])
    return [str(p), str(write_csv(folder / "indicators.csv", INDICATOR_HEADER, indicators()))]


def _wide_unnamed(folder: Path) -> list[str]:
    """One row with 3,000 values right of the header (a shifted row, not a column)."""
    p = folder / "projects.csv"
    row = ",".join(str(c) for c in project("P001", 100, 90)) + ",x" * 3000
    p.write_text(",".join(PROJECT_HEADER) + "," * 3000 + "\n" + row + "\n", "utf-8")
    return [str(p), str(write_csv(folder / "indicators.csv", INDICATOR_HEADER, indicators()))]


_MET = {"P001": (99.0, "优")}
_P404 = tuple(Reject("indicators.csv", r, "no project 'P404'", "project_id") for r in range(6, 10))

CASES = [
    Case(
        name="red-bom-crlf-stray-quote-last-line",
        about="Lost rows: BOM + CRLF + a quote opened on the last line rejects that line only; 2 projects 99/100 (DOMAIN §3).",
        make=_bom_crlf_stray_quote,
        rows_in={"projects": 2, "indicators": 9},
        scores={"P001": (99.0, "优"), "P002": (100.0, "优")},
        rejects=(Reject("indicators.csv", 10, "broken CSV quoting.*never closed"),),
    ),
    Case(
        name="red-semicolon-separated-csv",
        about="Say what went wrong: a ';'-separated CSV names the headers found.",
        make=_separated(";"),
        exit_code=1,
        message=r"projects\.csv, row 1: table 'projects' lacks required column.*Headers found: '项目编号;项目名称",
    ),
    Case(
        name="red-tab-separated-with-csv-suffix",
        about="A tab-separated file named .csv is read by its separator: 9 + 90 = 99 (DOMAIN §3).",
        make=_separated("\t"),
        scores=_MET,
    ),
    Case(
        name="red-duplicate-header-column",
        about="Wrong scores: two 全年执行数 columns are an error, not one picked silently.",
        make=_dup_header,
        exit_code=1,
        message=r"projects\.csv: columns '全年执行数（万元）' \(column H\) and .*\(column I\) both mean spent",
    ),
    Case(
        name="red-header-only-csvs",
        about="No rows: a header alone scores nothing and loses nothing.",
        make=_header_only,
        rows_in={"projects": 0, "indicators": 0},
    ),
    Case(
        name="red-header-only-sheets",
        about="No rows: a workbook with headers only (openpyxl).",
        make=_openpyxl([], []),
        rows_in={"projects": 0, "indicators": 0},
    ),
    Case(
        name="red-one-byte-file",
        about="Say what went wrong: a 1-byte projects.csv names the header it found.",
        make=_edit(lambda b: b"x", 0),
        exit_code=1,
        message=r"projects\.csv, row 1: .*Headers found: 'x'",
    ),
    Case(
        name="red-zero-byte-file",
        about="Say what went wrong: an empty file.",
        make=_edit(lambda b: b"", 0),
        exit_code=1,
        message=r"projects\.csv: the file is empty",
    ),
    Case(
        name="red-bom-only-file",
        about="Say what went wrong: a BOM and a line end only is empty.",
        make=_edit(lambda b: b"\xef\xbb\xbf\r\n"),
        exit_code=1,
        message=r"indicators\.csv: the file is empty",
    ),
    Case(
        name="red-folder-named-projects-csv",
        about="OS errors: a folder named projects.csv given as input (an empty folder: a "
        "folder is read for its files since issue 10).",
        make=_folder_named_csv,
        exit_code=1,
        message=r"projects\.csv: the folder holds no data file",
    ),
    Case(
        name="red-workbook-with-zero-sheets",
        about="Workbook structure: a package listing no sheet.",
        make=_zero_sheets,
        exit_code=1,
        message=r"book\.xlsx: no sheet holds a known table \(sheets: none",
    ),
    Case(
        name="red-openpyxl-percent-on-some-cells",
        about='Wrong scores: percent formats on some cells only, a literal "%" format shows 0.92%: 9 + 25 + 25×90/95 + 30 + 10×0.92/90 = 87.78 (DOMAIN §3, proportional).',
        make=_openpyxl(
            [project("P001", 100, 90)],
            _some_percent(),
            fmt={"H3": "0%", "F5": "0.0%", "H5": '0.00"%"'},
        ),
        scores={"P001": (87.78, "良")},
    ),
    Case(
        name="red-merged-project-id-cells",
        about="Workbook structure: 项目编号 merged over each project's four rows (openpyxl): every row joins; 99 and 100.",
        make=_openpyxl(
            [project("P001", 100, 90), project("P002")], _merged_ids(), merge=("A2:A5", "A6:A9")
        ),
        rows_in={"projects": 2, "indicators": 8},
        scores={"P001": (99.0, "优"), "P002": (100.0, "优")},
    ),
    Case(
        name="red-merged-department-cells",
        about="Workbook structure: 主管部门 merged over two projects.",
        make=_openpyxl(
            [project("P001", 100, 90), project("P002", department=None)],
            indicators("P001") + indicators("P002"),
            pmerge=("C2:C3",),
        ),
        scores={"P001": (99.0, "优"), "P002": (100.0, "优")},
    ),
    Case(
        name="red-very-long-cells-csv",
        about="Bounded resources: 50,000- and 80,000-character cells pass through whole: 99.",
        make=_long_cells,
        scores=_MET,
        check=lambda run: (
            None
            if len(run.table("project_scores")["project_name"][0]) == 50_000
            else (_ for _ in ()).throw(AssertionError("cut"))
        ),
    ),
    Case(
        name="red-relative-paths-spaces-chinese",
        about="Paths: relative inputs in a folder named with spaces and Chinese: 99.",
        make=_relative,
        scores=_MET,
    ),
    Case(
        name="red-explain-relative-paths",
        about="explain with relative inputs in a folder with spaces and Chinese.",
        make=lambda f: [*_relative(f), "P001"],
        command="explain",
        message=r"满意度指标: 10\.00 / 10",
    ),
    Case(
        name="red-explain-unknown-project",
        about="Say what went wrong: explain of a project that is not there.",
        make=_with("P999"),
        command="explain",
        exit_code=1,
        message=r"no scored project 'P999'",
    ),
    Case(
        name="red-validate-a-csv",
        about="Say what went wrong: validate given a CSV instead of a ruleset.",
        make=lambda f: _clean(f)[:1],
        command="validate",
        exit_code=1,
        message=r"projects\.csv:1:1: expected a mapping",
    ),
    Case(
        name="red-out-is-an-input-file",
        about="OS errors: -o equal to an input file; the input is untouched.",
        make=_clean,
        args=("-o", "{in}/projects.csv"),
        exit_code=1,
        message=r"projects\.csv: is a file, not a folder",
    ),
    Case(
        name="red-out-under-an-input-file",
        about="OS errors: -o under an input file.",
        make=_clean,
        args=("-o", "{in}/indicators.csv/x"),
        exit_code=1,
        message=r"indicators\.csv is a file, not a folder; nothing was written",
    ),
    Case(
        name="red-out-is-the-input-folder",
        about="A run is a unit: -o is the folder holding the inputs: refused, inputs kept.",
        make=_clean,
        args=("-o", "{in}"),
        exit_code=1,
        message=r"(projects|indicators)\.csv: is a file jixiao did not write",
    ),
    Case(
        name="red-out-inside-the-input-folder",
        about="-o inside the input folder is a new folder: 99.",
        make=_out_in_inputs,
        args=("-o", "{in}/结果 目录", "-f", "csv"),
        scores=_MET,
    ),
    Case(
        name="red-out-is-the-current-folder",
        about="A run is a unit: -o . would replace the working folder.",
        make=_clean,
        args=("-o", "."),
        exit_code=1,
        message=r"\.: is the current folder",
    ),
    Case(
        name="red-out-holds-users-file-named-like-output",
        about="A run is a unit: the user's own project_scores.csv in a folder no run wrote (no manifest) is refused, not replaced.",
        make=_users_file,
        exit_code=1,
        message=r"out/project_scores\.csv: is a file jixiao did not write",
        check=_users_file_kept,
    ),
    Case(
        name="red-stray-nul-in-utf8-cell",
        about="Say what went wrong: one NUL byte in a UTF-8 CSV is named by line, not read as UTF-16.",
        make=_edit(_nul_in_cell),
        exit_code=1,
        message=r"indicators\.csv: holds NUL bytes \(first on line 3",
    ),
    Case(
        name="red-nul-padding-at-end",
        about="Say what went wrong: a UTF-8 CSV padded with NULs at the end.",
        make=_edit(lambda b: b + b"\x00" * 64),
        exit_code=1,
        message=r"indicators\.csv: holds NUL bytes \(first on line 6",
    ),
    Case(
        name="red-numeric-ids-in-xlsx",
        about="Keys: numeric IDs 1001 join; '1001.0' typed as text does not (rejected); 1002.5 has no indicators: 10 未定级 (DOMAIN §3).",
        make=_numeric_ids(),
        scores={"1001": (99.0, "优"), "1002.5": (10.0, "未定级")},
        rejects=tuple(
            Reject("book.xlsx", r, r"no project '1001\.0'", "project_id", "指标")
            for r in range(6, 10)
        ),
    ),
    Case(
        name="red-duplicate-project-across-files",
        about="Lost rows: a project in two files is rejected once; indicators of an unknown project rejected: 99.",
        make=_dup_across_files,
        scores=_MET,
        rejects=(Reject("projects2.csv", 2, "duplicate project_id 'P001'", "project_id"), *_P404),
    ),
    Case(
        name="red-amount-texts",
        about="Values: '1,000.50' and full-width digits read; '900.25万元' not: 90 未定级 with a reason; 99 (DOMAIN §3).",
        make=_amount_texts,
        scores={"P001": (90.0, "未定级"), "P002": (99.0, "优"), "P003": (90.0, "未定级")},
    ),
    Case(
        name="red-3000-column-export",
        about="Bounded resources: 3,000 system columns beside the table are read in seconds (took minutes): 99.",
        make=_wide,
        scores=_MET,
        timeout=90,
    ),
    Case(
        name="red-3000-values-right-of-the-header",
        about="Bounded resources: a row with 3,000 values past the header is rejected as "
        "shifted in seconds (a 300-wide one took 90 s); its indicators rejected with it.",
        make=_wide_unnamed,
        rows_in={"projects": 1, "indicators": 4},
        rejects=(
            Reject("projects.csv", 2, r"more cells than the header's 8 columns"),
            *(Reject("indicators.csv", r, "no project 'P001'", "project_id") for r in range(2, 6)),
        ),
        timeout=90,
    ),
]
