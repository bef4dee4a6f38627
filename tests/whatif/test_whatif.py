"""`whatif` and sweeps over the sample district: a whatif is a score of the variant file,
a sweep's value equal to the base reproduces the base, the rows are parsed once."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from polars.testing import assert_frame_equal

from jixiao.cli.main import main
from jixiao.scoring import api
from jixiao.scoring.jobs import selfeval

ROOT = Path(__file__).resolve().parents[2]
DISTRICT = ROOT / "examples" / "sample-district"
FILES = [DISTRICT / "projects.csv", DISTRICT / "indicators.csv"]
BENEFIT_HEAVY = ROOT / "examples" / "rulesets" / "benefit-heavy.yaml"
BASE = "project-self-eval"


def unflagged(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.drop([c for c in frame.columns if c.startswith("n_flags")])


def distribution(frame: pl.DataFrame, grades: list[str]) -> list[int]:
    counts = dict(frame.group_by("grade").len().iter_rows())
    return [counts.get(g, 0) for g in grades]


@pytest.fixture(scope="module")
def inputs() -> api.Inputs:
    return api.read(api.load_ruleset(BASE), FILES)


def test_whatif_equals_score_of_the_variant_file(inputs: api.Inputs, tmp_path: Path) -> None:
    chosen = api.variant(
        BASE, ["weights.output=40", "weights.benefit=40", "grades.优.min=88", "grades.良.max=88"]
    )
    results = api.whatif(chosen, inputs)
    saved = api.save_variant(chosen, tmp_path / "variant.yaml")
    by_file = api.score(api.load_ruleset(str(saved)), inputs)
    # Both sides are scored lean (no flags raised): every other column is score's.
    assert_frame_equal(
        unflagged(results.candidate.project_scores), unflagged(by_file.project_scores)
    )
    assert_frame_equal(
        unflagged(results.candidate.department_summary), unflagged(by_file.department_summary)
    )
    assert_frame_equal(results.candidate.near_boundary, by_file.near_boundary)
    plain = api.score(api.load_ruleset(BASE), inputs)
    assert_frame_equal(unflagged(results.base.project_scores), unflagged(plain.project_scores))
    # The comparison sees the move: totals differ for some project, grades for some.
    assert results.compare_projects["delta"].abs().max() > 0
    assert results.n_changed > 0
    assert results.shared and results.manifest["prepared"] == "once"
    assert results.manifest["job"] == "whatif"
    assert results.manifest["whatif"]["set"][0] == "weights.output=40"


def test_sweep_value_equal_to_the_base_reproduces_it(inputs: api.Inputs) -> None:
    """A proportional base swept over its own weight; a check base over a band, and over
    its weight (the value equal to the base's weight is the base itself: no change, so
    no implied weighting)."""
    for ruleset, sweep, absorb, base_value in [
        (str(BENEFIT_HEAVY), "weights.output=30,40,50", "weights.benefit", 40.0),
        (BASE, "grades.优.min=85..95:5", None, 90.0),
        (BASE, "weights.output=45..55:5", "weights.benefit", 50.0),
    ]:
        chosen = api.variant(ruleset)
        spec, _ = api.sweep_variants(chosen, sweep, absorb)
        results = api.whatif(chosen, FILES, sweep=spec)
        table = results.sweep
        assert table is not None
        grades = ["优", "良", "中", "差", "未定级"]
        assert table.columns == ["value", "grade", "n", "mean_total"]
        assert table.height == len(spec.variants) * len(grades)
        plain = api.score(api.load_ruleset(ruleset), FILES).project_scores
        at_base = table.filter(pl.col("value") == base_value)
        assert at_base["grade"].to_list() == grades  # every grade, zeros included
        assert at_base["n"].to_list() == distribution(plain, grades)
        assert at_base["mean_total"][0] == pytest.approx(plain["total"].mean(), abs=0.005)
        for value in {v for v, _ in spec.variants} - {base_value}:
            rows = table.filter(pl.col("value") == value)
            assert rows["n"].sum() == plain.height


def test_every_sweep_value_equals_its_own_score(inputs: api.Inputs) -> None:
    """Each value's distribution is what `score` gives for that variant, including a
    variant that prepares rows differently (its own weighted categories)."""
    chosen = api.variant(BASE, ["params.boundary_margin=2"])
    spec, _ = api.sweep_variants(chosen, "weights.output=45,55", "weights.benefit")
    results = api.whatif(chosen, inputs, sweep=spec)
    assert results.sweep is not None
    grades = ["优", "良", "中", "差", "未定级"]
    for value, plan in spec.variants:
        plain = api.score(plan, inputs).project_scores
        rows = results.sweep.filter(pl.col("value") == value)
        assert rows["n"].to_list() == distribution(plain, grades), value
        weights = plan.loaded.ruleset.weights
        assert weights["output"] + weights["benefit"] == 80


def test_inputs_are_prepared_once(monkeypatch: pytest.MonkeyPatch, inputs: api.Inputs) -> None:
    calls: list[str] = []
    real = selfeval.prepare

    def counting(plan, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(plan.loaded.ruleset.id)
        return real(plan, *args, **kwargs)

    from jixiao.scoring.jobs import sweep as sweep_job
    from jixiao.scoring.jobs import whatif as whatif_job

    monkeypatch.setattr(whatif_job, "prepare", counting)
    monkeypatch.setattr(sweep_job, "prepare", counting)
    chosen = api.variant(BASE, ["weights.output=40", "weights.benefit=40"])
    spec, _ = api.sweep_variants(chosen, "params.boundary_margin=0.5..2:0.5")
    api.whatif(chosen, inputs, sweep=spec)
    assert calls == [BASE]
    # A variant that places rows differently (no satisfaction category) prepares its own.
    calls.clear()
    other = api.variant(BASE, ["weights.satisfaction=null", "weights.output=60"])
    results = api.whatif(other, inputs)
    assert len(calls) == 2 and not results.shared
    assert any("prepared for each" in n for n in results.notes)


# --- the command ------------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_cli_whatif_with_sweep_writes_the_tables(tmp_path: Path) -> None:
    out = tmp_path / "out"
    saved = tmp_path / "v.yaml"
    code, output = run(
        "whatif", "--set", "weights.output=40", "--set", "weights.benefit=40",
        "--sweep", "weights.output=30..50:10", "--absorb", "weights.benefit",
        "--save", str(saved), *map(str, FILES), "-o", str(out), "-f", "csv", "-q",
    )  # fmt: skip
    assert code == 0, output
    assert "grade migration" in output and "weights.benefit" in output
    assert "sweep of weights.output" in output
    assert "implies weighting: proportional" in output
    written = {p.name for p in out.iterdir()}
    assert {"sweep.csv", "migration.csv", "compare_projects.csv", "manifest.json"} <= written
    sweep = pl.read_csv(out / "sweep.csv")
    assert sweep["value"].unique().sort().to_list() == [30, 40, 50]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["sweep_key"] == "weights.output"
    assert manifest["sweep_absorb"] == "weights.benefit"
    assert (run("validate", str(saved))[0], "") == (0, "")


def test_cli_outputs_are_byte_identical_across_reruns(tmp_path: Path) -> None:
    digests = []
    for name in ("a", "b"):
        out = tmp_path / name
        code, output = run(
            "whatif", "--set", "params.boundary_margin=2", "--sweep", "grades.优.min=88,90",
            *map(str, FILES), "-o", str(out), "-f", "csv", "-f", "parquet", "-q",
        )  # fmt: skip
        assert code == 0, output
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        digests.append(manifest["output_sha256"])
    assert digests[0] == digests[1]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--set", "weights.outptu=40"], 1, "did you mean 'weights.output'?"),
        (["--set", "weights.output=abc"], 1, "weights.output: Input should be a valid number"),
        (["--set", "weights.output"], 1, "expected KEY=VALUE"),
        (["--sweep", "weights.output=40..70:5", "--absorb", "weights.satisfaction"], 1,
         "weights.satisfaction would be -5 at weights.output=65"),
        (["--absorb", "weights.benefit", "--set", "weights.output=40"], 2,
         "--absorb needs --sweep"),
        ([], 2, "nothing to try"),
    ],
)  # fmt: skip
def test_cli_refusals_are_one_clear_line(
    tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    got, output = run("whatif", *args, *map(str, FILES), "-o", str(tmp_path / "o"), "-q")
    assert got == code, output
    assert message in output
    assert "Traceback" not in output
    assert not (tmp_path / "o").exists()


def test_report_of_a_csv_sweep_folder_draws_the_sweep(tmp_path: Path) -> None:
    """The page from the folder (csv: read back with the registry's dtypes) shows the
    sweep chart with its values in numeric order and the key as its axis title."""
    out = tmp_path / "out"
    code, output = run(
        "whatif", "--sweep", "weights.output=5..50:5", "--absorb", "weights.benefit",
        *map(str, FILES), "-o", str(out), "-f", "csv", "-q",
    )  # fmt: skip
    assert code == 0, output
    code, output = run("report", str(out), "--no-png", "-q")
    assert code == 0, output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "参数扫描" in page and "weights.output" in page
    from jixiao.scoring.report.html import data as report_data

    sweep = report_data.from_folder(out).frame("sweep").collect()
    assert sweep.schema["value"] == pl.Float64
    assert sweep["value"].unique(maintain_order=True).to_list() == [5.0 * i for i in range(1, 11)]


def test_a_weight_sweep_over_a_check_base_says_where_check_stays() -> None:
    """The base's value changes no weight and keeps `weighting: check`; the others imply
    proportional (docs/whatif.md): the mix is said, with the way to avoid it."""
    chosen = api.variant("project-self-eval")
    _, notes = api.sweep_variants(chosen, "weights.output=40..60:10", "weights.benefit")
    assert any("weights.output=50 no weight changes" in n for n in notes), notes
    chosen = api.variant("project-self-eval", ["weighting=proportional"])
    _, notes = api.sweep_variants(chosen, "weights.output=40..60:10", "weights.benefit")
    assert not any("stays check" in n for n in notes), notes
