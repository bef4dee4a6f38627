"""Test-wide settings.

Under CI (CI=true), Hypothesis runs derandomized, so a green CI run is reproducible;
on developers' machines it keeps exploring new examples on every run.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
