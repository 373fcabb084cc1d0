"""A normal (non-editable) install works: the wheel carries mappings/ and openapi.yaml, and
``enricher extract`` from it, outside the source tree, gives what the source tree gives. Where a C compiler
is (always in CI) the wheel carries the compiled engine, which runs there and gives exactly what the wheel's
pure-Python engine gives.

The wheel is built here from a copy of the sources (about a minute: mypyc and the C compiler), or taken from
``ENRICHER_WHEEL`` (a wheel built from this checkout: .ci/run builds it once with ``pip wheel``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "setup.py", "README.md", "openapi.yaml", "service", "mappings")
TEXTS = [
    {"id": "a", "text": "L4-L5: Right paracentral disc protrusion compresses the traversing right L5 nerve root."},
    {"id": "b", "text": "IMPRESSION: No foraminal stenosis. Mild canal stenosis at L3-4."},
]


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_package_of_the_source_tree_is_listed():
    listed = set(pyproject()["tool"]["setuptools"]["packages"])
    in_tree = {".".join(path.parent.relative_to(ROOT).parts) for path in (ROOT / "service").rglob("__init__.py")}
    mapping_dirs = {"service.mappings" + "".join(f".{part}" for part in path.relative_to(ROOT / "mappings").parts)
                    for path in [ROOT / "mappings", *(p for p in (ROOT / "mappings").rglob("*") if p.is_dir())]}
    assert in_tree | mapping_dirs | {"service.openapi"} == listed


def test_every_mappings_file_is_package_data():
    patterns = pyproject()["tool"]["setuptools"]["package-data"]
    for path in (p for p in (ROOT / "mappings").rglob("*") if p.is_file() and not p.name.startswith(".")):
        package = ".".join(("service", *path.parent.relative_to(ROOT).parts))
        assert any(path.match(pattern) for pattern in patterns.get(package, [])), path


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel under test: ``ENRICHER_WHEEL``, or one built from a copy of the sources (never the tree
    itself, so no build output lands in the checkout)."""
    given = os.environ.get("ENRICHER_WHEEL")
    if given:
        wheel = Path(given)
        with zipfile.ZipFile(wheel) as archive:
            names = [path.relative_to(ROOT).as_posix() for path in sorted((ROOT / "service").rglob("*.py"))]
            differ = [name for name in names
                      if name not in archive.namelist() or archive.read(name) != (ROOT / name).read_bytes()]
        assert differ == [], f"ENRICHER_WHEEL was built from other sources than this checkout's: {differ}"
        return wheel
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in SOURCES:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.so"))
        else:
            shutil.copy2(origin, source / name)
    wheels = work / "wheels"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(wheels), str(source)], work,
        timeout=600)
    (built,) = wheels.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """The wheel installed into a new virtual environment whose only other content is the dependencies of the
    test environment (never the source tree)."""
    work = tmp_path_factory.mktemp("packaging")
    venv = work / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], work)
    python = venv / "bin" / "python"
    site_packages = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             work).strip())
    # The dependencies come from this environment's site-packages, added as a plain path: its .pth
    # files (the editable install of the source tree among them) are not processed from there.
    (site_packages / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet", str(wheel)], work)
    return venv


def run(command: list[str], cwd: Path, timeout: int = 120, pure_python: bool = False) -> str:
    environment = {name: value for name, value in os.environ.items()
                   if name not in ("PYTHONPATH", "ENRICHER_PURE_PYTHON")}  # never the sources
    if pure_python:
        environment["ENRICHER_PURE_PYTHON"] = "1"
    done = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])
    return done.stdout


def wheel_files(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def compiler_expected() -> bool:
    return shutil.which("cc") is not None or os.environ.get("CI") == "true"


def test_wheel_carries_the_data_files(wheel):
    files = wheel_files(wheel)
    assert "service/openapi/openapi.yaml" in files
    for path in (p for p in (ROOT / "mappings").rglob("*") if p.is_file() and not p.name.startswith(".")):
        assert f"service/{path.relative_to(ROOT).as_posix()}" in files


def test_the_wheel_carries_the_compiled_engine_where_a_compiler_is(wheel, installed, tmp_path):
    """In CI (CI=true) the compiled engine must be there and run: the editable install the other tests use
    runs the pure-Python engine, so this wheel is where the compiled one is tested."""
    if not compiler_expected():
        pytest.skip("no C compiler: the wheel holds the pure-Python engine")
    files = wheel_files(wheel)
    assert any(name.startswith("service/extract/reader.") and name.endswith(".so") for name in files)
    assert any(name.startswith("nerve_root_engine__mypyc.") for name in files)  # mypyc's shared part
    assert "service/extract/reader.py" in files  # the sources travel too
    compiled = run([str(installed / "bin" / "python"), "-W", "error", "-c",
                    "import service.extract as e; print(e.COMPILED)"], tmp_path)
    assert compiled.strip() == "True"
    pure = run([str(installed / "bin" / "python"), "-W", "error", "-c",
                "import service.extract as e, service.extract.reader as r; print(e.COMPILED, r.__file__)"],
               tmp_path, pure_python=True)
    flag, origin = pure.split()
    assert flag == "False" and origin.endswith("/service/extract/reader.py")


def test_the_compiled_engine_gives_what_the_pure_python_engine_gives(wheel, installed, tmp_path):
    """Every report of the corpora and the synthetic texts of bench/extract_equivalence.py, every field: the
    wheel's engine run from its sources (ENRICHER_PURE_PYTHON=1), then compiled."""
    if not any(name.endswith(".so") for name in wheel_files(wheel)):
        pytest.skip("the wheel holds no compiled engine")  # in CI the test above fails then
    python, script, golden = str(installed / "bin" / "python"), str(ROOT / "bench" / "extract_equivalence.py"), \
        str(tmp_path / "pure.json")
    recorded = run([python, script, "--installed", "record", golden], tmp_path, timeout=300, pure_python=True)
    assert recorded.startswith(f"engine: pure Python, {installed}"), recorded
    compared = run([python, script, "--installed", "compare", golden], tmp_path, timeout=300)
    assert compared.startswith(f"engine: compiled, {installed}"), compared
    assert " 0 differ" in compared, compared[-3000:]


def test_installed_enricher_extract_works_outside_the_source_tree(installed, tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(row) + "\n" for row in TEXTS), encoding="utf-8")
    where = run([str(installed / "bin" / "python"), "-c",
                 "import service, service.locations as l; print(service.__file__); print(l.mappings_dir())"], tmp_path)
    package_file, mappings = where.split()
    assert Path(package_file).is_relative_to(installed) and Path(mappings).is_relative_to(installed)

    output = run([str(installed / "bin" / "enricher"), "extract", str(corpus)], tmp_path)
    lines = [json.loads(line) for line in output.splitlines()]
    assert [line["id"] for line in lines] == ["a", "b"]
    assert lines[0]["findings"], "the installed engine finds the compressed root"

    from service import extract_findings

    assert [line["findings"] for line in lines] == [extract_findings(row["text"]) for row in TEXTS]


def test_installed_service_serves_its_openapi_and_mappings_digest(installed, tmp_path):
    script = ("from service import create_app; from service.terminology import mappings_digest; "
              "c = create_app().test_client(); r = c.get('/openapi.yaml'); "
              "print(r.status_code, len(r.data), mappings_digest())")
    status, size, digest = run([str(installed / "bin" / "python"), "-c", script], tmp_path).split()
    from service.terminology import mappings_digest

    assert status == "200" and int(size) == len((ROOT / "openapi.yaml").read_bytes())
    assert digest == mappings_digest()
