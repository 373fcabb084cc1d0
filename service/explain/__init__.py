"""Patient explanation: findings -> plain-language HTML fragment and plain text, per language.

SEAM (owned by the explanation work):
    explain(findings: list[Finding], language: str = "en") -> Explanation | None
Returns None when there is nothing to explain (no findings at all).
``Explanation.finding_sentences[i]`` is the patient sentence for ``findings[i]``; the FHIR
side puts it in that finding's Observation.note.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Explanation:
    language: str          # BCP-47 code actually rendered ("en", "es")
    title: str             # attachment title, in that language
    html: str              # a self-contained HTML fragment (no scripts, no external resources)
    text: str              # plain-text version with the same content
    finding_sentences: list[str] = field(default_factory=list)


SUPPORTED_LANGUAGES = ("en", "es")


def explain(findings, language: str = "en") -> Explanation | None:
    raise NotImplementedError("explanation not built yet")
