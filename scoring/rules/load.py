"""Load pass: ruleset and catalogue files → validated models with source positions.

A ruleset may `extends` another, key by key, so an analyst's variant is three lines; the
merged result keeps, for every key, the file and position it came from, so errors in the
effective ruleset still point at the line the analyst wrote.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from jixiao.scoring.errors import KeyPath, Problem, RulesetError, did_you_mean
from jixiao.scoring.io.paths import unusable
from jixiao.scoring.rules.merge import Removal, merge_chain
from jixiao.scoring.rules.models import Catalogue, Ruleset
from jixiao.scoring.rules.yamlsource import Document, Scalar, read_document

M = TypeVar("M", bound=BaseModel)


@dataclass
class Sources:
    """The documents behind one effective model, most specific first."""

    docs: list[Document]

    def where(self, path: KeyPath, *, key: bool = False) -> tuple[str, int, int]:
        """File, line and column of the deepest prefix of `path` any document knows."""
        table = "key_positions" if key else "positions"
        for end in range(len(path), -1, -1):
            for doc in self.docs:
                hit = getattr(doc, table).get(path[:end]) or doc.positions.get(path[:end])
                if hit and (end > 0 or doc is self.docs[0]):
                    return (doc.file, *hit)
        return (self.docs[0].file, 1, 1)

    def problem(
        self, path: KeyPath, message: str, *, key: bool = False, hint: str | None = None
    ) -> Problem:
        file, line, col = self.where(path, key=key)
        return Problem(file, line, col, message, path, hint)

    def scalar(self, path: KeyPath) -> Scalar | None:
        """The scalar at exactly `path`, from the document that supplied it."""
        for doc in self.docs:
            if path in doc.scalars:
                return doc.scalars[path]
        return None


@dataclass
class Loaded:
    """A validated ruleset with its catalogue and the sources of both."""

    ruleset: Ruleset
    catalogue: Catalogue
    sources: Sources
    catalogue_sources: Sources
    files: list[str] = field(default_factory=list)
    removed: list[Removal] = field(default_factory=list)
    """Keys removed by `extends` (null or `unset:`), shown by `validate --show`."""

    @property
    def sha256(self) -> str:
        """Content hash of the effective ruleset and catalogue (not of file bytes)."""
        blob = json.dumps(
            {
                "ruleset": self.ruleset.model_dump(mode="json"),
                "catalogue": self.catalogue.model_dump(mode="json"),
            },
            ensure_ascii=False,
            sort_keys=True,
        )
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


# --- finding files ---------------------------------------------------------------------


def builtin_dir(kind: str) -> Path:
    """Folder of the shipped YAML files (`rulesets` or `indicators`), installed or not."""
    return Path(str(resources.files(f"jixiao.{kind}")))


def builtin_ids(kind: str) -> list[str]:
    return sorted(p.stem for p in builtin_dir(kind).glob("*.yaml"))


def looks_like_path(ref: str) -> bool:
    return ref.endswith((".yaml", ".yml")) or "/" in ref or "\\" in ref


def resolve(ref: str, kind: str, base: Path | None = None) -> Path | None:
    """A ruleset/catalogue reference (id or path, relative to `base`) → a file, or None."""
    if looks_like_path(ref):
        path = Path(ref)
        if not path.is_absolute() and base is not None:
            path = base / path
        return path if path.is_file() else None
    candidate = builtin_dir(kind) / f"{ref}.yaml"
    return candidate if candidate.is_file() else None


def _missing(ref: str, kind: str, base: Path | None = None) -> str:
    """No such ruleset; or, when `ref` names something on disk, why it cannot be read
    (a folder, a FIFO or device, no permission): never opened, so never waited on."""
    what = "ruleset" if kind == "rulesets" else "catalogue"
    path = Path(ref) if base is None or Path(ref).is_absolute() else base / ref
    if path.exists() or path.is_symlink():
        reason = unusable(path)
        if reason is not None:
            return f"{what} {ref!r} {reason}; expected a YAML file or a built-in id"
    return f"no {what} {ref!r} (built-ins: {', '.join(builtin_ids(kind)) or 'none'})"


# --- reading and merging ---------------------------------------------------------------


def _read_mapping(path: Path) -> Document:
    doc = read_document(path)
    if not isinstance(doc.data, dict):
        kind = "a list" if isinstance(doc.data, list) else f"a {type(doc.data).__name__}"
        raise RulesetError(
            [doc.problem((), f"expected a mapping of keys at the top, found {kind}")]
        )
    return doc


def _chain(path: Path, first: Document | None = None) -> tuple[Any, list[Document], list[Removal]]:
    """Read a ruleset and everything it extends; return merged data, docs (child first)
    and the keys the children removed (scoring/rules/merge.py). With `first`, that
    document (already parsed, not a file: a `whatif` variant) stands for `path`, whose
    folder resolves a relative `extends`."""
    docs: list[Document] = []
    seen: dict[Path, Document] = {}
    current: Path | None = path
    while current is not None:
        real = current.resolve()
        doc = first if first is not None and not docs else _read_mapping(current)
        if real in seen:
            names = " → ".join(d.file for d in [*docs, doc])
            raise RulesetError([docs[0].problem(("extends",), f"`extends` cycle: {names}")])
        seen[real] = doc
        docs.append(doc)
        parent_ref = doc.data.get("extends")
        if parent_ref is None:
            break
        if not isinstance(parent_ref, str):
            raise RulesetError([doc.problem(("extends",), "extends must be a ruleset id or path")])
        current_dir = current.parent
        current = resolve(parent_ref, "rulesets", current_dir)
        if current is None:
            hint = did_you_mean(parent_ref, builtin_ids("rulesets"))
            raise RulesetError(
                [
                    doc.problem(
                        ("extends",), _missing(parent_ref, "rulesets", current_dir), hint=hint
                    )
                ]
            )
    data, removals, problems = merge_chain(docs)
    if problems:
        raise RulesetError(problems)
    data["extends"] = docs[0].data.get("extends")
    return data, docs, removals


def validate_model(
    model: type[M], data: Any, sources: Sources, removals: Sequence[Removal] = ()
) -> M:
    """Pydantic validation whose errors point at the YAML line of the offending value."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RulesetError(
            [_pydantic_problem(model, err, sources, removals) for err in exc.errors()]
        ) from exc


def _pydantic_problem(
    model: type[BaseModel], err: Any, sources: Sources, removals: Sequence[Removal] = ()
) -> Problem:
    loc: KeyPath = tuple(err["loc"])
    kind = err["type"]
    removed = next((r for r in removals if r.path == loc), None)
    if kind == "missing" and removed is not None:
        at = removed.at
        msg = "a required key cannot be removed"
        return Problem(at.file, at.line, at.col, msg, loc, "override it with a new value instead")
    if kind == "extra_forbidden":
        allowed = _fields_at(model, loc[:-1])
        hint = did_you_mean(str(loc[-1]), allowed) if allowed else None
        if hint is None and allowed:
            hint = "allowed keys: " + ", ".join(allowed)
        return sources.problem(loc, f"unknown key {loc[-1]!r}", key=True, hint=hint)
    if kind == "missing":
        return sources.problem(loc[:-1], f"missing required key {loc[-1]!r}")
    return sources.problem(loc, err["msg"])


def _fields_at(model: type[BaseModel], loc: KeyPath) -> list[str]:
    """Field names of the sub-model at `loc`, for did-you-mean hints."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or not (
            isinstance(current, type) and issubclass(current, BaseModel)
        ):
            args = getattr(current, "__args__", ()) if not isinstance(part, str) else ()
            current = args[0] if args else current
            continue
        info = current.model_fields.get(part)
        if info is None:
            return []
        current = info.annotation
        while getattr(current, "__args__", None) and not (
            isinstance(current, type) and issubclass(current, BaseModel)
        ):
            current = current.__args__[-1]
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


# --- public ----------------------------------------------------------------------------


def load_catalogue(ref: str, base: Path | None = None) -> tuple[Catalogue, Sources]:
    path = resolve(ref, "indicators", base)
    if path is None:
        raise RulesetError([Problem(ref, 1, 1, _missing(ref, "indicators"))])
    doc = _read_mapping(path)
    sources = Sources([doc])
    return validate_model(Catalogue, doc.data, sources), sources


def ruleset_fields_at(loc: KeyPath) -> list[str]:
    """The keys a ruleset allows at `loc` when a model fixes them (`budget_execution` →
    indicator, score …); empty for a free mapping (`weights`, `params`) or a value."""
    return _fields_at(Ruleset, loc)


def load_ruleset_file(path: Path) -> tuple[Ruleset, Sources, list[Removal]]:
    """Read a ruleset file and everything it extends into one validated model."""
    data, docs, removals = _chain(path)
    sources = Sources(docs)
    return validate_model(Ruleset, data, sources, removals), sources, removals


def load(ref: str, document: Document | None = None) -> Loaded:
    """Load a ruleset by built-in id or path, with its catalogue: the load pass only.

    With `document`, the ruleset is that parsed mapping (a variant made in memory by
    rules/overrides.py), as if it were the file `ref` (a path in the folder relative
    `extends` and `catalogue` are resolved from; it need not exist).
    Checking and compiling are later passes (scoring/rules/build.py runs them all).
    """
    if document is not None:
        data, docs, removals = _chain(Path(ref), document)
        sources = Sources(docs)
        ruleset = validate_model(Ruleset, data, sources, removals)
        return _with_catalogue(ruleset, sources, removals)
    path = resolve(ref, "rulesets")
    if path is None:
        hint = did_you_mean(ref, builtin_ids("rulesets"))
        raise RulesetError([Problem(ref, 1, 1, _missing(ref, "rulesets"), hint=hint)])
    ruleset, sources, removals = load_ruleset_file(path)
    return _with_catalogue(ruleset, sources, removals)


def _with_catalogue(ruleset: Ruleset, sources: Sources, removals: list[Removal]) -> Loaded:
    catalogue_base = _catalogue_base(sources)
    cat_path = resolve(ruleset.catalogue, "indicators", catalogue_base)
    if cat_path is None:
        hint = did_you_mean(ruleset.catalogue, builtin_ids("indicators"))
        raise RulesetError(
            [
                sources.problem(
                    ("catalogue",),
                    _missing(ruleset.catalogue, "indicators", catalogue_base),
                    hint=hint,
                )
            ]
        )
    catalogue, cat_sources = load_catalogue(str(cat_path))
    files = [d.file for d in sources.docs]
    return Loaded(ruleset, catalogue, sources, cat_sources, files, removals)


def _catalogue_base(sources: Sources) -> Path | None:
    """A relative `catalogue:` path is relative to the file that wrote it."""
    for doc in sources.docs:
        if "catalogue" in doc.data:
            return Path(doc.file).parent
    return None
