"""Engine readings from blind review 9h of real reports, each on sentences written here: a level list that
says its place word again ("at L2/L3& at L3/L4 levels") keeps every level; "exit" typed with an e
("exite nerve roots") is still the exiting root."""

from service.extract import extract_findings


def _places(text: str) -> list[tuple]:
    return [(f.type, f.level, f.root_inferred) for f in extract_findings(text)]


def test_a_level_list_that_says_at_again_keeps_every_level():
    text = "Disc bulges, mostly at L2/L3& at L3/L4 levels, compressing both exit nerve roots."
    assert _places(text) == [("nerve-root", "L2-L3", "L2"), ("nerve-root", "L3-L4", "L3")]
    text = "Protrusions at L4-5 and at L5-S1 compress the traversing nerve roots."
    assert [level for _, level, _ in _places(text)] == ["L4-L5", "L5-S1"]


def test_exit_typed_with_an_e_is_the_exiting_root():
    text = "Left paracentral protrusion at L4-L5 compressing the thecal sac and exite nerve roots."
    assert _places(text) == [("nerve-root", "L4-L5", "L4")]


def test_adequate_typed_without_its_e_still_denies_canal_stenosis():
    findings = extract_findings("Mild bulges at L3-L4 touching the thecal sac.\nThe central canal appeared adquate.")
    assert [(f.type, f.assertion) for f in findings] == [("canal-stenosis", "absent")]


def test_a_level_list_joined_by_a_doubled_ampersand_keeps_every_level():
    text = "Broad bulge at L2/L3&&L3/L4 levels compressing both exit nerve roots."
    assert [level for _, level, _ in _places(text)] == ["L2-L3", "L3-L4"]


def test_a_grade_of_the_discs_own_movement_is_no_grade_of_the_narrowing():
    # (grammar.yaml disc_motion_words)
    text = "L4-L5: broad bulge narrowing both exit foramina, slightly migrating upward."
    (finding,) = extract_findings(text)
    assert finding.type == "foraminal-stenosis" and finding.severity is None
    (graded,) = extract_findings("L4-L5: broad bulge narrowing both exit foramina, slightly.")
    assert graded.severity == "mild"
