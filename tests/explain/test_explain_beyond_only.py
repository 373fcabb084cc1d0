"""A report whose only content is beyond the page's scope still gets a page (issue 9).

A spine report without a nerve-root or narrowing finding that states spinal cord compression, cauda
equina crowding, a mass, a fracture or an infection gets a short page in every language: what the
page covers, that it found nothing of that, "Your report also mentions" with the report's words, the
warning signs of its region, and ``needs-review``. A report that only denies such things, or that is
not about the spine (a chest X-ray's lung mass), gets none; the Bundle is valid R4 either way.
"""

from __future__ import annotations

import base64
from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.enrich import enrich
from service.explain import explain
from service.explain.phrasebook import phrasebook
from service.fhir.io import dumps, loads, validate_resource

LANGUAGES = ("en", "es")
NOW = datetime(2026, 12, 8, tzinfo=timezone.utc)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# (kind, sentence with {level}); levels pick the region.
STATEMENTS = (
    ("cord", "Severe spinal cord compression at {level} with T2 signal change in the cord."),
    ("cord", "Disc osteophyte complex flattens the ventral cord at {level}."),
    ("cord", "Myelomalacia at {level}."),
    ("cauda_equina", "Crowding of the cauda equina at {level}."),
    ("tumour", "Enhancing intradural mass at {level}, suspicious for a nerve sheath tumor."),
    ("mass", "A 2 cm enhancing lesion lies behind the {vertebra} vertebral body."),
    ("fragment", "A sequestered disc fragment lies behind the {vertebra} vertebral body."),
    ("fracture", "Acute compression fracture of the {vertebra} vertebral body."),
    ("infection", "Findings at {level} are concerning for discitis with an epidural abscess."),
)
LEVELS = {"neck": ("C4-C5", "C5"), "upper_back": ("T8-T9", "T8"), "lower_back": ("L2-L3", "L2")}
DENIALS = ("No cord compression at {level}.", "No fracture of the {vertebra} vertebral body.",
           "No mass or abnormal enhancement at {level}.", "The cauda equina is not crowded at {level}.")
NOT_SPINE = ("Heart size normal. Right upper lobe mass. Degenerative change of the thoracic spine.",
             "Healing fracture of the left sixth rib.", "T2 hyperintense lesion in the liver, likely a cyst.")


def _written(template: str, region: str) -> str:
    level, vertebra = LEVELS[region]
    return template.format(level=level, vertebra=vertebra)


@SETTINGS
@given(st.lists(st.sampled_from(STATEMENTS), min_size=1, max_size=3, unique=True),
       st.sampled_from(tuple(LEVELS)), st.sampled_from(LANGUAGES))
def test_a_report_of_only_out_of_scope_findings_gets_a_page(statements, region, language):
    text = " ".join(_written(sentence, region) for _, sentence in statements)
    explanation = explain([], language, text=text)
    assert explanation is not None and explanation.language == language
    book = phrasebook(language)
    page = explanation.text
    assert book["scope"]["covers"] in page and book["scope"]["nothing_in_scope"] in page
    assert book["scope"]["also"] in page
    for kind, _ in statements:
        # The kind's line, or the line naming its problem ("Pressure on the spinal cord ...").
        lines = [book["scope"]["kinds"][kind], *book["scope"]["problems"].get(kind, {}).values()]
        assert any(line in page for line in lines), kind
    assert explanation.status == "needs-review" and explanation.review_reasons == ["out-of-scope"]
    assert explanation.finding_sentences == [] and explanation.withheld == [] and not explanation.reassuring
    # The warning signs of the region (and the cord's or cauda equina's when the report names them).
    kinds = {kind for kind, _ in statements}
    cord = region in ("neck", "upper_back") or "cord" in kinds
    cauda = region == "lower_back" or "cauda_equina" in kinds
    # The upper back or the low back alone: the cord's signs without the hands (help.cord_chest).
    signs = book["help"]["cord" if region == "neck" else "cord_chest"]
    assert (signs[-1] in page) == cord
    assert (book["help"]["cord"][0] in page) == (cord and region == "neck")
    assert (book["help"]["urgent"][0] in page) == cauda
    # Nothing of the nerve-root page: no ladder, no treatment of a finding it did not read.
    assert book["headings"]["ladder"] not in page and "<svg" not in explanation.html
    assert book["headings"]["treatment"] not in page
    assert book["closing"] in page


@given(st.sampled_from(DENIALS), st.sampled_from(tuple(LEVELS)), st.sampled_from(LANGUAGES))
@SETTINGS
def test_a_report_that_only_denies_them_gets_no_page(denial, region, language):
    assert explain([], language, text=_written(denial, region)) is None


def test_a_report_that_is_not_about_the_spine_gets_no_page():
    for text in NOT_SPINE:
        for language in LANGUAGES:
            assert explain([], language, text=text) is None, text
    assert explain([], "en") is None  # without the text there is nothing to list


def _report(conclusion: str) -> dict:
    return loads(dumps({"resourceType": "DiagnosticReport", "id": "ct-1", "status": "final",
                        "code": {"text": "CT thoracic spine"}, "subject": {"reference": "Patient/p1"},
                        "conclusion": conclusion}))


def test_the_bundle_carries_the_page_and_a_provenance_and_no_observation():
    report = _report("Acute compression fracture of the T12 vertebral body. Recommend MRI for further evaluation.")
    for mode in ("collection", "transaction"):
        bundle = enrich(report, ["en", "es"], mode=mode, now=NOW)
        assert validate_resource(loads(dumps(bundle)), "Bundle") == []
        kinds = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
        assert kinds == ["DiagnosticReport", "Provenance"]
        enriched, provenance = (entry["resource"] for entry in bundle["entry"])
        assert "result" not in enriched
        forms = enriched["presentedForm"]
        assert [(form["language"], form["contentType"].split(";")[0]) for form in forms] == [
            ("en", "text/html"), ("en", "text/plain"), ("es", "text/html"), ("es", "text/plain")]
        for element in (*forms, provenance):
            (review,) = [e for e in element["extension"] if e["url"].endswith("/explanation-review")]
            assert [e["valueCode"] for e in review["extension"]] == ["needs-review", "out-of-scope"]
        english = base64.b64decode(forms[1]["data"]).decode()
        # A thoracic scan: the cord's signs of the upper back (a band of numbness), not the hands'.
        assert "fracture" in english and "Your radiologist suggests" in english and "band of numbness" in english
        assert "clumsy" not in english
    # Enriching the enriched report gives the same Bundle (the earlier page is replaced, not added).
    once = enrich(report, ["en"], now=NOW)
    twice = enrich(once["entry"][0]["resource"], ["en"], now=NOW)
    assert dumps(twice) == dumps(once)


def test_a_report_with_nothing_to_tell_still_comes_back_unchanged():
    report = _report("No fracture. No cord compression. Alignment is normal.")
    bundle = enrich(report, ["en", "es"], now=NOW)
    assert [entry["resource"]["resourceType"] for entry in bundle["entry"]] == ["DiagnosticReport"]
    assert dumps(bundle["entry"][0]["resource"]) == dumps(report)
