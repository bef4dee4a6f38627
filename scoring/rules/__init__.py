"""Rulesets and catalogues: YAML source → load → check → compile, one fold of passes."""
