"""Build hook: a built wheel carries the extraction engine's hot modules compiled with mypyc; an editable
install never does.

Everything else about the package is in pyproject.toml. mypyc turns the type-annotated modules into C
extensions that give exactly what the sources give, about twice as fast (bench/extract_bench.py); the
annotations are enforced at run time, so the engine must type-check (``mypy``, configured in
pyproject.toml; tests/extract/test_compiled.py runs it).

Like black, which compiles only its release wheels, the engine is compiled only where it cannot go stale:

- ``pip install .``, ``pip wheel .`` and the Docker image build a wheel: ``build_ext`` runs mypyc, then
  the C compiler (about 40-60 s on two cores). The wheel holds the compiled modules beside their sources.
- ``pip install -e .`` goes through setuptools' ``editable_wheel``, which marks ``build_ext`` as
  ``editable_mode`` (``setup.py develop`` and ``build_ext --inplace`` set ``inplace``): then nothing is
  compiled, not even mypy runs, and the checkout's sources are what runs. No compiled module is ever
  written into the source tree, so none can outlive an edit of its source.
- ``ENRICHER_PURE_PYTHON=1`` at build time builds a pure-Python wheel (``py3-none-any``).

mypyc and the compiler run inside ``build_ext`` rather than when this file is loaded, so metadata and
sdist builds never run them. A wheel build never fails for the engine's sake: without mypyc or a C
compiler, or if any module fails to compile, the wheel carries none of them and runs the pure-Python
engine (a warning says so; the Docker build and CI refuse such a wheel).
"""

from __future__ import annotations

import os
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

from setuptools import Distribution, setup
from setuptools.command.build_ext import build_ext

ENGINE = Path("service") / "extract"
# The modules a report's reading runs through. The Finding (read by the whole service), the lexicon loader and
# the package's own __init__ and compiled.py stay plain Python.
COMPILED = ("attributes", "context", "levels", "mention", "merge", "phrases", "reader", "roots", "sections",
            "sentences", "stenosis", "tables", "textview", "tokens", "typos")


def pure_python_requested() -> bool:
    return os.environ.get("ENRICHER_PURE_PYTHON") == "1"


def engine_extensions() -> list:
    """mypyc's C extensions for the engine (it type-checks and writes the C sources under build/), or none."""
    try:
        from mypyc.build import mypycify
    except ImportError:
        print("warning: mypyc is not installed: the engine runs as pure Python", file=sys.stderr)
        return []
    try:
        return mypycify([str(ENGINE / f"{name}.py") for name in COMPILED], opt_level="3", multi_file=True,
                        group_name="nerve_root_engine")
    except BaseException as error:  # noqa: BLE001 - mypy exits on a type error: ship pure Python then
        print(f"warning: the engine was not compiled ({error!r}); it runs as pure Python", file=sys.stderr)
        return []


class EngineDistribution(Distribution):
    """Declares the extensions before they are known (mypyc makes them in build_ext), so that a wheel is
    built for this platform and ``build`` runs ``build_ext``."""

    def has_ext_modules(self) -> bool:
        return bool(self.ext_modules) or not pure_python_requested()


class BuildEngine(build_ext):
    """Compiles the engine for a wheel, never for an editable install or an in-place build."""

    def run(self) -> None:
        if self.extensions:  # the list made below, in the command that replaced the first one
            super().run()
            return
        if self.editable_mode or self.inplace:
            print("editable install or in-place build: the engine is not compiled and runs from its sources",
                  file=sys.stderr)
            return
        self.remove_earlier_builds()
        if pure_python_requested():
            return
        self.distribution.ext_modules = engine_extensions()
        if self.distribution.ext_modules:
            # build_ext settles its list of extensions when it is finalized, which may have happened before
            # mypyc ran (egg_info finalizes it): a fresh command takes the list as it is now.
            self.reinitialize_command("build_ext")
            self.run_command("build_ext")

    def remove_earlier_builds(self) -> None:
        """build/ outlives a build: a wheel holds only what this build compiled, never an extension an earlier
        build left there (of a module no longer compiled, or before a build that falls back to pure Python)."""
        suffixes = tuple(EXTENSION_SUFFIXES)
        root = Path(self.build_lib)
        for path in [*root.glob("*__mypyc*"), *(root / ENGINE).glob("*")]:
            if path.name.endswith(suffixes):
                path.unlink()

    def build_extensions(self) -> None:
        try:
            super().build_extensions()
        except Exception as error:  # noqa: BLE001 - any compiler failure means: ship pure Python
            print(f"warning: the engine was not compiled ({error}); it runs as pure Python", file=sys.stderr)
            for extension in self.extensions:
                Path(self.get_ext_fullpath(extension.name)).unlink(missing_ok=True)
            self.extensions = []


setup(distclass=EngineDistribution, cmdclass={"build_ext": BuildEngine})
