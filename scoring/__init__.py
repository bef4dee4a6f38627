"""jixiao's scoring engine: rulesets in, scores, grades and roll-ups out.

The public API for notebooks and scripts is `jixiao.scoring.api`:

    from jixiao.scoring import api
    plan = api.load_ruleset("project-self-eval")
    results = api.score(plan, ["projects.csv", "indicators.csv"])
"""
