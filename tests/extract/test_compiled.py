"""The compiled engine (setup.py, service/extract/compiled.py): compiled modules exist only in a built wheel,
never in the source tree an editable install runs; ``ENRICHER_PURE_PYTHON=1`` makes a wheel run its sources;
the engine type-checks, as mypyc requires. That a wheel's compiled engine gives exactly what its sources give
is tested on a built wheel, in tests/test_packaging.py."""

from __future__ import annotations

import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES, FileFinder
from pathlib import Path

import pytest

import service.extract
from service.extract.compiled import has_compiled_modules, use_compiled

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "service" / "extract"


@pytest.fixture
def engine_dir(tmp_path):
    """A directory shaped like the engine package of a wheel: a source and a (dummy) compiled module beside it."""
    (tmp_path / "reader.py").write_text("VALUE = 1\n", encoding="utf-8")
    (tmp_path / f"reader{EXTENSION_SUFFIXES[0]}").write_bytes(b"")
    (tmp_path / "finding.py").write_text("X = 2\n", encoding="utf-8")
    yield tmp_path
    sys.path_importer_cache.pop(str(tmp_path), None)


def test_the_source_tree_holds_no_compiled_module():
    """An editable install runs the checkout's sources: no build writes a compiled module there, so an edit
    always takes effect. (A checkout installed editable before wheels alone were compiled may still hold
    service/extract/*.so from then: delete them.)"""
    leftovers = sorted(path.name for path in ENGINE.iterdir() if path.name.endswith(tuple(EXTENSION_SUFFIXES)))
    assert leftovers == [], f"compiled modules in the source tree, delete them: {leftovers}"
    assert not has_compiled_modules(ENGINE)


def test_the_engine_run_from_the_source_tree_is_pure_python():
    if Path(service.extract.__file__).resolve().parent != ENGINE:
        pytest.skip("these tests run against an installed wheel, not the source tree")
    assert service.extract.COMPILED is False


def test_a_package_without_compiled_modules_runs_its_sources(tmp_path, monkeypatch):
    monkeypatch.delenv("ENRICHER_PURE_PYTHON", raising=False)
    (tmp_path / "reader.py").write_text("VALUE = 1\n", encoding="utf-8")
    assert use_compiled(str(tmp_path)) is False
    assert str(tmp_path) not in sys.path_importer_cache


def test_a_wheel_runs_its_compiled_modules(engine_dir, monkeypatch):
    monkeypatch.delenv("ENRICHER_PURE_PYTHON", raising=False)
    assert use_compiled(str(engine_dir)) is True
    assert str(engine_dir) not in sys.path_importer_cache


def test_pure_python_on_request_loads_the_sources_beside_the_compiled_modules(engine_dir, monkeypatch):
    monkeypatch.setenv("ENRICHER_PURE_PYTHON", "1")
    assert use_compiled(str(engine_dir)) is False
    finder = sys.path_importer_cache[str(engine_dir)]
    assert isinstance(finder, FileFinder)
    assert finder.find_spec("reader").origin == str(engine_dir / "reader.py")


def test_the_engine_type_checks():
    """mypyc compiles the engine and enforces its annotations at run time, where a wrong one would raise
    TypeError on some report: mypy must find none (configuration in pyproject.toml)."""
    pytest.importorskip("mypy")
    done = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:]
