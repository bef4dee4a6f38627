"""One local SparkSession for the whole test session (local[2], small shuffles, no UI).

Without pyspark or Java the Spark tests skip on a developer's machine, naming the install
commands; under CI (`CI` set) they fail: `.ci/run` installs OpenJDK 17 and the dev extra
holds pyspark.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from jixiao.scoring import api


def require_spark() -> None:
    """Skip (fail under CI) when the Spark engine cannot run here."""
    missing = api.spark_missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"the Spark tests must run in CI: {missing}")
        pytest.skip(missing)


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    require_spark()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("jixiao tests")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
