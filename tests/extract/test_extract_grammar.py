"""Each category of mappings/extraction/grammar.yaml and the anatomy words the root patterns are built from
takes effect when a word is added: no English word list lives in the engine's code for these."""

import shutil

import pytest

from service.extract import extract_findings
from service.extract.lexicon import DEFAULT_DIR


def read(text, lexicon=None):
    """Every field of each finding, the empty ones too."""
    return [finding.to_dict() for finding in extract_findings(text, lexicon)]


@pytest.fixture
def lexicon_copy(tmp_path):
    target = tmp_path / "extraction"
    shutil.copytree(DEFAULT_DIR, target)
    return target


def _add(path, key, word):
    """Add ``word`` to the YAML list that follows ``key:`` (a flow list on the same line)."""
    text = path.read_text(encoding="utf-8")
    marker = f"{key}: ["
    at = text.index(marker) + len(marker)
    path.write_text(text[:at] + f'"{word}", ' + text[at:], encoding="utf-8")


def _only(findings, **fields):
    return [f for f in findings if all(f.get(k) == v for k, v in fields.items())]


def test_a_side_word_next_to_a_root_name(lexicon_copy):
    text = "L4-5: protrusion compressing the sinistra L5 nerve root."
    assert read(text)[0]["side"] is None
    _add(lexicon_copy / "grammar.yaml", "left", "sinistra")
    assert read(text, lexicon_copy)[0]["side"] == "left"


def test_a_side_word_after_a_root_name():
    (finding,) = _only(read("L5-S1: protrusion compressing the thecal sac and S1 Lt exit nerve root."),
                       type="nerve-root")
    assert (finding["root"], finding["side"], finding["role"]) == ("S1", "left", "exiting")


def test_a_name_joiner(lexicon_copy):
    text = "L5-S1: extrusion compressing the L5 plus S1 nerve roots."
    assert {f["root"] for f in read(text)} == {"L5"}
    _add(lexicon_copy / "grammar.yaml", "name_joiners", "plus")
    assert {f["root"] for f in read(text, lexicon_copy)} == {"L5", "S1"}


def test_a_vertebra_alias(lexicon_copy):
    assert read("D11-D12: mild left foraminal stenosis.")[0]["level"] == "T11-T12"
    text = "X11-X12: mild left foraminal stenosis."
    assert read(text)[0]["level"] is None
    (lexicon_copy / "grammar.yaml").write_text(
        (lexicon_copy / "grammar.yaml").read_text(encoding="utf-8").replace("  d: t", "  d: t\n  x: t"),
        encoding="utf-8")
    assert read(text, lexicon_copy)[0]["level"] == "T11-T12"


def test_not_a_root_after(lexicon_copy):
    text = "R L1 compressed wedge."
    assert _only(read(text), type="nerve-root")
    _add(lexicon_copy / "grammar.yaml", "not_a_root_after", "wedge")
    assert not _only(read(text, lexicon_copy), type="nerve-root")


def test_a_role_word(lexicon_copy):
    text = "L4-5: protrusion compressing the outgoing left L4 nerve root."
    assert read(text)[0]["role"] is None
    _add(lexicon_copy / "anatomy.yaml", "exiting", "outgoing")
    assert read(text, lexicon_copy)[0]["role"] == "exiting"


def test_a_plural_root_word(lexicon_copy, tmp_path):
    text = "L4-5: protrusion compressing the nerve fibres."
    _add(lexicon_copy / "anatomy.yaml", "generic_roots", "nerve fibres")
    plural = tmp_path / "plural"
    shutil.copytree(lexicon_copy, plural)  # a lexicon is cached by its directory: edit a second one
    _add(plural / "anatomy.yaml", "plural_root_words", "fibres")
    assert read(text, lexicon_copy)[0]["side"] is None
    assert read(text, plural)[0]["side"] == "bilateral"


def test_a_foramen_synonym_of_the_exit_canal_dialect():
    found = read("L4-L5: disc bulge compressing the thecal sac and encroaching Lt exit canal.")
    assert _only(found, type="foraminal-stenosis", side="left")
    assert not _only(found, type="canal-stenosis")
