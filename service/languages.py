"""Which languages the patient explanation is written in.

Explicit requests (the ``language`` parameter, ``enricher enrich --language``) are honoured in the
order given, each reduced to its primary subtag (``es-MX`` -> ``es``); a language the service has no
templates for falls back to the default. Without an explicit request, the single best supported
language of the ``Accept-Language`` header is used (it states a preference, not a wish for several
versions), else the default.
"""

from __future__ import annotations

from service.explain import resolve_language


def resolve_languages(requested: list[str], accept_language: str | None, default: str = "en") -> list[str]:
    """The supported languages to render, without duplicates, never empty."""
    if requested:
        chosen: list[str] = []
        for tag in requested:
            language = resolve_language(tag) or default
            if language not in chosen:
                chosen.append(language)
        return chosen
    for tag in preferred_languages(accept_language or ""):
        if tag == "*":
            return [default]
        if resolve_language(tag):
            return [resolve_language(tag)]
    return [default]


def preferred_languages(header: str) -> list[str]:
    """The language ranges of an Accept-Language header, best first; q=0 ranges are dropped."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:50]):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(ranked)]
