"""Finding sentences: composed from parts, faithful to the assertion, grammatical in en and es."""

from __future__ import annotations

import itertools
import re

import pytest

from service.explain import explain
from service.explain.compose import finding_sentence
from service.explain.phrasebook import phrasebook
from service.extract.finding import ASSERTIONS, CAUSES, SEVERITIES, Finding

LADDER_WORDS = {
    "en": {"contact": "touching", "displacement": "pushing", "compression": "squeezing", "impingement": "affecting"},
    "es": {"contact": "tocando", "displacement": "empujando", "compression": "apretando", "impingement": "afectando"},
}
HEDGE = {"en": "may ", "es": "podr"}
NOT_SEEN = {"en": "was seen", "es": "no se vio"}
STATED_VERBS = {
    "en": re.compile(r"\b(is|are) (touching|pushing|squeezing|affecting|narrow)\b"),
    "es": re.compile(r"\b(está|están) (tocando|empujando|apretando|afectando|estrech)"),
}


def sentence(language, **fields):
    return finding_sentence(phrasebook(language), Finding(**fields))


def every_finding_shape():
    """Every combination of the fields that change wording, for every finding type."""
    sides = (None, "left", "right", "bilateral")
    roots = ((None, None), ("L5", None), (None, "S1"))
    cause_sets = ([], ["disc-protrusion"], ["osteophyte"], ["disc-bulge", "facet-arthropathy"], ["other"])
    levels = ("L4-L5", None)
    for degree, side, (root, inferred), causes, severity, assertion, level in itertools.product(
        (None, "contact", "displacement", "compression", "impingement"), sides, roots, cause_sets,
        (None, *SEVERITIES), ASSERTIONS, levels,
    ):
        yield Finding("nerve-root", level=level, root=root, side=side, degree=degree, severity=severity,
                      assertion=assertion, cause=causes, root_inferred=inferred)
    for kind, side, severity, assertion, level in itertools.product(
        ("foraminal-stenosis", "lateral-recess-stenosis", "canal-stenosis"), sides, (None, *SEVERITIES),
        ASSERTIONS, levels,
    ):
        yield Finding(kind, level=level, side=side, severity=severity, assertion=assertion)


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_finding_shape_reads_as_finished_sentences(language):
    book = phrasebook(language)
    for finding in every_finding_shape():
        text = finding_sentence(book, finding)
        assert "{" not in text and "}" not in text, text
        assert "  " not in text and " ." not in text and ".." not in text, text
        assert text[0].isupper() and text.endswith("."), text
        for part in re.split(r"(?<=\.) ", text):
            assert part[0].isupper(), text
        if finding.level:
            assert finding.level in text, text
        if language == "es":
            assert " de el " not in text and " a el " not in text, text


@pytest.mark.parametrize("language", ["en", "es"])
def test_assertion_decides_the_wording(language):
    for finding in every_finding_shape():
        text = finding_sentence(phrasebook(language), finding)
        if finding.assertion == "absent":
            assert NOT_SEEN[language] in text.lower(), text
            assert not STATED_VERBS[language].search(text), text
            assert HEDGE[language] not in text, text
        elif finding.assertion == "possible":
            assert HEDGE[language] in text, text
        else:
            assert HEDGE[language] not in text, text
            assert STATED_VERBS[language].search(text), text


@pytest.mark.parametrize("language", ["en", "es"])
def test_each_rung_keeps_its_own_words(language):
    words = LADDER_WORDS[language]
    for degree, verb in words.items():
        text = sentence(language, type="nerve-root", level="L4-L5", root="L5", side="left", degree=degree)
        assert verb in text
        for other_degree, other_verb in words.items():
            if other_degree != degree:
                assert other_verb not in text


def test_impingement_is_never_promoted_to_compression():
    for language, forbidden in (("en", ("squeez", "compression", "pushing")), ("es", ("apret", "compresi", "empuj"))):
        for severity in (None, "severe"):
            text = sentence(language, type="nerve-root", level="L5-S1", root="S1", side="right",
                            degree="impingement", severity=severity)
            assert not any(word in text for word in forbidden), text
    assert "Your doctor can tell you how much" in sentence("en", type="nerve-root", level="L5-S1", degree="impingement")


def test_examples_in_english():
    assert sentence("en", type="nerve-root", level="L4-L5", root="L5", side="right", degree="contact",
                    cause=["disc-protrusion"]) == \
        "At L4-L5, a disc protrusion is touching the right L5 nerve root (contact)."
    assert sentence("en", type="nerve-root", level="C5-C6", root="C6", side="left", degree="impingement",
                    assertion="possible", cause=["osteophyte"]) == \
        "At C5-C6, bone spurs may be affecting the left C6 nerve root. Your doctor can tell you how much."
    assert sentence("en", type="nerve-root", level="L4-L5", side="right", degree="compression", severity="severe",
                    root_inferred="L5") == \
        "At L4-L5, something is squeezing the right nerve root (compression). This is likely the L5 nerve. " \
        "The report calls it severe."
    assert sentence("en", type="nerve-root", level="L5-S1", root="S1", side="bilateral", assertion="absent") == \
        "At L5-S1, no pressure on the S1 nerve roots on both sides was seen."
    assert sentence("en", type="foraminal-stenosis", level="L4-L5", side="bilateral",
                    severity="mild-to-moderate") == \
        "At L4-L5, the nerve openings on both sides are narrow (foraminal stenosis). " \
        "The L4 nerves likely pass through them. The report calls it mild to moderate."
    assert sentence("en", type="canal-stenosis", level="L3-L4", severity="moderate", assertion="absent") == \
        "At L3-L4, no moderate narrowing of the spinal canal was seen. A smaller amount was not ruled out."


def test_spanish_agrees_in_gender_and_number():
    assert sentence("es", type="nerve-root", level="L4-L5", root="L5", side="left", degree="contact") == \
        "En L4-L5, algo está tocando la raíz nerviosa L5 izquierda (contacto)."
    assert sentence("es", type="nerve-root", level="L4-L5", root="L5", side="bilateral", degree="displacement",
                    cause=["osteophyte"]) == \
        "En L4-L5, unos espolones de hueso están empujando las raíces nerviosas L5 de ambos lados fuera de su lugar " \
        "(desplazamiento)."
    assert sentence("es", type="nerve-root", level="L4-L5", side="bilateral", degree="contact",
                    root_inferred="L4") == \
        "En L4-L5, algo está tocando las raíces nerviosas de ambos lados (contacto). " \
        "Lo más probable es que sean los nervios L4."
    assert sentence("es", type="foraminal-stenosis", level="C6-C7", side="right", severity="severe") == \
        "En C6-C7, el orificio derecho por donde sale el nervio está estrecho (estenosis foraminal). " \
        "Lo más probable es que por ahí pase el nervio C7 derecho. El informe indica un grado grave."
    assert sentence("es", type="lateral-recess-stenosis", level="L5-S1", side="bilateral", assertion="possible") == \
        "En L5-S1, los canales de ambos lados por donde pasan los nervios podrían estar estrechos " \
        "(estenosis del receso lateral). Lo más probable es que por ahí pasen los nervios S1."
    assert sentence("es", type="canal-stenosis", level="L2-L3", assertion="absent") == \
        "En L2-L3, no se vio estrechamiento del canal de la columna."
    assert sentence("es", type="nerve-root", level="L5-S1", root="S1", side="right", degree="contact",
                    cause=["disc-bulge", "facet-arthropathy"]) == \
        "En L5-S1, un abultamiento del disco y el desgaste de las articulaciones facetarias están tocando " \
        "la raíz nerviosa S1 derecha (contacto)."


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_cause_and_grade_has_words(language):
    book = phrasebook(language)
    assert set(CAUSES) <= set(book["causes"])
    assert set(SEVERITIES) <= set(book["grades"])
    assert set(CAUSES) - {"other"} <= set(book["glossary"])


def test_inferred_root_is_said_as_likely_and_only_when_no_root_is_named():
    inferred = sentence("en", type="nerve-root", level="L4-L5", side="left", degree="contact", root_inferred="L5")
    assert "likely the L5 nerve" in inferred and "L5 nerve root" not in inferred
    named = sentence("en", type="nerve-root", level="L4-L5", root="L5", side="left", degree="contact",
                     root_inferred="L5")
    assert "likely" not in named


def test_grade_words_are_kept():
    for severity, words in (("mild", "mild"), ("moderate-to-severe", "moderate to severe"), ("severe", "severe")):
        text = sentence("en", type="lateral-recess-stenosis", level="L4-L5", side="left", severity=severity)
        assert f"calls it {words}." in text


def test_finding_sentences_line_up_with_findings():
    findings = [
        Finding("canal-stenosis", level="L2-L3", assertion="absent"),
        Finding("nerve-root", level="L4-L5", root="L5", side="right", degree="compression"),
        Finding("foraminal-stenosis", level="L4-L5", side="right", severity="mild"),
    ]
    for language in ("en", "es"):
        explanation = explain(findings, language)
        # The opening at the level and side of a root the report names does not add a likely root.
        assert explanation.finding_sentences == [finding_sentence(phrasebook(language), f, name_root=f.type == "canal-stenosis")
                                                 for f in findings]
