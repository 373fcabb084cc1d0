"""The lexicon is data: edits to mappings/extraction take effect without touching Python."""

import shutil

import pytest

from service.extract import extract_findings
from service.extract.lexicon import DEFAULT_DIR, LexiconError, load_lexicon

from extract_helpers import read

TEXT = "L5-S1: The protrusion conceivably contacts the right S1 nerve root."


@pytest.fixture
def lexicon_copy(tmp_path):
    target = tmp_path / "extraction"
    shutil.copytree(DEFAULT_DIR, target)
    return target


def _append_to_list(path, key, word, after=""):
    """Add ``word`` to the first list ``key`` in ``path`` that follows the line ``after``."""
    text = path.read_text(encoding="utf-8")
    start = text.index(after) if after else 0
    marker = f"  {key}: ["
    at = text.index(marker, start) + len(marker)
    path.write_text(text[:at] + f'"{word}", ' + text[at:], encoding="utf-8")


def test_packaged_lexicon_loads_and_is_cached():
    assert load_lexicon() is load_lexicon()
    assert len(load_lexicon().entries) > 1000


def test_an_added_hedge_word_makes_the_finding_possible(lexicon_copy):
    assert read(TEXT)[0]["assertion"] == "present"
    _append_to_list(lexicon_copy / "assertion.yaml", "forward", "conceivably", after="hedges:")
    edited = read(TEXT, lexicon_copy)
    assert edited[0]["assertion"] == "possible"
    assert extract_findings(TEXT, lexicon_copy)[0].assertion_triggers == ["conceivably"]


def test_an_added_ladder_synonym_is_read(lexicon_copy):
    text = "L4-5: The disc bulge grazes the left L5 nerve root."
    assert read(text) == []
    _append_to_list(lexicon_copy / "ladder.yaml", "verbs", "grazes")
    assert read(text, lexicon_copy)[0]["degree"] == "contact"


def test_a_phrase_with_two_meanings_is_refused(lexicon_copy):
    _append_to_list(lexicon_copy / "ladder.yaml", "verbs", "stenosis")
    with pytest.raises(LexiconError):
        load_lexicon(lexicon_copy)


def test_yaml_booleans_are_words():
    # "no" in YAML 1.1 is a boolean; in the lexicon it is a denial.
    assert load_lexicon().entry("no").kind == "neg"


def _add_abbreviation(path, short, phrase):
    text = path.read_text(encoding="utf-8")
    marker = "abbreviations:\n"
    at = text.index(marker) + len(marker)
    path.write_text(text[:at] + f'  {short}: "{phrase}"\n' + text[at:], encoding="utf-8")


def test_an_added_abbreviation_is_read_as_its_phrase(lexicon_copy):
    text = "L4-5: mod R LRN."
    assert read(text) == []
    _add_abbreviation(lexicon_copy / "anatomy.yaml", "lrn", "lateral recess narrowing")
    assert read(text, lexicon_copy) == [{"type": "lateral-recess-stenosis", "level": "L4-L5", "side": "right",
                                         "severity": "moderate", "assertion": "present"}]


def test_an_abbreviation_longer_than_its_letters_is_refused(lexicon_copy):
    _add_abbreviation(lexicon_copy / "anatomy.yaml", "xs", "bilateral neural foraminal narrowing")
    with pytest.raises(LexiconError):
        load_lexicon(lexicon_copy)


def test_an_added_verb_degree_word_is_kept_as_the_radiologists_words(lexicon_copy):
    text = "L5-S1: protrusion hugely compressing the left S1 root."
    assert extract_findings(text)[0].severity_text is None
    path = lexicon_copy / "grades.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("verb_degree_words: [", "verb_degree_words: [hugely, "),
                    encoding="utf-8")
    edited = extract_findings(text, lexicon_copy)[0]
    assert (edited.severity, edited.severity_text) == (None, "hugely")
