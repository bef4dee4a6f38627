"""JSON Schema of the YAML formats, so editors can complete and check ruleset files.

The committed copies under schema/ are generated from the models; a test keeps them in
step, so the schema an editor uses can never drift from what the loader accepts.
"""

from __future__ import annotations

import json
from typing import Any

from jixiao.scoring.rules.models import Catalogue, Ruleset

KINDS: dict[str, Any] = {"ruleset": Ruleset, "catalogue": Catalogue}


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a ruleset or catalogue file."""
    schema: dict[str, Any] = KINDS[kind].model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def schema_text(kind: str) -> str:
    """Stable text form (sorted keys, trailing newline), as committed under schema/."""
    return json.dumps(json_schema(kind), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
