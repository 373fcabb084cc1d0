"""Page rules from blind reviews 9g and 9h of real reports, each tested on sentences written here: a bone
bruise and a fibroid are listed; a wide collecting system of a kidney is named on its side with the
ultrasound suggested for it; "appears adequate" keeps its hedge and "still" is said only when the report says
it; a grade of an also-mentioned slip or sac pressure names what it grades; one named root on one side at no
level is at one level; an adequate canal is no denial limited to a degree."""

import pytest

from service.explain import explain, phrasebook
from service.explain.scope import page_mentions, suggestion_details
from service.extract import extract_findings

LANGUAGES = ("en", "es")


def _page(text: str, language: str):
    return explain(extract_findings(text), language, text=text)


def _kinds(text: str) -> set:
    listed, _, _ = page_mentions([], text)
    return {(m.kind, m.problem) for m in listed}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_bone_bruise_is_listed_as_such(language):
    book = phrasebook(language)
    text = "L3-L4: mild bulge with mild left foraminal narrowing. A small bone contusion is seen in the L2 body."
    assert ("bone", "bruise") in _kinds(text)
    assert book["scope"]["problems"]["bone"]["bruise"] in _page(text, language).text
    assert ("bone", "bruise") in _kinds("Bony bruise at the S2 vertebral body, likely after the fall.")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_fibroid_of_the_womb_is_listed(language):
    book = phrasebook(language)
    text = "L5-S1: moderate right foraminal stenosis. Incidental 3 cm intramural uterine fibroid."
    assert book["scope"]["kinds"]["fibroid"] in _page(text, language).text
    assert ("fibroid", None) in _kinds("A leiomyoma of the uterus is noted.")
    assert not _kinds("No uterine fibroid.")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_wide_collecting_system_is_named_on_its_side_with_its_ultrasound(language):
    book = phrasebook(language)
    text = "L4-L5: bulge narrowing both exit foramina. Dilated left pelvi-calyceal system, correlate with renal US."
    page = _page(text, language)
    assert book["scope"]["problems"]["kidney"]["wide_left"] in page.text
    assert book["scope"]["tests"]["ultrasound"] in page.text
    assert page.status == "needs-review"
    (suggestion,) = suggestion_details("Mild hydronephrosis on the right, correlate with kidney US.")
    assert suggestion.kind == "ultrasound"
    assert ("kidney", "wide_right") in _kinds("Mild right hydronephrosis.")
    # An atrophic kidney is no wide collecting system.
    assert ("kidney", "wide_left") not in _kinds("Atrophic left kidney.")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("sentence, way", [
    ("The central canal appears adequate.", "seems"),
    ("The central canal remains adequate.", "still"),
    ("Adequate central canal.", "plain"),
])
def test_an_adequate_canal_keeps_the_reports_own_way_of_saying_it(language, sentence, way):
    book = phrasebook(language)
    text = f"L4-L5: disc bulge with mild bilateral foraminal narrowing. {sentence}"
    page = _page(text, language).text
    said = {w: book["opening_adequate"][w]["one"].split("{object}")[1] for w in book["opening_adequate"]}
    (line,) = [line for line in page.splitlines() if line.endswith(said["plain"]) or line.endswith(said["seems"])]
    # The longest way the line ends with is the one it says (" has enough room." ends " still has enough room.").
    assert max((w for w in said if line.endswith(said[w])), key=lambda w: len(said[w])) == way
    # No degree was named, so the short version does not point at one.
    assert "reassure_limited" not in page and book["reassure_limited"] not in \
        _page(sentence, language).text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_grade_of_a_slip_beside_sac_pressure_names_the_slip(language):
    book = phrasebook(language)
    text = "L4-L5 level where moderate anterolisthesis is seen, compressing the thecal sac and the exit foramina."
    page = _page(text, language).text
    own = book["scope"]["kind_grade"]["slip"]
    assert own["sentence"].format(grade=book["grades"]["moderate"] if language == "en" else "moderado") in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_one_named_root_on_one_side_without_a_level_is_at_one_level(language):
    book = phrasebook(language)
    page = _page("Left paracentral protrusion compressing the left S1 nerve root.", language)
    assert page.finding_sentences[0].startswith(book["no_level_intro_one"].strip().rstrip(","))
    both = _page("Disc bulges compressing the exiting nerve roots on both sides.", language)
    assert all(not s.startswith(book["no_level_intro_one"].strip().rstrip(",")) for s in both.finding_sentences)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_side_in_brackets_beside_a_finding_of_both_sides_is_where_it_is_worse(language):
    book = phrasebook(language)
    text = "Multilevel bulges, most marked at L3-L4 level (Rt side), encroaching the exit canals."
    page = _page(text, language).text
    (sentence,) = [s for s in _page(text, language).finding_sentences]
    assert book["more_on"].split("{side}")[0] in sentence


def test_pressure_on_the_sac_typed_as_one_word_is_listed():
    assert ("sac", None) in _kinds("L3-L4 bulge, mildly compressing thecalsac and the exit canals.")


def _causes(text: str) -> dict:
    from service.explain.causes import with_page_causes
    return {(f.type, f.level): f.cause for f in with_page_causes(extract_findings(text), text)}


def test_a_line_with_no_subject_takes_the_causes_of_the_line_before():
    text = "Broad disc bulge at the L3-L4 level\nModerately encroaching upon both exit foramina"
    assert _causes(text)[("foraminal-stenosis", "L3-L4")] == ["disc-bulge"]
    # (A protrusion placed in the foramen would not be the canal's cause: test_explain_review9n.py.)
    text = "Broad protrusion at L5-S1 compressing the right exit canal.\nWith central canal stenosis noted."
    assert _causes(text)[("canal-stenosis", "L5-S1")] == ["disc-protrusion"]
    # A line with a subject of its own borrows nothing.
    text = "Broad disc bulge at the L3-L4 level\nThe exit foramina are moderately narrowed"
    assert _causes(text)[("foraminal-stenosis", "L3-L4")] == []


def test_a_heading_of_levels_gives_each_the_start_of_the_sentence_below():
    text = "L2-L3, L3-L4:\nBulges with facet arthropathy, most marked at L3-L4 where a synovial cyst is seen, narrowing the exit canals."
    causes = _causes(text)
    assert set(causes[("foraminal-stenosis", "L2-L3")]) == {"disc-bulge", "facet-arthropathy"}
    assert "synovial-cyst" not in causes[("foraminal-stenosis", "L2-L3")]
    from service.explain.scope import is_level_heading
    assert is_level_heading("L2-L3, L3-L4:") and is_level_heading("L4-5 and L5-S1 levels:")
    assert not is_level_heading("L4-5 bulge:")


def test_more_things_a_report_also_mentions_are_listed():
    # Sentences written here for the classes found reading the pages of real reports.
    assert ("fracture", "pars") in _kinds("Bilateral L5 spondylolysis without a slip.")
    assert ("fracture", "pars") in _kinds("A right pars interarticularis defect at L4.")
    assert ("scar", None) in _kinds("Enhancing tissue at the left L5-S1 laminotomy, likely postoperative fibrous tissue.")
    assert ("scar", None) in _kinds("Mostly postoperative granulation/fibrous tissue around the left S1 root.")
    assert ("spinal_cyst", "nerve") in _kinds("Two small tarlovs cysts at S2.")
    assert ("muscle", None) in _kinds("LSS MRI\nRight gluteal muscle signal alteration.")


def test_best_evaluated_on_another_study_is_a_suggestion():
    (suggestion,) = suggestion_details("Possible pars defect, which would best be evaluated on CT.")
    assert suggestion.kind == "ct"


@pytest.mark.parametrize("language", LANGUAGES)
def test_two_levels_named_most_affected_together_are_not_each_most_of_all(language):
    book = phrasebook(language)
    most = book["level_intro_most"].split("{level}")[0]
    text = "Multilevel disc bulges, most marked at L2/L3 & at L3/L4 levels, compressing both exit nerve roots."
    page = _page(text, language)
    assert not any(s.startswith(most) for s in page.finding_sentences)
    assert all(book["more_levels"] in s for s in page.finding_sentences)
    one = _page("Multilevel disc bulges, most marked at L3/L4 level, compressing both exit nerve roots.", language)
    assert one.finding_sentences[0].startswith(most)


def test_review_9i_also_mentions():
    # The signal named before the marrow; the sac typed with its letters swapped.
    assert ("bone", "marrow") in _kinds("LSS MRI\nPatchy low signal of the bone marrow, correlate with bone scan.")
    assert ("sac", None) in _kinds("L3-L4 bulge compressing teh thecal sac.")
    assert ("sac", None) in _kinds("L3-L4 bulge compressing the tehcal sac and exit canals.")


def test_sac_pressure_is_never_presion_alta_in_spanish():
    page = _page("L4-L5 protrusion largely compressing the thecal sac and narrowing the left exit foramen.", "es").text
    assert "presión alta" not in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_reassuring_page_that_lists_something_serious_gives_the_full_warning_signs(language):
    book = phrasebook(language)
    text = "LSS MRI\nL5-S1 protrusion compressing the thecal sac.\nNo nerve root compression. Adequate canal."
    page = _page(text, language)
    assert page.reassuring and book["help"]["urgent"][0] in page.text and book["help"]["prompt_intro"] in page.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_denial_of_one_step_denies_that_step_only(language):
    book = phrasebook(language)
    text = _page("No nerve root or thecal sac compression. Adequate canal.", language).text.lower()
    squeezing = book["nerve_root_absent"]["compression"]["phrase"].replace("{limit}", "").split("{object}")[0].strip()
    pressure = book["nerve_root_absent"]["unstated"]["phrase"].replace("{limit}", "").split("{object}")[0].strip()
    assert squeezing.lower() in text and pressure.lower() not in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_opening_a_sided_structure_presses_on_is_likely_that_side(language):
    book = phrasebook(language)
    page = _page("Lt paracentral bulge at L4-L5, compressing the thecal sac and exit neural canal.", language)
    side = book["sides"]["left"]
    side = side.get("m", side) if isinstance(side, dict) else side
    likely = book["openings"]["foraminal-stenosis"]["inferred"]["phrase"].format(side=side)
    assert any(likely in sentence for sentence in page.finding_sentences)
