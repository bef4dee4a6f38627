"""One distribution, one import root (issue 7 item 1): the wheel adds only `jixiao/` and
its dist-info, and the built-ins load from `jixiao.rulesets` whatever the working
directory holds."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "README.md", "scoring", "cli", "indicators", "rulesets", "examples")
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "build", "*.egg-info")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of the sources (the build leaves nothing in the repo)."""
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=SKIP)
        else:
            shutil.copy2(path, src / name)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(src)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("jixiao-*.whl")
    return built


def test_wheel_holds_only_the_jixiao_root(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
    tops = {n.split("/")[0] for n in names}
    (dist_info,) = tops - {"jixiao"}
    assert dist_info.startswith("jixiao-") and dist_info.endswith(".dist-info"), tops
    assert "jixiao/__init__.py" not in names, "jixiao must stay a PEP 420 namespace package"
    assert "jixiao/rulesets/project-self-eval.yaml" in names
    assert "jixiao/indicators/project-common.yaml" in names
    assert "jixiao/scoring/api.py" in names and "jixiao/cli/main.py" in names


def jixiao_command() -> str:
    script = Path(sys.executable).parent / "jixiao"
    found = str(script) if script.exists() else shutil.which("jixiao")
    assert found, "the jixiao console script is not installed next to this Python"
    return found


def test_builtins_load_despite_a_local_rulesets_package(tmp_path: Path) -> None:
    """A `rulesets/__init__.py` in the working directory used to hide every built-in."""
    (tmp_path / "rulesets").mkdir()
    (tmp_path / "rulesets" / "__init__.py").write_text("", "utf-8")
    shadow = subprocess.run(
        [sys.executable, "-c", "import rulesets; print(rulesets.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert str(tmp_path) in shadow.stdout, "the local package should shadow `rulesets` here"
    listed = subprocess.run(
        [jixiao_command(), "rulesets"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert listed.returncode == 0, listed.stderr
    assert "project-self-eval" in listed.stdout and "sichuan-10-90" in listed.stdout
    assert str(tmp_path) not in listed.stdout


def test_no_generic_top_level_package_is_installed(tmp_path: Path) -> None:
    for name in ("scoring", "cli", "indicators"):
        probe = subprocess.run(
            [sys.executable, "-c", f"import {name}"], cwd=tmp_path, capture_output=True, text=True
        )
        assert probe.returncode != 0 and "ModuleNotFoundError" in probe.stderr, name
