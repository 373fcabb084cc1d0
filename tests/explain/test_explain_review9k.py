"""The page-side classes of the eleventh radiologist review of issue 9 (50 real reports seen in earlier rounds,
read again), with sentences of our own.

A plural with no side word ("the exit neural canals") is told as the openings, never "on both sides"; what
the report also mentions keeps the report's certainty ("probably detached disc material" may be a fragment,
a stated fracture is not "may be broken"), a change of a bone's shape is not called broken, and its age is
said; a slip's own grade is never the stenosis's word beside it; "largely" is an extent in Spanish, not "un
grado alto".
"""

from __future__ import annotations

import pytest

from service.explain import explain
from service.explain.phrasebook import phrasebook
from service.explain.scope import mentions
from service.extract import extract_findings

LANGUAGES = ("en", "es")
BOTH_SIDES = {"en": "both sides", "es": "ambos lados"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_plural_with_no_side_word_is_not_told_as_both_sides(language):
    book = phrasebook(language)
    plural = "L3-L4: mild disc bulge, encroaching on the exit neural canals."
    stated = "L3-L4: mild disc bulge, encroaching on both exit neural canals."
    (plain,) = [f for f in extract_findings(plural) if f.type == "foraminal-stenosis"]
    (both,) = [f for f in extract_findings(stated) if f.type == "foraminal-stenosis"]
    # FORMAT.md reads both as bilateral; only the second says so in words.
    assert plain.side == both.side == "bilateral" and plain.side_plural and not both.side_plural
    plain_sentence = explain([plain], language, text=plural).finding_sentences[0]
    assert BOTH_SIDES[language] not in plain_sentence
    assert book["openings"]["foraminal-stenosis"]["unsided_many"]["phrase"] in plain_sentence.lower()
    assert BOTH_SIDES[language] in explain([both], language, text=stated).finding_sentences[0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_roots_with_no_side_word_are_the_roots(language):
    text = "L5-S1: disc protrusion compressing the exiting nerve roots."
    (root,) = [f for f in extract_findings(text) if f.type == "nerve-root"]
    assert root.side == "bilateral" and root.side_plural
    sentence = explain([root], language, text=text).finding_sentences[0]
    assert phrasebook(language)["nerve_root"]["plural"]["phrase"] in sentence
    assert BOTH_SIDES[language] not in sentence


def _line(text: str, kind: str, language: str) -> str:
    (mention,) = [m for m in mentions(text) if m.kind == kind]
    page = explain(extract_findings(text), language, text=text).text
    return mention, page


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("sentence", "kind"), [
    ("Behind the L4 body there is soft tissue, probably detached disc material.", "fragment"),
    ("Soft tissue in the canal, mostly sequestered disc.", "fragment"),
    ("Small rounded focus in the T11 body: hemangioma ?", "hemangioma"),
    ("Height loss of L1 ?? fracture.", "fracture"),
])
def test_a_mention_the_report_is_unsure_of_says_may_be(sentence, kind, language):
    text = f"L4-L5: disc bulge contacting the left L5 nerve root. {sentence}"
    mention, page = _line(text, kind, language)
    words = phrasebook(language)["scope"]
    assert mention.hedged
    assert words["hedged_kinds"][kind] in page and words["kinds"][kind] not in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_stated_fracture_is_not_may_be(language):
    text = "L4-L5: disc bulge contacting the left L5 nerve root. Compression fracture of the T12 vertebral body."
    mention, page = _line(text, "fracture", language)
    words = phrasebook(language)["scope"]
    assert not mention.hedged and words["kinds"]["fracture"] in page
    assert words["hedged_kinds"]["fracture"] not in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_change_of_shape_is_not_called_broken_and_its_age_is_said(language):
    text = "L4-L5: disc bulge contacting the left L5 nerve root. Chronic end plate compression of the C7 body."
    mention, page = _line(text, "fracture", language)
    words = phrasebook(language)["scope"]
    assert mention.problem == "shape" and mention.age == "old"
    assert words["problems"]["fracture"]["shape"] in page and words["ages"]["old"] in page
    assert words["kinds"]["fracture"] not in page


def test_a_hedge_before_what_presses_does_not_hedge_the_pressure():
    (sac,) = [m for m in mentions("L4-L5: mostly scar tissue compressing the thecal sac.") if m.kind == "sac"]
    (cord,) = [m for m in mentions("T8-T9: disc possibly compressing the spinal cord.") if m.kind == "cord"]
    assert not sac.hedged and cord.hedged
    # A question mark glued to a level is a lost dash, not a hedge; one before the next words queries those.
    (fracture,) = [m for m in mentions("Bulge at L2?3 and a fracture of L1.") if m.kind == "fracture"]
    asked = mentions("Soft tissue indenting the thecal sac ? sequestered disc.")
    assert not fracture.hedged
    assert [(m.kind, m.hedged) for m in asked] == [("sac", False), ("fragment", True)]


@pytest.mark.parametrize(("sentence", "grade"), [
    ("Grade I anterolisthesis of L4 on L5 with moderate canal stenosis.", "Grade I"),
    ("grade II spodylolisthesis of L5 over S1.", "grade II"),
    ("Slight anterior subluxation of C4 over C5.", "Slight"),
])
def test_a_slip_keeps_its_own_grade(sentence, grade):
    (slip,) = [m for m in mentions(sentence) if m.kind == "slip"]
    assert slip.grade == grade


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_schmorl_node_is_named_quietly(language):
    text = "L4-L5: disc bulge contacting the left L5 nerve root. Small T1 dark lesion of the L2 end plate, probably a Schmorl's node."
    mention, page = _line(text, "schmorl", language)
    words = phrasebook(language)["scope"]
    assert mention.hedged and not mention.review
    assert words["hedged_kinds"]["schmorl"] in page and words["kinds"]["mass"] not in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_disc_reaching_the_lateral_recess_is_listed_on_its_side(language):
    text = "L4-L5: diffuse disc bulge extending to the Lt lateral recess, compressing the thecal sac and the left L5 root."
    (recess,) = [m for m in mentions(text) if m.kind == "recess"]
    assert recess.problem == "left" and not recess.review
    page = explain(extract_findings(text), language, text=text).text
    assert phrasebook(language)["scope"]["problems"]["recess"]["left"] in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_grade_before_place_words_grades_the_narrowing(language):
    text = "At L5-S1 there is advanced inferior left lateral recess stenosis from a disc herniation."
    (recess,) = [f for f in extract_findings(text) if f.type == "lateral-recess-stenosis"]
    assert recess.severity is None  # FORMAT.md: "advanced" is no grade word of the labels
    sentence = explain([recess], language, text=text).finding_sentences[0]
    book = phrasebook(language)
    assert book["grade_sentence"].format(grade=book["grades"]["severe"]) in sentence


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_page_of_other_things_does_not_say_the_report_has_nothing_on_narrowing(language):
    text = "T8-T9: large disc herniation with severe spinal cord compression."
    explanation = explain(extract_findings(text), language, text=text)
    scope_words = phrasebook(language)["scope"]
    assert scope_words["nothing_in_scope"] in explanation.text
    assert "found nothing" not in explanation.text and "no encontró nada" not in explanation.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_canal_narrow_from_birth_names_no_disc_as_its_cause(language):
    text = "C5-6 small central disc protrusion with uncovertebral spurring, mild foraminal stenosis and congenital canal stenosis from short pedicles."
    findings = extract_findings(text)
    page = explain(findings, language, text=text)
    book = phrasebook(language)
    canal, foramen = (next(s for f, s in zip(findings, page.finding_sentences) if f.type == kind)
                      for kind in ("canal-stenosis", "foraminal-stenosis"))
    assert book["born_narrow"] in canal and book["causes"]["disc-protrusion"]["phrase"] not in canal
    # The foramen in the same sentence is not called congenital, and keeps the causes the sentence names.
    assert book["born_narrow"] not in foramen and book["causes"]["osteophyte"]["phrase"] in foramen


def test_luschka_joint_hypertrophy_is_a_bone_spur():
    text = "C6-7 Luschka joint hypertrophy with mild left neuroforaminal stenosis, contacting the left C7 nerve root."
    (root,) = [f for f in extract_findings(text) if f.type == "nerve-root"]
    assert root.cause == ["osteophyte"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_relative_canal_stenosis_is_said_as_the_milder_kind(language):
    text = "L4-L5: diffuse disc bulge with relatively secondary spinal canal stenosis."
    (canal,) = [f for f in extract_findings(text) if f.type == "canal-stenosis"]
    assert canal.severity is None  # FORMAT.md: no grade word
    sentence = explain([canal], language, text=text).finding_sentences[0]
    assert phrasebook(language)["relative_canal"] in sentence
    plain = "L4-L5: diffuse disc bulge with secondary spinal canal stenosis."
    (canal,) = [f for f in extract_findings(plain) if f.type == "canal-stenosis"]
    assert phrasebook(language)["relative_canal"] not in explain([canal], language, text=plain).finding_sentences[0]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("sentence", "problem", "limited"), [
    ("No significant spinal cord or nerve root compression.", "pressure", True),
    ("The cervical spinal cord appears normal.", "other", False),
    ("No abnormal cord signal.", "other", False),
])
def test_a_denied_cord_finding_is_told_as_not_seen(sentence, problem, limited, language):
    text = f"C5-C6: disc protrusion contacting the left C6 nerve root. {sentence}"
    explanation = explain(extract_findings(text), language, text=text)
    book = phrasebook(language)
    form = book["scope"]["not_seen"]["cord"][problem]
    assert form["phrase"].split("{limit}")[0] in explanation.text
    assert (book["grade_meanings"]["significant"] in explanation.text) == limited
    # Never as something the report also mentions.
    assert book["scope"]["problems"]["cord"]["pressure"] not in explanation.text


@pytest.mark.parametrize("sentence", [
    "MRI is advised to rule out cord compression.",
    "Cord compression at C4-C5. No cord compression at C6-C7.",
])
def test_a_cord_the_report_states_or_only_asks_about_is_not_told_as_not_seen(sentence):
    text = f"C5-C6: disc protrusion contacting the left C6 nerve root. {sentence}"
    book = phrasebook("en")
    page = explain(extract_findings(text), "en", text=text).text
    assert book["scope"]["not_seen"]["cord"]["pressure"]["phrase"].split("{limit}")[0] not in page


def test_a_typed_hedge_still_hedges():
    for text in ("Soft tissue behind L4, appearances suggetsive of sequestered disc.",
                 "Low signal behind L4 narrowing the exit canal?sequestered disc."):
        (fragment,) = [m for m in mentions(text) if m.kind == "fragment"]
        assert fragment.hedged, text


@pytest.mark.parametrize("language", LANGUAGES)
def test_mostly_before_what_presses_is_most_likely(language):
    text = "L5-S1: enhancing soft tissue, mostly granulation tissue, compressing the left S1 nerve root."
    (root,) = [f for f in extract_findings(text) if f.type == "nerve-root"]
    sentence = explain([root], language, text=text).finding_sentences[0]
    book = phrasebook(language)
    assert book["cause_hedged"]["likely"].split("{subject}")[0] in sentence


@pytest.mark.parametrize("sentence", [
    "Diffuse disc bulge at L5-S1, more to the Lt side, compressing the thercal sac and Lt exit canal.",
    "At L5-S1 the disc is causing mild flattening of the thecal sac.",
])
def test_sac_pressure_as_typed_or_as_flattening_is_listed(sentence):
    assert "sac" in [m.kind for m in mentions(sentence)]


@pytest.mark.parametrize("words", ["more severe on the left", "more likely on the left"])
def test_a_finding_of_both_sides_keeps_the_side_the_report_leans_to(words):
    text = f"C7-T1: there may be effect on either exiting C7 nerve root, {words}."
    (root,) = [f for f in extract_findings(text) if f.type == "nerve-root"]
    assert root.side == "bilateral"
    book = phrasebook("en")
    sentence = explain([root], "en", text=text).finding_sentences[0]
    assert book["more_on"].format(side=book["sides"]["left"]) in sentence


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_denied_sac_is_not_seen_and_an_undenied_alternative_is_unsure(language):
    text = "L4-L5: mild disc bulge. No significant thecal sac or exiting root compression."
    book = phrasebook(language)
    page = explain(extract_findings(text), language, text=text).text
    assert book["scope"]["not_seen"]["sac"]["other"]["phrase"].split("{limit}")[0] in page
    (sac,) = [m for m in mentions("L4-L5: thecal sac or nerve root compression noted.") if m.kind == "sac"]
    assert sac.hedged


@pytest.mark.parametrize("language", LANGUAGES)
def test_these_causes_names_the_causes_said_before(language):
    text = ("L4-L5: There is a broad-based disc bulge. There is mild degenerative anterolisthesis. "
            "There is moderate canal stenosis related to these combined factors and ligamentum flavum thickening.")
    (canal,) = [f for f in extract_findings(text) if f.type == "canal-stenosis"]
    sentence = explain([canal], language, text=text).finding_sentences[0]
    causes = phrasebook(language)["causes"]
    for cause in ("disc-bulge", "spondylolisthesis", "ligamentum-flavum"):
        assert causes[cause]["phrase"].lower() in sentence.lower(), cause
    # Without the back reference, only the sentence's own cause.
    plain = text.replace("related to these combined factors and", "from")
    (canal,) = [f for f in extract_findings(plain) if f.type == "canal-stenosis"]
    assert causes["disc-bulge"]["phrase"].lower() not in explain([canal], language, text=plain).finding_sentences[0].lower()


@pytest.mark.parametrize("language", LANGUAGES)
def test_mild_sac_pressure_beside_squeezed_roots_does_not_matter_more(language):
    book = phrasebook(language)
    text = "L4-L5: diffuse disc bulge, mildly compressing the thecal sac and both exiting nerve roots."
    page = explain(extract_findings(text), language, text=text).text
    assert book["scope"]["also_intro"] in page and book["scope"]["also_first"] not in page
    assert book["treatment"][0] in page
    # A large one still asks for review and matters more.
    large = text.replace("mildly", "largely")
    explanation = explain(extract_findings(large), language, text=large)
    assert book["scope"]["also_first"] in explanation.text and explanation.status == "needs-review"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_reassuring_page_with_sac_pressure_keeps_the_warning_signs(language):
    book = phrasebook(language)
    text = "L4-L5: small disc protrusion, indenting the thecal sac. No nerve root compression. Adequate canal."
    page = explain(extract_findings(text), language, text=text).text
    assert book["headings"]["help"] in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_narrowing_at_several_levels_names_no_one_root(language):
    text = "Multilevel disc bulges, noticeably at L4-L5, encroaching on the exit neural canals."
    (foramen,) = [f for f in extract_findings(text) if f.type == "foraminal-stenosis"]
    assert foramen.multilevel
    sentence = explain([foramen], language, text=text).finding_sentences[0]
    assert "L4" not in sentence.replace("L4-L5", "")


@pytest.mark.parametrize(("sentence", "kind"), [
    ("Multiple schmorls noted.", "schmorl"),
    ("Disc bulge at L4/L5, copmressing the thecal sac.", "sac"),
])
def test_more_typed_words_are_listed(sentence, kind):
    assert kind in [m.kind for m in mentions(sentence)]
