"""Text sources of a DiagnosticReport and the way back to their elements (service.fhir.text)."""

import base64
import html
import re

import pytest

from service.fhir.text import FINDINGS_HEADER, IMPRESSION_HEADER, element_text, report_text

DIV = ('<div xmlns="http://www.w3.org/1999/xhtml">\n  <h2>Findings</h2>\n  <p>L4-L5: disc protrusion &amp;\n'
       '  <b>right</b> L5 root contact.</p><br/><ul><li>one&#160;two</li><li>L5&#x2013;S1</li></ul>'
       '<table><tr><td>L3-L4</td><td>normal</td></tr></table><!-- a comment --><p>caf&eacute;</p></div>')


def b64(text, encoding="utf-8"):
    return base64.b64encode(text.encode(encoding)).decode("ascii")


def round_trip(report, phrases):
    document = report_text(report)
    for phrase in phrases:
        start = document.text.index(phrase)
        spans = document.locate(start, start + len(phrase))
        assert spans, phrase
        yield phrase, spans


def test_conclusion_only_gets_an_impression_header():
    document = report_text({"conclusion": "Mild L5 contact."})
    assert document.text == IMPRESSION_HEADER + "Mild L5 contact."
    assert document.locate(0, len(IMPRESSION_HEADER)) == []
    [span] = document.locate(len(IMPRESSION_HEADER) + 5, len(document.text))
    assert (span.path, span.offset, span.length) == ("DiagnosticReport.conclusion", 5, 11)


def test_narrative_markup_becomes_lines_and_maps_back():
    report = {"text": {"status": "generated", "div": DIV}}
    document = report_text(report)
    assert document.text == ("Findings\nL4-L5: disc protrusion & right L5 root contact.\none two\nL5\u2013S1\n"
                             "L3-L4 normal\ncafé")
    for phrase, [span] in round_trip(report, ["disc protrusion & right L5", "one two", "L5\u2013S1", "café",
                                              "L3-L4 normal", "Findings"]):
        raw = DIV[span.offset:span.offset + span.length]
        assert span.path == "DiagnosticReport.text.div"
        assert " ".join(html.unescape(re.sub(r"<[^>]*>", " ", raw)).replace("\xa0", " ").split()) == phrase


@pytest.mark.parametrize("content_type, encoding", [
    ("text/plain", "utf-8"), ("text/plain; charset=ISO-8859-1", "latin-1"), ("text/plain;charset=\"utf-8\"", "utf-8"),
])
def test_plain_attachments_in_any_charset(content_type, encoding):
    body = "FINDINGS: L5 café, contact.\r\nIMPRESSION: Contact."
    report = {"presentedForm": [{"contentType": content_type, "data": b64(body, encoding)}]}
    document = report_text(report)
    assert document.text == body
    for phrase, [span] in round_trip(report, ["café, contact", "Contact."]):
        assert span.path == "DiagnosticReport.presentedForm[0].data"
        assert element_text(report, span.path)[span.offset:span.offset + span.length] == phrase


def test_html_and_markdown_attachments():
    report = {"presentedForm": [
        {"contentType": "text/html", "data": b64("<html><head><style>p{}</style></head><body><p>A &lt; B</p>"
                                                  "<script>x()</script><p>L5 root</p></body></html>")},
        {"contentType": "text/markdown", "data": b64("## Impression\n**Severe** L4-L5 stenosis, `x`")},
        {"contentType": "application/pdf", "data": "JVBERi0="},
        {"contentType": "text/plain", "url": "http://example.org/report.txt"},
    ]}
    document = report_text(report)
    assert document.paths == ["DiagnosticReport.presentedForm[0].data", "DiagnosticReport.presentedForm[1].data"]
    assert "A < B\nL5 root" in document.text and "x()" not in document.text and "p{}" not in document.text
    assert "Impression\nSevere L4-L5 stenosis, x" in document.text
    [(phrase, [span])] = round_trip(report, ["Severe L4-L5"])
    assert span.path.endswith("[1].data")
    assert element_text(report, span.path)[span.offset:span.offset + span.length] == "Severe** L4-L5"


def test_contained_observations_and_source_order():
    report = {
        "conclusion": "Impression text.",
        "contained": [
            {"resourceType": "Observation", "code": {"coding": [{"system": "http://loinc.org", "code": "19005-8"}]},
             "valueString": "Hedged L5 contact.", "note": [{"text": "A *note* about S1."}]},
            {"resourceType": "Patient", "id": "p"},
        ],
        "presentedForm": [{"contentType": "text/plain", "data": b64("Full report body.")}],
    }
    document = report_text(report)
    assert document.paths == ["DiagnosticReport.presentedForm[0].data", "DiagnosticReport.contained[0].valueString",
                              "DiagnosticReport.contained[0].note[0].text", "DiagnosticReport.conclusion"]
    assert document.text == ("Full report body.\n\n" + IMPRESSION_HEADER + "Hedged L5 contact.\n\n" + IMPRESSION_HEADER
                             + "A note about S1.\n\n" + IMPRESSION_HEADER + "Impression text.")
    [(phrase, [span])] = round_trip(report, ["note about S1"])
    assert (span.path, span.offset, span.length) == ("DiagnosticReport.contained[0].note[0].text", 3, 14)


def test_repeated_text_is_read_once():
    body = "FINDINGS: Right L5 contact.\nIMPRESSION: Right L5 contact at L4-L5."
    report = {"presentedForm": [{"contentType": "text/plain", "data": b64(body)}],
              "text": {"status": "generated", "div": f"<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>{body}</p></div>"},
              "conclusion": "Right L5   contact at L4-L5."}
    assert report_text(report).text == body


def test_own_attachments_are_skipped():
    ours = {"contentType": "text/plain", "data": b64("Our explanation: L5 compression."), "extension": [{"url": "mark"}]}
    theirs = {"contentType": "text/plain", "data": b64("Their report.")}
    document = report_text({"presentedForm": [ours, theirs]}, is_own=lambda a: "extension" in a)
    assert document.text == "Their report."
    assert document.paths == ["DiagnosticReport.presentedForm[1].data"]


def test_second_free_text_source_gets_a_findings_header():
    report = {"presentedForm": [{"contentType": "text/plain", "data": b64("INDICATION: rule out impingement")}],
              "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">L5 contact</div>"}}
    assert report_text(report).text == "INDICATION: rule out impingement\n\n" + FINDINGS_HEADER + "L5 contact"


def test_span_across_sources_splits_per_element():
    report = {"presentedForm": [{"contentType": "text/plain", "data": b64("first part")}], "conclusion": "second"}
    document = report_text(report)
    spans = document.locate(0, len(document.text))
    assert [(s.path, s.offset, s.length) for s in spans] == [
        ("DiagnosticReport.presentedForm[0].data", 0, 10), ("DiagnosticReport.conclusion", 0, 6)]


def test_empty_and_odd_reports():
    assert report_text({}).text == ""
    assert report_text({"presentedForm": "x", "contained": [1, {"resourceType": "Observation"}],
                        "text": {"div": 5}, "conclusion": ""}).text == ""
    assert report_text({"presentedForm": [{"contentType": "text/plain", "data": "!!!not base64"}]}).text == ""


def test_element_text_resolves_paths():
    report = {"conclusion": "c", "presentedForm": [{"contentType": "text/plain; charset=latin-1", "data": b64("é", "latin-1")}],
              "contained": [{"note": [{"text": "n"}]}]}
    assert element_text(report, "DiagnosticReport.conclusion") == "c"
    assert element_text(report, "DiagnosticReport.presentedForm[0].data") == "é"
    assert element_text(report, "DiagnosticReport.contained[0].note[0].text") == "n"
    assert element_text(report, "DiagnosticReport.contained[3].note[0].text") is None
    assert element_text(report, "DiagnosticReport.text.div") is None


def test_quoted_attributes_may_hold_angle_brackets():
    div = '<div xmlns="http://www.w3.org/1999/xhtml"><p title="a > b" class=\'x>y\'>L5 root</p></div>'
    assert report_text({"text": {"div": div}}).text == "L5 root"


@pytest.mark.parametrize("markup, text", [
    ("<p>L5 root</p><!-- never closed <p>hidden</p>", "L5 root"),
    ("<p>L5 <![CDATA[root & more", "L5 root & more"),
    ("a < b <c and <d", "a < b <c and <d"),
    ("<p title=\"a>b\">L5</p>", "L5"),
    ("&bogus; &amp &#xZZ;", "&bogus; &amp &#xZZ;"),
])
def test_broken_markup_reads_like_a_browser_would(markup, text):
    assert report_text({"text": {"div": markup}}).text == text
