"""Build hook: compiles the extraction engine's hot modules with Cython, when a C compiler is at hand.

Everything else about the package is in pyproject.toml. The modules compile unchanged (plain Python
semantics: annotations are not taken as C types), so the compiled engine gives exactly what the source
gives, only faster (see bench/extract_bench.py). A failed compile is not fatal: the package then runs
its pure-Python modules. ``ENRICHER_PURE_PYTHON=1`` at build time skips compiling altogether.

Next to the compiled modules the build writes ``_compiled.json``: the SHA-256 of each module's source as
compiled. service/extract/compiled.py compares it at import, so a source edited after the build is
never shadowed by its stale compiled module.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

ENGINE = Path("service") / "extract"
# The modules a report's reading runs through. Data definitions (finding, mention), the lexicon loader and
# the package's own __init__ and compiled.py stay plain Python.
COMPILED = ("attributes", "context", "levels", "merge", "phrases", "reader", "roots", "sections", "sentences",
            "stenosis", "tables", "textview", "tokens", "typos")
STAMP = "_compiled.json"


def source_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class BuildEngine(build_ext):
    """Builds the extensions in parallel, then records the sources they were compiled from."""

    def finalize_options(self) -> None:
        super().finalize_options()
        if self.parallel is None:
            self.parallel = os.cpu_count() or 1

    def run(self) -> None:
        super().run()
        built = {}
        for extension in self.extensions:
            name = extension.name.rsplit(".", 1)[-1]
            if os.path.exists(self.get_ext_fullpath(extension.name)):
                built[name] = source_digest(ENGINE / f"{name}.py")
        if not self.extensions:
            return
        target = Path(self.get_ext_fullpath(self.extensions[0].name)).parent / STAMP
        target.write_text(json.dumps(built, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def extensions() -> list:
    if os.environ.get("ENRICHER_PURE_PYTHON") == "1":
        return []
    try:
        from Cython.Build import cythonize
        from setuptools import Extension
    except ImportError:
        return []
    modules = [Extension(f"service.extract.{name}", [str(ENGINE / f"{name}.py")], optional=True)
               for name in COMPILED]
    return cythonize(modules, quiet=True, nthreads=os.cpu_count() or 1, build_dir="build/cython",
                     compiler_directives={"language_level": 3, "annotation_typing": False})


setup(ext_modules=extensions(), cmdclass={"build_ext": BuildEngine})
