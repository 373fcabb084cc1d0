"""The dialect of real notes (own sentences in the style of shared/corpus/real; FORMAT.md's rulings from real
reports): the exit canal is the foramen, sides before coordinated nouns, typed variants, item separators."""

from service.extract import extract_findings

from extract_helpers import CANAL, FORAMEN, NERVE, RECESS, find, read, single


def test_the_exit_canal_is_the_foramen_and_the_sac_is_no_stenosis():
    found = read("L4-L5: broad disc bulge seen, compressing the sac and encroaching upon exit neural canals.")
    assert single(find(found, type=FORAMEN))["side"] == "bilateral"
    assert not find(found, type=CANAL)


def test_exit_before_a_narrowing_word_is_the_foramen():
    found = read("C3/4: disc osteophyte complex. Mild left exit narrowing.")
    assert single(find(found, type=FORAMEN)) == {"type": FORAMEN, "level": "C3-C4", "side": "left",
                                                  "severity": "mild", "assertion": "present"}


def test_a_verb_narrows_its_object_not_its_subject():
    found = read("L5-S1: bulge extending to the lateral recess encroaching upon both exit neural canals.")
    assert find(found, type=FORAMEN) and not find(found, type=RECESS)


def test_a_narrowing_word_takes_its_object():
    found = read("L4-5: protrusion compressing thecal sac and narrowing left neural foramen.")
    assert single(find(found, type=FORAMEN))["side"] == "left"
    assert not find(found, type=CANAL)


def test_disc_space_narrowing_is_no_stenosis_of_what_follows():
    found = read("L5-S1: mild disc space narrowing the canal is widely patent")
    assert single(find(found, type=CANAL))["assertion"] == "absent"


def test_more_to_one_side_is_bilateral():
    found = read("C4/C5: disc bulges encroaching the exit neural canal more to the Rt.")
    assert single(find(found, type=FORAMEN))["side"] == "bilateral"


def test_the_subject_keeps_its_side():
    found = read("L5-S1: broad disc bulge, more to the Lt side, compressing the thecal sac and the Lt exit canal.")
    assert single(find(found, type=FORAMEN))["side"] == "left"


def test_a_side_before_coordinated_nouns_covers_the_root():
    found = read("L4/L5: bulge compressing the Rt sided thecal sac and exit nerve root.")
    assert single(find(found, type=NERVE))["side"] == "right"


def test_roots_as_typed_and_joined():
    for text in ("L4/L5: bulge compressing thecal sac and both exit nerves roots.",
                 "L4/L5: bulge compressing thecal sac & nerve roots.",
                 "L4/L5: bulge mild compressing the thecal sac nerve roots."):
        assert single(find(read(text), type=NERVE))["side"] == "bilateral", text


def test_a_root_named_in_brackets_and_after_its_side():
    assert single(find(read("L5/S1: protrusion compressing thecal sac and Lt exit nerve root (S1)."),
                       type=NERVE))["root"] == "S1"
    assert single(find(read("L5/S1: protrusion compressing the thecal sac and S1 Lt exit nerve root."),
                       type=NERVE))["side"] == "left"


def test_slashes_separate_items():
    found = read("L5-S1: protrusion narrowing right neural foramen./// L4-5: bulge narrowing both neural foramina")
    assert {(f["level"], f["side"]) for f in find(found, type=FORAMEN)} == {("L5-S1", "right"),
                                                                             ("L4-L5", "bilateral")}


def test_a_noun_reaches_a_root_named_by_letter():
    found = read("Compression of the right L4 nerve root with potential for irritation of the right S1.")
    assert single(find(found, root="S1"))["assertion"] == "possible"


def test_typed_grades_and_causes():
    (finding,) = find(read("L5/S1: disc protruion, mildy compressing the left S1 nerve root."), type=NERVE)
    assert finding["severity"] == "mild" and finding["cause"] == ["disc-protrusion"]


FAR = ("L5-S1: {} compression; the left S1 nerve root in the left lateral recess beside the left facet joint below "
       "the left pedicle near the ligament at the endplate by the dura.")


def test_never_silent_on_a_root_a_fallback_reading_is_marked():
    (finding,) = extract_findings(FAR.format("possible"))
    assert (finding.root, finding.side, finding.degree, finding.assertion, finding.level, finding.reading) == \
        ("S1", "left", "compression", "possible", "L5-S1", "fallback")
    assert finding.to_dict()["reading"] == "fallback"


def test_a_fallback_reading_never_denies():
    assert not find(read(FAR.format("no")), type=NERVE)


def test_a_rule_reading_is_not_marked():
    (finding,) = extract_findings("L4-5: protrusion compressing the left L5 nerve root.")
    assert finding.reading is None


def test_a_ladder_word_on_another_structure_gives_no_fallback():
    assert not find(read("L5-S1: protrusion indenting the ventral thecal sac, in close proximity to both S1 nerve "
                         "roots."), type=NERVE)


def test_the_inferred_root_follows_the_stated_role_over_the_zone():
    # TERMINOLOGY.md: exiting at L4-L5 is L4, traversing at L4-L5 is L5; a stated role decides.
    (exiting,) = extract_findings("L4/L5: Lt paracentral disc protrusion compressing thecal sac and Lt exit nerve root.")
    assert (exiting.role, exiting.zone, exiting.root_inferred) == ("exiting", "subarticular", "L4")
    (traversing,) = extract_findings("L4-5: foraminal protrusion compressing the traversing left nerve root.")
    assert traversing.root_inferred == "L5"


def test_a_narrowed_disc_space_is_no_stenosis():
    found = read("L5/S1: protrusion compressing the thecal sac and exit nerve roots with narrowed disc space.")
    assert not find(found, type=CANAL)


def test_exiting_neural_canals_and_the_ap_dimension():
    assert find(read("L3-L4: bulge compressing the thecal sac and encroaching exiting neural canal."), type=FORAMEN)
    found = read("L4-5: moderate narrowing of the AP dimension of the neural foramina bilaterally.")
    assert single(find(found, type=FORAMEN))["severity"] == "moderate"


def test_a_vertebral_body_after_a_ladder_verb_is_no_root():
    assert not find(read("Compression fracture involving D12 body with compression of the thecal sac."), type=NERVE)


def test_a_level_glued_to_the_word_levels():
    found = read("L4/L5 & L5/S1levels: diffuse disc bulge, compressing thecal sac and both nerve roots")
    assert {f["level"] for f in find(found, type=NERVE)} == {"L4-L5", "L5-S1"}


def test_a_root_named_after_its_head():
    (finding,) = find(read("C5/6: disc prolapse with compression and displacement of nerve root C7 on the left."),
                      type=NERVE)
    assert (finding["root"], finding["side"], finding["degree"]) == ("C7", "left", "compression")


def test_a_line_opening_at_a_level_starts_findings_after_the_indication():
    text = ("Clinical Indication: Low back pain radiating to the left leg.\n\nSagittal and axial images were "
            "acquired.\n\nAt L3-4 there is a small broad disc bulge causing minimal central canal narrowing.")
    assert single(find(read(text), type=CANAL))["level"] == "L3-L4"


def test_a_grade_after_a_verbs_object_is_not_a_stenosis_grade():
    found = read("Disc herniation at L3-4, indenting thecal sac minimally abutting the traversing right L4 nerve root")
    assert not find(found, type=CANAL)
    assert single(find(found, type=NERVE))["degree"] == "contact"


def test_a_diminished_ap_dimension_is_a_narrowing():
    found = read("At L2-3 there is a mildly diminished overall AP dimension of the spinal canal.")
    assert single(find(found, type=CANAL))["severity"] == "mild"


def _roots(text):
    return [f for f in extract_findings(text) if f.type == NERVE]


def test_a_root_takes_no_zone_from_the_other_sides_opening():
    # The right foramen is narrowed by a second verb; the left root lies elsewhere: no zone, no exiting root.
    root = single(_roots("L4-5: disc bulge more to the left, compressing the thecal sac, compressing the left "
                         "nerve root and narrowing the right neural foramen."))
    assert root.side == "left" and root.zone is None and root.root_inferred is None


def test_a_root_keeps_the_zone_of_its_own_sides_opening():
    root = single(_roots("L4-5: left foraminal protrusion compressing the left nerve root."))
    assert root.zone == "foraminal" and root.root_inferred == "L4"
    root = single(_roots("L4-5: protrusion compressing the right nerve root in the right foramen."))
    assert root.zone == "foraminal" and root.root_inferred == "L4"


def test_a_stenosis_with_no_location_beside_the_cord_is_the_canals():
    found = read("MRI of the neck showed a disc herniation at C4-C5 with stenosis and cord signal change.")
    assert single(find(found, type=CANAL))["level"] == "C4-C5"
    # Without a word of the central canal it stays unlabelled (FORMAT.md).
    assert not read("MRI of the neck showed a disc herniation at C4-C5 with stenosis.")


def test_a_side_and_level_after_a_stenosis_are_an_item_of_their_own():
    found = read("Severe right foraminal narrowing of C5-C6 and on left side of C6-C7.")
    assert find(found, type=FORAMEN, side="right", level="C5-C6", severity="severe")
    assert find(found, type=FORAMEN, side="left", level="C6-C7", severity="severe")
    assert len(found) == 2
    # A side and level that open a structure of their own are not the stenosis's.
    found = read("Right foraminal stenosis at L3-4 and left L4-5 disc protrusion.")
    assert single(find(found, type=FORAMEN))["level"] == "L3-L4"


def test_a_root_denial_on_a_line_after_a_level_line_is_the_spines():
    found = read("L3-L4: Lt foraminal disc herniation is noted.\nNo significant nerve root compression is noted.\n")
    assert single(find(found, type=NERVE)).get("level") is None
    # A header's level still covers a wrapped line, and the sentences of its own line.
    found = read("L3-L4: Lt foraminal disc herniation is noted. No nerve\nroot compression at this level.\n")
    assert single(find(found, type=NERVE))["level"] == "L3-L4"


def test_a_short_second_word_misspelt_after_a_first_word_spelt_right():
    for text in ("L2-L3: diffuse bulge, compressing the thecal nsac and both exit canals.",
                 "L2-L3: diffuse bulge, compressing the thecal scac and both exit canals."):
        assert single(find(read(text), type=FORAMEN))["side"] == "bilateral", text
    # a real word after the first word is left alone
    assert not find(read("L2-L3: the thecal and spinal sizes are normal."), type=FORAMEN)


def test_levels_joined_as_typed():
    for text in ("Diffuse bulges noted, mainly at L3/L4 level and L5/S1 levels, encroaching upon exit neural canals.",
                 "Bulge noted at L3/L4 & and L5-S1levels, mild encroaching exiting neural canal.",
                 "Bulges noted noticeably at L3/L4/&L5/S1 levels, encroaching both exit neural canals."):
        assert {f["level"] for f in find(read(text), type=FORAMEN)} == {"L3-L4", "L5-S1"}, text


def test_the_ligamentum_flavum_as_dictated():
    for text in ("L4-5: hypertrophied ligament flava and a bulge compressing the left L5 root.",
                 "L4-5: bulge with thickened ligamenta flava compressing the left L5 root."):
        assert set(single(find(read(text), type=NERVE))["cause"]) == {"disc-bulge", "ligamentum-flavum"}, text
