"""`--set KEY=VALUE`: a variant ruleset made of key overrides, for `jixiao whatif`.

An override is ruleset data, not a switch beside it: the overrides become a real ruleset
mapping that `extends:` the base and writes only the overridden keys, the way an analyst
writes a variant file by hand, and that mapping runs through the very fold `validate` and
`score` run (rules/build.py). So a bad key or value gets the message `validate` would
give, pinned to the option that wrote it:

    --set weights.outptu=40: weights.outptu: unknown key 'outptu' — did you mean 'output'?

and `--save FILE` writes the same mapping as YAML, which `validate` and `score` accept.

- KEY is a dotted path into the effective ruleset (`weights.output`,
  `params.boundary_margin`, `budget_execution.score`). A list item is named by its
  index (`grades.0.min` or `grades[0].min`) or by its `id` / `name` / `code`
  (`grades.优.min`, `flags.target_missed.severity`); lists merge whole under `extends`,
  so the variant writes the base's whole list with that item changed.
- VALUE is one YAML value (`40`, `true`, `proportional`, `[a, b]`, `"≥95%"`); `null`
  removes the key, as in a variant file.
- Changing a weight (`weights.*`, `level2_weights.*`, to a value other than its own)
  implies `weighting: proportional` unless the overrides set `weighting` themselves: weights that only check the
  departments' points would leave most projects incomplete (docs/rulesets.md). The
  variant says so in `notes`.
- A new key in a free mapping (`params`, `weights`) is a near miss of an existing key
  (`weights.outptu`) or a real addition; near misses are refused with the key they
  probably meant, additions are judged by the fold like any other key.
"""

from __future__ import annotations

import copy
import difflib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from jixiao.scoring.errors import KeyPath, Problem, RulesetError, did_you_mean, format_path
from jixiao.scoring.rules.build import Build, build
from jixiao.scoring.rules.compile import Plan
from jixiao.scoring.rules.load import looks_like_path, resolve, ruleset_fields_at
from jixiao.scoring.rules.yamlsource import parse_document

VARIANT_FILE = "<whatif variant>"
"""The name the in-memory variant's problems carry before they are pinned to options."""

MAX_SWEEP_VALUES = 200
"""A sweep scores the inputs once per value; more values than this is a slip."""

WEIGHT_KEYS = ("weights", "level2_weights")
ITEM_KEYS = ("id", "name", "code")
"""The keys that name an item of a list of mappings in a dotted path."""


@dataclass(frozen=True)
class OptionProblem(Problem):
    """A problem of a command-line option (`--set KEY=VALUE`): named by the option, not
    by a file position (the variant has no file the analyst wrote)."""

    def __str__(self) -> str:
        key = format_path(self.path)
        text = f"{self.file}: {key}: {self.message}" if key else f"{self.file}: {self.message}"
        return f"{text} — {self.hint}" if self.hint else text


def _option_error(
    option: str, message: str, path: KeyPath = (), hint: str | None = None
) -> RulesetError:
    return RulesetError([OptionProblem(option, 0, 0, message, path, hint)])


@dataclass(frozen=True)
class Override:
    """One `KEY=VALUE`, as written and as parsed."""

    text: str
    path: KeyPath
    value: Any
    option: str = "--set"

    @property
    def label(self) -> str:
        return f"{self.option} {self.text}"

    @property
    def dotted(self) -> str:
        return format_path(self.path)


_INDEX = re.compile(r"^(.*?)\[(\d+)\]$")


def split_key(key: str) -> KeyPath:
    """`grades[0].min` / `grades.0.min` → ("grades", "0", "min") (items resolved later)."""
    parts: list[str | int] = []
    for raw in key.split("."):
        indexes: list[str] = []
        while (m := _INDEX.match(raw)) is not None:
            raw, index = m.group(1), m.group(2)
            indexes.insert(0, index)
        if raw or not indexes:
            parts.append(raw)
        parts += indexes
    return tuple(parts)


def parse_value(text: str, option: str) -> Any:
    """One YAML value, read by the same bounded safe loader as ruleset files."""
    if not text.strip():
        raise _option_error(
            option, "no value after '='", hint="write KEY=VALUE, e.g. weights.output=40"
        )
    try:
        return parse_document(text, option).data
    except RulesetError as exc:
        first = exc.problems[0].message if exc.problems else "not a YAML value"
        raise _option_error(
            option, first, hint="quote text with ':' or '#': KEY='\"a: b\"'"
        ) from None


def parse_override(text: str, option: str = "--set") -> Override:
    """`KEY=VALUE` → an Override (the key is checked against the ruleset later)."""
    label = f"{option} {text}"
    key, eq, value = text.partition("=")
    key = key.strip()
    if not eq or not key:
        raise _option_error(label, "expected KEY=VALUE", hint="e.g. --set weights.output=40")
    path = split_key(key)
    if path[0] == "extends":
        hint = "choose the base with --ruleset; the variant extends it"
        raise _option_error(label, "the variant's extends is the base ruleset", hint=hint)
    if any(p == "" for p in path):
        raise _option_error(label, f"{key!r} is not a dotted key path", hint="e.g. weights.output")
    return Override(text, path, parse_value(value, label), option)


# --- placing overrides in the effective ruleset ---------------------------------------


def _item_index(items: list[Any], part: str | int, at: KeyPath, option: str) -> int:
    """An item of a list by its index or by its id / name / code."""
    names = [
        str(item[k]) for item in items if isinstance(item, dict) for k in ITEM_KEYS if k in item
    ]
    if isinstance(part, int) or str(part).isdigit():
        index = int(part)
        if index < len(items):
            return index
        msg = f"{format_path(at)} has {len(items)} items (0–{len(items) - 1}), no item {index}"
        raise _option_error(option, msg, (*at, index))
    for i, item in enumerate(items):
        if isinstance(item, dict) and any(
            str(item.get(k)) == str(part) for k in ITEM_KEYS if k in item
        ):
            return i
    hint = did_you_mean(str(part), names) or (
        "name an item by its index or one of: " + ", ".join(names)
        if names
        else "name an item by its index"
    )
    raise _option_error(option, f"no item {part!r} in {format_path(at)}", (*at, str(part)), hint)


def _resolve(effective: dict[str, Any], override: Override) -> Override:
    """The override's path with list items resolved to indexes; unknown keys that are near
    misses of existing keys refused with a did-you-mean."""
    label = override.label
    node: Any = effective
    resolved: list[str | int] = []
    for depth, part in enumerate(override.path):
        here: KeyPath = tuple(resolved)
        if isinstance(node, list):
            index = _item_index(node, part, here, label)
            resolved.append(index)
            node = node[index]
            continue
        if not isinstance(node, dict):
            what = format_path(here)
            hint = f"set {what}=VALUE" if node is not None else None
            raise _option_error(
                label, f"{what} is {_kind(node)}, it has no key {part!r}", (*here, part), hint
            )
        key = str(part)
        if key not in node:
            fixed = ruleset_fields_at(here)
            if not fixed:
                close = difflib.get_close_matches(key, [str(k) for k in node], n=1, cutoff=0.6)
                if close:
                    hint = f"did you mean {format_path((*here, close[0]))!r}?"
                    # A near miss of a key that exists: almost surely a typo, never applied.
                    raise _option_error(label, f"unknown key {key!r}", (*here, key), hint)
            # A key a model fixes is judged by the fold (pydantic: unknown key, did you
            # mean); a new key of a free mapping likewise (an unknown category, a param).
            resolved += [key, *override.path[depth + 1 :]]
            return replace(override, path=tuple(resolved))
        resolved.append(key)
        node = node[key]
    return replace(override, path=tuple(resolved))


def _kind(value: Any) -> str:
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a text"
    return "a list" if isinstance(value, list) else "a mapping"


def value_at(data: Any, path: KeyPath) -> Any:
    """The value at a resolved path, or None when it is not set."""
    for part in path:
        data = _child(data, part)
    return data


def _apply(variant: dict[str, Any], effective: dict[str, Any], override: Override) -> None:
    """Write one override into the variant mapping: mappings key by key (they merge under
    `extends`), a list whole (lists are replaced whole), copied from the effective ruleset
    or from what earlier overrides made of it."""
    path = override.path
    target: Any = variant
    source: Any = effective
    for part in path[:-1]:
        below = _child(source, part)
        if isinstance(target, dict) and (
            part not in target or (isinstance(below, list) and not isinstance(target[part], list))
        ):
            target[part] = _tidy(below) if isinstance(below, list) else {}
        target, source = target[part], below
    target[path[-1]] = copy.deepcopy(override.value)


def _tidy(value: Any) -> Any:
    """A deep copy of effective data with whole floats written as integers (`min: 90`,
    not `90.0`: the model reads both alike), as an analyst would write the list."""
    if isinstance(value, dict):
        return {k: _tidy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_tidy(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _child(container: Any, part: str | int) -> Any:
    """`container[part]` of a mapping or list, or None when there is none."""
    if isinstance(container, dict):
        return container.get(part)
    if isinstance(container, list) and isinstance(part, int) and part < len(container):
        return container[part]
    return None


# --- the variant ----------------------------------------------------------------------


@dataclass
class Variant:
    """A base ruleset with overrides: the mapping, its build, and what was implied."""

    base_ref: str
    overrides: list[Override]
    data: dict[str, Any]
    """The variant mapping: `extends` the base, then only the overridden keys."""
    notes: list[str] = field(default_factory=list)
    plan: Plan | None = None
    """The variant compiled (set by `make_variant`)."""
    base: Plan | None = None
    """The base it overrides."""

    def yaml(self, extends: str | None = None) -> str:
        """The variant as a ruleset file (`--save`), `extends` as given (default the
        base reference as the variant was built with)."""
        data = dict(self.data)
        if extends is not None:
            data["extends"] = extends
        header = "# whatif variant: " + " ".join(o.label for o in self.overrides) + "\n"
        header += "".join(f"# note: {n}\n" for n in self.notes)
        return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)

    def save(self, path: Path) -> str:
        """The YAML to write at `path`: `extends` made relative to its folder when the
        base is a file (so the pair can move together), else the built-in id."""
        extends = str(self.data["extends"])
        if looks_like_path(extends):
            try:
                extends = os.path.relpath(Path(extends).resolve(), path.resolve().parent)
            except ValueError:  # another drive (Windows)
                extends = str(Path(extends).resolve())
            extends = Path(extends).as_posix()
        return self.yaml(extends)


def base_reference(ref: str) -> str:
    """What the variant `extends`: a built-in id as is, a file by its absolute path."""
    if looks_like_path(ref):
        path = resolve(ref, "rulesets")
        return str(path.resolve()) if path is not None else ref
    return ref


def make_variant(base: Plan, base_ref: str, overrides: Sequence[Override]) -> Variant:
    """The variant mapping of `overrides` over the compiled `base`, built through the
    fold (load → check → compile); every problem is pinned to the option that caused it
    and raised together as a RulesetError."""
    effective = base.loaded.ruleset.model_dump(mode="json")
    resolved: list[Override] = []
    problems: list[Problem] = []
    for o in overrides:
        try:
            resolved.append(_resolve(effective, o))
        except RulesetError as exc:
            problems += exc.problems
    if problems:
        raise RulesetError(problems)
    data: dict[str, Any] = {"extends": base_reference(base_ref)}
    for o in resolved:
        _apply(data, effective, o)
    notes: list[str] = []
    for implied, note in _adjacent_bands(effective, resolved):
        _apply(data, effective, implied)
        notes.append(note)
    touches_weights = any(
        o.path[0] in WEIGHT_KEYS and _changes(value_at(effective, o.path), o.value)
        for o in resolved
    )
    sets_weighting = any(o.path == ("weighting",) for o in resolved)
    if touches_weights and not sets_weighting and effective.get("weighting") != "proportional":
        data["weighting"] = "proportional"
        notes.append(
            "changing a weight implies weighting: proportional (each indicator's points are "
            "scaled within its category to the new weights); --set weighting=check keeps "
            "checking the points as written instead"
        )
    variant = Variant(base_ref, resolved, data, notes, base=base)
    variant.plan = build_variant(variant)
    return variant


def _changes(current: Any, value: Any) -> bool:
    """Whether writing `value` over `current` changes it (a mapping merges key by key)."""
    if isinstance(value, dict) and isinstance(current, dict):
        return any(_changes(current.get(k), v) for k, v in value.items())
    return bool(current != value)


def _adjacent_bands(
    effective: dict[str, Any], overrides: Sequence[Override]
) -> list[tuple[Override, str]]:
    """Grade bands tile the scale: moving a band's `min` (or `max`) moves the bound of the
    band it touched with it (优.min 90 → 88 makes 良.max 88), unless the overrides set
    that bound themselves. Returned as implied overrides, each with its note."""
    bands = effective.get("grades")
    if not isinstance(bands, list):
        return []
    written = {tuple(map(str, o.path)) for o in overrides}
    out: list[tuple[Override, str]] = []
    for o in overrides:
        if not (len(o.path) == 3 and o.path[0] == "grades" and isinstance(o.path[1], int)):
            continue
        end = o.path[2]
        if end not in ("min", "max") or isinstance(o.value, bool):
            continue
        if not isinstance(o.value, int | float):
            continue
        old = bands[o.path[1]].get(end)
        if old == o.value:
            continue
        other = "max" if end == "min" else "min"
        for j, band in enumerate(bands):
            if j == o.path[1] or band.get(other) != old or ("grades", str(j), other) in written:
                continue
            name, moved = bands[o.path[1]].get("name", j), band.get("name", j)
            implied = Override(f"grades.{moved}.{other}={o.value}", ("grades", j, other), o.value)
            note = (
                f"grades.{name}.{end}={o.value} moves grades.{moved}.{other} with it (grade "
                f"bands tile the scale); set grades.{moved}.{other} to choose otherwise"
            )
            out.append((implied, note))
    return out


def build_variant(variant: Variant) -> Plan:
    """Run the variant mapping through the ruleset fold, as `validate` would run its file."""
    text = yaml.safe_dump(variant.data, allow_unicode=True, sort_keys=False, width=100)
    doc = parse_document(text, VARIANT_FILE)
    state: Build = build(VARIANT_FILE, doc)
    if state.problems or state.plan is None:
        raise RulesetError(_pinned(state.problems, variant))
    return state.plan


def _pinned(problems: Sequence[Problem], variant: Variant) -> list[Problem]:
    """Problems found in the in-memory variant, named by the option(s) whose key they
    concern (a problem at `weights` concerns every `weights.*` override); problems in
    the base's own files keep their file:line:col."""
    out: list[Problem] = []
    for p in problems:
        if not p.file.endswith(VARIANT_FILE):
            out.append(p)
            continue
        mine = [o for o in variant.overrides if _related(o.path, p.path)]
        if mine:
            label = " ".join(o.label for o in mine)
        elif p.path[:1] == ("weighting",):
            label = "--set (implied weighting: proportional)"
        else:
            label = " ".join(o.label for o in variant.overrides) or "--set"
        out.append(OptionProblem(label, 0, 0, p.message, p.path, p.hint))
    return out


def _related(a: KeyPath, b: KeyPath) -> bool:
    n = min(len(a), len(b))
    return n > 0 and tuple(map(str, a[:n])) == tuple(map(str, b[:n]))


# --- sweeps -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Sweep:
    """`--sweep KEY=START..STOP:STEP` or `KEY=v1,v2,…`: the key and its values in order."""

    text: str
    key: str
    values: tuple[float, ...]


def _number(text: str, label: str) -> Decimal:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        raise _option_error(label, f"{text.strip()!r} is not a number") from None
    if not number.is_finite():
        raise _option_error(label, f"{text.strip()!r} is not a finite number")
    return number


def parse_sweep(text: str) -> Sweep:
    """The values of a sweep: a range (stop included, exact decimal steps: 0.1 steps
    never drift) or an explicit list; numbers only (the chart's axis is numeric)."""
    label = f"--sweep {text}"
    key, eq, spec = text.partition("=")
    key = key.strip()
    hint = "e.g. --sweep weights.output=30..60:5 or --sweep params.boundary_margin=0.5,1,2"
    if not eq or not key or not spec.strip():
        raise _option_error(label, "expected KEY=START..STOP:STEP or KEY=v1,v2,…", hint=hint)
    if ".." in spec:
        bounds, colon, step_text = spec.partition(":")
        start_text, _, stop_text = bounds.partition("..")
        if not colon:
            raise _option_error(label, "a range needs a step: START..STOP:STEP", hint=hint)
        start, stop, step = (_number(t, label) for t in (start_text, stop_text, step_text))
        if step <= 0:
            raise _option_error(label, f"the step must be > 0, got {step_text.strip()}")
        count = int((abs(stop - start) / step).to_integral_value(rounding="ROUND_FLOOR")) + 1
        if count > MAX_SWEEP_VALUES:
            raise _option_error(label, f"{count} values; a sweep takes at most {MAX_SWEEP_VALUES}")
        sign = 1 if stop >= start else -1
        values = [start + sign * i * step for i in range(count)]
    else:
        values = [_number(t, label) for t in spec.split(",")]
        if len(values) > MAX_SWEEP_VALUES:
            raise _option_error(
                label, f"{len(values)} values; a sweep takes at most {MAX_SWEEP_VALUES}"
            )
        if len(set(values)) != len(values):
            raise _option_error(label, "a value is listed twice")
    return Sweep(text, key, tuple(float(v) for v in values))


def _plain(value: float) -> int | float:
    """40.0 → 40 (written as the analyst would), 37.5 stays."""
    return int(value) if float(value).is_integer() else value


def sweep_overrides(
    base: Plan, sets: Sequence[Override], sweep: Sweep, value: float, absorb: str | None
) -> list[Override]:
    """The overrides of one sweep value: the `--set` ones, the swept key at `value` and,
    with `absorb`, the absorbing key moved by the opposite amount (so weights still add up
    to the scale). Refused when the absorbing key would go negative."""
    label = f"--sweep {sweep.text}"
    swept = Override(f"{sweep.key}={_plain(value)}", split_key(sweep.key), _plain(value), "--sweep")
    out = [*sets, swept]
    if absorb is None:
        return out
    effective = base.loaded.ruleset.model_dump(mode="json")
    for o in sets:  # the values the sweep moves from: the base with the --set overrides
        _apply(effective, effective, _resolve(effective, o))
    key_path = _resolve(effective, replace(swept, option="--sweep")).path
    absorb_override = _resolve(effective, Override(f"{absorb}=0", split_key(absorb), 0, "--absorb"))
    if tuple(map(str, absorb_override.path)) == tuple(map(str, key_path)):
        raise _option_error(f"--absorb {absorb}", "the absorbing key is the swept key")
    current, absorbing = value_at(effective, key_path), value_at(effective, absorb_override.path)
    for name, v in ((sweep.key, current), (absorb, absorbing)):
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise _option_error(
                label if name == sweep.key else f"--absorb {absorb}",
                f"{name} is {_kind(v)}; --absorb moves one number against another",
                split_key(name),
            )
    moved = Decimal(str(absorbing)) - (Decimal(str(value)) - Decimal(str(current)))
    if moved < 0:
        raise _option_error(
            f"--absorb {absorb}",
            f"{absorb} would be {_plain(float(moved))} at {sweep.key}={_plain(value)} "
            f"({absorbing:g} − ({_plain(value)} − {current:g}))",
            split_key(absorb),
            "narrow the sweep or absorb with a larger weight",
        )
    out.append(
        Override(
            f"{absorb}={_plain(float(moved))}",
            absorb_override.path,
            _plain(float(moved)),
            "--absorb",
        )
    )
    return out
