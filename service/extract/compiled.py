"""Whether the engine's modules run compiled, and the run-time switch to their sources.

Only a built wheel carries compiled modules (setup.py: ``pip install .``, ``pip wheel .``, the Docker
image), each beside the source it was compiled from in that same build; an editable install and a checkout
have none and run the sources. ``ENRICHER_PURE_PYTHON=1`` at run time makes an installed wheel load those
sources instead of its compiled modules (at build time it builds a wheel without them). Output is the same
either way.
"""

from __future__ import annotations

import os
import sys
from importlib.machinery import (
    BYTECODE_SUFFIXES, EXTENSION_SUFFIXES, SOURCE_SUFFIXES, FileFinder, SourceFileLoader, SourcelessFileLoader,
)
from pathlib import Path


def has_compiled_modules(directory: Path) -> bool:
    suffixes = tuple(EXTENSION_SUFFIXES)
    return any(path.name.endswith(suffixes) for path in directory.iterdir())


def use_compiled(directory: str) -> bool:
    """Decides, before any engine module is imported, whether the compiled modules of ``directory`` (the
    package's ``__path__`` entry) are used; with ``ENRICHER_PURE_PYTHON=1`` imports from there read the
    sources."""
    if not has_compiled_modules(Path(directory)):
        return False
    if os.environ.get("ENRICHER_PURE_PYTHON") != "1":
        return True
    sys.path_importer_cache[directory] = FileFinder(directory, (SourceFileLoader, SOURCE_SUFFIXES),
                                                    (SourcelessFileLoader, BYTECODE_SUFFIXES))
    return False
