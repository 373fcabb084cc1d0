"""Marshmallow schemas of the plain-JSON API (``POST /api/v1/extract``).

The finding fields and their allowed values come from ``service.extract.finding``, the seam the
engine fills, so the schema and the engine can not drift apart.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.extract.finding import (
    ASSERTIONS, CAUSES, DEGREES, FINDING_TYPES, ROLES, SEVERITIES, SIDES, ZONES,
)


def _choice(values: tuple[str, ...], **kwargs) -> fields.String:
    return fields.String(validate=validate.OneOf(values), **kwargs)


class ExtractRequestSchema(Schema):
    text = fields.String(required=True, metadata={"description": "The report text, plain."})


class EvidenceSchema(Schema):
    start = fields.Integer(required=True)
    end = fields.Integer(required=True)


class FindingSchema(Schema):
    type = _choice(FINDING_TYPES, required=True)
    level = fields.String(allow_none=True)
    root = fields.String(allow_none=True)
    side = _choice(SIDES, allow_none=True)
    degree = _choice(DEGREES, allow_none=True)
    severity = _choice(SEVERITIES, allow_none=True)
    assertion = _choice(ASSERTIONS, required=True)
    zone = _choice(ZONES, allow_none=True)
    role = _choice(ROLES, allow_none=True)
    cause = fields.List(_choice(CAUSES))
    root_inferred = fields.String(allow_none=True)
    side_inferred = _choice(("left", "right"), allow_none=True)
    evidence = fields.List(fields.Nested(EvidenceSchema))
    assertion_triggers = fields.List(fields.String())
    section = fields.String(allow_none=True)
    reading = _choice(("fallback", "unsure"), allow_none=True)


class ExtractResponseSchema(Schema):
    findings = fields.List(fields.Nested(FindingSchema), required=True)
