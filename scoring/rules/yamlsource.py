"""Safe YAML reading that remembers where every value came from.

PyYAML's safe loader forgets positions once it has built Python objects and silently
keeps the last of two duplicate keys. Analysts need both fixed: every later error
(pydantic, semantic, expression) is reported at the line and column of the value that
caused it, so we compose the node graph ourselves and record a position per key path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from jixiao.scoring.errors import KeyPath, Problem, RulesetError

MAX_FILE_BYTES = 2_000_000
"""A ruleset is hand-written text; anything larger is a mistake or an attack (billion laughs)."""


@dataclass(frozen=True)
class Scalar:
    """Where a scalar value sits in its file, so offsets inside it map to columns."""

    file: str
    line: int
    col: int
    style: str | None
    text_start_col: int


@dataclass
class Document:
    """The plain data of one YAML file plus the position of every key path in it."""

    file: str
    data: Any
    positions: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    scalars: dict[KeyPath, Scalar] = field(default_factory=dict)

    def where(self, path: KeyPath, *, key: bool = False) -> tuple[int, int]:
        """Position of the deepest known prefix of `path` (the value, or its key)."""
        table = self.key_positions if key else self.positions
        for end in range(len(path), -1, -1):
            hit = table.get(path[:end]) or (self.positions.get(path[:end]) if key else None)
            if hit:
                return hit
        return (1, 1)

    def problem(
        self, path: KeyPath, message: str, *, key: bool = False, hint: str | None = None
    ) -> Problem:
        line, col = self.where(path, key=key)
        return Problem(self.file, line, col, message, path, hint)


def read_document(path: Path, display: str | None = None) -> Document:
    """Read one YAML file into a Document; every problem becomes a RulesetError."""
    name = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RulesetError([Problem(name, 1, 1, f"cannot read file: {exc.strerror}")]) from exc
    if len(raw) > MAX_FILE_BYTES:
        raise RulesetError([Problem(name, 1, 1, f"file is larger than {MAX_FILE_BYTES} bytes")])
    return parse_document(_decode(raw, name), name)


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        msg = f"file is not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded"
        hint = "save the file as UTF-8 (GBK is not accepted for rulesets)"
        raise RulesetError([Problem(name, line, col, msg, hint=hint)]) from exc


_TAB_INDENT = re.compile(r"^( *)\t", re.MULTILINE)


def parse_document(text: str, name: str) -> Document:
    """Parse YAML text (safe loading only) into a Document with positions."""
    tab = _TAB_INDENT.search(text)
    if tab:
        line = text.count("\n", 0, tab.start()) + 1
        col = len(tab.group(1)) + 1
        hint = "indent with spaces; YAML does not allow tabs for indentation"
        raise RulesetError([Problem(name, line, col, "tab character in indentation", hint=hint)])
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise RulesetError([_yaml_problem(exc, name)]) from exc
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        msg = f"not valid YAML: character {exc.character!r} is not allowed in YAML text"
        raise RulesetError([Problem(name, line, col, msg)]) from exc
    except yaml.YAMLError as exc:
        raise RulesetError([Problem(name, 1, 1, f"not valid YAML: {exc}")]) from exc
    if node is None:
        raise RulesetError([Problem(name, 1, 1, "file is empty; expected a mapping of keys")])
    doc = Document(name, None)
    problems: list[Problem] = []
    doc.data = _Builder(doc, text, problems).build(node, ())
    if problems:
        raise RulesetError(problems)
    return doc


def _yaml_problem(exc: yaml.MarkedYAMLError, name: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = exc.problem or "not valid YAML"
    context = f" ({exc.context})" if exc.context else ""
    return Problem(name, line, col, f"not valid YAML: {what}{context}")


class _Builder:
    """Turns composed nodes into plain data, recording positions and refusing duplicates."""

    def __init__(self, doc: Document, text: str, problems: list[Problem]) -> None:
        self.doc = doc
        self.lines = text.splitlines()
        self.problems = problems
        self.constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node, path: KeyPath) -> Any:
        self.doc.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        self.doc.scalars[path] = self._scalar_info(node)
        return self.constructor.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        first_seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if key_node.tag == "tag:yaml.org,2002:merge":
                msg = "YAML merge keys (<<) are not supported; use `extends` to reuse a ruleset"
                self.problems.append(Problem(self.doc.file, line, col, msg, path))
                continue
            key = self.constructor.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) or key is None:
                self.problems.append(
                    Problem(self.doc.file, line, col, "keys must be plain text", path)
                )
                continue
            if key in first_seen:
                msg = f"duplicate key {key!r} (first at line {first_seen[key]})"
                hint = "YAML keeps only one of them; remove or rename one"
                self.problems.append(
                    Problem(self.doc.file, line, col, msg, (*path, str(key)), hint)
                )
                continue
            first_seen[key] = line
            sub = (*path, str(key))
            self.doc.key_positions[sub] = (line, col)
            out[key] = self.build(value_node, sub)
        return out

    def _scalar_info(self, node: yaml.ScalarNode) -> Scalar:
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        start = col + (1 if node.style in ("'", '"') else 0)
        if node.style in ("|", ">"):
            line, start = self._block_start(node.start_mark.line + 1)
        return Scalar(self.doc.file, line, col, node.style, start)

    def _block_start(self, after_line: int) -> tuple[int, int]:
        """First content line of a block scalar (1-based) and its indentation column."""
        for idx in range(after_line, len(self.lines)):
            content = self.lines[idx]
            if content.strip():
                return idx + 1, len(content) - len(content.lstrip(" ")) + 1
        return after_line, 1


def offset_position(scalar: Scalar, text: str, offset: int) -> tuple[int, int]:
    """File line:col of character `offset` inside a scalar's value.

    Exact for single-line scalars and literal blocks; for folded multi-line scalars YAML
    has rewritten the line breaks, so we fall back to the start of the scalar.
    """
    offset = max(0, min(offset, len(text)))
    if "\n" not in text:
        if scalar.style in ("|", ">"):
            return scalar.line, scalar.text_start_col + offset
        return scalar.line, scalar.text_start_col + offset
    if scalar.style == "|":
        before = text[:offset]
        line = scalar.line + before.count("\n")
        return line, scalar.text_start_col + offset - (before.rfind("\n") + 1)
    return scalar.line, scalar.col
