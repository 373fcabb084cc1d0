"""Phrasings of real radiologists' dictation that the labelled corpora hold few of (own sentences, written for
these tests; the real reports stay in ../shared): linking verbs in the past, the most affected of several
levels under a header, run-on dictation."""

from extract_helpers import CANAL, FORAMEN, NERVE, find, only, read, single

from service import extract_findings


def test_linking_verbs_in_the_past_tense():
    assert single(find(read("L4-L5: the Lt exit canal also appeared compressed."), type=FORAMEN))["side"] == "left"
    assert single(find(read("C5-6: the right neural foramen looked moderately narrowed."),
                       type=FORAMEN)) == {"type": FORAMEN, "level": "C5-C6", "side": "right",
                                          "severity": "moderate", "assertion": "present"}
    assert single(find(read("T7-8: the spinal canal seemed narrowed."), type=CANAL))["level"] == "T7-T8"


def test_the_most_affected_of_the_header_levels_does_not_narrow_a_later_clause():
    for text in ("L3-L4, L4-L5:\nDisc bulges noted, noticeably at L4-L5 level, encroaching both exit canals.",
                 "L3-L4 and L4-L5: disc bulges with facet hypertrophy, mainly at L4-L5, narrowing the neural foramina.",
                 "L3-4, L4-5: bulges, most prominent at L4-5 where there is facet arthropathy, narrowing the foramina."):
        assert {f["level"] for f in find(read(text), type=FORAMEN)} == {"L3-L4", "L4-L5"}, text
    found = read("C4-5, C5-6 and C6-7: disc osteophyte complexes, most prominent at C5-6, with uncovertebral "
                 "hypertrophy narrowing the neural foramina.")
    assert {f["level"] for f in find(found, type=FORAMEN)} == {"C4-C5", "C5-C6", "C6-C7"}


def test_a_finding_in_the_emphasis_clause_stays_at_its_level():
    found = read("C4-5, C5-6 and C6-7: disc osteophyte complexes, most prominent at C5-6 where there is moderate "
                 "left foraminal narrowing.")
    assert single(find(found, type=FORAMEN))["level"] == "C5-C6"
    found = read("L4-L5 and L5-S1: bulges, noticeably at L5-S1 where the Rt exit canal appeared compressed.")
    assert single(find(found, type=FORAMEN)) == {"type": FORAMEN, "level": "L5-S1", "side": "right",
                                                  "assertion": "present"}


def test_an_emphasis_without_a_header_is_the_finding_level():
    found = read("Multilevel disc bulges, noticeably at L4-L5 level, encroaching exit canals.")
    assert single(find(found, type=FORAMEN))["level"] == "L4-L5"


def test_a_weak_location_coordinated_with_the_openings_before_the_narrowing_word():
    assert {(f["type"], f.get("severity")) for f in read("C4/5: slight exit and central narrowing.")} == {
        (FORAMEN, "mild"), (CANAL, "mild")}
    found = read("L4-5: mild central and bilateral foraminal stenosis.")
    assert single(find(found, type=CANAL))["severity"] == "mild"
    assert single(find(found, type=FORAMEN))["side"] == "bilateral"
    assert not find(read("L4-5: central disc protrusion with bilateral foraminal stenosis."), type=CANAL)


def test_each_opening_keeps_its_own_grade():
    for text, canal, foramen in (
            ("L4-5: moderate central canal and mild bilateral foraminal narrowing.", "moderate", "mild"),
            ("T11-12: severe canal and moderate left foraminal stenosis.", "severe", "moderate"),
            ("C5/6: slight exit and moderate central narrowing.", "moderate", "mild")):
        found = read(text)
        assert single(find(found, type=CANAL))["severity"] == canal, text
        assert single(find(found, type=FORAMEN))["severity"] == foramen, text
    found = read("L4-5: mild central, moderate right and mild left foraminal narrowing.")
    assert {(f["side"], f["severity"]) for f in find(found, type=FORAMEN)} == {("right", "moderate"),
                                                                               ("left", "mild")}


def test_a_side_that_predominates_keeps_the_finding_bilateral():
    for text in ("C5-6: uncovertebral hypertrophy narrows the neural foramina, more severe on the right.",
                 "L4-5: bilateral foraminal narrowing, more pronounced on the left side.",
                 "T10-11: facet hypertrophy with foraminal narrowing on either side."):
        assert single(find(read(text), type=FORAMEN))["side"] == "bilateral", text
    found = read("C6-7: possible impingement of either exiting C7 root, more likely on the left.")
    assert single(found) == {"type": "nerve-root", "level": "C6-C7", "root": "C7", "side": "bilateral",
                             "degree": "impingement", "assertion": "possible"}
    # "More prominent" describes the structure, not a predominance of a bilateral finding: its side holds.
    assert single(read("L5-S1: the protrusion is more prominent on the left and contacts the S1 root."))["side"] \
        == "left"


def test_sequences_joined_by_symbols_are_no_level():
    found = read("Signal change posterior to L4 vertebral body, low on T1&T2 WI, encroaching upon the exit neural canal.")
    assert single(found)["level"] == "L4"
    assert single(read("Cyst bright on T2 & T1 WI at L3, narrowing the left neural foramen."))["level"] == "L3"
    assert single(read("Lesion at T1/T2 level narrowing the left neural foramen."))["level"] == "T1-T2"


def test_bone_words_inside_the_stenosis_phrase():
    assert single(read("Notably there is right-sided L3-L4 osseous foraminal encroachment."))["side"] == "right"
    assert single(read("C5-6: left bony foraminal narrowing."))["side"] == "left"


def test_a_bare_disc_level_between_two_statements_opens_the_next_item():
    found = read("L3-4 mild disc bulge no stenosis L4-5 moderate canal stenosis and mild bilateral foraminal "
                 "narrowing L5-S1 left foraminal disc protrusion contacting the exiting left L5 nerve root")
    assert {(f["type"], f["level"], f["assertion"]) for f in found} == {
        (CANAL, "L4-L5", "present"), (FORAMEN, "L4-L5", "present"), ("nerve-root", "L5-S1", "present")}
    found = read("C5-6 no canal stenosis C6-7 severe left foraminal narrowing")
    assert {(f["type"], f["level"], f["assertion"]) for f in found} == {
        (CANAL, "C5-C6", "absent"), (FORAMEN, "C6-C7", "present")}


def test_a_level_inside_a_telegraphic_phrase_stays_with_it():
    assert single(read("Canal stenosis L4-5 moderate."))["severity"] == "moderate"
    assert {f["level"] for f in read("No foraminal stenosis L4-5 or L5-S1.")} == {"L4-L5", "L5-S1"}
    assert single(read("mild L4-5 foraminal stenosis"))["level"] == "L4-L5"


def test_a_level_that_opens_the_next_clause_of_run_on_dictation_is_not_the_finding_level():
    found = read("L4-5 there is a disc bulge with facet arthropathy resulting in moderate bilateral foraminal "
                 "narrowing and mild central canal stenosis the L5-S1 level is unremarkable")
    assert {(f["type"], f["level"]) for f in found} == {(FORAMEN, "L4-L5"), (CANAL, "L4-L5")}
    assert single(read("Mild canal stenosis at the L5-S1 level."))["level"] == "L5-S1"
    assert single(read("C3-4 mild left foraminal narrowing the C5-6 level is normal"))["level"] == "C3-C4"


def test_a_sentence_opening_with_a_ladder_verb_has_the_subject_of_the_sentence_before():
    for text, cause in (
            ("L4-L5: left paracentral disc protrusion noted.\nSignificantly compressing the thecal sac and the left "
             "exit nerve root.", "disc-protrusion"),
            ("Mild facet arthropathy at C4-5. Contacting the right C5 nerve root.", "facet-arthropathy")):
        assert single(read(text))["cause"] == [cause], text
    # A subject of its own keeps the cause unsaid.
    assert "cause" not in single(read("C5-6: Disc osteophyte complex. The left C6 root is compressed."))


def test_verbs_in_a_series_share_their_subject():
    found = read("L5-S1: left disc extrusion compressing the left S1 nerve root within the lateral recess, "
                 "displacing the left L5 nerve root within the left neural foramen.")
    assert {f["root"]: tuple(f["cause"]) for f in found} == {"S1": ("disc-extrusion",), "L5": ("disc-extrusion",)}


def test_an_opening_after_the_alone_opens_a_new_clause_of_run_on_lines():
    found = read("Disc bulges noted at L3-L4 and L4-L5\nEncroaching both exit canals\n"
                 "the spinal canal appears narrowed at L4-L5 level")
    assert {(f["type"], f["level"]) for f in find(found, type=FORAMEN)} == {(FORAMEN, "L3-L4"), (FORAMEN, "L4-L5")}
    assert single(find(found, type=CANAL))["level"] == "L4-L5"
    # A narrowing word's object is no new clause.
    assert single(read("Bulge narrowing the neural foramina at C4-5."))["level"] == "C4-C5"


def test_of_two_words_on_one_rung_the_nearest_to_the_root_gives_the_grade():
    found = read("L5-S1: protrusion with mild inferior extension/encroachment and marked impingement of the left "
                 "S1 root.")
    assert single(found)["severity"] == "severe"
    found = read("C6-7: moderate compression and flattening of the right C7 nerve root.")
    assert single(found)["degree"] == "compression"


def test_advanced_is_no_grade_word():
    """FORMAT.md, rulings from real reports: "largely", "relatively", "advanced" are not grade words."""
    found = read("L5/S1: advanced inferior left lateral recess stenosis due to a disc herniation.")
    assert single(found) == {"type": "lateral-recess-stenosis", "level": "L5-S1", "side": "left",
                             "assertion": "present"}


def test_almost_certainly_is_a_hedge():
    """FORMAT.md, rulings from real reports: "almost certainly" is possible, like "very likely"."""
    for text in ("L5-S1: The right S1 nerve root is almost certainly compressed.",
                 "C6-7: in all likelihood the protrusion contacts the left C7 root."):
        assert single(read(text))["assertion"] == "possible", text


def test_a_level_named_as_a_landmark_is_not_the_place_of_the_finding():
    found = read("Sequestrated disc fragment just posterior to L5 vertebral body below L4/L5 level, compressing "
                 "Lt sided thecal sac and exit nerve roots.")
    assert single(found)["level"] == "L5"
    found = read("Fragment at C7 behind the vertebral body, just inferior to the C6-7 disc, contacting the right C7 "
                 "nerve root.")
    assert single(found)["level"] == "C7"
    # The landmark alone still places the finding.
    assert single(read("Fragment migrating below the L4-5 disc level, compressing the left L5 nerve root."))[
        "level"] == "L4-L5"


def test_a_closing_denial_without_a_level_is_the_whole_spine():
    # FORMAT.md: a denial of the whole spine is one finding with no level; the level named last is not its place.
    for text in ("Small disc bulge seen at L2-L3 level.\nNo appreciable nerve root compression.\nCanal is adequate.",
                 "Broad bulge at the L5/S1 level, indenting the thecal sac. No significant nerve root compression. "
                 "Adequate spinal canal.",
                 "C5-C6: mild disc osteophyte complex.\nC6-C7: small bulge seen.\nAdequate spinal canal."):
        found = read(text)
        denials = [f for f in found if f["assertion"] == "absent"]
        assert denials and all("level" not in f for f in denials), (text, found)


def test_a_denial_referring_back_keeps_the_levels_it_refers_to():
    found = read("Shallow protrusions at T5-6 and T8-9 indent the ventral sac. There is no canal stenosis at these "
                 "levels.")
    assert {f.get("level") for f in find(found, type=CANAL, assertion="absent")} == {"T5-T6", "T8-T9"}


def test_a_denial_under_a_level_header_stays_at_that_level():
    found = read("L2-3: Mild bulge. No canal stenosis.\nL3-4: Moderate facet arthropathy.")
    assert single(find(found, type=CANAL, assertion="absent"))["level"] == "L2-L3"
    found = read("At L1-2 the disc is normal and there is no foraminal narrowing.")
    assert single(find(found, type=FORAMEN, assertion="absent"))["level"] == "L1-L2"


def test_a_lone_lower_case_side_letter_gives_no_side_and_asks_for_review():
    found = extract_findings("L3/L4: wide disc bulge, mildly compressing the thecal sac and r exit nerve roots.")
    root = single([f for f in found if f["type"] == NERVE])
    assert (root["side"], root["severity"], root["reading"]) == ("bilateral", "mild", "fallback")
    found = extract_findings("C6-7: moderate l foraminal narrowing.")
    assert (single(found)["side"], single(found)["reading"]) == (None, "fallback")
    # written as a capital, the letter is the shorthand of a side; letters of both sides contrast them
    assert only("C6-7: moderate L foraminal narrowing.", FORAMEN)["side"] == "left"
    assert {(f["side"], f["severity"]) for f in read("L4-5: mild r and moderate l foraminal narrowing.")} == {
        ("right", "mild"), ("left", "moderate")}


def test_a_narrowing_listed_beside_the_root_finding_keeps_its_side_to_itself():
    found = read("At L2-3 a broad central protrusion flattens the ventral sac, with bilateral foraminal narrowing and "
                 "nerve root deformity.")
    assert single(find(found, type=FORAMEN))["side"] == "bilateral"
    assert "side" not in single(find(found, type=NERVE))
    # a narrowing that is the subject of the ladder verb gives the root its side
    assert only("L4-5: bilateral foraminal narrowing compressing the exiting roots.", NERVE)["side"] == "bilateral"


def test_largely_on_a_ladder_verb_is_the_radiologists_degree_without_a_severity():
    # FORMAT.md: "largely" is no grade word; the page still needs the radiologist's words of degree
    found = extract_findings("L3-L4: left paracentral protrusion, largely compressing the Lt sac and exit nerve root.")
    root = single([f for f in found if f["type"] == NERVE])
    assert (root["side"], root["degree"], root["severity"], root["severity_text"]) == (
        "left", "compression", None, "largely")
    # elsewhere the word means "mostly" and says nothing of degree
    found = extract_findings("L4-5: protrusion encroaching both exit canals (largely the right one).")
    assert single(found)["severity_text"] is None


def test_borderline_is_kept_as_the_radiologists_words_without_a_severity():
    # FORMAT.md: "borderline stenosis" is present with no severity; the page must not drop the word
    for text, kind in (("T12-L1: Canal is borderline stenotic.", CANAL),
                       ("T12-L1: borderline central canal narrowing.", CANAL),
                       ("C4-5: borderline narrowing of the right foramen.", FORAMEN)):
        finding = single([f for f in extract_findings(text) if f["type"] == kind])
        assert (finding["assertion"], finding["severity"], finding["severity_text"]) == (
            "present", None, "borderline"), text


def test_the_most_affected_of_several_levels_is_marked_multilevel():
    found = extract_findings("Multilevel disc bulges with facet arthropathy, mainly at L3-L4 level, compressing the "
                             "thecal sac and encroaching exit canals.")
    foramen = single([f for f in found if f["type"] == FORAMEN])
    assert (foramen["level"], foramen["side"], foramen["multilevel"]) == ("L3-L4", "bilateral", True)
    # a finding in the emphasis's own clause is at that level alone; a level named plainly is no emphasis
    for text in ("Multilevel disc bulges, most marked at L5-S1 where the left S1 root is compressed.",
                 "Multilevel degenerative change. At L4-5 there is moderate left foraminal stenosis."):
        assert not any(f["multilevel"] for f in extract_findings(text)), text
