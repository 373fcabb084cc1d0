"""Phrasings a blind corpus of dictated, British, Indian and patient-retyped reports (heldout-7) met and the
engine did not: each test a general rule of report language, on sentences written here."""

from extract_helpers import CANAL, FORAMEN, NERVE, RECESS, find, only, read


def test_nil_denies_what_it_follows_or_precedes():
    assert only("L3-4: mild bulge. CCS nil.", CANAL)["assertion"] == "absent"
    assert only("L3-4: Nil canal stenosis.", CANAL)["assertion"] == "absent"


def test_a_denial_stays_in_its_item_beside_a_graded_one():
    # Either order: the graded foramen is stated as seen, the canal is denied.
    for text in ("L3-4: mild Lt NF narrowing, canal stenosis is absent.", "L3-4: mild Lt NF narrowing, CCS nil.",
                 "L3-4: CCS nil, mild Lt NF narrowing.", "L3-4: mild Lt NF narrowing, canal stenosis not seen."):
        findings = read(text)
        assert find(findings, type=FORAMEN) == [
            {"type": FORAMEN, "level": "L3-L4", "side": "left", "severity": "mild", "assertion": "present"}], text
        assert find(findings, type=CANAL)[0]["assertion"] == "absent", text
    # An ungraded list before a denial is still denied as a whole.
    findings = read("L3-4: Foraminal narrowing, canal stenosis or nerve root compression are not seen.")
    assert {f["type"]: f["assertion"] for f in findings} == {FORAMEN: "absent", CANAL: "absent", NERVE: "absent"}


def test_a_query_mark_hedges_the_finding_it_stands_before():
    for text in ("C5-6: ?compression Lt C6 root.", "C5-6: ?Lt C6 root compression.", "C5-6: Lt C6 root ?compressed."):
        assert only(text, NERVE)["assertion"] == "possible", text
    # A question mark after a finding hedges nothing that follows it.
    assert only("L4-5: Is the L5 root compressed? Yes, the left L5 root is compressed.", NERVE)["assertion"] == "present"


def test_a_grade_after_the_second_side_is_that_sides():
    for text in ("C4/5: mod Rt NF stenosis, Lt mild.", "C4/5: moderate right foraminal stenosis, left mild."):
        assert [(f["side"], f.get("severity")) for f in read(text)] == [("right", "moderate"), ("left", "mild")], text


def test_on_rt_and_on_lt_are_sides_of_their_own_like_on_the_right():
    text = "L2/3: Bilat LR narrowing, moderate-to-severe on Rt, mild on Lt."
    assert [(f["type"], f["side"], f["severity"]) for f in read(text)] == [
        (RECESS, "right", "moderate-to-severe"), (RECESS, "left", "mild")]
    # "extending to Lt lateral recess" is the recess's side, not a side phrase of its own.
    assert find(read("L4/5: Disc bulge extending to Lt lateral recess, narrowing it."), type=RECESS)[0]["side"] == "left"


def test_a_narrowing_word_takes_every_opening_coordinated_after_it():
    text = "L4-L5: Moderate narrowing of right lateral recess and right neural exit foramen."
    assert [(f["type"], f["side"], f["severity"]) for f in read(text)] == [
        (RECESS, "right", "moderate"), (FORAMEN, "right", "moderate")]
    # Each opening keeps its own side word; one side word before them covers both.
    text = "L5-S1: Narrowing of the right lateral recess and the left neural foramen."
    assert [(f["type"], f["side"]) for f in read(text)] == [(RECESS, "right"), (FORAMEN, "left")]
    text = "L5-S1: Narrowing of right lateral recess and neural foramen."
    assert [(f["type"], f["side"]) for f in read(text)] == [(RECESS, "right"), (FORAMEN, "right")]
    # A denial covers them all; the thecal sac is no stenosis when ungraded.
    assert {(f["type"], f["assertion"]) for f in read("L1-2: No narrowing of the canal or exit foramina.")} == {
        (CANAL, "absent"), (FORAMEN, "absent")}
    assert [f["type"] for f in read("L5-S1: narrowing of the right foramen and thecal sac.")] == [FORAMEN]


def test_a_region_label_before_a_level_opens_that_levels_segment():
    text = ("CERVICAL: C5-6 disc osteophyte complex with mild canal stenosis. C6-7 minor bulge, foramina patent.\n"
            "LUMBAR: L4-5 moderate canal stenosis. The traversing L5 roots are crowded bilaterally.")
    root = only(text, NERVE)
    assert (root["root"], root["level"], root["side"]) == ("L5", "L4-L5", "bilateral")


def test_facetal_is_the_facet_joint():
    text = "L3-L4: Bilateral facetal arthropathy compressing the exiting L3 nerve roots."
    assert only(text, NERVE)["cause"] == ["facet-arthropathy"]


def test_a_denied_ladder_noun_reaches_a_root_after_or():
    for text in ("No compression of the thecal sac or the nerve roots.", "No compression of the spinal cord or nerve roots."):
        root = only(text, NERVE)
        assert (root["assertion"], root.get("level")) == ("absent", None), text
    assert only("No compression of the thecal sac or the left L5 nerve root.", NERVE)["side"] == "left"
    # Stated without a denial, the alternative is unsure: possible, not present.
    assert only("Compression of the thecal sac or nerve roots.", NERVE)["assertion"] == "possible"


def test_a_bulge_beside_a_focal_lesion_stays_a_cause_of_a_finding_on_both_sides():
    # Retold with the focal lesion only, both roots keep the bulge that narrows both sides.
    text = ("L5/S1: Diffuse disc bulge with a small right paracentral protrusion, compressing the thecal sac and both "
            "exit nerve roots.\nIMPRESSION: L5/S1 protrusion compressing both exit nerve roots.")
    root = only(text, NERVE)
    assert (root["side"], root["cause"]) == ("bilateral", ["disc-bulge", "disc-protrusion"])
    # On one side, the focal lesion the report names as pressing is the cause.
    text = ("L4-5: Broad disc bulge with superimposed right foraminal protrusion, moderate right foraminal stenosis, "
            "protrusion abuts the exiting right L4 root.\nIMPRESSION: Right foraminal protrusion contacting the right "
            "L4 nerve root.")
    root = only(text, NERVE)
    assert (root["side"], root["cause"]) == ("right", ["disc-protrusion"])


def test_a_bare_disc_after_a_level_names_the_level_not_a_bulge():
    text = "L4-L5 disc: Broad based disc protrusion compressing the traversing L5 nerve roots."
    assert only(text, NERVE)["cause"] == ["disc-protrusion"]
    assert only("L4-5 disc abuts the left L5 root.", NERVE)["cause"] == ["disc-bulge"]


def test_an_unnamed_root_retelling_one_of_two_named_roots_on_its_rung_is_that_root():
    text = ("L5-S1: Left paracentral extrusion compressing the left traversing S1 nerve root. Moderate left neural "
            "foraminal narrowing abutting the left exiting L5 nerve root.\n"
            "IMPRESSION: Nerve root compression at L5-S1 on the left.")
    roots = find(read(text), type=NERVE)
    assert [(f["root"], f["degree"]) for f in roots] == [("S1", "compression"), ("L5", "contact")]


def test_the_level_a_fragment_migrates_to_is_not_the_findings_level():
    text = ("Large left paracentral disc extrusion at L4/5 with caudal migration to the level of the L5/S1 disc, "
            "severely compressing the left L5 nerve root and displacing the left S1 nerve root.")
    roots = find(read(text), type=NERVE)
    assert [(f["root"], f["level"], f["cause"]) for f in roots] == [
        ("L5", "L4-L5", ["disc-extrusion"]), ("S1", "L4-L5", ["disc-extrusion"])]
    text = "Left paracentral extrusion at L4-5 migrating inferiorly to L5-S1, compressing the left L5 nerve root."
    assert only(text, NERVE)["level"] == "L4-L5"


def test_the_structure_a_cause_arises_from_is_not_a_second_cause():
    text = "L5-S1: Small synovial cyst arising from the Lt facet projects into the Lt LR, abutting the Lt S1 nerve root."
    assert only(text, NERVE)["cause"] == ["synovial-cyst"]
    assert only("L4-5: Facet arthropathy with a synovial cyst compresses the right L5 root.", NERVE)["cause"] == [
        "facet-arthropathy", "synovial-cyst"]


def test_a_structure_that_encroaches_on_a_foramen_causes_its_roots_compromise():
    text = ("At C5/6, right uncovertebral osteophytes encroach upon the right exit foramen, which is moderately to "
            "severely narrowed; the exiting right C6 root is likely to be compromised.")
    root = only(text, NERVE)
    assert (root["assertion"], root["cause"]) == ("possible", ["osteophyte"])


def test_nr_is_dictations_nerve_root():
    assert only("L5S1 - DDD. no NR compromise.", NERVE)["assertion"] == "absent"
    root = only("L4-5: bulge abutting the exiting NRs.", NERVE)
    assert (root["side"], root["degree"], root["cause"]) == ("bilateral", "contact", ["disc-bulge"])


def test_a_side_after_a_state_word_is_that_states():
    for text in ("L4-5: Neural foramina: patent on the left, mildly narrowed on the right.",
                 "L4-5: The neural foramina are patent on the left and mildly narrowed on the right.",
                 "L4-5: The foramina are mildly narrowed on the right and patent on the left."):
        assert sorted((f["side"], f["assertion"], f.get("severity")) for f in read(text)) == [
            ("left", "absent", None), ("right", "present", "mild")], text
    # A side word before the next opening stays that opening's.
    assert find(read("L4-5: moderate canal stenosis, bilateral foraminal narrowing."), type=FORAMEN)[0]["side"] == \
        "bilateral"


def test_a_telegraphic_grade_after_an_opening_may_follow_a_dash_and_lead_its_sides():
    for text in ("L4-5: NF - mild B/L.", "L4-5: NF mild B/L.", "L4-5: CCS - nil. NF - mild B/L."):
        assert find(read(text), type=FORAMEN) == [
            {"type": FORAMEN, "level": "L4-L5", "side": "bilateral", "severity": "mild", "assertion": "present"}], text
    assert only("L4-5: Canal - moderate.", CANAL)["severity"] == "moderate"


def test_an_ungraded_narrowing_beside_an_opening_leaves_the_thecal_sac_alone():
    text = "L4-5: Disc bulge causing indentation of the thecal sac and bilateral foraminal narrowing."
    assert [(f["type"], f["side"]) for f in read(text)] == [(FORAMEN, "bilateral")]
    graded = read("L4-5: moderate narrowing of the thecal sac and foramina.")
    assert [(f["type"], f["severity"]) for f in graded] == [(CANAL, "moderate"), (FORAMEN, "moderate")]


def test_a_ladder_verb_that_is_also_a_noun_names_the_state_of_the_opening_before_it():
    assert only("L4-5: mild left foraminal compromise.", FORAMEN) == {
        "type": FORAMEN, "level": "L4-L5", "side": "left", "severity": "mild", "assertion": "present"}
    assert only("L5-S1: bulge without significant canal or neural foraminal compromise.", CANAL)["assertion"] == "absent"
    # As a verb it still acts on its object.
    root = only("L4-5: The protrusion may compromise the left L5 root.", NERVE)
    assert (root["root"], root["assertion"], root["cause"]) == ("L5", "possible", ["disc-protrusion"])


def test_a_level_with_its_colon_heads_the_next_item_in_text_without_line_breaks():
    text = "l4-l5: mild diffuse bulge Mild bilateral foraminal narrowing No canal stenosis l5-s1: no disc herniation"
    assert [(f["type"], f["level"], f["assertion"]) for f in read(text)] == [
        (FORAMEN, "L4-L5", "present"), (CANAL, "L4-L5", "absent")]
    assert only("Mild canal stenosis L4-5.", CANAL)["level"] == "L4-L5"


def test_a_denial_does_not_reach_a_comma_item_that_states_its_own_predicate():
    text = "L4-5: Rt paracentral protrusion, no Lt sided NR compromise, Rt S1 root abutted."
    assert sorted((f["side"], f["assertion"]) for f in find(read(text), type=NERVE)) == [
        ("left", "absent"), ("right", "present")]
    assert only("L4-5: No stenosis, left L5 root compressed by the protrusion.", NERVE)["assertion"] == "present"
    # A list of denied nouns stays denied.
    findings = read("L4-5: No canal stenosis, foraminal narrowing or nerve root compression.")
    assert {f["assertion"] for f in findings} == {"absent"} and len(findings) == 3


def test_a_root_denied_by_its_own_words_does_not_share_the_next_roots_predicate():
    text = "L4-5: no compression of the Lt L5 root, Rt L5 root compressed."
    assert sorted((f["side"], f["assertion"]) for f in find(read(text), type=NERVE)) == [
        ("left", "absent"), ("right", "present")]
    # Roots listed without a predicate of their own share the one after them.
    roots = find(read("L4-5: The L4, L5 and S1 roots are compressed."), type=NERVE)
    assert [(f["root"], f["assertion"]) for f in roots] == [("L4", "present"), ("L5", "present"), ("S1", "present")]


def test_relatively_is_no_grade_word():
    # FORMAT.md: "relatively" grades nothing; a grade word after it still does; typed as dictated, the same.
    for text in ("L4-5: The canal is relatively narrow.", "L3-L4: releatively secondary spinal canal stenosis.",
                 "L4-5: Relatively narrow lateral recesses."):
        finding = read(text)[0]
        assert (finding["assertion"], finding.get("severity")) == ("present", None), text
    assert only("L3-4: Relatively mild central canal stenosis.", CANAL)["severity"] == "mild"
    assert only("L4-5: Relatively capacious canal.", CANAL)["assertion"] == "absent"
