"""The Jinja2 environment that turns an explanation's content into HTML and plain text.

Built once per process. HTML and SVG templates are autoescaped; the plain-text template is not.
Templates live in mappings/explain/templates/ so the layout is edited beside the wording.
"""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from service.explain.phrasebook import TEMPLATES_DIR


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(enabled_extensions=("html.j2", "svg.j2"), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def render_html(context: dict) -> str:
    return environment().get_template("fragment.html.j2").render(context).strip() + "\n"


def render_text(context: dict) -> str:
    text = environment().get_template("explanation.txt.j2").render(context)
    lines = [line.rstrip() for line in text.strip().splitlines()]
    # Collapse the blank runs that template blocks leave behind.
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out) + "\n"
