"""Views of the report with the same length as the input, so every offset found in them indexes the input.

The plain view folds the many Unicode dashes and spaces into '-' and ' ', and blanks out
HTML/XHTML tags and entities (block tags become line breaks) so that narrative XHTML reads as text;
the scan view is the plain view in ASCII lower case, which is what the lexicon patterns read.
"""

from __future__ import annotations

import re

_LOWER = {ord(c): c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
_FOLD = {}
_FOLD.update({ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"})
_FOLD.update({ord(c): " " for c in "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
              "\u200a\u202f\u205f\u3000\t\r\f\v\u200b\ufeff"})
_FOLD.update({ord(c): "'" for c in "\u2018\u2019\u201a\u201b\u2032"})
_FOLD.update({ord(c): '"' for c in "\u201c\u201d\u201e\u2033"})
_FOLD.update({ord("\u2028"): "\n", ord("\u2029"): "\n", ord("\u0085"): "\n", ord("\uff1a"): ":", ord("\uff1b"): ";"})
_FOLD.update({ord("\u2265"): ">", ord("\u2264"): "<"})

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]{0,10})\b[^<>]{0,500}>|<!--[^<>]{0,2000}-->")
_BLOCK = frozenset({"p", "div", "br", "li", "ul", "ol", "tr", "td", "th", "table", "h1", "h2", "h3", "h4", "h5",
                    "h6", "section", "article", "blockquote", "pre", "dt", "dd", "hr", "caption", "thead", "tbody"})
_ENTITY = re.compile(r"&(#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,10});")
_ENTITY_CHAR = {"gt": ">", "lt": "<", "amp": "&", "#62": ">", "#60": "<", "#38": "&", "quot": '"', "apos": "'"}


def _blank_tag(match: re.Match) -> str:
    length = match.end() - match.start()
    name = (match.group(2) or "").lower()
    if name in _BLOCK:
        return "\n" + " " * (length - 1)
    return " " * length


def _blank_entity(match: re.Match) -> str:
    length = match.end() - match.start()
    char = _ENTITY_CHAR.get(match.group(1).lower(), " ")
    return char + " " * (length - 1)


_FOLDABLE = re.compile("[" + re.escape("".join(chr(c) for c in _FOLD)) + "]")


def _fold_char(match: re.Match) -> str:
    return _FOLD[ord(match.group())]


def plain_view(text: str) -> str:
    """``text`` with markup blanked and dashes/spaces folded, case kept; ``len(result) == len(text)``."""
    view = _FOLDABLE.sub(_fold_char, text)
    if "<" in view:
        view = _TAG.sub(_blank_tag, view)
    if "&" in view:
        view = _ENTITY.sub(_blank_entity, view)
    return view


def scan_view(plain: str) -> str:
    """The lowercased scan view of a ``plain_view``; same length."""
    lowered = plain.lower()
    if len(lowered) == len(plain):
        return lowered
    return plain.translate(_LOWER)  # a few letters grow when lowercased ("İ"): fold only A-Z
