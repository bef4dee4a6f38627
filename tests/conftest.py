"""Test-wide settings.

Under CI (CI=true), Hypothesis runs derandomized, so a green CI run is reproducible, and
every property runs at least CI_EXAMPLES examples (issue 7 item 7); on developers' machines
it keeps exploring new examples on every run, 100 per property. Property tests take their
example count from these profiles: a `@settings(max_examples=…)` on a test would override
the CI floor (tests/expr/expr_fixtures.py `property_settings` checks they don't).
"""

from __future__ import annotations

import os

from hypothesis import settings

CI_EXAMPLES = 500
settings.register_profile("dev", max_examples=100)
settings.register_profile("ci", max_examples=CI_EXAMPLES, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
