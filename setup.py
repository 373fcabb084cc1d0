"""Build hook: compiles the extraction engine's hot modules with mypyc, when a C compiler is at hand.

Everything else about the package is in pyproject.toml. mypyc turns the type-annotated modules into C
extensions that give exactly what the sources give, about twice as fast (bench/extract_bench.py); the
annotations are enforced at run time, so the engine must type-check (``mypy``, configured in
pyproject.toml; tests/extract/test_compiled.py runs it). The build is all or nothing and never fatal:
if any module fails to compile, none is installed and the package runs its pure-Python modules.
``ENRICHER_PURE_PYTHON=1`` at build time skips compiling altogether.

Next to the compiled modules the build writes ``_compiled.json``: the SHA-256 of each module's source as
compiled. service/extract/compiled.py compares it at import, so a source edited after the build is never
shadowed by its stale compiled module.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

ENGINE = Path("service") / "extract"
# The modules a report's reading runs through. The Finding (read by the whole service), the lexicon loader and
# the package's own __init__ and compiled.py stay plain Python.
COMPILED = ("attributes", "context", "levels", "mention", "merge", "phrases", "reader", "roots", "sections",
            "sentences", "stenosis", "tables", "textview", "tokens", "typos")
STAMP = "_compiled.json"


def source_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class BuildEngine(build_ext):
    """Builds every extension or none, then records the sources the engine's modules were compiled from."""

    def build_extension(self, ext) -> None:
        # mypyc puts the engine into one extension of many C files (multi_file); compile them side by side.
        compile_serially = self.compiler.compile

        def compile_in_parallel(sources, *args, **kwargs):
            with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
                objects = pool.map(lambda source: compile_serially([source], *args, **kwargs), sources)
                return [name for names in objects for name in names]

        self.compiler.compile = compile_in_parallel
        try:
            super().build_extension(ext)
        finally:
            self.compiler.compile = compile_serially

    def build_extensions(self) -> None:
        try:
            super().build_extensions()
        except Exception as error:  # noqa: BLE001 - any compiler failure means: ship pure Python
            print(f"warning: the engine was not compiled ({error}); it runs as pure Python", file=sys.stderr)
            for extension in self.extensions:
                Path(self.get_ext_fullpath(extension.name)).unlink(missing_ok=True)
            self.extensions = []

    def run(self) -> None:
        super().run()
        engine = [e for e in self.extensions if e.name.startswith("service.extract.")]
        if not engine:
            return
        built = {e.name.rsplit(".", 1)[-1]: source_digest(ENGINE / (e.name.rsplit(".", 1)[-1] + ".py"))
                 for e in engine}
        target = Path(self.get_ext_fullpath(engine[0].name)).parent / STAMP
        target.write_text(json.dumps(built, indent=1, sort_keys=True) + "\n", encoding="utf-8")


_BUILDS = {"build", "build_ext", "bdist_wheel", "editable_wheel", "install", "develop"}


def extensions() -> list:
    if os.environ.get("ENRICHER_PURE_PYTHON") == "1":
        return []
    if _BUILDS.isdisjoint(sys.argv[1:]):
        return []  # metadata only (egg_info, sdist): no need to run mypy
    try:
        from mypyc.build import mypycify
    except ImportError:
        return []
    try:
        return mypycify([str(ENGINE / f"{name}.py") for name in COMPILED], opt_level="3", multi_file=True,
                        group_name="nerve_root_engine")
    except BaseException as error:  # noqa: BLE001 - mypy exits on a type error: ship pure Python then
        print(f"warning: the engine was not compiled ({error!r}); it runs as pure Python", file=sys.stderr)
        return []


setup(ext_modules=extensions(), cmdclass={"build_ext": BuildEngine})
