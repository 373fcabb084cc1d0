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


# One sentence per category of grammar.yaml's small words that reads differently once a word is added to it:
# (category, word added, sentence, other edits made first as (file, key, word), facts before, facts after).
# Facts: (type, level, root, side, degree, severity, assertion, causes joined by +) of each finding, sorted.
GRAMMAR_CASES = [
    ('abbreviations', 'xyz',
     'L4-5: possible bulge with xyz. left foraminal stenosis.',
     (),
     [('foraminal-stenosis', 'L4-L5', None, 'left', None, None, 'present', '')],
     [('foraminal-stenosis', 'L4-L5', None, 'left', None, None, 'possible', '')]),
    ('dangling_words', 'zzz',
     'L4-5: protrusion compressing zzz\nLeft L5 nerve root.',
     (),
     [],
     [('nerve-root', 'L4-L5', 'L5', 'left', 'compression', None, 'present', 'disc-protrusion')]),
    ('measurement_units', 'in',
     'Mild left foraminal stenosis at L4 5 in.',
     (),
     [('foraminal-stenosis', 'L4-L5', None, 'left', None, 'mild', 'present', '')],
     [('foraminal-stenosis', 'L4', None, 'left', None, 'mild', 'present', '')]),
    ('grade_shorthands', 'mild',
     'L4-5: mild. L NFN.',
     (),
     [('foraminal-stenosis', 'L4-L5', None, 'left', None, None, 'present', '')],
     [('foraminal-stenosis', 'L4-L5', None, 'left', None, 'mild', 'present', '')]),
    ('grade_shorthand_sides', 'Lft',
     'L4-5: mod. Lft NFN.',
     (),
     [('foraminal-stenosis', 'L4-L5', None, 'left', None, None, 'present', '')],
     [('foraminal-stenosis', 'L4-L5', None, 'left', None, 'moderate', 'present', '')]),
    ('column_sides', 'rght',
     'LEVEL\tCANAL\tNF (rght/lft)\nL4-5\tmild\tmod/sev\n',
     (('grammar.yaml', 'column_sides', 'lft'),),
     [('canal-stenosis', 'L4-L5', None, None, None, 'mild', 'present', '')],
     [('canal-stenosis', 'L4-L5', None, None, None, 'mild', 'present', ''),
      ('foraminal-stenosis', 'L4-L5', None, 'left', None, 'severe', 'present', ''),
      ('foraminal-stenosis', 'L4-L5', None, 'right', None, 'moderate', 'present', '')]),
    ('historical_participles', 'mentioned',
     'L4-5: previously mentioned protrusion compresses the left L5 nerve root.',
     (('assertion.yaml', 'historical', 'previously mentioned'),),
     [],
     [('nerve-root', 'L4-L5', 'L5', 'left', 'compression', None, 'present', 'disc-protrusion')]),
    ('new_item_joiners', 'plus',
     'No central stenosis, plus mild left foraminal narrowing.',
     (),
     [('canal-stenosis', None, None, None, None, None, 'absent', '')],
     [('canal-stenosis', None, None, None, None, None, 'absent', ''),
      ('foraminal-stenosis', None, None, 'left', None, 'mild', 'present', '')]),
    ('clause_joiners', 'plus',
     'No foraminal stenosis plus the protrusion contacts the left S1 root.',
     (),
     [('foraminal-stenosis', None, None, None, None, None, 'absent', ''),
      ('nerve-root', None, 'S1', 'left', None, None, 'absent', '')],
     [('foraminal-stenosis', None, None, None, None, None, 'absent', ''),
      ('nerve-root', None, 'S1', 'left', 'contact', None, 'present', 'disc-protrusion')]),
    ('clause_subjects', 'his',
     'No foraminal stenosis and his protrusion contacts the left S1 root.',
     (),
     [('foraminal-stenosis', None, None, None, None, None, 'absent', ''),
      ('nerve-root', None, 'S1', 'left', None, None, 'absent', '')],
     [('foraminal-stenosis', None, None, None, None, None, 'absent', ''),
      ('nerve-root', None, 'S1', 'left', 'contact', None, 'present', 'disc-protrusion')]),
    ('still_words', 'not changed',
     'L4-5: The previously described severe canal stenosis, not changed.',
     (),
     [('canal-stenosis', 'L4-L5', None, None, None, None, 'present', '')],
     [('canal-stenosis', 'L4-L5', None, None, None, 'severe', 'present', '')]),
    ('grade_negators', 'never',
     'L4-5: canal stenosis, never severe.',
     (),
     [('canal-stenosis', 'L4-L5', None, None, None, 'severe', 'present', '')],
     [('canal-stenosis', 'L4-L5', None, None, None, None, 'present', '')]),
    ('copulas', 'proves',
     'L4-5: left foraminal stenosis proves severe.',
     (),
     [('foraminal-stenosis', 'L4-L5', None, 'left', None, None, 'present', '')],
     [('foraminal-stenosis', 'L4-L5', None, 'left', None, 'severe', 'present', '')]),
    ('changes', 'grown',
     'L4-5: canal stenosis has grown to severe.',
     (),
     [('canal-stenosis', 'L4-L5', None, None, None, None, 'present', '')],
     [('canal-stenosis', 'L4-L5', None, None, None, 'severe', 'present', '')]),
    ('change_from', 'since',
     'L4-5: canal stenosis has worsened since mild to severe.',
     (),
     [('canal-stenosis', 'L4-L5', None, None, None, None, 'present', '')],
     [('canal-stenosis', 'L4-L5', None, None, None, 'severe', 'present', '')]),
    ('change_to', 'unto',
     'L4-5: canal stenosis has progressed unto severe.',
     (),
     [('canal-stenosis', 'L4-L5', None, None, None, None, 'present', '')],
     [('canal-stenosis', 'L4-L5', None, None, None, 'severe', 'present', '')]),
    ('copula_adverbs', 'clearly',
     'L4-5: canal stenosis is clearly severe.',
     (),
     [('canal-stenosis', 'L4-L5', None, None, None, None, 'present', '')],
     [('canal-stenosis', 'L4-L5', None, None, None, 'severe', 'present', '')]),
    ('now_words', 'today',
     'L4-5: canal stenosis, today severe.',
     (),
     [('canal-stenosis', 'L4-L5', None, None, None, None, 'present', '')],
     [('canal-stenosis', 'L4-L5', None, None, None, 'severe', 'present', '')]),
    ('now_phrases', '[is] today',
     'L4-5: the left foramen, previously mildly narrowed, is today severely narrowed.',
     (),
     [],
     [('foraminal-stenosis', 'L4-L5', None, 'left', None, 'severe', 'present', '')]),
    ('side_grade_links', 'plus',
     'L4-5: Foraminal stenosis due to facet hypertrophy is severe on the right plus on the left.',
     (),
     [('foraminal-stenosis', 'L4-L5', None, 'right', None, 'severe', 'present', '')],
     [('foraminal-stenosis', 'L4-L5', None, 'bilateral', None, 'severe', 'present', '')]),
    ('relative_bridges', 'which does',
     'L4-5: A protrusion in the left lateral recess, which does narrow, compresses the L5 root.',
     (),
     [('nerve-root', 'L4-L5', 'L5', None, 'compression', None, 'present', 'disc-protrusion')],
     [('lateral-recess-stenosis', 'L4-L5', None, 'left', None, None, 'present', ''),
      ('nerve-root', 'L4-L5', 'L5', 'left', 'compression', None, 'present', 'disc-protrusion')]),
    ('narrowing_object_words', 'at the',
     'L4-5: protrusion compressing thecal sac and narrowing at the left neural foramen.',
     (),
     [],
     [('foraminal-stenosis', 'L4-L5', None, 'left', None, None, 'present', '')]),
    ('sac_narrowing_words', 'stenosis',
     'L4-5: stenosis of the thecal sac.',
     (),
     [('canal-stenosis', 'L4-L5', None, None, None, None, 'present', '')],
     []),
    ('exception_words', 'apart from',
     'L4-5: the neural foramina are unremarkable apart from mild left narrowing.',
     (),
     [('foraminal-stenosis', 'L4-L5', None, 'bilateral', None, None, 'absent', '')],
     [('foraminal-stenosis', 'L4-L5', None, 'left', None, 'mild', 'present', ''),
      ('foraminal-stenosis', 'L4-L5', None, 'right', None, None, 'absent', '')]),
    ('denial_values', 'no',
     'L4-5: Canal: no.',
     (),
     [],
     [('canal-stenosis', 'L4-L5', None, None, None, None, 'absent', '')]),
    ('level_header_words', 'segment',
     'Mild canal stenosis at L3-4.\nNo fracture at the level\nL5 segment: normal alignment.\nMild left foraminal '
     'stenosis.',
     (),
     [('canal-stenosis', 'L3-L4', None, None, None, 'mild', 'present', ''),
      ('foraminal-stenosis', 'L3-L4', None, 'left', None, 'mild', 'present', '')],
     [('canal-stenosis', 'L3-L4', None, None, None, 'mild', 'present', ''),
      ('foraminal-stenosis', 'L5', None, 'left', None, 'mild', 'present', '')]),
    ('level_introducers', 'near',
     'At L3-4 there is a bulge with mild canal stenosis near L4-5.',
     (),
     [('canal-stenosis', 'L3-L4', None, None, None, 'mild', 'present', '')],
     [('canal-stenosis', 'L4-L5', None, None, None, 'mild', 'present', '')]),
    ('passive_pronouns', 'it seems',
     'The right L5 root was previously compressed. It seems now only contacted.',
     (),
     [],
     [('nerve-root', None, 'L5', 'right', 'contact', None, 'present', '')]),
    ('side_subject_openers', 'also the',
     'Moderate right foraminal stenosis. Also the left is mildly narrowed.',
     (),
     [('foraminal-stenosis', None, None, 'right', None, 'moderate', 'present', '')],
     [('foraminal-stenosis', None, None, 'left', None, 'mild', 'present', ''),
      ('foraminal-stenosis', None, None, 'right', None, 'moderate', 'present', '')]),
    ('side_prepositions', 'both',
     'Uncovertebral hypertrophy both sides causes moderate foraminal narrowing at C5-6.',
     (),
     [('foraminal-stenosis', 'C5-C6', None, None, None, 'moderate', 'present', '')],
     [('foraminal-stenosis', 'C5-C6', None, 'bilateral', None, 'moderate', 'present', '')]),
    ('counting_sides', 'bilateral',
     'L5-S1: bilateral L5 and S1 roots are compressed.',
     (),
     [('nerve-root', 'L5-S1', 'L5', 'bilateral', 'compression', None, 'present', ''),
      ('nerve-root', 'L5-S1', 'S1', 'bilateral', 'compression', None, 'present', '')],
     [('nerve-root', 'L5-S1', 'L5', None, 'compression', None, 'present', ''),
      ('nerve-root', 'L5-S1', 'S1', None, 'compression', None, 'present', '')]),
    ('capital_only_sides', 'lt',
     'L4-5: bulge compressing the lt exit nerve roots.',
     (),
     [('nerve-root', 'L4-L5', None, 'left', 'compression', None, 'present', 'disc-bulge')],
     [('nerve-root', 'L4-L5', None, 'bilateral', 'compression', None, 'present', 'disc-bulge')]),
    ('continuing_openers', 'pressing on',
     'Left paracentral protrusion noted at L5-S1 level\nPressing on the exit nerve root',
     (),
     [('nerve-root', 'L5-S1', None, None, 'impingement', None, 'present', 'disc-protrusion')],
     [('nerve-root', 'L5-S1', None, 'left', 'impingement', None, 'present', 'disc-protrusion')]),
    ('disjunctive_joiners', 'versus',
     'L4-5: The thecal sac versus nerve root compression noted.',
     (),
     [('nerve-root', 'L4-L5', None, None, 'compression', None, 'present', '')],
     [('nerve-root', 'L4-L5', None, None, 'compression', None, 'possible', '')]),
    ('disc_motion_words', 'wandering',
     'L4-5: bulge narrowing both exit foramina, slightly wandering upward.',
     (),
     [('foraminal-stenosis', 'L4-L5', None, 'bilateral', None, 'mild', 'present', '')],
     [('foraminal-stenosis', 'L4-L5', None, 'bilateral', None, None, 'present', '')]),
    ('glued_words', 'appears',
     'L2-3: right bulge appearsmoderately narrowing the right neural foramen.',
     (),
     [('foraminal-stenosis', 'L2-L3', None, 'right', None, None, 'present', '')],
     [('foraminal-stenosis', 'L2-L3', None, 'right', None, 'moderate', 'present', '')]),
    ('causal_connectives', 'courtesy of',
     'L5-S1: compression of the left S1 root courtesy of a disc extrusion.',
     (),
     [('nerve-root', 'L5-S1', 'S1', 'left', 'compression', None, 'present', '')],
     [('nerve-root', 'L5-S1', 'S1', 'left', 'compression', None, 'present', 'disc-extrusion')]),
    ('leads_to', 'yields',
     'C5-6: Uncovertebral hypertrophy yields moderate narrowing of both foramina; the exiting C6 roots are '
     'likely irritated.',
     (),
     [('foraminal-stenosis', 'C5-C6', None, 'bilateral', None, 'moderate', 'present', ''),
      ('nerve-root', 'C5-C6', 'C6', 'bilateral', 'impingement', None, 'possible', '')],
     [('foraminal-stenosis', 'C5-C6', None, 'bilateral', None, 'moderate', 'present', ''),
      ('nerve-root', 'C5-C6', 'C6', 'bilateral', 'impingement', None, 'possible', 'osteophyte')]),
    ('object_coordinators', 'plus',
     'L5-S1: protrusion abuts the thecal sac plus the right S1 nerve root.',
     (),
     [],
     [('nerve-root', 'L5-S1', 'S1', 'right', 'contact', None, 'present', 'disc-protrusion')]),
    ('root_list_coordinators', 'besides',
     'L4-5: extrusion compressing the exiting left L4 besides the traversing left L5 roots.',
     (),
     [('nerve-root', 'L4-L5', 'L4', 'left', 'compression', None, 'present', 'disc-extrusion')],
     [('nerve-root', 'L4-L5', 'L4', 'left', 'compression', None, 'present', 'disc-extrusion'),
      ('nerve-root', 'L4-L5', 'L5', 'left', 'compression', None, 'present', 'disc-extrusion')]),
    ('cause_coordinators', 'plus',
     'L4-5: compression of the left L5 root by a combination of disc bulge plus facet hypertrophy.',
     (),
     [('nerve-root', 'L4-L5', 'L5', 'left', 'compression', None, 'present', 'disc-bulge')],
     [('nerve-root', 'L4-L5', 'L5', 'left', 'compression', None, 'present', 'disc-bulge+facet-arthropathy')]),
    ('cause_determiners', 'some',
     'L4-5: compression of the left L5 root by disc bulge and some facet hypertrophy.',
     (),
     [('nerve-root', 'L4-L5', 'L5', 'left', 'compression', None, 'present', 'disc-bulge')],
     [('nerve-root', 'L4-L5', 'L5', 'left', 'compression', None, 'present', 'disc-bulge+facet-arthropathy')]),
    ('object_pronouns', 'this',
     'The S1 root is not displaced; the protrusion may contact this.',
     (),
     [('nerve-root', None, 'S1', None, None, None, 'absent', '')],
     [('nerve-root', None, 'S1', None, 'contact', None, 'possible', 'disc-protrusion')]),
    ('object_prepositions', 'against',
     'L5-S1: impingement against the right S1.',
     (),
     [],
     [('nerve-root', 'L5-S1', 'S1', 'right', 'impingement', None, 'present', '')]),
    ('origin_words', 'springing from',
     'L4-5: A synovial cyst springing from the right facet compresses the right L5 root.',
     (),
     [('nerve-root', 'L4-L5', 'L5', 'right', 'compression', None, 'present', 'synovial-cyst+facet-arthropathy')],
     [('nerve-root', 'L4-L5', 'L5', 'right', 'compression', None, 'present', 'synovial-cyst')]),
    ('relative_words', 'whereby',
     'L4-5: a disc bulge with a superimposed protrusion, whereby contacts the left L5 root.',
     (),
     [('nerve-root', 'L4-L5', 'L5', 'left', 'contact', None, 'present', 'disc-bulge+disc-protrusion')],
     [('nerve-root', 'L4-L5', 'L5', 'left', 'contact', None, 'present', 'disc-protrusion')]),
    ('run_on_level_openers', 'we see a',
     'L4-L5 there is a bulge L5-S1 we see a protrusion touching the left S1 root',
     (),
     [('nerve-root', 'L5-S1', 'S1', 'left', 'contact', None, 'present', 'disc-bulge+disc-protrusion')],
     [('nerve-root', 'L5-S1', 'S1', 'left', 'contact', None, 'present', 'disc-protrusion')]),
    ('run_on_level_leads', 'near',
     'L4-L5 there is a bulge near L5-S1 there is a protrusion touching the left S1 root',
     (),
     [('nerve-root', 'L5-S1', 'S1', 'left', 'contact', None, 'present', 'disc-bulge+disc-protrusion')],
     [('nerve-root', 'L5-S1', 'S1', 'left', 'contact', None, 'present', 'disc-protrusion')]),
    ('each_side_determiners', 'any',
     'L4-5: No compression of any L5 root.',
     (),
     [('nerve-root', 'L4-L5', 'L5', None, None, None, 'absent', '')],
     [('nerve-root', 'L4-L5', 'L5', 'bilateral', None, None, 'absent', '')]),
    ('side_subject_copulas', 'looks',
     'L5-S1: Neither S1 root is compressed; the left looks contacted.',
     (),
     [('nerve-root', 'L5-S1', 'S1', 'bilateral', None, None, 'absent', '')],
     [('nerve-root', 'L5-S1', 'S1', 'bilateral', None, None, 'absent', ''),
      ('nerve-root', 'L5-S1', 'S1', 'left', 'contact', None, 'present', '')]),
]
_FACTS = ("type", "level", "root", "side", "degree", "severity", "assertion", "cause")


def _facts(findings):
    return sorted(tuple("+".join(finding[k]) if k == "cause" else finding[k] for k in _FACTS) for finding in findings)


@pytest.mark.parametrize("case", GRAMMAR_CASES, ids=[case[0] for case in GRAMMAR_CASES])
def test_an_added_grammar_word_takes_effect(case, tmp_path):
    key, word, text, edits, before, after = case
    base, edited = tmp_path / "base", tmp_path / "edited"  # a lexicon is cached by its directory: two copies
    shutil.copytree(DEFAULT_DIR, base)
    for name, other_key, other_word in edits:
        _add(base / name, other_key, other_word)
    shutil.copytree(base, edited)
    _add(edited / "grammar.yaml", key, word)
    assert _facts(read(text, base)) == [tuple(fact) for fact in before]
    assert _facts(read(text, edited)) == [tuple(fact) for fact in after]


def test_every_grammar_category_is_tested():
    """Each category of grammar.yaml has a case above or a test of its own earlier in this file."""
    import yaml

    categories = set(yaml.safe_load((DEFAULT_DIR / "grammar.yaml").read_text(encoding="utf-8")))
    own_tests = {"root_name_sides", "name_joiners", "vertebra_aliases", "not_a_root_after", "emphasis_words",
                 "location_coordinators", "landmark_words"}
    assert categories - own_tests - {case[0] for case in GRAMMAR_CASES} == set()


def test_an_emphasis_word(lexicon_copy):
    text = "L3-4, L4-5: bulges, chiefly at L4-5, narrowing the neural foramina."
    assert {f["level"] for f in read(text)} == {"L4-L5"}
    _add(lexicon_copy / "grammar.yaml", "emphasis_words", "chiefly")
    assert {f["level"] for f in read(text, lexicon_copy)} == {"L3-L4", "L4-L5"}


def test_a_location_coordinator(lexicon_copy):
    """Shown by taking a word out: the category holds the usual coordinators already."""
    text = "L4-5: mild central and bilateral foraminal stenosis."
    assert {f["type"] for f in read(text)} == {"foraminal-stenosis", "canal-stenosis"}
    path = lexicon_copy / "grammar.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("location_coordinators: [and, ", "location_coordinators: ["),
                    encoding="utf-8")
    assert {f["type"] for f in read(text, lexicon_copy)} == {"foraminal-stenosis"}


def test_a_landmark_word(lexicon_copy):
    text = "Fragment posterior to the L5 body beyond the L4/L5 level, compressing the left exit nerve root."
    assert {f["level"] for f in read(text)} == {"L4-L5"}
    _add(lexicon_copy / "grammar.yaml", "landmark_words", "beyond")
    assert {f["level"] for f in read(text, lexicon_copy)} == {"L5"}
