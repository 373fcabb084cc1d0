"""Whether the engine's modules run compiled (setup.py builds them with mypyc) or as plain Python.

A compiled module is used only when its source is exactly the one it was compiled from: the build records
each source's SHA-256 in ``_compiled.json``. If any source differs (edited after ``pip install -e .``, say),
or ``ENRICHER_PURE_PYTHON=1`` is set, the package's modules load from their sources instead, so an edit
always takes effect; a warning says to reinstall for the compiled speed. Output is the same either way.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import warnings
from importlib.machinery import (
    BYTECODE_SUFFIXES, EXTENSION_SUFFIXES, SOURCE_SUFFIXES, FileFinder, SourceFileLoader, SourcelessFileLoader,
)
from pathlib import Path

STAMP = "_compiled.json"


def compiled_modules(directory: Path) -> set[str]:
    """Names of the modules in ``directory`` that have a compiled extension beside them."""
    suffixes = tuple(EXTENSION_SUFFIXES)
    return {path.name.split(".", 1)[0] for path in directory.iterdir() if path.name.endswith(suffixes)}


def stale_modules(directory: Path, names: set[str]) -> list[str]:
    """The compiled modules whose source is not the one recorded when they were compiled."""
    try:
        recorded = json.loads((directory / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        recorded = {}
    stale = []
    for name in sorted(names):
        source = directory / f"{name}.py"
        digest = hashlib.sha256(source.read_bytes()).hexdigest() if source.exists() else None
        if digest is None or recorded.get(name) != digest:
            stale.append(name)
    return stale


def use_compiled(directory: str) -> bool:
    """Decides, before any engine module is imported, whether the compiled modules of ``directory`` (the
    package's ``__path__`` entry) are used; if not, imports from there read the sources."""
    here = Path(directory)
    names = compiled_modules(here)
    if not names:
        return False
    if os.environ.get("ENRICHER_PURE_PYTHON") == "1":
        stale = []
    else:
        stale = stale_modules(here, names)
        if not stale:
            return True
        warnings.warn(f"the compiled engine modules {', '.join(stale)} were compiled from other sources: "
                      f"running the pure-Python engine (reinstall with pip install -e . to compile again)",
                      RuntimeWarning, stacklevel=3)
    sys.path_importer_cache[directory] = FileFinder(directory, (SourceFileLoader, SOURCE_SUFFIXES),
                                                    (SourcelessFileLoader, BYTECODE_SUFFIXES))
    return False
