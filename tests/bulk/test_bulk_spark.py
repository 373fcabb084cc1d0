"""``enricher bulk --spark`` in Spark's local mode (``local[2]``): the same files as the local run, from
the start and from a resume point. Needs pyspark (the ``spark`` extra) and Java 17 or newer; both are
installed by .ci/run, where these tests never skip."""

from __future__ import annotations

import logging
import os
import re
import shutil

import pytest

from bulk_helpers import TRANSACTION_TIME, output_files
from service.bulk import Options, run

MISSING = None
try:
    import pyspark  # noqa: F401
except ImportError:
    MISSING = "pyspark is not installed (pip install -e '.[spark]')"
if MISSING is None and shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    MISSING = "no Java (apt-get install openjdk-17-jre-headless)"
if MISSING and os.environ.get("CI") != "true":
    pytest.skip(MISSING, allow_module_level=True)
if MISSING:
    pytest.fail(f"{MISSING}: .ci/run installs it", pytrace=False)


def test_spark_writes_what_the_local_run_writes(spark, mixed_input, tmp_path, monkeypatch, caplog):
    # Pieces of 1 KB: the plain file is cut in several places, the .gz file is one piece.
    monkeypatch.setattr("service.bulk.spark.PIECE_BYTES", 1024)
    caplog.set_level(logging.INFO, logger="enricher.bulk")
    local = run(Options(str(mixed_input), str(tmp_path / "local"), workers=1, transaction_time=TRANSACTION_TIME))
    on_spark = run(Options(str(mixed_input), str(tmp_path / "spark"), spark=True, master="local[2]",
                           transaction_time=TRANSACTION_TIME))
    assert output_files(tmp_path / "spark") == output_files(tmp_path / "local")
    assert (on_spark.reports, on_spark.findings, on_spark.errors) == (local.reports, local.findings, local.errors)
    assert spark.sparkContext.master == "local[2]"
    assert not (tmp_path / "spark" / ".enricher-bulk-parts").exists()
    # The engine is loaded once per Python worker (two in local[2]; none if earlier tests warmed them),
    # not once per piece.
    found = re.search(r"Spark enriched (\d+) pieces in [\d.]+ s, loading the engine (\d+) times", caplog.text)
    assert found and int(found[2]) <= 2 < int(found[1]), caplog.text


def test_spark_resumes_a_stopped_local_run(spark, mixed_input, tmp_path, monkeypatch):
    from service.bulk.output import OutputFolder

    run(Options(str(mixed_input), str(tmp_path / "whole"), workers=1, transaction_time=TRANSACTION_TIME))
    write = OutputFolder.write

    def write_then_stop(folder, file, number, output):
        write(folder, file, number, output)
        if (file, number) == (1, 3):  # the third line of the second file
            raise KeyboardInterrupt

    monkeypatch.setattr(OutputFolder, "write", write_then_stop)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        run(Options(str(mixed_input), str(out), workers=1, transaction_time=TRANSACTION_TIME, checkpoint_seconds=0))
    monkeypatch.setattr(OutputFolder, "write", write)
    resumed = run(Options(str(mixed_input), str(out), resume=True, spark=True, master="local[2]"))
    assert output_files(out) == output_files(tmp_path / "whole")
    assert resumed.reports == 25
