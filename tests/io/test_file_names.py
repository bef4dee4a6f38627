"""Department names as file names (io/file_names.py): hostile names stay one plain file
in their folder, on every platform, and never share a file."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jixiao.scoring.io.file_names import BLANK, MAX_BYTES, clean, unique_names

HOSTILE = [
    "../../etc/passwd",
    "..",
    ".",
    "/",
    "\\",
    "a/b\\c:d",
    "C:\\Windows",
    "nul\x00byte",
    "tab\there\nnewline",
    "CON",
    "con.txt",
    "LPT1",
    "com9.xlsx",
    " 区教育局 ",
    "区教育局.",
    "区" * 300,
    "",
    "   ",
    '<>:"|?*',
    "\u202eevil",
    ".hidden",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_clean_names_are_one_plain_file(name: str, tmp_path: Path) -> None:
    cleaned = clean(name)
    assert cleaned and cleaned not in (".", "..")
    assert not any(c in cleaned for c in '/\\:\x00<>"|?*\n\t')
    assert not cleaned.startswith(".") and not cleaned.endswith((".", " "))
    assert len(cleaned.encode()) <= MAX_BYTES
    assert cleaned.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "LPT1", "COM9"}
    target = tmp_path / f"{cleaned}.xlsx"
    target.write_bytes(b"x")
    assert target.parent == tmp_path and target.is_file()


def test_blank_and_ordinary_names() -> None:
    assert clean(None) == clean("") == clean("  ") == BLANK
    assert clean("区教育局") == "区教育局"
    assert clean("  区教育局 ") == "区教育局"
    assert clean("CON") == "_CON"


def test_long_names_cut_at_a_character_boundary() -> None:
    cleaned = clean("区" * 300)
    assert cleaned == "区" * (MAX_BYTES // 3)


def test_clashes_get_a_suffix_in_name_order_whatever_the_input_order() -> None:
    names = ["a/b", "a\\b", "a:b", "A:B", "a_b", None, "", "区教育局"]
    one = unique_names(names, ".xlsx")
    two = unique_names(list(reversed(names)), ".xlsx")
    assert one == two
    assert len({v.casefold() for v in one.values()}) == len(one)
    assert one[None] == f"{BLANK}.xlsx" and one[""] == f"{BLANK}~2.xlsx"
    assert one["区教育局"] == "区教育局.xlsx"
    assert sorted(one[n] for n in ("A:B", "a/b", "a:b", "a\\b", "a_b")) == [
        "A_B.xlsx",
        "a_b~2.xlsx",
        "a_b~3.xlsx",
        "a_b~4.xlsx",
        "a_b~5.xlsx",
    ]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=200)), max_size=12))
def test_any_names_give_distinct_safe_files(names: list[str | None]) -> None:
    files = unique_names(names, ".xlsx")
    assert set(files) == set(names)
    assert len({f.casefold() for f in files.values()}) == len(files)
    for file in files.values():
        assert "/" not in file and "\\" not in file and "\x00" not in file
        assert not file.startswith(".") and len(file.encode()) <= MAX_BYTES + 20
