"""Misreadings the radiologists' blind reviews of real reports' patient pages found, each shown on sentences
written here (the real texts stay in ../shared): the engine reads the phenomenon, not the one report."""

from service.explain import explain
from service.extract import extract_findings


def _facts(text, *fields):
    fields = fields or ("type", "level", "root", "side", "degree", "assertion")
    return [tuple(getattr(f, name) for name in fields) for f in extract_findings(text)]


# --- 1. A positive statement of alternatives, no denial nor hedge: unsure, never asserted -------------------

def test_alternatives_stated_without_a_denial_are_unsure_not_present():
    """"No A or B compression" that lost its "No": neither asserted nor denied; hedged, and the page asks for
    review."""
    for text in ("Lumbar MRI\nNormal disc heights\nThecal sac or exiting nerve root compression seen at L4-5",
                 "L4-5: Nerve root or thecal sac compression is seen."):
        (finding,) = extract_findings(text)
        assert (finding.type, finding.level, finding.assertion, finding.reading) == \
            ("nerve-root", "L4-L5", "possible", "unsure")
        assert finding.assertion_triggers == ["or"]
        page = explain([finding], "en")
        assert page.status == "needs-review" and "unsure-reading" in page.review_reasons


def test_alternative_roots_or_openings_are_each_unsure():
    assert {(f.root, f.assertion, f.reading) for f in extract_findings(
        "L5-S1: compression of the L5 and/or S1 nerve root.")} == {("L5", "possible", "unsure"),
                                                                    ("S1", "possible", "unsure")}
    assert {(f.type, f.assertion, f.reading) for f in extract_findings("L4-5: foraminal or lateral recess stenosis.")} \
        == {("foraminal-stenosis", "possible", "unsure"), ("lateral-recess-stenosis", "possible", "unsure")}


def test_denied_or_hedged_alternatives_and_alternative_causes_keep_their_reading():
    assert _facts("No thecal sac or nerve root compression at L4-5.", "assertion", "reading") == [("absent", None)]
    assert _facts("L4-5: possible thecal sac or nerve root compression.", "assertion", "reading") == \
        [("possible", None)]
    # Alternatives among the causes leave the finding itself stated.
    assert _facts("L4-5: protrusion or extrusion compressing the left L5 root.", "root", "assertion", "reading") == \
        [("L5", "present", None)]
    assert _facts("L4-5: bulge compressing the thecal sac and the left L5 root.", "root", "assertion", "reading") == \
        [("L5", "present", None)]


# --- 2. A note cut off inside the noun: "... and left exit neural," -------------------------------------------

def test_an_exit_canal_whose_noun_is_cut_short_is_still_the_foramen():
    text = "Lumbar MRI\nBroad bulge at L3-4 level indenting the thecal sac\nRight foraminal protrusion at L4-5 level " \
           "compressing the thecal sac and right exiting neural,\n"
    assert ("foraminal-stenosis", "L4-L5", None, "right", None, "present") in _facts(text)
    # Written out, and beside an exit nerve root, nothing changes.
    assert _facts("Protrusion at L4-5 compressing the thecal sac and right exit neural canal.") == \
        [("foraminal-stenosis", "L4-L5", None, "right", None, "present")]
    assert _facts("Protrusion at L4-5 compressing the thecal sac and right exit nerve root.", "type", "side", "role") \
        == [("nerve-root", "right", "exiting")]


# --- 4. The ligamentum flavum however "ligamentum" is typed ---------------------------------------------------

def test_the_ligamentum_flavum_is_a_cause_whatever_the_typing_of_ligamentum():
    for typed in ("ligamantum", "ligmentum flavum", "lignamentum"):
        text = f"L4-5: disc bulge with {typed} flavum thickening compressing the left L5 nerve root."
        (finding,) = extract_findings(text.replace("flavum flavum", "flavum"))
        assert finding.cause == ["disc-bulge", "ligamentum-flavum"]


def test_a_canal_stenosis_the_page_explains_names_a_mistyped_ligamentum_flavum():
    from service.explain.causes import page_causes

    text = "LSS MRI\nBulges, mainly at L4/L5 level, pressing on the thecal sac and narrowing exit canals along with " \
           "ligamantum flavum hypertrophy, together leading to spinal canal stenosis\n"
    canal = [f for f in extract_findings(text) if f.type == "canal-stenosis"]
    assert [(f.level, page_causes(f, text)) for f in canal] == [("L4-L5", ["disc-bulge", "ligamentum-flavum"])]


# --- 5. A disc's kind, typed beyond repair, is never flattened to a bulge -------------------------------------

def test_a_disc_kind_typed_beyond_repair_keeps_its_kind():
    for typed, cause in (("protrotoin", "disc-protrusion"), ("extrotion", "disc-extrusion"),
                         ("hernitaoin", "disc-herniation")):
        text = f"L4-5: right paracentral disc {typed} with slight caudal migration, compressing the right L5 nerve root."
        (finding,) = extract_findings(text)
        assert finding.cause == [cause], typed
    # A word the lexicon knows after the disc, or one that begins like no disc kind, leaves the bare disc.
    assert [f.cause for f in extract_findings("L4-5: disc extending into the right foramen compressing the right L4 "
                                              "nerve root.")] == [["disc-bulge"]]
    assert [f.cause for f in extract_findings("L4-5: disc bulge compressing the right L5 nerve root.")] == \
        [["disc-bulge"]]


def test_a_disc_kinds_letters_come_from_the_lexicon(tmp_path):
    import shutil

    from service.extract.lexicon import DEFAULT_DIR

    shutil.copytree(DEFAULT_DIR, tmp_path / "extraction")
    path = tmp_path / "extraction" / "causes.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("kind_prefix: 4", "kind_prefix: 6"), encoding="utf-8")
    text = "L4-5: disc protrotoin compressing the right L5 nerve root."
    assert [f.cause for f in extract_findings(text)] == [["disc-protrusion"]]
    assert [f.cause for f in extract_findings(text, tmp_path / "extraction")] == [["disc-bulge"]]


# --- 6. Words typed together, and items separated by slashes --------------------------------------------------

def test_a_grade_typed_together_with_the_word_before_it_is_read():
    text = "L2-3: right posterolateral disc bulge is notedmoderately narrowing right neural foramen."
    assert _facts(text, "type", "side", "severity") == [("foraminal-stenosis", "right", "moderate")]
    # A lexicon word inside a real word is no glued word ("island" is not "is" + "land").
    assert _facts("L2-3: bulge, island of marrow signal, narrowing right neural foramen.", "severity") == [(None,)]


def test_the_page_reads_each_item_a_run_of_slashes_separates():
    from service.explain import scope

    text = "L3-4: bulge indenting the thecal sac./// L4-5: annular bulge is noted compressing thecal sac and " \
           "narrowing both neural foramina/// L5-S1: normal."
    sac = [m.quote for m in scope.mentions(text) if m.kind == "sac"]
    assert len(sac) == 2 and sac[1].startswith("L4-5:") and "///" not in "".join(sac)


# --- 8. A root beside a listed narrowing takes the zone of what presses on it ---------------------------------

def test_a_central_protrusion_affects_the_traversing_root_even_beside_a_listed_foraminal_narrowing():
    text = "At L4-5 there is a large central disc extrusion causing mass effect on the thecal sac, bilateral " \
           "foraminal narrowing and nerve root distortion."
    (root,) = [f for f in extract_findings(text) if f.type == "nerve-root"]
    assert (root.zone, root.root_inferred, root.side) == ("central", "L5", None)  # TERMINOLOGY.md: traversing


def test_a_listed_narrowing_still_places_a_root_when_nothing_else_does():
    for text in ("At L4-5 there is a disc bulge causing bilateral foraminal narrowing and nerve root distortion.",
                 "L4-5: left foraminal narrowing with compression of the exiting nerve root."):
        (root,) = [f for f in extract_findings(text) if f.type == "nerve-root"]
        assert (root.zone, root.root_inferred) == ("foraminal", "L4")
    # Another narrowing named before it places no structure: the listed one holds.
    (root,) = [f for f in extract_findings("L4-5: moderate canal stenosis with severe left foraminal stenosis and "
                                           "nerve root compression.") if f.type == "nerve-root"]
    assert (root.zone, root.root_inferred) == ("foraminal", "L4")


# --- 3. The side of the structure that presses on an opening of no side of its own ---------------------------

def test_an_unsided_opening_a_sided_structure_acts_on_keeps_that_side_apart():
    """FORMAT.md leaves the opening's side unstated ("Rt paracentral protrusion encroaching exit neural canal"),
    so ``side`` stays empty; ``side_inferred`` tells the page where it likely is."""
    for text, side in (("Rt paracentral, broad based, disc protrusion noted at L4/L5 level, indenting the thecal "
                        "sac and encroaching exit neural canal.", "right"),
                       ("Left foraminal bulge at L3-4 narrowing the neural foramen.", "left")):
        (finding,) = [f for f in extract_findings(text) if f.type == "foraminal-stenosis"]
        assert (finding.side, finding.side_inferred) == (None, side)
        assert finding.to_dict()["side_inferred"] == side


def test_no_side_is_inferred_beside_a_structure_or_for_a_sided_or_plural_opening():
    for text in ("C5-6: small left central disc protrusion and uncovertebral hypertrophy with mild foraminal "
                 "stenosis.",
                 "Rt paracentral protrusion at L4/L5 level encroaching Rt exit neural canal.",
                 "Rt paracentral protrusion at L4/L5 level encroaching both exit neural canals.",
                 "Central protrusion at L4/L5 level encroaching exit neural canal."):
        assert all(f.side_inferred is None for f in extract_findings(text)), text
