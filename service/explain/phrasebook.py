"""The per-language wording of the explanation, read once from mappings/explain/.

A phrasebook is the parsed ``<language>.yaml``; ``order.yaml`` holds the language-free weights
that put the most serious finding first. Both are cached for the life of the process.
"""

from __future__ import annotations

from functools import cache

import yaml

from service.locations import mappings_dir

MAPPINGS_DIR = mappings_dir() / "explain"
TEMPLATES_DIR = MAPPINGS_DIR / "templates"


@cache
def phrasebook(language: str) -> dict:
    """The wording for one supported language (``"en"``, ``"es"``)."""
    with open(MAPPINGS_DIR / f"{language}.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@cache
def ordering() -> dict:
    """Weights that rank findings from most to least serious."""
    with open(MAPPINGS_DIR / "order.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)
