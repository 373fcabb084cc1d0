"""Lossless FHIR JSON in and out, and R4B validation that never touches the EHR's own JSON.

``loads`` keeps every number exactly as written: integers become ``int``; any other number
becomes a ``JsonNumber`` (a ``Decimal`` that remembers its source text), so ``1.50`` is written
back as ``1.50`` and ``1.0E+2`` as ``1.0E+2``. ``dumps`` writes UTF-8, compact, keys in the
order they were inserted: the input's own content comes back in its own order.

Rejected on input, each with an ``UnparseableInput`` (HTTP 400):
- bytes that are not UTF-8 (a leading byte-order mark is tolerated), or text that is not JSON;
- ``NaN``, ``Infinity`` and ``-Infinity`` (not JSON);
- duplicate keys in one object: JSON leaves their meaning open and FHIR cannot express them,
  so guessing which one the sender meant would silently drop data;
- nesting deeper than ``MAX_DEPTH`` (a DiagnosticReport is rarely deeper than 12).

``validate_resource`` checks a resource against the ``fhir.resources.R4B`` models and returns
``Issue`` objects with a FHIRPath ``expression`` and a message that never quotes the input
(values may be PHI). It validates a structural copy; the models never serialise the report.
It also checks the FHIR JSON rules the models let pass (json.html, datatypes.html):
- no ``null`` (the models read it as "absent"), no empty array, no empty object;
- no control character (below U+0020 other than tab, line feed, carriage return) in a string;
- an integer element (integer, unsignedInt, positiveInt) holds a plain whole number: ``-0``, ``1.0`` or
  ``1e2`` are refused (the lossless parse keeps them as ``JsonNumber``; the models would read them as ints).
A key that is not an element name of any R4 resource or datatype may itself carry PHI (a sender can
put anything in a key): it is never echoed. Its issue points at the object that holds it and says
which of that object's keys it is, counting from 1.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from json.encoder import encode_basestring, encode_basestring_ascii

try:  # a dependency (pyproject.toml); the json path below gives the same bytes without it
    import orjson as _orjson
except ImportError:  # pragma: no cover
    _orjson = None

MAX_DEPTH = 100


# --- errors the HTTP layer turns into OperationOutcome -------------------------------------


@dataclass(frozen=True)
class Issue:
    """One OperationOutcome.issue: ``code`` is from the FHIR IssueType value set."""

    severity: str
    code: str
    message: str
    expression: str | None = None

    def to_fhir(self) -> dict:
        issue = {"severity": self.severity, "code": self.code, "diagnostics": self.message}
        if self.expression:
            issue["expression"] = [self.expression]
        return issue


class FhirError(Exception):
    """An error that the HTTP layer reports as an OperationOutcome with ``http_status``."""

    http_status = 400

    def __init__(self, issues: list[Issue]):
        self.issues = list(issues)
        super().__init__("; ".join(issue.message for issue in self.issues))


class UnparseableInput(FhirError):
    """The body is not JSON we accept (HTTP 400)."""

    http_status = 400

    def __init__(self, message: str):
        super().__init__([Issue("error", "structure", message)])


class InvalidResource(FhirError):
    """The JSON is not a valid R4 resource of the expected type (HTTP 422)."""

    http_status = 422


class NotSupported(FhirError):
    """A request the service understands but does not carry out (yet)."""

    http_status = 501

    def __init__(self, message: str, expression: str | None = None):
        super().__init__([Issue("error", "not-supported", message, expression)])


# --- lossless JSON -------------------------------------------------------------------------


class JsonNumber(Decimal):
    """A JSON number with a fraction or exponent, keeping the exact text it was written with."""

    __slots__ = ("text",)

    def __new__(cls, text: str):
        number = Decimal.__new__(cls, text)
        number.text = text
        return number

    def __repr__(self) -> str:
        return f"JsonNumber({self.text!r})"

    def __reduce__(self):
        return (JsonNumber, (self.text,))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


def _parse_int(text: str):
    # "-0" is valid JSON whose text int() would lose.
    return JsonNumber(text) if text == "-0" else int(text)


def _reject_constant(name: str):
    raise UnparseableInput(f"{name} is not a valid JSON number")


def _unique_object(pairs: list[tuple[str, object]]) -> dict:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise UnparseableInput("JSON object has a duplicate key")
    return obj


_DECODER = json.JSONDecoder(
    parse_float=JsonNumber,
    parse_int=_parse_int,
    parse_constant=_reject_constant,
    object_pairs_hook=_unique_object,
)


def loads(data: bytes | str) -> object:
    """Parse JSON text (UTF-8 bytes or str) keeping numbers' exact text; see the module doc."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnparseableInput(f"body is not valid UTF-8 (byte {exc.start})") from None
    if data.startswith("\ufeff"):
        data = data[1:]
    try:
        obj = _DECODER.decode(data)
    except json.JSONDecodeError as exc:
        raise UnparseableInput(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise UnparseableInput(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    except ValueError:  # e.g. an integer longer than Python's digit limit
        raise UnparseableInput("JSON holds a number that cannot be read") from None
    if _depth_exceeds(obj, MAX_DEPTH):
        raise UnparseableInput(f"JSON nested deeper than {MAX_DEPTH} levels")
    return obj


def _depth_exceeds(obj: object, limit: int) -> bool:
    stack = [(obj, 1)]
    while stack:
        node, depth = stack.pop()
        if type(node) is dict:
            children = node.values()
        elif type(node) is list:
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if type(child) in (dict, list))
    return False


def dumps(obj: object) -> bytes:
    """Serialise compactly as UTF-8, keys in insertion order, numbers in their exact text.

    orjson writes the tree when it is installed (a dependency; about ten times faster than ``json``):
    each ``Decimal`` (``JsonNumber`` included) reaches its ``default`` hook, which hands back the
    number's exact text as an ``orjson.Fragment``, written as it is. Its output is byte for byte what
    the encoders below write (same escapes, no spaces, UTF-8), with two exceptions it is kept from:
    what orjson refuses (an integer past 64 bits, a lone surrogate, a non-string key, nesting deeper
    than 254) and any output holding ``null`` (orjson writes a NaN or infinite float as ``null``, where
    ``json`` refuses it; a resource rarely holds ``null``) go down the ``json`` path. A float (never in a
    losslessly parsed resource, nor in what the service builds) is written in its shortest form, whose
    exponent orjson may spell differently (``1e-5`` as ``0.00001``).

    Otherwise (no orjson, or a tree it passes on) the C encoder of ``json`` writes the tree; each
    ``Decimal`` (``JsonNumber`` included) reaches its ``default`` hook, which stands in a marker string
    for it, and the marker is then replaced by the number's text. The marker holds a random per-process nonce, and the substitution is made only when
    the nonce occurs in the output exactly as often as markers were written: text that happens to
    contain it (the report's own words can hold anything) sends the object down the pure-Python
    encoder instead, so a marker can never be confused with content.
    """
    if _orjson is not None:
        try:
            written = _orjson.dumps(obj, default=_fragment)
        except TypeError:  # orjson.JSONEncodeError
            pass
        else:
            if b"null" not in written:
                return written
    return _json_dumps(obj)


def _json_dumps(obj: object) -> bytes:
    """``dumps`` through the C encoder of ``json`` and its number markers (see ``dumps``)."""
    numbers: list[str] = []
    try:
        text = _FAST_ENCODER(numbers.append).encode(obj)
    except (TypeError, ValueError):
        numbers = None  # what the C encoder refuses, the Python one refuses with its own message
    if numbers is not None and text.count(_NONCE) == len(numbers):
        if numbers:
            pieces = text.split(_MARKER)
            text = "".join(_interleave(pieces, numbers))
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: the Python encoder writes it escaped
    return _slow_dumps(obj)


def _fragment(obj):
    """orjson's hook for what it does not write itself: a number's exact text, verbatim."""
    if type(obj) is JsonNumber:
        return _orjson.Fragment(obj.text)
    if isinstance(obj, Decimal) and obj.is_finite():
        return _orjson.Fragment(str(obj))
    raise TypeError(f"cannot write {type(obj).__name__} as JSON")


def _interleave(pieces: list[str], numbers: list[str]):
    yield pieces[0]
    for number, piece in zip(numbers, pieces[1:]):
        yield number
        yield piece


class _NumberMarkingEncoder(json.JSONEncoder):
    def __init__(self, record):
        super().__init__(ensure_ascii=False, allow_nan=False, separators=(",", ":"), check_circular=False)
        self._record = record

    def default(self, obj):
        if type(obj) is JsonNumber:
            self._record(obj.text)
        elif isinstance(obj, Decimal) and obj.is_finite():
            self._record(str(obj))
        else:
            raise TypeError(f"cannot write {type(obj).__name__} as JSON")
        return _NONCE


_NONCE = f"\u2063nonce-{secrets.token_hex(16)}\u2063"
_MARKER = json.dumps(_NONCE, ensure_ascii=False)
_FAST_ENCODER = _NumberMarkingEncoder


def _slow_dumps(obj: object) -> bytes:
    parts: list[str] = []
    _encode(obj, parts.append, encode_basestring)
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (legal in JSON text as \\udXXX) cannot be UTF-8: escape it again.
        parts.clear()
        _encode(obj, parts.append, encode_basestring_ascii)
        return "".join(parts).encode("ascii")


def _encode(obj: object, out, quote) -> None:
    kind = type(obj)
    if kind is str:
        out(quote(obj))
    elif kind is dict:
        out("{")
        first = True
        for key, value in obj.items():
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys must be strings, not {type(key).__name__}")
            if not first:
                out(",")
            first = False
            out(quote(key))
            out(":")
            _encode(value, out, quote)
        out("}")
    elif kind is list or kind is tuple:
        out("[")
        for index, value in enumerate(obj):
            if index:
                out(",")
            _encode(value, out, quote)
        out("]")
    elif obj is None:
        out("null")
    elif obj is True:
        out("true")
    elif obj is False:
        out("false")
    elif kind is JsonNumber:
        out(obj.text)
    elif kind is int:
        out(int.__repr__(obj))
    elif isinstance(obj, Decimal):
        if not obj.is_finite():
            raise ValueError("NaN and Infinity cannot be written as JSON")
        out(str(obj))
    elif kind is float:
        if obj != obj or obj in (float("inf"), float("-inf")):
            raise ValueError("NaN and Infinity cannot be written as JSON")
        out(float.__repr__(obj))
    elif isinstance(obj, str):
        out(quote(str(obj)))
    elif isinstance(obj, dict):
        _encode(dict(obj), out, quote)
    elif isinstance(obj, int):
        out(int.__repr__(int(obj)))
    else:
        raise TypeError(f"cannot write {kind.__name__} as JSON")


def copy_json(obj):
    """A structural copy of a JSON tree (dicts and lists new, leaves shared: they are immutable)."""
    kind = type(obj)
    if kind is dict:
        return {key: copy_json(value) for key, value in obj.items()}
    if kind is list:
        return [copy_json(value) for value in obj]
    return obj


# --- validation ---------------------------------------------------------------------------

_FHIRPATH_NAME = re.compile(r"^_?[A-Za-z][A-Za-z0-9_]*$")

# Required bindings the R4B models do not check but this service relies on.
_REQUIRED_CODES = {
    "DiagnosticReport": {
        "status": frozenset({
            "registered", "partial", "preliminary", "final", "amended", "corrected", "appended",
            "cancelled", "entered-in-error", "unknown",
        }),
    },
}

# Messages for pydantic error types, used whenever pydantic's own message could quote input.
_GENERIC_MESSAGES = {
    "missing": ("required", "required element is missing"),
    "extra_forbidden": ("structure", "element is not defined for this resource type"),
    "base64_decode": ("value", "attachment data is not valid base64"),
    "string_pattern_mismatch": ("value", "value does not match the format this element requires"),
    "value_error": ("value", "value is not valid for this element"),
}


@lru_cache(maxsize=None)
def _model_class(resource_type: str):
    from fhir.resources.R4B import get_fhir_model_class

    try:
        return get_fhir_model_class(resource_type)
    except (KeyError, ValueError, AttributeError, ImportError):
        return None


def validate_resource(obj: object, expected_type: str) -> list[Issue]:
    """Check ``obj`` is a valid R4 resource of ``expected_type``; return the problems found.

    An empty list means valid. ``obj`` itself is never modified or re-serialised.
    """
    if type(obj) is not dict:
        return [Issue("error", "structure", f"expected a JSON object holding a {expected_type}")]
    if obj.get("resourceType") != expected_type:
        return [Issue("error", "invalid", f"resourceType must be {expected_type}", expected_type)]
    model = _model_class(expected_type)
    if model is None:
        raise ValueError(f"unknown FHIR resource type {expected_type!r}")

    issues = json_rule_issues(obj, expected_type) or _contained_type_issues(obj, expected_type)
    if issues:
        return issues
    issues = _binding_issues(obj, expected_type)
    try:
        model.model_validate(_probe_copy(obj))
    except Exception as exc:  # pydantic's ValidationError, or whatever a model validator raised
        errors = getattr(exc, "errors", None)
        if not callable(errors):
            return issues + [Issue("error", "structure", "resource could not be validated", expected_type)]
        issues.extend(_issue_from_error(error, obj, expected_type) for error in errors())
    return issues


# Every JsonNumber (a number with a fraction, an exponent, or -0) is validated as 0.5: a decimal element takes it,
# an integer element refuses it, so an integer written as -0, 1.0 or 1e2 cannot pass as a whole number.
_PROBE = Decimal("0.5")


def _probe_copy(obj):
    kind = type(obj)
    if kind is dict:
        return {key: _probe_copy(value) for key, value in obj.items()}
    if kind is list:
        return [_probe_copy(value) for value in obj]
    if kind is JsonNumber:
        return _PROBE
    return obj


@cache
def element_names() -> frozenset[str]:
    """Every element name (JSON key) of the R4B resources and datatypes: the keys safe to echo."""
    import fhir.resources.R4B as r4b

    names = {"resourceType"}
    for module in Path(r4b.__file__).parent.glob("*.py"):
        names.update(re.findall(r'alias="([A-Za-z_][A-Za-z0-9_]*)"', module.read_text(encoding="utf-8")))
    return frozenset(names)


def _is_control(text: str) -> bool:
    return _CONTROL.search(text) is not None


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def json_rule_issues(node: object, path: str) -> list[Issue]:
    """The FHIR JSON rules the models do not check (json.html): no ``null`` (an element is left out
    instead; the one exception is a primitive array whose ``_element`` twin holds extensions at that
    index), no empty array or object, no control character in a string. Keys that are no R4 element
    name are not entered (the model reports them, without their name)."""
    issues: list[Issue] = []
    known = element_names()
    stack = [(node, path)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, str):
            if _is_control(current):
                issues.append(Issue("error", "value", "a string holds a control character, which FHIR strings "
                                    "do not allow (only tab, line feed and carriage return).", where))
            continue
        if isinstance(current, list):
            stack.extend((item, f"{where}[{index}]") for index, item in enumerate(current))
            continue
        if not isinstance(current, dict):
            continue
        for key, value in current.items():
            if key not in known:
                continue
            element = f"{where}.{key.lstrip('_')}"
            if value is None:
                issues.append(Issue("error", "invalid", "null is not allowed in FHIR JSON; leave the element out.",
                                    element))
            elif isinstance(value, list):
                if not value:
                    issues.append(Issue("error", "invalid", "an empty array is not allowed in FHIR JSON; leave the "
                                        "element out.", element))
                twinned = key.startswith("_") or f"_{key}" in current
                for index, item in enumerate(value):
                    if item is None and not twinned:
                        issues.append(Issue("error", "invalid", "null is not allowed in this array.",
                                            f"{element}[{index}]"))
                    elif isinstance(item, dict) and not item:
                        issues.append(Issue("error", "invalid", "an empty object is not allowed in FHIR JSON.",
                                            f"{element}[{index}]"))
                    else:
                        stack.append((item, f"{element}[{index}]"))
            elif isinstance(value, dict) and not value:
                issues.append(Issue("error", "invalid", "an empty object is not allowed in FHIR JSON; leave the "
                                    "element out.", element))
            else:
                stack.append((value, element))
    return sorted(issues, key=lambda issue: issue.expression)


null_issues = json_rule_issues  # the name it had when it checked nulls only


def ensure_valid(obj: object, expected_type: str) -> dict:
    """Return ``obj`` when it is a valid ``expected_type``; raise ``InvalidResource`` otherwise."""
    issues = validate_resource(obj, expected_type)
    if issues:
        raise InvalidResource(issues)
    return obj


def _contained_type_issues(obj: dict, expected_type: str) -> list[Issue]:
    contained = obj.get("contained")
    if type(contained) is not list:
        return []
    issues = []
    for index, resource in enumerate(contained):
        kind = resource.get("resourceType") if type(resource) is dict else None
        if type(kind) is not str or _model_class(kind) is None:
            issues.append(Issue(
                "error", "structure", "contained resource has no known resourceType",
                f"{expected_type}.contained[{index}]",
            ))
    return issues


def _binding_issues(obj: dict, expected_type: str) -> list[Issue]:
    issues = []
    for element, allowed in _REQUIRED_CODES.get(expected_type, {}).items():
        value = obj.get(element)
        if type(value) is str and value not in allowed:
            issues.append(Issue(
                "error", "code-invalid", f"{element} is not a code of its required value set",
                f"{expected_type}.{element}",
            ))
    return issues


def _issue_from_error(error: dict, obj: dict, expected_type: str) -> Issue:
    kind = error.get("type", "")
    location = tuple(error.get("loc", ()))
    expression, position = locate(obj, expected_type, location)
    if position is not None:
        return Issue("error", "structure", f"key {position} of this object (counting from 1) is not an element "
                     f"of this resource type.", expression)
    if kind.startswith("int_") and type(_value_at(obj, location)) is JsonNumber:
        return Issue("error", "value", "an integer must be a whole number written without a fraction, an exponent "
                     "or a minus sign on zero.", expression)
    message = " ".join(str(error.get("msg", "")).split())
    supplied = error.get("input")
    code, generic = _GENERIC_MESSAGES.get(kind, ("structure" if kind.endswith("_type") else "value", None))
    quotes_input = isinstance(supplied, (str, int, Decimal)) and str(supplied) and str(supplied) in message
    if generic and (kind in ("missing", "extra_forbidden", "base64_decode") or quotes_input or not message):
        message = generic
    elif quotes_input or not message:
        message = "value is not valid for this element"
    return Issue("error", code, message, expression)


def locate(obj: object, resource_type: str, location) -> tuple[str, int | None]:
    """The FHIRPath of a pydantic error location in ``obj``; when the location passes through a key that is
    no R4 element name, the path of the object holding it and that key's position there (from 1)."""
    known = element_names()
    path = resource_type
    node = obj
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
            node = node[part] if type(node) is list and 0 <= part < len(node) else None
        elif isinstance(part, str):
            key = "resourceType" if part == "resource_type" else part
            if key not in known or not _FHIRPATH_NAME.match(key):
                position = list(node).index(key) + 1 if type(node) is dict and key in node else None
                return path, position if position is not None else 0
            path += f".{key.lstrip('_')}"
            node = node.get(key) if type(node) is dict else None
    return path, None


def _value_at(obj: object, location) -> object:
    node = obj
    for part in location:
        if isinstance(part, int) and type(node) is list and 0 <= part < len(node):
            node = node[part]
        elif isinstance(part, str) and type(node) is dict and part in node:
            node = node[part]
        else:
            return None
    return node


def fhirpath(resource_type: str, location) -> str:
    """A FHIRPath expression for a pydantic error location (``_status`` -> ``status``); names that are no R4
    element name are left out."""
    known = element_names()
    path = resource_type
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif isinstance(part, str) and _FHIRPATH_NAME.match(part) and (part in known or part == "resource_type"):
            name = "resourceType" if part == "resource_type" else part.lstrip("_")
            path += f".{name}"
    return path


__all__ = [
    "MAX_DEPTH", "Issue", "FhirError", "UnparseableInput", "InvalidResource", "NotSupported",
    "JsonNumber", "loads", "dumps", "copy_json", "validate_resource", "json_rule_issues", "null_issues", "ensure_valid",
    "fhirpath", "locate", "element_names",
]
