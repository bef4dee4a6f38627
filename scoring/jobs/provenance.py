"""What produced a run's outputs, as every job's manifest records it.

One function, so `score`, `monitor` and the jobs to come describe their ruleset and
inputs identically: a reader of manifest.json should not need to know which job wrote it.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

import polars as pl

from jixiao.scoring.io.read import Inputs
from jixiao.scoring.rules.load import Loaded


def manifest_head(loaded: Loaded, inputs: Inputs) -> dict[str, Any]:
    """Ruleset and catalogue identity, input hashes and notes, engine versions."""
    rs, cat = loaded.ruleset, loaded.catalogue
    return {
        "ruleset": {
            "id": rs.id,
            "version": rs.version,
            "sha256": loaded.sha256,
            "files": loaded.files,
        },
        "catalogue": {"id": cat.id, "version": cat.version},
        "inputs": [
            {
                "path": s.path,
                "sha256": s.sha256,
                "format": s.format,
                "encoding": s.encoding,
                "sheets": s.sheets,
                "rows": s.rows,
                "notes": s.notes,
            }
            for s in inputs.sources
        ],
        "engine": {"jixiao": version("jixiao"), "polars": pl.__version__},
    }
