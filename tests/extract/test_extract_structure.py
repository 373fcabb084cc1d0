"""Report structure: sections, sentences, level segments, tables, comma dumps, markup; evidence offsets."""

from service.extract import extract_findings
from service.extract.lexicon import load_lexicon
from service.extract.sections import find_sections
from service.extract.lexicon import load_lexicon
from service.extract.sentences import split_sentences
from service.extract.textview import plain_view, scan_view

from extract_helpers import read


def sections_of(text):
    plain = plain_view(text)
    return [(s.name, text[s.start:s.end].strip()) for s in find_sections(plain, scan_view(plain), load_lexicon())]


def sentences_of(text):
    return [text[s.start:s.end] for s in split_sentences(text, 0, len(text), load_lexicon())]


def test_headers_with_and_without_colons_in_any_case():
    text = "Clinical history: back pain\nFINDINGS\nL4-5 bulge.\nimpression: no stenosis"
    assert [name for name, _ in sections_of(text)] == ["indication", "findings", "impression"]


def test_findings_suggest_is_not_a_header():
    assert [name for name, _ in sections_of("Findings suggest mild impingement.")] == ["findings"]


def test_capitals_header_without_colon():
    assert [name for name, _ in sections_of("IMPRESSION Mild stenosis at L4-5.")] == ["impression"]


def test_comma_dump():
    text = ("EXAM:,MRI LUMBAR SPINE,HISTORY:,LEG PAIN,FINDINGS:,L3-4:,NO CANAL STENOSIS.,L4-5:,MILD CANAL STENOSIS.,"
            "IMPRESSION:,1. MILD CANAL STENOSIS AT L4-5.")
    assert read(text) == [
        {"type": "canal-stenosis", "level": "L3-L4", "assertion": "absent"},
        {"type": "canal-stenosis", "level": "L4-L5", "severity": "mild", "assertion": "present"}]


def test_sentences_respect_decimals_abbreviations_and_measurements():
    text = "A 4.5 mm protrusion, i.e. a small one, e.g. at L4-5. On 1.5 T images.The root is seen."
    assert sentences_of(text) == ["A 4.5 mm protrusion, i.e. a small one, e.g. at L4-5.", "On 1.5 T images.",
                                  "The root is seen."]


def test_lowercase_report_with_missing_spaces():
    text = ("findings: alignment normal.l3-4: mild bulge,mild bilateral foraminal narowing.l4-5: moderate left "
            "foraminal narowing with impingment of the exiting left l4 nerve root.impression:1.left l4-5 "
            "foraminal stenosis.2.mild change.")
    found = read(text)
    assert {(f["type"], f["level"], f.get("side")) for f in found} == {
        ("foraminal-stenosis", "L3-L4", "bilateral"), ("foraminal-stenosis", "L4-L5", "left"),
        ("nerve-root", "L4-L5", "left")}


def test_numbered_impression_items_start_afresh():
    text = "IMPRESSION:\n1. Left L5-S1 protrusion contacting the left S1 root.\n2. No nerve root compression."
    found = read(text)
    assert found[1] == {"type": "nerve-root", "assertion": "absent"}


def test_table_with_header_row():
    text = ("Level | Canal | Right foramen | Left foramen | Comment\n"
            "L4-5 | mild stenosis | moderate stenosis | patent | right L4 root contacted by foraminal disc\n"
            "L5-S1 | no stenosis | patent | severe stenosis | left L5 root compressed\n")
    found = read(text)
    assert {"type": "foraminal-stenosis", "level": "L4-L5", "side": "right", "severity": "moderate",
            "assertion": "present"} in found
    assert {"type": "foraminal-stenosis", "level": "L5-S1", "side": "left", "severity": "severe",
            "assertion": "present"} in found
    assert {"type": "nerve-root", "level": "L5-S1", "root": "L5", "side": "left", "degree": "compression",
            "assertion": "present"} in found


def test_tab_separated_table():
    text = "Level\tCanal\tNeural foramina\nL3-L4\tmild stenosis\tmild bilateral narrowing\n"
    assert read(text) == [
        {"type": "canal-stenosis", "level": "L3-L4", "severity": "mild", "assertion": "present"},
        {"type": "foraminal-stenosis", "level": "L3-L4", "side": "bilateral", "severity": "mild",
         "assertion": "present"}]


def test_xhtml_narrative():
    text = ('<div xmlns="http://www.w3.org/1999/xhtml"><p><b>L4-L5:</b> Severe compression of the right L5 '
            'nerve root.</p><p><b>L5-S1:</b> Mild bulge, the S1 nerve roots are free.</p></div>')
    assert [(f["level"], f["assertion"]) for f in read(text)] == [("L4-L5", "present"), ("L5-S1", "absent")]


def test_evidence_points_into_the_text_and_findings_merge_across_sections():
    text = ("FINDINGS: L4-L5: Small right subarticular disc protrusion abuts the traversing right L5 nerve root.\n"
            "IMPRESSION: Right subarticular disc protrusion at L4-L5 contacting the traversing right L5 nerve root.")
    (finding,) = extract_findings(text)
    quoted = [text[e.start:e.end] for e in finding.evidence]
    assert len(quoted) == 2 and all("L5 nerve root" in q for q in quoted)
    assert finding.section == "findings" and finding.root_inferred is None


def test_inferred_root_is_kept_apart():
    (finding,) = extract_findings("L5-S1: Right foraminal protrusion contacting the exiting nerve root.")
    assert finding.root is None and finding.root_inferred == "L5" and finding.side == "right"


def test_headers_inside_inline_markup():
    text = ('<div><p><span class="heading-style-x">CLINICAL HISTORY:</span> Rule out L5 nerve root compression.</p>'
            '<p><span class="heading-style-x">FINDINGS:</span> <span class="t">L4-5: Disc protrusion contacting the '
            'left L5 nerve root.</span></p></div>')
    assert [(f["level"], f["root"], f["assertion"]) for f in read(text)] == [("L4-L5", "L5", "present")]


def test_a_sentence_opening_with_a_level_sets_the_level_of_the_sentences_after_it():
    text = ("T12-L1 thru L2-3 negative.\nL3-4 mild bulge, no stenosis.\n"
            "L4-5 postoperative change. Soft tissue in the R lateral recess abuts the R L5 nerve root. "
            "Mild R foraminal narrowing.")
    found = read(text)
    assert {f["level"] for f in found} == {"L4-L5"}
    assert {f["type"] for f in found} == {"nerve-root", "foraminal-stenosis"}


def test_a_single_vertebra_opening_a_sentence_does_not_start_a_level():
    text = "L4-L5: Mild right foraminal narrowing. L5 vertebral body haemangioma. The right L4 root is contacted."
    assert {f["level"] for f in read(text)} == {"L4-L5"}


def test_level_header_with_a_parenthetical_before_its_colon():
    text = ("L2-L3: Mild canal narrowing.\nL3-L4 (adjacent segment): Facet hypertrophy. These result in severe "
            "central canal stenosis, compressing the traversing L4 nerve roots.")
    found = read(text)
    assert {"type": "canal-stenosis", "level": "L3-L4", "severity": "severe", "assertion": "present"} in found
    assert [f["level"] for f in found if f["type"] == "nerve-root"] == ["L3-L4"]


def test_at_a_level_opening_a_sentence_starts_that_level():
    text = ("L3/4 and L4/5: Normal discs with no neural compromise.\nAt L5/S1 a left paracentral extrusion compresses "
            "the left S1 nerve root. The right S1 root is displaced slightly but is not compressed.")
    roots = [(f["level"], f.get("root"), f.get("side")) for f in read(text) if f["type"] == "nerve-root"]
    assert ("L5-S1", "S1", "right") in roots
    assert not [r for r in roots if r[1] == "S1" and r[0] != "L5-S1"]


def test_level_lines_end_a_section_that_yields_no_findings():
    text = ("Procedure: Lumbar puncture at L2-3; 15 mL contrast instilled.\n"
            "L3-4: Mild bulge, no stenosis.\n"
            "L4-5: Moderate right lateral recess stenosis.")
    assert [name for name, _ in sections_of(text)] == ["technique", "findings"]
    findings = read(text)
    assert {"type": "lateral-recess-stenosis", "level": "L4-L5", "side": "right", "severity": "moderate",
            "assertion": "present"} in findings
    assert not [f for f in findings if f.get("level") == "L2-L3"]  # the puncture level is technique


def test_a_level_alone_on_its_line_after_an_indication_is_findings():
    text = "Indication: L radicular pain.\nL4-L5\n  Canal: severe stenosis\n  Foramina: patent"
    assert {"type": "canal-stenosis", "level": "L4-L5", "severity": "severe", "assertion": "present"} in read(text)


def test_a_levels_header_heads_findings():
    assert [name for name, _ in sections_of("Indication: pain.\nDisc levels:\nL4-5 bulge.")] == \
        ["indication", "findings"]


def test_a_line_labelled_with_an_imaging_study_is_read_in_a_clinic_note():
    text = ("CC: low back pain\nExam: R SLR +, decreased sensation lateral R foot.\n"
            "MRI L-spine (prelim read by radiology, 22:40): Severe right L5-S1 foraminal stenosis.\n"
            "A/P: radiculopathy. PT.")
    assert {"type": "foraminal-stenosis", "level": "L5-S1", "side": "right", "severity": "severe",
            "assertion": "present"} in read(text)
    assert [name for name, _ in sections_of("Technique: sagittal T2.\nPost-myelogram CT: L4-5 bulge.")] == \
        ["technique", "findings"]


def test_a_label_dating_the_study_before_this_one_is_no_imaging_label():
    text = "History: back pain.\nPrior MRI (2019): severe right L5-S1 foraminal stenosis.\nFindings: Normal."
    assert read(text) == []


def test_a_full_stop_glued_after_a_one_letter_word_ends_the_sentence():
    assert sentences_of("The roots are contacted bilaterally,L>R.Mild-mod L foraminal narrowing.") == \
        ["The roots are contacted bilaterally,L>R.", "Mild-mod L foraminal narrowing."]


def test_a_location_label_covers_the_items_after_it():
    findings = read("Foraminal narrowing: L4-5 mild bilaterally; L5-S1 moderate left, mild right.")
    assert {(f["level"], f["side"], f["severity"]) for f in findings if f["type"] == "foraminal-stenosis"} == \
        {("L4-L5", "bilateral", "mild"), ("L5-S1", "left", "moderate"), ("L5-S1", "right", "mild")}
    canal = read("Canal: L3-4 mild; L4-5 severe; L5-S1 patent.")
    assert [(f["level"], f.get("severity"), f["assertion"]) for f in canal] == \
        [("L3-L4", "mild", "present"), ("L4-L5", "severe", "present"), ("L5-S1", None, "absent")]


def test_none_in_a_table_cell_denies_its_column():
    text = ("Level | Canal stenosis | L foramen stenosis | R foramen stenosis\n"
            "L1-2 | none | none | none\n"
            "L3-4 | mild | mild | none\n")
    findings = read(text)
    assert {(f["level"], f["type"], f.get("side"), f["assertion"]) for f in findings} == {
        ("L1-L2", "canal-stenosis", None, "absent"), ("L1-L2", "foraminal-stenosis", "left", "absent"),
        ("L1-L2", "foraminal-stenosis", "right", "absent"), ("L3-L4", "canal-stenosis", None, "present"),
        ("L3-L4", "foraminal-stenosis", "left", "present"), ("L3-L4", "foraminal-stenosis", "right", "absent")}
    # The same in a sentence of labelled clauses.
    assert [f["assertion"] for f in read("L1-2: Canal stenosis: none; foramina: patent.")] == ["absent", "absent"]


def test_an_addendum_corrects_what_the_report_stated_before():
    text = ("FINDINGS:\nL5-S1: Right paracentral extrusion compressing the right S1 nerve root.\n"
            "ADDENDUM: Dictation error. The extrusion at L5-S1 is left paracentral. The left S1 root is compressed. "
            "The right S1 root is normal.")
    roots = {f["side"]: f["assertion"] for f in read(text) if f["type"] == "nerve-root"}
    assert roots == {"left": "present", "right": "absent"}


def test_region_headers_of_a_multi_region_report():
    text = ("INDICATION: Right arm and left leg pain.\nCERVICAL FINDINGS: C5-6: Mild canal narrowing.\n"
            "LUMBAR FINDINGS: L4-5: Moderate left foraminal stenosis.")
    assert {(f["type"], f["level"]) for f in read(text)} == {("canal-stenosis", "C5-C6"),
                                                             ("foraminal-stenosis", "L4-L5")}


def test_a_table_column_for_two_sides_and_telegraphic_grades():
    text = ("LEVEL\tCANAL\tLR (R/L)\tNF (R/L)\n"
            "L2-3\tnone\tnone/none\tnone/none\n"
            "L4-5\tmod\tmod/sev\tnone/mild\n")
    findings = {(f["level"], f["type"], f.get("side"), f.get("severity"), f["assertion"]) for f in read(text)}
    assert ("L2-L3", "lateral-recess-stenosis", "left", None, "absent") in findings
    assert ("L2-L3", "canal-stenosis", None, None, "absent") in findings
    assert ("L4-L5", "lateral-recess-stenosis", "left", "severe", "present") in findings
    assert ("L4-L5", "foraminal-stenosis", "right", None, "absent") in findings
    assert ("L4-L5", "foraminal-stenosis", "left", "mild", "present") in findings
    dump = read("L4-5: sev canal stenosis. bilat LR sev. bilat NF mod.")
    assert {(f["type"], f["severity"]) for f in dump} == {("canal-stenosis", "severe"),
                                                           ("lateral-recess-stenosis", "severe"),
                                                           ("foraminal-stenosis", "moderate")}


def test_an_addendum_that_corrects_a_level():
    text = ("FINDINGS: L3-4: Right foraminal extrusion compressing the exiting right L3 nerve root. L4-5: Unremarkable.\n"
            "IMPRESSION: Right foraminal disc extrusion at L4-5 with compression of the exiting right L4 nerve root.\n"
            "ADDENDUM (next day): The level in the impression is incorrect. The extrusion is at L3-4 and compresses "
            "the exiting right L3 nerve root, as described in the findings. L4-5 is unremarkable.")
    assert [(f["level"], f["root"]) for f in read(text) if f["type"] == "nerve-root"] == [("L3-L4", "L3")]
