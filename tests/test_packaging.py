"""A normal (non-editable) install works: the wheel carries mappings/ and openapi.yaml, and
``enricher extract`` from it, outside the source tree, gives what the source tree gives."""

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
def installed(tmp_path_factory) -> Path:
    """A wheel built from a copy of the sources, installed into a new virtual environment whose only
    other content is the dependencies of the test environment (never the source tree)."""
    work = tmp_path_factory.mktemp("packaging")
    source = work / "source"
    source.mkdir()
    for name in SOURCES:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.so", "_compiled.json"))
        else:
            shutil.copy2(origin, source / name)
    wheels = work / "wheels"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(wheels), str(source)], work)
    (wheel,) = wheels.glob("*.whl")

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


def run(command: list[str], cwd: Path) -> str:
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}  # never the sources
    done = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])
    return done.stdout


def test_wheel_carries_the_data_files(installed):
    wheel_files = {name for wheel in (installed.parent / "wheels").glob("*.whl")
                   for name in zipfile.ZipFile(wheel).namelist()}
    assert "service/openapi/openapi.yaml" in wheel_files
    for path in (p for p in (ROOT / "mappings").rglob("*") if p.is_file() and not p.name.startswith(".")):
        assert f"service/{path.relative_to(ROOT).as_posix()}" in wheel_files


def test_the_wheel_carries_the_compiled_engine_where_a_compiler_is(installed, tmp_path):
    if shutil.which("cc") is None and os.environ.get("CI") != "true":
        pytest.skip("no C compiler: the wheel holds the pure-Python engine")
    wheel_files = {name for wheel in (installed.parent / "wheels").glob("*.whl")
                   for name in zipfile.ZipFile(wheel).namelist()}
    assert "service/extract/_compiled.json" in wheel_files
    assert any(name.startswith("service/extract/reader.") and name.endswith(".so") for name in wheel_files)
    assert any(name.startswith("nerve_root_engine__mypyc.") for name in wheel_files)  # mypyc's shared part
    assert "service/extract/reader.py" in wheel_files  # the sources travel too
    compiled = run([str(installed / "bin" / "python"), "-W", "error", "-c",
                    "import service.extract as e; print(e.COMPILED)"], tmp_path)
    assert compiled.strip() == "True"


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
