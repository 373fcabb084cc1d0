"""Radiology language the engine must read: the ladder, sides, grades, causes, stenosis phrasing."""

import pytest

from extract_helpers import CANAL, FORAMEN, NERVE, RECESS, find, only, read




# -- the ladder -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, degree", [
    ("L4-5: The protrusion abuts the right L5 nerve root.", "contact"),
    ("L4-5: The protrusion is intimately associated with the right L5 nerve root.", "contact"),
    ("L4-5: The protrusion contacts and mildly displaces the right L5 nerve root.", "displacement"),
    ("L4-5: Mass effect on the right L5 nerve root.", "displacement"),
    ("L4-5: The right L5 nerve root is posteriorly displaced.", "displacement"),
    ("L4-5: Flattening of the right L5 nerve root.", "compression"),
    ("L4-5: Deformity of the right L5 nerve root by the extrusion.", "compression"),
    ("L4-5: The extrusion encroaches upon the right L5 nerve root.", "impingement"),
    ("L4-5: The right L5 nerve root is affected.", "impingement"),
    ("L4-5: Compromise of the right L5 nerve root.", "impingement"),
])
def test_rungs(text, degree):
    assert only(text, NERVE)["degree"] == degree


def test_denied_rung_does_not_count():
    found = only("L4-5: The bulge contacts but does not displace the exiting L4 nerve roots bilaterally.", NERVE)
    assert (found["degree"], found["side"], found["assertion"]) == ("contact", "bilateral", "present")


def test_not_compressed_but_contacted():
    found = only("L4-5: The exiting left L4 nerve root is not compressed but is contacted.", NERVE)
    assert (found["degree"], found["assertion"]) == ("contact", "present")


def test_contact_without_compression():
    found = only("L4-5: Contact without compression of the left L5 nerve root.", NERVE)
    assert (found["degree"], found["assertion"]) == ("contact", "present")


def test_close_proximity_is_no_finding():
    assert find(read("L5-S1: The protrusion is in close proximity to the left S1 nerve root."), type=NERVE) == []


def test_surrounding_is_no_finding():
    assert read("Enhancing epidural fibrosis surrounds the right S1 nerve root.") == []


def test_verb_acting_on_the_cord_does_not_reach_the_root():
    found = only("C6-7: The protrusion flattens the ventral cord and narrows the right foramen with likely "
                 "compression of the exiting right C7 nerve root.", NERVE)
    assert (found["degree"], found["assertion"]) == ("compression", "possible")


def test_root_after_another_object():
    found = only("L5-S1: Disc material abuts the ventral thecal sac and the right S1 nerve root.", NERVE)
    assert (found["root"], found["side"], found["degree"]) == ("S1", "right", "contact")


# -- grades ---------------------------------------------------------------------------------------------
def test_grade_of_the_root_and_grade_of_the_stenosis():
    found = read("L4-5: Moderate left foraminal stenosis contacting the exiting left L4 nerve root.")
    assert find(found, type=FORAMEN)[0]["severity"] == "moderate"
    assert "severity" not in find(found, type=NERVE)[0]


@pytest.mark.parametrize("words, severity", [
    ("marked compression of", "severe"), ("mild impingement of", "mild"), ("slight compression of", "mild"),
    ("severe compression of", "severe"), ("minimal contact with", "mild"),
])
def test_grade_on_the_root(words, severity):
    assert only(f"L4-5: There is {words} the left L5 nerve root.", NERVE)["severity"] == severity


@pytest.mark.parametrize("words, severity", [
    ("mild to moderate", "mild-to-moderate"), ("mild-moderate", "mild-to-moderate"),
    ("moderate/severe", "moderate-to-severe"), ("moderate to severe", "moderate-to-severe"), ("minimal", "mild"),
    ("high-grade", "severe"), ("critical", "severe"), ("tight", "severe"), ("significant", None),
])
def test_grade_words(words, severity):
    assert only(f"L4-5: {words} right foraminal stenosis.", FORAMEN).get("severity") == severity


def test_separately_graded_sides_are_two_findings():
    found = read("L5-S1: Moderate to severe left and mild right foraminal narrowing.")
    assert [(f["side"], f["severity"]) for f in found] == [("left", "moderate-to-severe"), ("right", "mild")]


def test_grades_after_a_colon():
    found = read("L4-5: Foraminal stenosis: mild on the right, moderate on the left.")
    assert [(f["side"], f["severity"]) for f in found] == [("right", "mild"), ("left", "moderate")]


def test_predicate_grade():
    found = only("CT: Foraminal stenosis due to osteophytes is severe on the left at L5-S1.", FORAMEN)
    assert (found["side"], found["severity"], found["level"]) == ("left", "severe", "L5-S1")


# -- sides ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, side", [
    ("L4-5: Bilateral foraminal stenosis, right greater than left.", "bilateral"),
    ("L4-5: Severe bilateral foraminal stenosis (right greater than left).", "bilateral"),
    ("L4-5: Foraminal stenosis, worse on the right.", "bilateral"),
    ("L4-5: The neural foramina are narrowed.", "bilateral"),
    ("L4-5: Left and right foraminal stenosis.", "bilateral"),
    ("L4-5: Foraminal stenosis.", None),
])
def test_stenosis_sides(text, side):
    assert only(text, FORAMEN).get("side") == side


def test_plural_roots_at_a_level_are_bilateral():
    assert only("L5-S1: The S1 nerve roots are compressed.", NERVE)["side"] == "bilateral"


def test_both_roots():
    assert only("C5-6: Impingement of both C6 nerve roots.", NERVE)["side"] == "bilateral"


def test_cauda_equina_has_no_side():
    found = only("L4-5: Severe canal stenosis with crowding of the cauda equina nerve roots.", NERVE)
    assert "side" not in found and found["degree"] == "impingement"


def test_two_roots_are_two_findings():
    found = read("L5-S1: The extrusion compresses the left L5 and S1 nerve roots.")
    assert [(f["root"], f["side"]) for f in found] == [("L5", "left"), ("S1", "left")]


def test_side_of_the_sentence_opening():
    found = read("C5-6: On the right, uncovertebral spurring severely narrows the foramen and compresses "
                 "the exiting C6 nerve root.")
    assert {f["side"] for f in found} == {"right"}


def test_separate_sides_beat_a_bilateral_summary():
    text = ("L5-S1: On the right, there is severe foraminal stenosis. On the left, there is mild foraminal "
            "stenosis.\nIMPRESSION: Bilateral L5-S1 foraminal stenosis, severe on the right.")
    assert sorted(f["side"] for f in read(text)) == ["left", "right"]


# -- causes ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("structure, cause", [
    ("disc osteophyte complex", "osteophyte"), ("uncovertebral hypertrophy", "osteophyte"),
    ("facet hypertrophy", "facet-arthropathy"), ("synovial cyst", "synovial-cyst"),
    ("ligamentum flavum thickening", "ligamentum-flavum"), ("disc extrusion", "disc-extrusion"),
    ("broad-based disc bulge", "disc-bulge"), ("disc", "disc-bulge"), ("sequestered fragment", "disc-herniation"),
    ("epidural scar", "scar"), ("mass", "other"),
])
def test_cause_of_the_subject(structure, cause):
    assert only(f"L4-5: A {structure} compresses the left L5 nerve root.", NERVE)["cause"] == [cause]


def test_cause_through_a_stenosis():
    found = only("C5-6: Severe bilateral foraminal stenosis secondary to uncovertebral spurring with impingement "
                 "of both C6 nerve roots.", NERVE)
    assert found["cause"] == ["osteophyte"]


def test_cause_after_by():
    found = only("The left S1 nerve root is displaced by a large left paracentral extrusion at L5-S1.", NERVE)
    assert found["cause"] == ["disc-extrusion"]


def test_cause_by_back_reference():
    found = only("L5-S1: There is a right paracentral protrusion. This likely affects the right S1 root.", NERVE)
    assert (found["cause"], found["assertion"]) == (["disc-protrusion"], "possible")


def test_no_cause_across_a_semicolon():
    found = only("L5-S1: Bilateral facet arthropathy with left foraminal narrowing; the left L5 root is "
                 "compressed in the foramen.", NERVE)
    assert "cause" not in found


# -- stenosis phrasing ----------------------------------------------------------------------------------
@pytest.mark.parametrize("text, finding_type", [
    ("L4-5: Narrowing of the right neural foramen.", FORAMEN),
    ("L4-5: The right neuroforamen is narrowed.", FORAMEN),
    ("L4-5: Right foraminal encroachment.", FORAMEN),
    ("L4-5: Right subarticular recess narrowing.", RECESS),
    ("L4-5: The right lateral recess is moderately narrowed.", RECESS),
    ("L4-5: Spinal stenosis.", CANAL),
    ("L4-5: Moderate narrowing of the thecal sac.", CANAL),
    ("The canal is congenitally narrow.", CANAL),
])
def test_stenosis_forms(text, finding_type):
    assert read(text)[0]["type"] == finding_type


def test_cord_compression_and_thecal_sac_effacement_are_not_labelled():
    assert read("C5-6: Disc osteophyte complex effaces the thecal sac and causes cord compression.") == []


def test_borderline_stenosis_is_present_and_ungraded():
    assert only("L4-5: Borderline canal stenosis.", CANAL) == {
        "type": CANAL, "level": "L4-L5", "assertion": "present"}


def test_bare_stenosis_in_a_central_context_is_canal():
    found = only("L4-L5: Central disc protrusion and ligamentum flavum buckling result in moderate stenosis.", CANAL)
    assert found["severity"] == "moderate"


def test_remaining_foramina_are_not_labelled():
    found = read("L4-5: Left foraminal stenosis. The remaining foramina are patent.")
    assert [f["side"] for f in found] == ["left"]


def test_one_side_graded_the_other_denied():
    found = read("L4-L5: Mild left and no right neural foraminal narrowing.")
    assert [(f["side"], f["assertion"], f.get("severity")) for f in found] == [
        ("left", "present", "mild"), ("right", "absent", None)]


def test_change_words_are_not_denials():
    found = read("No significant interval change in mild left foraminal stenosis at L4-5.")
    assert found == [{"type": FORAMEN, "level": "L4-L5", "side": "left", "severity": "mild", "assertion": "present"}]


def test_neural_compromise_is_a_root_finding():
    assert read("L4-5: No neural compromise.") == [{"type": NERVE, "level": "L4-L5", "assertion": "absent"}]


@pytest.mark.parametrize("text, expected", [
    ("L4-5: Nerve roots: normal.", {"type": NERVE, "level": "L4-L5", "side": "bilateral", "assertion": "absent"}),
    ("Nerve root compression: none.", {"type": NERVE, "assertion": "absent"}),
    ("L5-S1: Neural foramina: patent.", {"type": FORAMEN, "level": "L5-S1", "side": "bilateral",
                                          "assertion": "absent"}),
    ("L5-S1: Central canal: mild stenosis.", {"type": CANAL, "level": "L5-S1", "severity": "mild",
                                               "assertion": "present"}),
])
def test_labelled_fields(text, expected):
    assert read(text) == [expected]


def test_relative_clause_subject_is_the_cause():
    found = only("L4-L5: Broad-based disc bulge with superimposed left paracentral protrusion, which contacts the "
                 "descending left L5 nerve root.", NERVE)
    assert found["cause"] == ["disc-protrusion"]


def test_british_phrasing():
    found = read("L4/5: Broad based disc protrusion narrowing both nerve root canals and abutting the descending "
                 "right L5 nerve root. The exit foramina are satisfactory.")
    assert {"type": RECESS, "level": "L4-L5", "side": "bilateral", "assertion": "present"} in found
    assert {"type": FORAMEN, "level": "L4-L5", "side": "bilateral", "assertion": "absent"} in found
    assert find(found, type=NERVE)[0]["cause"] == ["disc-protrusion"]


def test_shared_subject_of_two_verbs():
    found = read("L5/S1: A large left paracentral extrusion is compressing the left S1 nerve root in the lateral "
                 "recess and displacing the left S2 nerve root.")
    assert [(f["root"], f["degree"], f["cause"]) for f in found] == [
        ("S1", "compression", ["disc-extrusion"]), ("S2", "displacement", ["disc-extrusion"])]


@pytest.mark.parametrize("text, expected", [
    ("Rt paracentral protusion at L5-S1 abuting the rt S1 nerve root.",
     {"type": NERVE, "level": "L5-S1", "root": "S1", "side": "right", "degree": "contact",
      "assertion": "present", "cause": ["disc-protrusion"]}),
    ("L4-5: The left L5 nerve root is compresed by the extrusion.",
     {"type": NERVE, "level": "L4-L5", "root": "L5", "side": "left", "degree": "compression",
      "assertion": "present", "cause": ["disc-extrusion"]}),
    ("L4-L5 moderate disc buldge with mild bilat foraminal stenossis.",
     {"type": FORAMEN, "level": "L4-L5", "side": "bilateral", "severity": "mild", "assertion": "present"}),
    ("L5-S1 left foraminal protrusion w/ moderate L foraminal stenosis.",
     {"type": FORAMEN, "level": "L5-S1", "side": "left", "severity": "moderate", "assertion": "present"}),
])
def test_typos_and_shorthand(text, expected):
    assert read(text) == [expected]


def test_real_words_are_not_typos():
    assert read("L4-5: The patient has left L5 nerve root symptoms.") == []


def test_predicate_grades_per_side():
    found = read("CT L4-5: Foraminal stenosis due to facet hypertrophy is moderate on the right and mild on the left.")
    assert [(f["side"], f["severity"]) for f in found] == [("right", "moderate"), ("left", "mild")]


def test_both_of_two_roots_is_no_side():
    found = read("L5-S1: The extrusion compresses both the L5 and S1 nerve roots on the left.")
    assert [(f["root"], f["side"]) for f in found] == [("L5", "left"), ("S1", "left")]


def test_unsided_summary_joins_the_sided_finding():
    text = ("FINDINGS: L5-S1: Right paracentral protrusion compresses the right S1 nerve root.\n"
            "IMPRESSION: L5-S1 protrusion compressing the S1 nerve root.")
    assert [(f["root"], f["side"]) for f in read(text)] == [("S1", "right")]


def test_compression_fracture_is_not_a_rung():
    assert read("L1: Compression fracture. The L1 nerve roots are unremarkable.") == [
        {"type": NERVE, "level": "L1", "root": "L1", "side": "bilateral", "assertion": "absent"}]


def test_side_of_the_same_structure_in_the_sentence_before():
    found = only("L5-S1: Left paracentral protrusion. The protrusion contacts the S1 nerve root.", NERVE)
    assert (found["side"], found["cause"]) == ("left", ["disc-protrusion"])


def test_back_reference_gives_the_stenosis_its_side():
    found = read("L4-5: Left foraminal protrusion. This results in moderate foraminal stenosis.")
    assert found == [{"type": FORAMEN, "level": "L4-L5", "side": "left", "severity": "moderate",
                      "assertion": "present"}]


def test_effacement_narrows_a_recess_not_the_canal():
    found = read("L4-L5: Protrusion results in effacement of the left lateral recess with encroachment on the "
                 "traversing left L5 nerve root. The protrusion also effaces the thecal sac.")
    assert {"type": RECESS, "level": "L4-L5", "side": "left", "assertion": "present"} in found
    assert find(found, type=CANAL) == []


def test_thecal_sac_narrowing_counts_when_graded():
    assert read("L4-5: Narrowing of the thecal sac.") == []
    assert only("L4-5: Moderate narrowing of the thecal sac.", CANAL)["severity"] == "moderate"


def test_lay_words_in_letters_that_quote_a_report():
    found = read("At C6/7 a bony spur narrows the left nerve exit canal severely and is squashing the left C7 "
                 "nerve root.")
    assert {"type": "foraminal-stenosis", "level": "C6-C7", "side": "left", "severity": "severe",
            "assertion": "present"} in found
    assert [(f["root"], f["degree"]) for f in found if f["type"] == "nerve-root"] == [("C7", "compression")]


def test_adverbs_between_the_copula_and_the_grade_keep_the_predicate_grade():
    for text, kind in (("L4-5: The right lateral recess is only minimally narrowed.", "lateral-recess-stenosis"),
                       ("L4-5: The canal is mildly narrowed overall.", "canal-stenosis"),
                       ("L4-5: The exit foramina are just mildly narrowed.", "foraminal-stenosis")):
        assert [(f["type"], f["severity"], f["assertion"]) for f in read(text)] == [(kind, "mild", "present")], text


def test_a_coordinated_root_with_its_own_predicate_keeps_its_own_rung():
    found = read("L4-5: A protrusion contacts the L5 root and the S1 root is likely displaced.")
    assert [(f["root"], f["degree"], f["assertion"]) for f in found] == [
        ("L5", "contact", "present"), ("S1", "displacement", "possible")]


@pytest.mark.parametrize("text, causes", [
    ("The L5 nerve roots are compressed at L4-5 by a combination of disc bulge and facet hypertrophy.",
     ["disc-bulge", "facet-arthropathy"]),
    ("L4-5: The left L5 root is compressed by disc, osteophyte and facet arthropathy.",
     ["disc-bulge", "osteophyte", "facet-arthropathy"]),
    ("L4-5: The left L5 root is compressed by a disc bulge and severe facet hypertrophy.",
     ["disc-bulge", "facet-arthropathy"]),
])
def test_causes_listed_after_by_all_count(text, causes):
    assert only(text, NERVE)["cause"] == causes


def test_a_narrowing_with_compression_gives_both_the_stenosis_and_the_root():
    found = read("L4-5: Both lateral recesses are severely narrowed with compression of the traversing L5 nerve "
                 "roots, the left more than the right.")
    assert {"type": RECESS, "level": "L4-L5", "side": "bilateral", "severity": "severe",
            "assertion": "present"} in found
    assert [(f["root"], f["side"], f["degree"]) for f in found if f["type"] == NERVE] == [
        ("L5", "bilateral", "compression")]


def test_tissue_encasing_a_root_is_no_finding_unless_a_rung_is_stated():
    assert [f for f in read("L4-5: Epidural fibrosis encases the left L5 nerve root.") if f["type"] == NERVE] == []
    assert only("L4-5: Epidural fibrosis encases and displaces the left L5 nerve root.", NERVE)["degree"] == \
        "displacement"


def test_myelographic_root_sleeve_signs():
    findings = read("C4-5: the right C5 root sleeve is amputated. C5-6: non-filling of the left C6 root sleeve; "
                    "the right C6 root sleeve fills normally. C6-7: No root sleeve cutoff.")
    assert {"type": "nerve-root", "level": "C4-C5", "root": "C5", "side": "right", "degree": "impingement",
            "assertion": "present"} in findings
    assert {"type": "nerve-root", "level": "C5-C6", "root": "C6", "side": "left", "degree": "impingement",
            "assertion": "present"} in findings
    assert {"type": "nerve-root", "level": "C5-C6", "root": "C6", "side": "right", "assertion": "absent"} in findings
    assert {"type": "nerve-root", "level": "C6-C7", "assertion": "absent"} in findings


def test_lr_is_the_lateral_recess_and_sten_a_stenosis():
    findings = read("L4-5: R>L LR narrowing. Significant canal sten.")
    assert {"type": "lateral-recess-stenosis", "level": "L4-L5", "side": "bilateral", "assertion": "present"} in findings
    assert {"type": "canal-stenosis", "level": "L4-L5", "assertion": "present"} in findings


def test_a_level_opening_the_next_item_of_a_comma_dump_is_not_the_level_before_it():
    findings = read("Lumbar MRI: L3-4 mild bulge, mild bilat NF narrowing, L4-5 mod canal stenosis, "
                    "contact w/ R L5 root, L5-S1 sev L NF stenosis")
    assert {"type": "foraminal-stenosis", "level": "L3-L4", "side": "bilateral", "severity": "mild",
            "assertion": "present"} in findings
    # Nor is the L3-4 bulge the cause of the L4-5 contact.
    assert {"type": "nerve-root", "level": "L4-L5", "root": "L5", "side": "right", "degree": "contact",
            "assertion": "present"} in findings
    # A level after a comma that ends the phrase is still its level.
    assert {"type": "foraminal-stenosis", "level": "L4-L5", "side": "left", "severity": "mild",
            "assertion": "present"} in read("Mild left foraminal narrowing, L4-5.")


def test_the_disc_level_before_a_root_beats_a_vertebra_named_after_it():
    findings = read("Large R paracentral L5-S1 extrusion migrating inferiorly to the level of the S1 body, "
                    "severely compressing the R S1 nerve root.")
    assert [f["level"] for f in findings if f["type"] == "nerve-root"] == ["L5-S1"]


def test_a_root_takes_only_the_listed_levels_where_anatomy_puts_it():
    findings = read("IMPRESSION: Severe left C5-6 and C6-7 foraminal stenoses with compression of the left C6 root "
                    "and displacement of the left C7 root.")
    roots = {(f["root"], f["level"]) for f in findings if f["type"] == "nerve-root"}
    assert roots == {("C6", "C5-C6"), ("C7", "C6-C7")}
    # A central stenosis reaches the traversing roots: the L5 roots at L4-5 (at L5-S1 those are the S1 roots).
    lumbar = read("Severe L4-5 and L5-S1 canal stenosis compressing the L5 roots.")
    assert {f["level"] for f in lumbar if f["type"] == "nerve-root"} == {"L4-L5"}
    exiting = read("Severe foraminal stenosis at L4-5 and L5-S1 with likely impingement of the exiting L4 and L5 "
                   "nerve roots bilaterally.")
    assert {(f["root"], f["level"]) for f in exiting if f["type"] == "nerve-root"} == {("L4", "L4-L5"),
                                                                                      ("L5", "L5-S1")}
    # Where neither zone nor role says, a lumbar root fits both levels around it.
    assert {f["level"] for f in read("L4-5 and L5-S1: the L5 roots are contacted.")} == {"L4-L5", "L5-S1"}


def test_a_side_opening_a_clause_after_a_semicolon_and_a_bilateral_summary():
    text = ("L4-L5: On the left, the protrusion displaces the traversing L5 root; on the right it only contacts "
            "the traversing L5 root.\nIMPRESSION: L4-5 protrusion with bilateral L5 root involvement.")
    roots = {f["side"]: f.get("degree") for f in read(text) if f["type"] == "nerve-root"}
    assert roots == {"left": "displacement", "right": "contact"}


def test_sides_of_a_root_noun_phrase():
    assert [f["side"] for f in read("L4-5: left and right L5 roots are contacted.")] == ["bilateral"]
    findings = read("L4-5: Both lateral recesses are narrowed, the left more than the right, and the left L5 root "
                    "is compressed.")
    assert [f["side"] for f in findings if f["type"] == "nerve-root"] == ["left"]


def test_roots_listed_before_a_shared_participle_and_plain_words_of_letters():
    findings = read("L4-5: The exiting L4 and traversing L5 nerve roots are compressed on the left.")
    assert {(f["root"], f["side"], f["degree"]) for f in findings} == {("L4", "left", "compression"),
                                                                      ("L5", "left", "compression")}
    letter = read("The MRI from March showed a disc herniation at L5-S1 pressing on the right S1 nerve.")
    assert letter == [{"type": "nerve-root", "level": "L5-S1", "root": "S1", "side": "right",
                       "degree": "impingement", "assertion": "present", "cause": ["disc-herniation"]}]


def test_nerves_that_are_not_spinal_roots_and_studies_that_cannot_judge_roots():
    assert read("A loop of the superior cerebellar artery contacts the right trigeminal nerve near the root entry "
                "zone.") == []
    assert [f for f in read("L5-S1: mild foraminal narrowing. Evaluation of the neural elements is limited on CT; "
                            "no comment can be made on nerve root compression.") if f["type"] == "nerve-root"] == []


def test_a_verb_acts_on_the_root_after_it_not_the_one_before():
    findings = read("L4-5: A fragment compressing the right L5 root and contacting the right S1 root.")
    assert {(f["root"], f["degree"]) for f in findings} == {("L5", "compression"), ("S1", "contact")}
    findings = read("L4-5: The right L4 nerve root is intimately associated with the protrusion in the foramen.")
    assert [(f["root"], f["degree"]) for f in findings if f["type"] == "nerve-root"] == [("L4", "contact")]


def test_a_location_and_its_state_in_a_relative_clause():
    findings = read("L4-5: A protrusion in the left lateral recess, which is narrowed, compresses the L5 root.")
    assert {(f["type"], f["side"]) for f in findings} == {("lateral-recess-stenosis", "left"), ("nerve-root", "left")}
    assert [(f["side"], f["assertion"]) for f in read("L4-5: The left foramen, which is patent, contains the "
                                                      "exiting L4 root.")] == [("left", "absent")]


def test_the_disc_of_a_relative_clause_is_the_cause():
    findings = read("L4-5: Broad-based disc bulge with a superimposed left paracentral protrusion that contacts the "
                    "left L5 root.")
    assert [f["cause"] for f in findings if f["type"] == "nerve-root"] == [["disc-protrusion"]]


def test_a_with_b_are_both_causes():
    # FORMAT.md, rulings from real reports: when the subject is "A with B" or "A and B", both are causes.
    findings = read("L4-5: Facet arthropathy and a disc bulge with a protrusion compress the left L5 root.")
    assert [sorted(f["cause"]) for f in findings if f["type"] == "nerve-root"] == \
        [["disc-bulge", "disc-protrusion", "facet-arthropathy"]]
    findings = read("L4-5: diffuse disc bulge noted with Rt foraminal disc protrusion, compressing the Rt L5 root.")
    assert [sorted(f["cause"]) for f in findings if f["type"] == "nerve-root"] == [["disc-bulge", "disc-protrusion"]]


def test_one_disc_is_one_cause_across_statements():
    findings = read("FINDINGS: L4-5: disc bulge contacts the left L5 root. IMPRESSION: L4-5 protrusion contacting "
                    "the left L5 root.")
    assert [f["cause"] for f in findings if f["type"] == "nerve-root"] == [["disc-protrusion"]]
