"""``GET/POST /preview``: paste a report, pick a language, see what the patient portal would show.

For clinicians reviewing the wording. Plain server-rendered HTML with no scripts and no outside
assets; a strict Content-Security-Policy keeps it that way. Pasted text is read, never logged.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from service.explain import SUPPORTED_LANGUAGES, explain, resolve_language
from service.explain.render import environment
from service.api.limits import request_limits
from service.enrich import read_findings
from service.fhir.outcome import RequestError

bp = Blueprint("preview", __name__)

LANGUAGE_NAMES = {"en": "English", "es": "Español"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@bp.get("/preview")
def preview_form():
    return _page(report="", language="en")


@bp.post("/preview")
def preview_render():
    if "report" not in request.form:  # the page's form always sends it, if empty
        raise RequestError.single(422, "Send the form with its report field (report text or a DiagnosticReport).")
    report = request.form["report"]
    language = resolve_language(request.form.get("language")) or "en"
    text, source, study = report_text_of(report)
    findings = read_findings(text, request_limits())
    explanation = explain(findings, language, text=text, region_text=study or None)
    return _page(report=report, language=language, source=source, findings=findings,
                 explanation=explanation, submitted=True)


def report_text_of(pasted: str) -> tuple[str, str, str]:
    """The text the engine should read, where it came from ("text" or "DiagnosticReport"), and what the
    report says the study is (its code's words, which choose the warning signs when the text names no region)."""
    if not pasted.lstrip().startswith("{"):
        return pasted, "text", ""
    try:
        from service.fhir.io import loads
        from service.fhir.text import report_text

        resource = loads(pasted)
    except Exception:  # not JSON after all, or the FHIR side is unavailable: read it as text
        return pasted, "text", ""
    if isinstance(resource, dict) and resource.get("resourceType") == "DiagnosticReport":
        from service.enrich import study_words

        return report_text(resource).text, "DiagnosticReport", study_words(resource)
    return pasted, "text", ""


def _page(**context) -> Response:
    context.setdefault("submitted", False)
    context.setdefault("findings", [])
    context.setdefault("explanation", None)
    context.setdefault("source", "text")
    context["languages"] = [(code, LANGUAGE_NAMES.get(code, code)) for code in SUPPORTED_LANGUAGES]
    html = environment().get_template("preview.html.j2").render(context)
    return Response(html, content_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)
