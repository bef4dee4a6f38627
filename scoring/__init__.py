"""jixiao's scoring engine: rulesets in, scores, grades and roll-ups out.

The public API for notebooks and scripts lives in `scoring.api` and is re-exported here.
"""
