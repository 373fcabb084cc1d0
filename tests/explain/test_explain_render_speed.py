"""The faster rendering (service/explain/render.py) writes exactly what stock Jinja2 writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from service.explain import render
from service.explain.phrasebook import TEMPLATES_DIR
from service.extract import extract_findings


OWN_CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "own.jsonl"


class Html:
    def __html__(self):
        return "<b>kept</b>"


@pytest.mark.parametrize("value", ["plain", "<a href=\"x\">'&'</a>", "", "ünï ✓", Markup("<i>safe</i>"), 42, 2.5,
                                   None, Html()])
def test_escape_writes_what_markupsafe_writes(value):
    assert render._escape(value) == str(escape(value))


def stock_environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES_DIR), undefined=StrictUndefined, trim_blocks=True,
                       lstrip_blocks=True, keep_trailing_newline=False,
                       autoescape=select_autoescape(enabled_extensions=("html.j2", "svg.j2"), default_for_string=True))


def contexts(language: str):
    """The context of every page of the repository's own corpus, as explain() hands it to the templates."""
    import service.explain as explain_module

    seen = []
    real = explain_module.render_html
    explain_module.render_html = lambda context: seen.append(context) or real(context)
    try:
        for line in OWN_CORPUS.read_text(encoding="utf-8").splitlines()[:40]:
            text = json.loads(line)["text"]
            explain_module.explain(extract_findings(text), language, text=text)
    finally:
        explain_module.render_html = real
    return seen


@pytest.mark.parametrize("language", ["en", "es"])
def test_pages_are_what_stock_jinja_renders(language):
    stock = stock_environment()
    pages = contexts(language)
    assert len(pages) >= 30
    for context in pages:
        tail = Markup(stock.get_template("tail.html.j2").render(
            {"book": context["book"], "cord_signs": context["cord_signs"], "cauda_signs": context["cauda_signs"],
             "beyond": context["serious_mentions"], "infection_signs": context["infection_signs"]}))
        expected = stock.get_template("fragment.html.j2").render({**context, "tail": tail}).strip() + "\n"
        assert render.render_html(context) == expected


MACRO_CALLS = [
    "{% macro m(a) %}[{{ a }}]{% endmacro %}{{ m('<x>') }}{% for i in [1, 2] %}{{ m(i) }}{% endfor %}",
    "{% macro m(a, b='d') %}{{ a }}{{ b }}{% endmacro %}{{ m('x') }}{{ m('x', 'y') }}{{ m(a='k') }}{{ m('x', b='<z>') }}",
    "{% macro m() %}{{ varargs | join(',') }}{{ kwargs | dictsort }}{% endmacro %}{{ m(1, 2, k='v') }}",
    "{% macro m(a) %}<{{ a }}|{{ caller() }}>{% endmacro %}{% call m('x') %}in <b>{% endcall %}",
    "{% macro m(a) %}{{ a }}{% endmacro %}{% set n = namespace(v=m('<&>')) %}{{ n.v }}{{ m('a') | length }}",
]


@pytest.mark.parametrize("source", MACRO_CALLS)
@pytest.mark.parametrize("autoescape", [True, False])
def test_macro_calls_write_what_stock_jinja_writes(source, autoescape):
    """Macros called by position only take the short way (render._Macro); every other call Jinja's own."""
    ours = render.environment().overlay(autoescape=autoescape)
    stock = stock_environment().overlay(autoescape=autoescape)
    assert ours.from_string(source).render() == stock.from_string(source).render()


def test_a_macro_with_too_many_arguments_fails_as_in_jinja():
    with pytest.raises(TypeError):
        render.environment().from_string("{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, 2) }}").render()
