"""``GET /openapi.yaml``: the OpenAPI description at the repository root, read once at start-up."""

from __future__ import annotations

from functools import cache

from flask import Blueprint, Response

from service.locations import openapi_path

OPENAPI_PATH = openapi_path()

bp = Blueprint("docs", __name__)


@bp.get("/openapi.yaml")
def openapi_document():
    return Response(openapi_text(), content_type="application/yaml; charset=utf-8")


@cache
def openapi_text() -> str:
    return OPENAPI_PATH.read_text(encoding="utf-8")
