"""Reports wrapped at a fixed width: a line break inside a sentence does not end it."""

import pytest

from extract_helpers import find, read, single
from service.extract import extract_findings
from service.extract.lexicon import load_lexicon
from service.extract.sentences import split_sentences


def sentences_of(text: str) -> list[str]:
    return [text[s.start:s.end] for s in split_sentences(text, 0, len(text), load_lexicon())]


@pytest.mark.parametrize("text", [
    "At L4-5 a broad based disc bulge contacts the traversing\nL5 nerve roots bilaterally.",
    "At L4-5 a broad based disc bulge contacts the traversing \nL5 nerve roots bilaterally.",
    "A large left paracentral extrusion at L5-S1 compresses the left\nS1 nerve root in the lateral recess.",
    "A large left paracentral extrusion at L5-S1 compresses the\nLeft S1 nerve root in the lateral recess.",
    "The right foraminal protrusion at L4-5 measures up to\n6 mm and abuts the exiting right L4 root.",
    "There is moderate narrowing of the left neural foramen which is visible on\nT2 weighted images.",
])
def test_wrapped_sentence_stays_one(text):
    assert sentences_of(text) == [text]


@pytest.mark.parametrize("text, count", [
    ("Mild canal stenosis\nModerate left foraminal narrowing", 2),
    ("L3-4: mild bulge without stenosis and with\nL4-5: severe stenosis", 2),
    ("Findings are described below, with\n- L4-5: bulge", 2),
    ("The disc bulge narrows the foramen and contacts the exiting\n2. L5-S1: normal", 2),
    ("FINDINGS\nThe discs are normal.", 2),
])
def test_line_that_starts_afresh_splits(text, count):
    assert len(sentences_of(text)) == count


def test_wrapped_root_keeps_its_verb_and_side():
    text = ("FINDINGS: At L5-S1 there is a large left paracentral disc extrusion which severely compresses the\n"
            "left S1 nerve root and displaces the traversing\nS1 root sleeve posteriorly.")
    found = single(find(read(text), type="nerve-root"))
    assert (found["root"], found["side"], found["degree"], found["cause"]) == (
        "S1", "left", "compression", ["disc-extrusion"])


def test_denial_does_not_run_into_the_next_list_line():
    found = read("L4-5:\nNo canal stenosis\nModerate left foraminal narrowing")
    assert single(find(found, type="foraminal-stenosis"))["assertion"] == "present"
    assert single(find(found, type="canal-stenosis"))["assertion"] == "absent"


@pytest.mark.parametrize("text", [
    "L4-5:\nNo stenosis on the left\nModerate right foraminal narrowing",
    "L4-5:\nNo canal stenosis or narrowing of the neural foramina bilaterally, mild\nModerate right foraminal narrowing",
    "L4-5:\nNo canal stenosis at this level with a small bulge and mild facet changes\nL4-5 moderate right foraminal narrowing",
])
def test_list_line_ending_in_a_side_or_grade_is_not_wrapped_into_the_denial(text):
    assert single(find(read(text), type="foraminal-stenosis", side="right"))["assertion"] == "present"


def test_a_line_opening_with_a_phrase_without_subject_continues_the_line_before():
    # notes typed one phrase a line: the opening's cause and level are in the line before
    text = "Broad disc bulges noted at L2-3 and L3-4 levels, abutting the thecal sac\nWith mild encroachment of " \
           "the right exit neural canal at L3-L4 level"
    (found,) = extract_findings(text)
    assert (found.type, found.level, found.side, found.severity) == ("foraminal-stenosis", "L3-L4", "right", "mild")
    assert text[found.evidence[0].start:].startswith("Broad disc bulges")
