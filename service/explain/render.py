"""The Jinja2 environment that turns an explanation's content into HTML and plain text.

Built once per process. HTML and SVG templates are autoescaped; the plain-text template is not.
Templates live in mappings/explain/templates/ so the layout is edited beside the wording.

The fixed end of a page (what matters, when to get help, treatment: ``tail.*.j2``) depends only on
the language and the warning signs shown, so it is rendered once per process for each and reused:
escaping that static text was most of the rendering time.
"""

from __future__ import annotations

from functools import cache, lru_cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape
from jinja2.runtime import Context, Macro
from markupsafe import Markup

from service.explain.phrasebook import TEMPLATES_DIR


try:  # markupsafe >= 3: the C escaping behind markupsafe.escape, without the Markup around it
    from markupsafe import _escape_inner
except ImportError:  # pragma: no cover - older markupsafe: Jinja's own escape is used
    _escape_inner = None


def _escape(value) -> str:
    """markupsafe.escape's text, as a plain str: what a template writes (``{{ x }}``) is joined into the
    page at once, so the Markup object Jinja's escape builds around each piece is never needed. Markup
    (a macro's result, the pre-rendered tail) is written as it is, as markupsafe does."""
    if type(value) is str:
        return _escape_inner(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return _escape_inner(str(value))


class _Macro(Macro):
    """Jinja's macro, called the short way when a template calls it as ours do: every parameter given by
    position, no keywords, no ``caller``, no catch-all. Jinja's own call (``Context.call`` and
    ``Macro.__call__``) binds the arguments for every form a call may take, about half of the cost of a
    ``report_words(quote)`` that writes one line; any other form of call still goes that way."""

    def call_simply(self, autoescape: bool, args: tuple):
        if len(args) != self._argument_count or self.caller or self.catch_kwargs or self.catch_varargs \
                or self._environment.is_async:
            return None
        written = self._func(*args)
        return Markup(written) if autoescape else written


class _Context(Context):
    """The template context: a call of one of our macros with positional arguments only skips the generic
    argument binding (``_Macro``); everything else is Jinja's ``Context.call``."""

    def call(__self, __obj, *args, **kwargs):  # noqa: N805 - Jinja's own signature
        if type(__obj) is _Macro and not kwargs.keys() - _LOOP_KEYWORDS:
            written = __obj.call_simply(__self.eval_ctx.autoescape, args)
            if written is not None:
                return written
        return Context.call(__self, __obj, *args, **kwargs)


_LOOP_KEYWORDS = frozenset(("_loop_vars", "_block_vars"))  # what compiled templates pass besides the arguments


class _Template(Template):
    """A compiled template whose ``{{ x }}`` escapes with ``_escape`` (same text; a third of the HTML
    rendering time was building Markup objects) and whose macros are ``_Macro``s."""

    @classmethod
    def from_code(cls, environment, code, globals, uptodate=None):
        template = super().from_code(environment, code, globals, uptodate)
        namespace = template.root_render_func.__globals__  # the module namespace of the template
        if _escape_inner is not None and "escape" in namespace:
            namespace["escape"] = _escape
        if namespace.get("Macro") is Macro:
            namespace["Macro"] = _Macro
        return template


class _Environment(Environment):
    """Jinja's environment, with a faster lookup of ``a.b`` on a dict.

    Jinja tries ``getattr`` first and the item second, so each ``book.headings.main`` on the phrasebook's
    dicts raised and caught an AttributeError per step. A dict's key is looked up first here; what it
    does not hold goes on as in Jinja. Only a key named like a dict method (``items``, ``get``) would
    read otherwise, and the templates use none.
    """

    def getattr(self, obj, attribute):
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        else:
            try:  # Jinja's first try, without the call into it (a picture's steps, a loop's index)
                return getattr(obj, attribute)
            except AttributeError:
                pass
        return Environment.getattr(self, obj, attribute)

    template_class = _Template
    context_class = _Context


@cache
def environment() -> Environment:
    # Templates are read once: no file check on every render (auto_reload).
    return _Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        auto_reload=False,
        autoescape=select_autoescape(enabled_extensions=("html.j2", "svg.j2"), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


@lru_cache(maxsize=64)
def _tail(template: str, lang: str, cord_signs: bool, cauda_signs: bool, beyond: bool = False,
          infection_signs: bool = False) -> str:
    from service.explain.phrasebook import phrasebook

    context = {"book": phrasebook(lang), "cord_signs": cord_signs, "cauda_signs": cauda_signs, "beyond": beyond,
               "infection_signs": infection_signs}
    return environment().get_template(template).render(context)


def _with_tail(context: dict, template: str) -> dict:
    return {**context, "tail": _tail(template, context["lang"], context["cord_signs"], context["cauda_signs"],
                                     context["serious_mentions"], context["infection_signs"])}


def render_html(context: dict) -> str:
    tail = Markup(_tail("tail.html.j2", context["lang"], context["cord_signs"], context["cauda_signs"],
                        context["serious_mentions"], context["infection_signs"]))
    return environment().get_template("fragment.html.j2").render({**context, "tail": tail}).strip() + "\n"


def render_text(context: dict) -> str:
    text = environment().get_template("explanation.txt.j2").render(_with_tail(context, "tail.txt.j2"))
    lines = [line.rstrip() for line in text.strip().splitlines()]
    # Collapse the blank runs that template blocks leave behind.
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out) + "\n"
