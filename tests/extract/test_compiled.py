"""The compiled engine (setup.py, service/extract/compiled.py): used only while its sources are the ones it
was compiled from, and it gives exactly what the pure-Python engine gives."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES, FileFinder
from pathlib import Path

import pytest

import service.extract
from service.extract.compiled import STAMP, compiled_modules, stale_modules, use_compiled

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def engine_dir(tmp_path):
    """A directory shaped like the engine package: a source and a (dummy) compiled module beside it."""
    (tmp_path / "reader.py").write_text("VALUE = 1\n", encoding="utf-8")
    (tmp_path / f"reader{EXTENSION_SUFFIXES[0]}").write_bytes(b"")
    (tmp_path / "finding.py").write_text("X = 2\n", encoding="utf-8")
    yield tmp_path
    sys.path_importer_cache.pop(str(tmp_path), None)


def _stamp(directory: Path, **digests) -> None:
    (directory / STAMP).write_text(json.dumps(digests), encoding="utf-8")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_only_modules_with_an_extension_count_as_compiled(engine_dir):
    assert compiled_modules(engine_dir) == {"reader"}


def test_compiled_modules_are_used_while_their_sources_are_unchanged(engine_dir, monkeypatch):
    monkeypatch.delenv("ENRICHER_PURE_PYTHON", raising=False)
    _stamp(engine_dir, reader=_digest(engine_dir / "reader.py"))
    assert stale_modules(engine_dir, {"reader"}) == []
    assert use_compiled(str(engine_dir)) is True
    assert str(engine_dir) not in sys.path_importer_cache


def test_an_edited_source_is_loaded_instead_of_its_stale_compiled_module(engine_dir, monkeypatch):
    monkeypatch.delenv("ENRICHER_PURE_PYTHON", raising=False)
    _stamp(engine_dir, reader=_digest(engine_dir / "reader.py"))
    (engine_dir / "reader.py").write_text("VALUE = 2\n", encoding="utf-8")
    with pytest.warns(RuntimeWarning, match="reader"):
        assert use_compiled(str(engine_dir)) is False
    finder = sys.path_importer_cache[str(engine_dir)]
    assert isinstance(finder, FileFinder)
    assert finder.find_spec("reader").origin == str(engine_dir / "reader.py")


def test_a_missing_stamp_counts_as_stale(engine_dir, monkeypatch):
    monkeypatch.delenv("ENRICHER_PURE_PYTHON", raising=False)
    assert stale_modules(engine_dir, {"reader"}) == ["reader"]
    with pytest.warns(RuntimeWarning):
        assert use_compiled(str(engine_dir)) is False


def test_pure_python_on_request(engine_dir, monkeypatch):
    _stamp(engine_dir, reader=_digest(engine_dir / "reader.py"))
    monkeypatch.setenv("ENRICHER_PURE_PYTHON", "1")
    assert use_compiled(str(engine_dir)) is False
    assert sys.path_importer_cache[str(engine_dir)].find_spec("reader").origin.endswith("reader.py")


def test_continuous_integration_runs_the_compiled_engine():
    if os.environ.get("CI") != "true":
        pytest.skip("outside CI the engine may run pure Python")
    assert service.extract.COMPILED, "CI installs with a C compiler: the tests must exercise the compiled engine"


def test_the_engine_type_checks():
    """mypyc compiles the engine and enforces its annotations at run time, where a wrong one would raise
    TypeError on some report: mypy must find none (configuration in pyproject.toml)."""
    pytest.importorskip("mypy")
    done = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:]


def test_compiled_and_pure_python_engines_give_identical_output(tmp_path):
    """Every report of the corpora and the synthetic texts of bench/extract_equivalence.py, every field."""
    if not service.extract.COMPILED:
        pytest.skip("the engine is not compiled here")
    golden = tmp_path / "pure.json"
    script = str(ROOT / "bench" / "extract_equivalence.py")
    pure = dict(os.environ, ENRICHER_PURE_PYTHON="1")
    done = subprocess.run([sys.executable, script, "record", str(golden)], env=pure, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    compiled = dict(os.environ)
    compiled.pop("ENRICHER_PURE_PYTHON", None)
    done = subprocess.run([sys.executable, script, "compare", str(golden)], env=compiled, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0 and " 0 differ" in done.stdout, done.stdout[-3000:]
