"""Fixtures of the bulk tests: the mixed input folder (bulk_helpers.make_mixed_input) and one Spark
session for all the Spark tests."""

from __future__ import annotations

import os
import sys

import pytest

from bulk_helpers import make_mixed_input


@pytest.fixture()
def mixed_input(tmp_path):
    return make_mixed_input(tmp_path)


@pytest.fixture(scope="session")
def spark():
    """One local[2] session for every Spark test (a JVM takes seconds to start); the runs use it.
    Test modules that use it skip themselves first when pyspark or Java is missing."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    # A JVM that compiles less at start-up: these tests are seconds of work, not hours.
    os.environ.setdefault("PYSPARK_SUBMIT_ARGS",
                          "--driver-java-options '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC' pyspark-shell")
    session = (SparkSession.builder.master("local[2]").appName("enricher-bulk-tests")
               .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .getOrCreate())
    yield session
    session.stop()
