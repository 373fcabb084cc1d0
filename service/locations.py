"""Where the service's data files are: the one place every loader asks.

``mappings/`` (clinical knowledge: lexicon, code maps, explanation texts and templates) and
``openapi.yaml`` live at the top of the repository. A wheel carries them inside the package, as
``service/mappings/`` and ``service/openapi/openapi.yaml`` (pyproject.toml maps them there); a
source checkout or an editable install reads them where they are.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def mappings_dir() -> Path:
    """The ``mappings`` directory: inside the installed package, else at the top of the source tree."""
    installed = _PACKAGE / "mappings"
    return installed if installed.is_dir() else _PACKAGE.parent / "mappings"


def openapi_path() -> Path:
    """The OpenAPI description: inside the installed package, else at the top of the source tree."""
    installed = _PACKAGE / "openapi" / "openapi.yaml"
    return installed if installed.is_file() else _PACKAGE.parent / "openapi.yaml"


__all__ = ["mappings_dir", "openapi_path"]
