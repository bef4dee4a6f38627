"""Validation of ruleset and catalogue files by id or path, for `jixiao validate`.

Each file is judged on its own (all its problems together), so one broken variant does
not hide the state of the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from jixiao.scoring.errors import Problem, RulesetError
from jixiao.scoring.rules.build import build, build_catalogue
from jixiao.scoring.rules.load import Loaded, builtin_dir, builtin_ids, looks_like_path
from jixiao.scoring.rules.yamlsource import read_document


@dataclass
class Outcome:
    """The verdict on one file."""

    file: str
    kind: str
    label: str = ""
    problems: list[Problem] = field(default_factory=list)
    loaded: Loaded | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def default_targets() -> list[str]:
    """Every built-in catalogue and ruleset."""
    cats = [str(builtin_dir("indicators") / f"{i}.yaml") for i in builtin_ids("indicators")]
    return cats + builtin_ids("rulesets")


def expand(refs: list[str]) -> list[str]:
    """Directories stand for the YAML files inside them."""
    out: list[str] = []
    for ref in refs:
        path = Path(ref)
        if path.is_dir():
            out += sorted(str(p) for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
        else:
            out.append(ref)
    return out


def validate(refs: list[str]) -> list[Outcome]:
    """Validate each reference: a built-in ruleset id, or a ruleset/catalogue file."""
    return [_validate_one(ref) for ref in expand(refs or default_targets())]


def _validate_one(ref: str) -> Outcome:
    """The very passes `score` runs (scoring/rules/build.py), compile included."""
    kind = _kind_of(ref)
    if kind == "catalogue":
        cat_state = build_catalogue(ref)
        cat = cat_state.catalogue
        label = f"{cat.id} {cat.version}" if cat is not None else ""
        return Outcome(ref, kind, label, _sorted(cat_state.problems))
    state = build(ref)
    if state.loaded is None:
        return Outcome(ref, kind, problems=_sorted(state.problems))
    rs = state.loaded.ruleset
    return Outcome(
        state.loaded.files[0], kind, f"{rs.id} {rs.version}", _sorted(state.problems), state.loaded
    )


def _sorted(problems: tuple[Problem, ...]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.file, p.line, p.col))


def _kind_of(ref: str) -> str:
    """Catalogues declare `levels:`; everything else is treated as a ruleset."""
    if not looks_like_path(ref) or not Path(ref).is_file():
        return "ruleset"
    if Path(ref).parent.name == "indicators":
        return "catalogue"
    try:
        data = read_document(Path(ref)).data
    except RulesetError:
        return "ruleset"
    return "catalogue" if isinstance(data, dict) and "levels" in data else "ruleset"


def effective_yaml(loaded: Loaded) -> str:
    """The merged ruleset, defaults filled in, as YAML an analyst can read."""
    data = loaded.ruleset.model_dump(mode="json")
    header = f"# effective ruleset {loaded.ruleset.id} {loaded.ruleset.version}\n"
    header += "# from: " + " <- ".join(loaded.files) + "\n"
    header += f"# sha256: {loaded.sha256}\n"
    header += "".join(r.comment() + "\n" for r in loaded.removed)
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
