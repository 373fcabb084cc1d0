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
