"""Which keys of two effective (merged) rulesets differ: the `ruleset_diff` table.

Both rulesets are compared as loaded (`extends` merged, removals applied, defaults a file
omits filled in), so a variant that restates the base's value shows no difference and a
default that changes shows one. Keys are dotted paths (`weights.output`); a list of
mappings is entered by index (`grades[0].min`), a list of plain values is one value
(`flags.F01.levels`). When the catalogues differ their keys follow, as `catalogue:` paths.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import polars as pl

from jixiao.scoring import columns
from jixiao.scoring.rules.load import Loaded

_MISSING = object()


def flatten(data: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted path, value) for every leaf of a JSON-like mapping, in document order."""
    if isinstance(data, dict) and data:
        for key, value in data.items():
            yield from flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(data, list) and any(isinstance(v, dict | list) for v in data):
        for i, value in enumerate(data):
            yield from flatten(value, f"{prefix}[{i}]")
    else:
        yield prefix, data


def _value(value: Any) -> str | None:
    if value is _MISSING:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _rows(base: dict[str, Any], candidate: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    left, right = dict(flatten(base)), dict(flatten(candidate))
    rows = []
    for key in [*left, *(k for k in right if k not in left)]:
        old, new = left.get(key, _MISSING), right.get(key, _MISSING)
        if old == new and type(old) is type(new):
            continue
        if _entered(key, old, right) or _entered(key, new, left):
            continue  # `[]` on one side, its entries (`checkpoints[0].month`) on the other
        change = "added" if old is _MISSING else "removed" if new is _MISSING else "changed"
        rows.append(
            {
                "key": prefix + key,
                "change": change,
                "base_value": _value(old),
                "candidate_value": _value(new),
            }
        )
    return rows


def _entered(key: str, value: Any, other: dict[str, Any]) -> bool:
    """An empty list or mapping whose entries the other side lists as paths of their own."""
    if value not in ([], {}):
        return False
    return any(k.startswith((f"{key}[", f"{key}.")) for k in other)


def ruleset_diff(base: Loaded, candidate: Loaded) -> pl.DataFrame:
    """One row per effective key whose value differs, base order first, then the keys
    only the candidate has; empty for a ruleset compared with itself."""
    # `extends` says where a ruleset came from, not what it does: both sides are already
    # merged, so it is no effective key (a variant of the base would always differ there).
    rows = _rows(
        base.ruleset.model_dump(mode="json", exclude={"extends"}),
        candidate.ruleset.model_dump(mode="json", exclude={"extends"}),
        "",
    )
    rows += _rows(
        base.catalogue.model_dump(mode="json"),
        candidate.catalogue.model_dump(mode="json"),
        "catalogue:",
    )
    return pl.DataFrame(rows, schema=columns.compare_schema("ruleset_diff"))
