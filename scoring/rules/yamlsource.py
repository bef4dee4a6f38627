"""Safe YAML reading that remembers where every value came from.

PyYAML's safe loader forgets positions once it has built Python objects and silently
keeps the last of two duplicate keys. Analysts need both fixed: every later error
(pydantic, semantic, expression) is reported at the line and column of the value that
caused it, so we compose the node graph ourselves and record a position per key path.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml

from jixiao.scoring.errors import KeyPath, Problem, RulesetError

MAX_FILE_BYTES = 2_000_000
"""A ruleset is hand-written text; anything larger is a mistake or an attack."""
MAX_NODES = 200_000
"""Nodes of the document once every alias is expanded: a 330-byte "billion laughs" of
nested aliases expands to 10⁹ nodes (minutes and gigabytes); real rulesets use a few
thousand."""
MAX_DEPTH = 64
"""Nesting of mappings and sequences; deeper is an attack on the recursive composer."""


class _Limit(yaml.YAMLError):
    """A resource limit hit while composing, at the alias or node that hit it."""

    def __init__(self, mark: Any, message: str, hint: str) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint
        self.line = getattr(mark, "line", 0) + 1
        self.col = getattr(mark, "column", 0) + 1


class _Bounds(yaml.composer.Composer):
    """Composing that counts the nodes the document will have once aliases are
    expanded (each alias adds its anchor's whole subtree) and the nesting depth, and
    stops at the first alias or node past `MAX_NODES` / `MAX_DEPTH`."""

    anchors: dict[Any, yaml.Node]

    def _start_bounds(self) -> None:
        self._nodes = 0
        self._sizes: dict[int, int] = {}
        self._open_anchors: list[str | None] = []

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[attr-defined]
        if isinstance(event, yaml.AliasEvent):
            self._count_alias(event)
            return super().compose_node(parent, index)
        self._nodes += 1
        self._check(event.start_mark)
        if len(self._open_anchors) >= MAX_DEPTH:
            raise _Limit(
                event.start_mark,
                f"nested more than {MAX_DEPTH} levels deep",
                "a ruleset needs a few levels; flatten the structure",
            )
        self._open_anchors.append(getattr(event, "anchor", None))
        try:
            return super().compose_node(parent, index)
        finally:
            self._open_anchors.pop()

    def _count_alias(self, event: yaml.AliasEvent) -> None:
        if event.anchor in self._open_anchors:
            raise _Limit(
                event.start_mark,
                f"alias *{event.anchor} refers to the value that contains it",
                "a recursive value never ends; write the value out",
            )
        node = self.anchors.get(event.anchor)
        if node is not None:
            self._nodes += _size(node, self._sizes)
            self._check(event.start_mark, event.anchor)

    def _check(self, mark: Any, anchor: str | None = None) -> None:
        if self._nodes <= MAX_NODES:
            return
        what = f"alias *{anchor} makes" if anchor else "makes"
        raise _Limit(
            mark,
            f"{what} the document larger than {MAX_NODES:,} values once aliases are expanded",
            "aliases that repeat aliases grow exponentially (a YAML bomb); write the "
            "values out, or reuse a ruleset with `extends`",
        )


class _BoundedLoader(_Bounds, yaml.SafeLoader):
    """The safe loader (pure Python) with the bounds: it gives the error messages."""

    def __init__(self, stream: str) -> None:
        yaml.SafeLoader.__init__(self, stream)
        self._start_bounds()


_CParser: Any = None
with contextlib.suppress(ImportError):  # libyaml's parser, in PyYAML's wheels; else pure
    from yaml.cyaml import CParser as _CParser  # type: ignore[attr-defined,no-redef]


_BoundedCLoader: Any = None
"""The same composer (bounds, positions, resolution) over libyaml's event parser: the
pure-Python scanner was most of loading a ruleset. Only valid text is composed there;
any error re-reads the text with `_BoundedLoader` for its message. None where PyYAML
was built without libyaml (musl, source installs): the pure loader does it all."""

if _CParser is not None:

    class _CLoader(_Bounds, _CParser, yaml.resolver.Resolver):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self._start_bounds()

        def dispose(self) -> None:
            """Nothing to release (yaml.compose calls it)."""

    _BoundedCLoader = _CLoader


def _compose(text: str) -> yaml.Node | None:
    """The node graph of `text`: libyaml's parser when present and the text has no
    character the pure reader refuses, else (and on any error) the pure loader."""
    if _BoundedCLoader is not None and not yaml.reader.Reader.NON_PRINTABLE.search(text):
        try:
            return yaml.compose(text, Loader=_BoundedCLoader)  # type: ignore[no-any-return]
        except yaml.YAMLError:
            pass  # the pure loader below raises the error with its own message
    return yaml.compose(text, Loader=_BoundedLoader)  # type: ignore[no-any-return]


def _size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """Nodes in `node`'s tree with aliases expanded, memoised (shared nodes counted once
    each time they are reached, computed once)."""
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        current, done = stack.pop()
        if id(current) in sizes:
            continue
        children = _children(current)
        if done:
            sizes[id(current)] = 1 + sum(sizes[id(c)] for c in children)
            continue
        stack.append((current, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(node)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


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
    key = (name, hashlib.sha256(raw).digest())
    parsed = _PARSED.get(key)
    if parsed is None:
        document = parse_document(_decode(raw, name), name)
        _PARSED[key] = pickle.dumps(document, protocol=pickle.HIGHEST_PROTOCOL)
        while len(_PARSED) > _PARSED_KEPT:
            _PARSED.popitem(last=False)
        return document
    # A fresh copy each time (callers merge and validate the data; the cached parse stays
    # as read): unpickling our own bytes is several times faster than copy.deepcopy.
    return cast(Document, pickle.loads(parsed))


_PARSED: OrderedDict[tuple[str, bytes], bytes] = OrderedDict()
"""Documents parsed, by name and content hash: a process that builds many variants of
one base (`jixiao tune`, sweeps) parses the base and its catalogue once (the pure-Python
YAML composer is most of a variant's build). Keyed by the bytes, never by a file's
time stamp, so an edited file is parsed again."""
_PARSED_KEPT = 32


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
        node = _compose(text)
    except _Limit as exc:
        raise RulesetError([Problem(name, exc.line, exc.col, exc.message, hint=exc.hint)]) from None
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
        style = node.style or None  # plain: None from the pure parser, "" from libyaml's
        start = col + (1 if style in ("'", '"') else 0)
        if style in ("|", ">"):
            line, start = self._block_start(node.start_mark.line + 1)
        return Scalar(self.doc.file, line, col, style, start)

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
