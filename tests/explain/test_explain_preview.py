"""``/preview``: the clinician's page that shows the portal view of a pasted report."""

from __future__ import annotations

import html
import json

import html5lib
import pytest
from flask import Flask

from service.api.preview import bp, report_text_of
from service.config import Settings
from service.explain.phrasebook import phrasebook
from service.extract import extract_findings

REPORT_TEXT = (
    "FINDINGS: L4-L5: Small right subarticular disc protrusion abuts the traversing right L5 nerve root. "
    "IMPRESSION: Right L4-L5 disc protrusion contacting the right L5 nerve root."
)


def engine_ready():
    try:
        extract_findings("L4-L5: no stenosis.")
    except NotImplementedError:
        return False
    return True


needs_engine = pytest.mark.skipif(not engine_ready(), reason="the extraction engine is not built yet")


@pytest.fixture
def client():
    app = Flask(__name__)
    app.config.update(Settings.from_environ({}).flask_config())
    app.register_blueprint(bp)
    return app.test_client()


def test_form_is_plain_safe_html(client):
    response = client.get("/preview")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    html5lib.HTMLParser(strict=True).parse(page)
    assert '<textarea id="report" name="report"' in page and '<option value="es"' in page
    assert "<script" not in page and "http" not in page
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_empty_paste_says_nothing_would_be_attached(client):
    page = client.post("/preview", data={"report": "", "language": "es"}).get_data(as_text=True)
    assert "no explanation would be attached" in page
    assert '<option value="es" selected>' in page


def test_a_diagnostic_report_is_read_through_its_text_sources():
    report = {"resourceType": "DiagnosticReport", "status": "final", "code": {"text": "MRI"},
              "conclusion": "Disc protrusion contacting the right L5 nerve root at L4-L5."}
    text, source, _study = report_text_of(json.dumps(report))
    assert source == "DiagnosticReport" and "right L5 nerve root" in text
    assert report_text_of("{not json") == ("{not json", "text", "")
    assert report_text_of(REPORT_TEXT) == (REPORT_TEXT, "text", "")


@needs_engine
@pytest.mark.parametrize("language, heading", [("en", "What does my report say?"), ("es", "¿Qué dice mi informe?")])
def test_pasted_text_shows_the_portal_view(client, language, heading):
    page = client.post("/preview", data={"report": REPORT_TEXT, "language": language}).get_data(as_text=True)
    html5lib.HTMLParser(strict=True).parse(page)
    assert f'<section class="nre-explain" lang="{language}"' in page and heading in page
    assert "<svg" in page and "<table>" in page and "<pre>" in page


@needs_engine
def test_pasted_markup_is_escaped(client):
    hostile = REPORT_TEXT + ' </textarea><script>alert(1)</script><img src="https://example.org/x">'
    page = client.post("/preview", data={"report": hostile, "language": "en"}).get_data(as_text=True)
    assert "<script>alert" not in page and "<img" not in page
    assert "&lt;/textarea&gt;&lt;script&gt;" in page


@needs_engine
def test_the_portal_view_quotes_the_report(client):
    page = client.post("/preview", data={"report": REPORT_TEXT, "language": "en"}).get_data(as_text=True)
    assert '<details class="nre-quote">' in page
    assert "Small right subarticular disc protrusion abuts the traversing right L5 nerve root." in page


@needs_engine
def test_the_review_status_is_shown(client):
    ready = client.post("/preview", data={"report": REPORT_TEXT, "language": "en"}).get_data(as_text=True)
    assert 'data-review-status="ready"' in ready
    cord = REPORT_TEXT + " C5-C6: disc osteophyte complex flattens the ventral spinal cord."
    flagged = client.post("/preview", data={"report": cord, "language": "en"}).get_data(as_text=True)
    assert 'data-review-status="needs-review"' in flagged and "out-of-scope" in flagged


@needs_engine
def test_a_pasted_report_s_study_name_chooses_the_warning_signs(client):
    report = {"resourceType": "DiagnosticReport", "status": "final", "code": {"text": "MRI lumbar spine"},
              "conclusion": "There is moderate central canal stenosis."}
    assert report_text_of(json.dumps(report))[2] == "MRI lumbar spine"
    page = client.post("/preview", data={"report": json.dumps(report), "language": "en"}).get_data(as_text=True)
    book = phrasebook("en")
    assert html.escape(book["help"]["urgent"][0], quote=False) in page
    assert html.escape(book["help"]["cord"][0], quote=False) not in page
