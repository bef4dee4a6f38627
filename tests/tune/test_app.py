"""The tuning server's endpoints through Starlette's test client: the token, the body
limit, overrides checked like a ruleset file, results equal to `jixiao whatif`, and the
saved variant accepted by `validate` and scoring to the page's counts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from starlette.testclient import TestClient

from jixiao.scoring import api
from jixiao.scoring.errors import RulesetError
from jixiao.scoring.tune import page as tune_page
from jixiao.scoring.tune.app import CSP, MAX_BODY, create_app
from jixiao.scoring.tune.session import Session, safe_name

from .conftest import RULESET, SAMPLE

TOKEN = "test-token-abc"


@pytest.fixture(scope="module")
def client(session: Session) -> TestClient:
    return TestClient(create_app(session, TOKEN))


JSON_HEADER = {"Content-Type": "application/json"}
JSON_WITH_TOKEN = {**JSON_HEADER, "X-Jixiao-Token": TOKEN}


def post(client: TestClient, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json=body, headers={"X-Jixiao-Token": TOKEN})


def counts_of(frame: pl.DataFrame, column: str) -> dict[str, int]:
    return {str(k): int(v) for k, v in frame.group_by(column).len().iter_rows()}


def nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}


# --- the guard ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/"), ("GET", "/api/controls"), ("GET", "/assets/vega.js"), ("POST", "/api/score")],
)
def test_every_path_needs_the_token(session: Session, method: str, path: str) -> None:
    fresh = TestClient(create_app(session, TOKEN))
    assert fresh.request(method, path).status_code == 403
    assert fresh.request(method, path + "?token=wrong").status_code == 403
    wrong = fresh.request(method, path, headers={"X-Jixiao-Token": TOKEN + "x"})
    assert wrong.status_code == 403


def test_the_first_load_sets_the_cookie_and_headers(session: Session) -> None:
    fresh = TestClient(create_app(session, TOKEN))
    page = fresh.get(f"/?token={TOKEN}")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == CSP
    assert "default-src 'none'" in CSP and "connect-src 'self'" in CSP
    assert "httponly" in page.headers["set-cookie"].lower()
    assert "samesite=strict" in page.headers["set-cookie"].lower()
    # Later requests carry the cookie only.
    assert fresh.get("/api/controls").status_code == 200
    vega = fresh.get("/assets/vega.js")
    assert vega.status_code == 200 and "vegaEmbed" in vega.text
    # Every asset is served here; the page names no other origin.
    assert "http" not in page.text.replace('content="jixiao tune"', "")
    assert fresh.get("/assets/../session.py").status_code == 404
    assert tune_page.asset("../session.py") is None and tune_page.asset("session.py") is None
    assert f'<meta name="jixiao-token" content="{TOKEN}">' in page.text


def test_a_post_needs_the_token_header_and_json(session: Session) -> None:
    """Another local page (another port of this host counts as the same site) can make
    the browser send the cookie, but not a custom header or a JSON content type without
    a CORS preflight, which this server never grants: both are required on a POST."""
    fresh = TestClient(create_app(session, TOKEN))
    assert fresh.get(f"/?token={TOKEN}").status_code == 200  # the cookie is set
    body = json.dumps({"set": [], "name": "x"})
    plain = {"Content-Type": "text/plain"}
    assert fresh.post("/api/save", content=body, headers=plain).status_code == 403
    assert fresh.post("/api/save", content=body, headers=JSON_HEADER).status_code == 403
    as_text = {**plain, "X-Jixiao-Token": TOKEN}
    assert fresh.post("/api/save", content=body, headers=as_text).status_code == 415
    assert fresh.post("/api/score", content=body, headers=JSON_WITH_TOKEN).status_code == 200


def test_save_never_overwrites(client: TestClient, session: Session) -> None:
    first = post(client, "/api/save", {"set": ["grades.优.min=88"], "name": "twice"})
    assert first.status_code == 200
    again = post(client, "/api/save", {"set": ["grades.优.min=87"], "name": "twice"})
    assert again.status_code == 422
    assert "exists" in again.json()["errors"][0]["message"]
    assert "88" in (session.out_dir / "twice.yaml").read_text("utf-8")


def test_a_body_over_the_limit_is_413(client: TestClient) -> None:
    big = {"set": ["params.boundary_margin=1"], "pad": "x" * (MAX_BODY + 10)}
    response = post(client, "/api/score", big)
    assert response.status_code == 413
    # And without a content-length (a chunked body), counted as it arrives.
    chunks = (b"x" * 8192 for _ in range(10))
    response = client.post("/api/score", content=chunks, headers=JSON_WITH_TOKEN)
    assert response.status_code == 413


def test_not_json_is_400(client: TestClient) -> None:
    response = client.post("/api/score", content=b"{no", headers=JSON_WITH_TOKEN)
    assert response.status_code == 400
    deep = b"[" * (MAX_BODY - 10)  # nested past Python's recursion limit: still one 400
    assert client.post("/api/score", content=deep, headers=JSON_WITH_TOKEN).status_code == 400
    assert post(client, "/api/score", {"set": "weights.output=40"}).status_code == 400


# --- overrides checked like a ruleset file ---------------------------------------------


def whatif_message(sets: list[str]) -> list[str]:
    with pytest.raises(RulesetError) as caught:
        api.variant(RULESET, sets)
    return [str(p) for p in caught.value.problems]


def test_a_bad_key_gets_the_did_you_mean_of_whatif(client: TestClient) -> None:
    sets = ["weights.outptu=40"]
    response = post(client, "/api/score", {"set": sets})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["message"] for e in errors] == whatif_message(sets)
    assert "did you mean 'weights.output'" in errors[0]["message"]
    assert errors[0]["sets"] == sets


@pytest.mark.parametrize(
    "sets",
    [
        ["grades.优.min=abc"],
        ["weights.output=45"],  # no longer adds up to the scale
        ['budget_execution.score="clip(rate, 0, 1) * pointz"'],  # unknown name
        ["budget_execution.score=\"__import__('os')\""],  # refused by the language
        ["rules.qualitative.tiers.达成.default=2"],
    ],
)
def test_a_bad_value_gets_the_message_of_validate(client: TestClient, sets: list[str]) -> None:
    response = post(client, "/api/score", {"set": sets})
    assert response.status_code == 422
    messages = [e["message"] for e in response.json()["errors"]]
    assert messages == whatif_message(sets)
    assert any(e["sets"] == sets for e in response.json()["errors"])


# --- the page's numbers are whatif's ---------------------------------------------------


@pytest.mark.parametrize(
    "sets",
    [
        ["weights.output=40", "weights.benefit=40"],
        ["grades.优.min=85"],
        ["rules.qualitative.tiers.部分达成.default=0.65"],
        ['budget_execution.score="clip(rate, 0, 1.2) * points"', "grades.良.min=75"],
    ],
)
def test_a_change_equals_whatif(client: TestClient, inputs: api.Inputs, sets: list[str]) -> None:
    response = post(client, "/api/score", {"set": sets})
    assert response.status_code == 200, response.text
    page = response.json()
    results = api.whatif(api.variant(RULESET, sets), inputs)
    projects = results.compare_projects
    assert nonzero(page["counts"]["base"]) == counts_of(projects, "base_grade")
    assert nonzero(page["counts"]["candidate"]) == counts_of(projects, "candidate_grade")
    assert page["grades"] == results.grades
    assert [tuple(r) for r in page["migration"]] == results.migration.rows()
    assert page["changed"]["n"] == results.n_changed
    assert page["departments"] == results.compare_departments.to_dicts()
    near = results.candidate.near_boundary
    assert page["near"]["n"] == near.height
    assert [r["project_id"] for r in page["near"]["rows"]] == near["project_id"].to_list()
    changed = projects.filter(pl.col("base_grade") != pl.col("candidate_grade"))
    assert {r["project_id"] for r in page["changed"]["rows"]} == set(changed["project_id"])
    assert page["overrides"] == sets


def test_no_override_is_the_base(client: TestClient, inputs: api.Inputs) -> None:
    page = post(client, "/api/score", {"set": []}).json()
    base = api.score(api.load_ruleset(RULESET), inputs)
    assert nonzero(page["counts"]["candidate"]) == counts_of(base.project_scores, "grade")
    assert page["counts"]["base"] == page["counts"]["candidate"]
    assert page["changed"]["n"] == 0


def test_a_grade_band_change_reuses_the_scored_rows(client: TestClient) -> None:
    post(client, "/api/score", {"set": ["grades.优.min=88"]})
    again = post(client, "/api/score", {"set": ["grades.优.min=87"]}).json()
    assert again["reused_rows"] is True
    moved = post(client, "/api/score", {"set": ["weights.output=41", "weights.benefit=39"]})
    assert moved.json()["reused_rows"] is False


def test_controls_name_the_keys(client: TestClient) -> None:
    controls = client.get("/api/controls", headers={"X-Jixiao-Token": TOKEN}).json()
    assert [w["key"] for w in controls["weights"]] == [
        "weights.budget_execution",
        "weights.output",
        "weights.benefit",
        "weights.satisfaction",
    ]
    assert sum(w["value"] for w in controls["weights"]) == controls["scale"]
    assert controls["budget"]["cap"] == 1.0
    assert {t["label"] for t in controls["tiers"]} == {"达成", "部分达成", "未达成"}
    used = {p["label"]: p["used_by"] for p in controls["params"]}
    assert "over_achievement" in used["over_achievement"]


LEVEL2 = """extends: project-self-eval
id: level2-test
weighting: proportional
level2_weights:
  output: {quantity: 20, quality: 10, timeliness: 10, cost: 10}
"""


def test_level2_weights_are_controls_and_score_as_whatif(tmp_path: Path) -> None:
    ruleset = tmp_path / "level2.yaml"
    ruleset.write_text(LEVEL2, "utf-8")
    session = Session.open(str(ruleset), [SAMPLE], out_dir=tmp_path / "out")
    [group] = session.controls()["level2"]
    assert group["group"] == "output"
    assert [i["key"] for i in group["items"]] == [
        f"level2_weights.output.{k}" for k in ("quantity", "quality", "timeliness", "cost")
    ]
    sets = ["level2_weights.output.quantity=25", "level2_weights.output.quality=5"]
    page = session.evaluate(sets)
    results = api.whatif(api.variant(str(ruleset), sets), [SAMPLE])
    assert nonzero(page["counts"]["candidate"]) == counts_of(
        results.compare_projects, "candidate_grade"
    )
    assert page["changed"]["n"] == results.n_changed
    with pytest.raises(RulesetError):  # the group no longer sums to its level-1 weight
        session.evaluate(["level2_weights.output.quantity=25"])


# --- explanations and flags ------------------------------------------------------------


def test_explain_is_the_text_explain_prints(client: TestClient, inputs: api.Inputs) -> None:
    sets = ["weights.output=40", "weights.benefit=40"]
    page = post(client, "/api/score", {"set": sets}).json()
    pid = page["changed"]["rows"][0]["project_id"]
    response = post(client, "/api/explain", {"set": sets, "project_id": pid})
    assert response.status_code == 200
    plan = api.variant(RULESET, sets).plan
    assert plan is not None
    full = api.score(plan, inputs)
    assert response.json()["text"] == api.explain_text(plan, full, pid)
    missing = post(client, "/api/explain", {"set": sets, "project_id": "NOPE"})
    assert missing.status_code == 422


def test_flag_counts_are_scores(client: TestClient, inputs: api.Inputs) -> None:
    sets = ["rules.qualitative.tiers.部分达成.default=0.65"]
    response = post(client, "/api/flags", {"set": sets})
    assert response.status_code == 200
    plan = api.variant(RULESET, sets).plan
    assert plan is not None
    full = api.score(plan, inputs)
    expected = counts_of(full.flags, "flag")
    got = {f: c for f, _, c in response.json()["flags"] if c}
    assert got == expected


# --- saving ----------------------------------------------------------------------------


def test_save_writes_a_variant_that_scores_to_the_page(
    client: TestClient, session: Session, inputs: api.Inputs
) -> None:
    sets = ["weights.output=40", "weights.benefit=40", "grades.优.min=85"]
    page = post(client, "/api/score", {"set": sets}).json()
    response = post(client, "/api/save", {"set": sets, "name": "../../四六开 v1"})
    assert response.status_code == 200, response.text
    saved = Path(response.json()["path"])
    assert saved.parent == session.out_dir and saved.name == "四六开-v1.yaml"
    text = saved.read_text("utf-8")
    assert text.startswith("# made by `jixiao tune` on ")
    assert "extends: project-self-eval" in text
    [outcome] = api.validate([str(saved)])
    assert outcome.ok, [str(p) for p in outcome.problems]
    results = api.score(api.load_ruleset(str(saved)), inputs)
    assert counts_of(results.project_scores, "grade") == nonzero(page["counts"]["candidate"])
    # Only the changed keys (and what they imply) are written.
    assert set(yaml.safe_load(text)) == {"extends", "weights", "grades", "weighting"}


def test_save_refuses_no_change_and_bad_overrides(client: TestClient) -> None:
    assert post(client, "/api/save", {"set": [], "name": "x"}).status_code == 422
    assert post(client, "/api/save", {"set": ["weights.outptu=1"], "name": "x"}).status_code == 422
    assert post(client, "/api/save", {"set": ["grades.优.min=85"]}).status_code == 400


@pytest.mark.parametrize(
    ("typed", "stem"),
    [
        ("../../etc/passwd", "etc-passwd"),
        ("a b.yaml", "a-b"),
        ("...", "variant"),
        ("好 方案", "好-方案"),
        ("CON", "_CON"),
    ],
)
def test_safe_name(typed: str, stem: str) -> None:
    assert safe_name(typed) == stem


def test_json_answers_are_json(client: TestClient) -> None:
    response = post(client, "/api/score", {"set": ["weights.output=40", "weights.benefit=40"]})
    json.dumps(response.json(), ensure_ascii=False)


def test_a_file_base_is_extended_relative_to_the_saved_variant(tmp_path: Path) -> None:
    ruleset = tmp_path / "rules" / "level2.yaml"
    ruleset.parent.mkdir()
    ruleset.write_text(LEVEL2, "utf-8")
    session = Session.open(str(ruleset), [SAMPLE], out_dir=tmp_path / "out" / "variants")
    sets = ["level2_weights.output.quantity=25", "level2_weights.output.quality=5"]
    page = session.evaluate(sets)
    saved = session.save(sets, "q25")
    assert yaml.safe_load(saved.read_text("utf-8"))["extends"] == "../../rules/level2.yaml"
    [outcome] = api.validate([str(saved)])
    assert outcome.ok, [str(p) for p in outcome.problems]
    results = api.score(api.load_ruleset(str(saved)), [SAMPLE])
    assert counts_of(results.project_scores, "grade") == nonzero(page["counts"]["candidate"])


def test_a_problem_names_whole_overrides_only() -> None:
    """A problem's source is the labels of the overrides it concerns: `grades.优.min=8`
    is not named by a problem of `grades.优.min=80` (a prefix is not a label)."""
    from jixiao.scoring.tune.app import _problem

    sets = ["grades.优.min=8", "grades.优.min=80", "weights.output=40"]
    got = _problem("m", "--set grades.优.min=80 --set weights.output=40", sets)
    assert got == {"message": "m", "sets": ["grades.优.min=80", "weights.output=40"]}
    assert _problem("m", "--set grades.优.min=8", sets)["sets"] == ["grades.优.min=8"]
