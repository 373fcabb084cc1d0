"""The page classes of the radiologist's second review of 50 real reports (issue 9, review 9b).

The texts here are written for the tests (never copied from the real reports). Classes the page
controls: C3 pressure on the thecal sac left out behind mild side narrowing, C4 serious things missing
from "Your report also mentions" (a slipped vertebra, a bone or muscle change, a blood vessel, a large
cyst), C6 an item naming the body part and not the problem, C9 no page for a report the engine could
not read, needs-review on a level the page does not explain, C8 cord warning signs on a lower-back
study and "something and scar tissue". C1, C2, C5 and C7 start as engine readings.
"""

from __future__ import annotations

import pytest

from service.enrich import study_words
from service.explain import explain
from service.explain.phrasebook import phrasebook
from service.explain.scope import has_page, page_mentions
from service.extract.finding import Evidence, Finding

LANGUAGES = ("en", "es")


def _foramen(text: str, level: str = "L4-L5", sentence: str | None = None) -> Finding:
    """A mild left foraminal narrowing read from ``sentence`` (the whole text by default)."""
    start = text.index(sentence) if sentence else 0
    end = start + len(sentence) if sentence else len(text)
    return Finding("foraminal-stenosis", level=level, side="left", severity="mild", evidence=[Evidence(start, end)])


# --- C3: pressure on the thecal sac, with its grade ---------------------------------------------------

SAC_SEVERE = (
    "L4-L5: a central disc protrusion markedly compressing the thecal sac and narrowing the left foramen.",
    "At L4-L5 a broad protrusion is largely compressing the thecal sac, with mild left foraminal narrowing.",
    "L4-L5 level: disc protrusion, significantly compressing the thecal sac and the left exit canal.",
    "At L4-L5 the disc causes severe compression of the thecal sac; the left foramen is mildly narrowed.",
)


@pytest.mark.parametrize("text", SAC_SEVERE)
@pytest.mark.parametrize("language", LANGUAGES)
def test_large_pressure_on_the_thecal_sac_is_listed_with_its_grade_and_needs_review(text, language):
    book = phrasebook(language)
    explanation = explain([_foramen(text)], language, text=text)
    assert book["scope"]["kinds"]["sac"] in explanation.text
    # "largely compressing" is said as large, not as a grade word the report does not use.
    grade = book["grade_meanings"]["severe" if "sever" in text or "marked" in text
                                   else "large" if "largely" in text else "significant"]
    # ... in the sentence that names what it grades (an item may also say a slip of the same sentence).
    own = book["scope"]["kind_grade"]["sac"]
    grade = grade.get(own["gender"], grade["m"]) if isinstance(grade, dict) else grade
    assert own["sentence"].format(grade=grade) in explanation.text
    assert explanation.status == "needs-review" and "severe-compression" in explanation.review_reasons
    # Listed first, above the mild side narrowing.
    assert explanation.text.index(book["scope"]["kinds"]["sac"]) < explanation.text.index(explanation.finding_sentences[0])


def test_csf_effaced_in_front_of_the_cord_counts_as_severe_pressure():
    text = "C5-C6: a disc osteophyte complex effaces the CSF anterior to the cord; mild left foraminal narrowing."
    explanation = explain([_foramen(text, "C5-C6")], "en", text=text)
    assert phrasebook("en")["scope"]["kinds"]["sac"] in explanation.text
    assert "severe-compression" in explanation.review_reasons


def test_mild_pressure_on_the_sac_is_listed_but_does_not_hold_the_page():
    text = "L4-L5: a disc bulge mildly indents the thecal sac with mild left foraminal narrowing."
    explanation = explain([_foramen(text)], "en", text=text)
    book = phrasebook("en")
    assert book["scope"]["kinds"]["sac"] in explanation.text
    assert book["grade_sentence_said"].format(grade=book["grade_meanings"]["mild"]) in explanation.text
    assert explanation.status == "ready"


@pytest.mark.parametrize("text", ("L4-L5: no thecal sac compression. Mild left foraminal narrowing.",
                                  "L4-L5: mild left foraminal narrowing without compression of the thecal sac."))
def test_a_denied_pressure_on_the_sac_is_not_listed(text):
    explanation = explain([_foramen(text)], "en", text=text)
    assert phrasebook("en")["scope"]["kinds"]["sac"] not in explanation.text
    assert explanation.status == "ready"


# --- C4: the missing scope kinds --------------------------------------------------------------------

NEW_KINDS = (
    ("slip", "There is a grade 2 anterolisthesis of L4 on L5.", "No spondylolisthesis is seen."),
    ("bone", "Abnormal high STIR signal in the right sacral ala, ? stress injury or inflammation.",
     "No abnormal bone marrow signal."),
    ("muscle", "The left psoas muscle is bulky with abnormal signal, ? infective.", None),
    ("vessel", "An incidental note is made of a dissection of the abdominal aorta at the L2 level.",
     "No aortic dissection at the L2 level."),
    ("cyst", "A 9 cm cyst is seen in the right side of the pelvis; an ultrasound is advised.", None),
)


@pytest.mark.parametrize(("kind", "stated", "denied"), NEW_KINDS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_new_kinds_are_listed_in_plain_words_and_denials_are_not(kind, stated, denied, language):
    book = phrasebook(language)
    base = "L4-L5: mild left foraminal narrowing."
    text = f"{base} {stated}"
    explanation = explain([_foramen(text, sentence=base)], language, text=text)
    lines = [book["scope"]["kinds"][kind], *book["scope"]["problems"].get(kind, {}).values()]
    assert any(line in explanation.text for line in lines), kind
    assert explanation.status == "needs-review" or kind == "slip"
    if denied:
        quiet = explain([_foramen(base)], language, text=f"{base} {denied}")
        assert not any(line in quiet.text for line in lines), denied
        assert quiet.status == "ready"


def test_a_slip_says_its_grade_and_only_a_high_grade_holds_the_page():
    base = "L4-L5: mild left foraminal narrowing."
    book = phrasebook("en")
    high = explain([_foramen(base)], "en", text=f"{base} Grade III spondylolisthesis of L5 on S1.")
    assert book["scope"]["slip_grade"].format(grade="3") in high.text and high.status == "needs-review"
    low = explain([_foramen(base)], "en", text=f"{base} Grade I anterolisthesis of L4 on L5.")
    assert book["scope"]["slip_grade"].format(grade="1") in low.text and low.status == "ready"


def test_a_dissection_is_named_as_a_tear_of_a_vessel():
    base = "L4-L5: mild left foraminal narrowing."
    for language in LANGUAGES:
        page = explain([_foramen(base)], language, text=f"{base} A dissection flap is seen in the aorta.").text
        assert phrasebook(language)["scope"]["problems"]["vessel"]["dissection"] in page


def test_a_bone_change_in_a_spine_report_gets_a_page_without_findings():
    text = "MRI lumbar spine. Patchy low bone marrow signal throughout, a bone scan is advised."
    explanation = explain([], "en", text=text)
    # A change of the marrow is said as such (not "a bone": the report says it is throughout).
    assert explanation is not None and phrasebook("en")["scope"]["problems"]["bone"]["marrow"] in explanation.text
    assert explanation.status == "needs-review"
    # ... but the same words in a hip study (no spine words) give no page.
    assert explain([], "en", text="MRI left hip. Patchy low bone marrow signal in the femoral head.") is None


# --- C6: the problem, not only the body part --------------------------------------------------------

@pytest.mark.parametrize(("sentence", "problem"), [
    ("A disc protrusion at C5-C6 presses on the spinal cord.", "pressure"),
    ("A large protrusion at T11-T12 is compressing the cord.", "pressure"),
    ("There is cord oedema at C4-C5.", "swelling"),
    ("Myelomalacia at C3-C4.", "damage"),
    ("Increased T2 signal within the cervical cord at C6.", "change"),
])
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_cord_item_names_the_problem(sentence, problem, language):
    book = phrasebook(language)
    page = explain([], language, text=sentence).text
    assert book["scope"]["problems"]["cord"][problem] in page
    assert book["scope"]["kinds"]["cord"] not in page


def test_cauda_equina_crowding_is_called_crowding():
    book = phrasebook("es")
    page = explain([], "es", text="The nerve roots of the cauda equina are crowded at L3-L4, crowding of the cauda equina.").text
    assert book["scope"]["problems"]["cauda_equina"]["crowding"] in page


def test_one_sentence_of_two_kinds_is_quoted_once():
    text = "At T11-T12 a protrusion effaces the anterior CSF space and compresses the spinal cord."
    page = explain([], "en", text=text).text
    assert page.count(text) == 1


# --- C9 and needs-review: what the engine did not read ---------------------------------------------

@pytest.mark.parametrize("text", (
    "L2-3: a broad right paramedian disc extrusion migrating downwards.",
    "Disc herniations at the L3-4 and L4-5 levels, as described.",
    "L5-S1 level: a left paracentral protrusion, compressing the left S1 root.",
))
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_report_naming_a_lesion_the_engine_did_not_read_gets_a_page(text, language):
    explanation = explain([], language, text=text)
    assert explanation is not None and has_page([], text)
    book = phrasebook(language)
    # "Something at L4-L5 ...", or "A disc problem at L4-L5 ..." when its words name a disc.
    assert any(book["scope"][key].split("{")[0] in explanation.text for key in ("unread_at", "unread_disc_at"))
    assert explanation.status == "needs-review" and "unread-finding" in explanation.review_reasons


@pytest.mark.parametrize("text", (
    "No disc herniation. The alignment is normal.",
    "L4-L5: no disc protrusion or stenosis. L5-S1: normal.",
    "Heart size normal. The lungs are clear.",
    "No significant change since the previous study.",
))
def test_negative_and_non_spine_reports_still_get_no_page(text):
    assert explain([], "en", text=text) is None and not has_page([], text)


def test_a_level_the_page_does_not_explain_asks_for_review():
    sentence = "L4-L5: mild left foraminal narrowing."
    text = f"{sentence} L2-L3: a broad disc bulge with an annular tear."
    explanation = explain([_foramen(text, sentence=sentence)], "en", text=text)
    assert "unexplained-level" in explanation.review_reasons
    # A bulge called mild or only touching the sac is common: no review; nor a narrowed disc space.
    for other in ("L2-L3: a mild disc bulge.", "L2-L3: disc bulge abutting the thecal sac.",
                  "L2-L3: narrowed disc space with end plate changes."):
        quiet = f"{sentence} {other}"
        assert explain([_foramen(quiet, sentence=sentence)], "en", text=quiet).status == "ready", other
    # A bulge asks for review but is not listed; a protrusion is listed too.
    _, unread, _ = page_mentions([_foramen(text, sentence=sentence)], text)
    assert unread == []
    text = f"{sentence} L2-L3: a left protrusion."
    _, unread, _ = page_mentions([_foramen(text, sentence=sentence)], text)
    assert [m.level for m in unread] == ["L2-L3"]


def test_a_second_level_of_one_sentence_that_no_finding_reads_asks_for_review():
    first = "Moderate right foraminal narrowing at C4/C5 and on the left at C5/C6."
    second = "Mild canal stenosis at C5/C6."
    text = f"{first} {second}"
    findings = [_foramen(text, "C4-C5", first), Finding("canal-stenosis", level="C5-C6", severity="mild",
                                                         evidence=[Evidence(text.index(second), len(text))])]
    explanation = explain(findings, "en", text=text)
    assert "unexplained-level" in explanation.review_reasons
    ready = explain(findings[:1], "en", text=first.replace(" and on the left at C5/C6", ""))
    assert "unexplained-level" not in ready.review_reasons


def test_a_level_read_from_another_sentence_in_a_header_block_counts():
    text = "L4/L5 level:\nA left protrusion narrows the left foramen.\n"
    finding = _foramen(text, sentence="A left protrusion narrows the left foramen.")
    assert explain([finding], "en", text=text).status == "ready"


# --- C8: warning signs of the study's region, and a cause list --------------------------------------

def test_the_study_code_chooses_the_warning_signs_when_the_text_names_no_region():
    canal = Finding("canal-stenosis", severity="moderate")
    text = "There is moderate central canal stenosis."
    for language in LANGUAGES:
        book = phrasebook(language)
        low = explain([canal], language, text=text, region_text="MRI lumbar spine")
        assert book["help"]["cord"][0] not in low.text and book["help"]["urgent"][0] in low.text
        neck = explain([canal], language, text=text, region_text="MRI cervical spine")
        assert book["help"]["cord"][0] in neck.text and book["help"]["urgent"][0] not in neck.text
        unknown = explain([canal], language, text=text)
        assert book["help"]["cord"][0] in unknown.text and book["help"]["urgent"][0] in unknown.text


def test_the_study_words_come_from_the_report_code():
    report = {"code": {"text": "MRI lumbar spine", "coding": [{"display": "MR Lumbar spine WO contrast"}]}}
    assert study_words(report) == "MRI lumbar spine MR Lumbar spine WO contrast"
    assert study_words({"code": "broken"}) == "" and study_words({}) == ""


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_unknown_cause_beside_a_named_one_is_left_out(language):
    book = phrasebook(language)
    root = Finding("nerve-root", level="L5-S1", root="S1", side="left", degree="compression", cause=["other", "scar"])
    sentence = explain([root], language).finding_sentences[0]
    assert book["causes"]["scar"]["phrase"] in sentence
    assert f'{book["causes"]["other"]["phrase"]}{book["and"]}' not in sentence
    alone = Finding("nerve-root", level="L5-S1", root="S1", side="left", degree="compression", cause=["other"])
    assert book["causes"]["other"]["phrase"] in explain([alone], language).finding_sentences[0].lower()


def test_each_clause_of_a_sentence_is_read_for_its_own_level():
    first = "A large left protrusion at L5-S1 displaces the left S1 nerve root"
    text = f"{first}; mild annular bulge at L4-L5."
    root = Finding("nerve-root", level="L5-S1", root="S1", side="left", degree="displacement",
                   evidence=[Evidence(0, len(first))])
    listed, unread, any_level = page_mentions([root], text)
    assert unread == [] and not any_level


def test_pressure_on_the_csf_space_in_front_of_the_cord_is_listed():
    # "mild" grades the bulge, not the pressure (review 9c): no grade is said for the pressure.
    text = "C4-C5: mild disc bulge compressing the anterior CSF space."
    listed, _, _ = page_mentions([], text)
    assert [m.kind for m in listed] == ["sac"] and listed[0].grade is None
    listed, _, _ = page_mentions([], "C4-C5: a disc bulge mildly compressing the anterior CSF space.")
    assert [m.kind for m in listed] == ["sac"] and listed[0].grade == "mildly"
