"""Faithfulness over every combination of Finding fields (tests/explain/combinations.py).

Property tests: each rule is checked on every combination, in both languages, so a wording edit in
mappings/explain/ cannot silently make an explanation say more than the report. The rules:
denied reads only as "not seen" and keeps the grade it was limited to; hedged stays hedged in the
sentence, the ladder line and the picture; impingement is never put on a rung; an inferred root is
only "likely"; no side, level, cause, root or grade the finding does not have; nothing alarming.
"""

from __future__ import annotations

import re
from dataclasses import replace
from statistics import median

import pytest
from markupsafe import escape

from service.explain import explain
from service.explain.compose import LADDER_RUNGS, finding_sentence, ladder_line, likely_root, rung_key, unplaced_lines
from service.explain.grades import plain_grade, read_grade_words, severity_grade_words
from service.explain.outline import told_in_order
from service.explain.phrasebook import phrasebook
from service.extract.finding import Finding

from combinations import CAUSE_SETS, all_combinations, combination_reports

LANGUAGES = ("en", "es")
COMBINATIONS = all_combinations()
REPORTS = combination_reports()

NOT_SEEN = {"en": re.compile(r"^(At [^,]+, no|No) .* was seen\.(?: [^.]+\.)?$", re.M), "es": re.compile(r"^(En [^,]+, no|No) se vio ", re.M)}
HEDGE = {"en": re.compile(r"\bmay\b"), "es": re.compile(r"\bpodrían?\b")}
STATED = {
    # "close to being narrow": a narrowing the report grades only as borderline, stated as such.
    "en": re.compile(r"\b(is|are) (touching|pushing|squeezing|affecting|narrow|close to being narrow)\b"),
    "es": re.compile(r"\b(está|están) (tocando|empujando|apretando|afectando|(?:casi )?estrech)"),
}
RUNG_WORDS = {
    "en": {"contact": ("touching",), "displacement": ("pushing", "pushed aside"), "compression": ("squeez",)},
    "es": {"contact": ("tocando",), "displacement": ("empujando",), "compression": ("apretando",)},
}
LIKELY = {"en": "likely the {root} nerve", "es": "Lo más probable es que se"}
SIDE_WORDS = {
    "en": {"left": r"\bleft\b", "right": r"\bright\b", "bilateral": r"\bboth sides\b"},
    "es": {"left": r"\bizquierd[ao]s?\b", "right": r"\bderech[ao]s?\b", "bilateral": r"\bambos lados\b"},
}
GRADE_WORDS = {
    "en": ("minimal", "mild", "moderate", "severe", "significant", "clear", "borderline"),
    "es": ("mínim", "leve", "moderad", "grave", "importante", "clar", "limítrofe"),
}
ALARMING = {
    "en": ("cord", "cancer", "tumor", "surgery", "emergency", "paraly", "permanent", "urgent", "danger", "damage"),
    "es": ("médula", "cáncer", "tumor", "cirugía", "operación", "emergencia", "parál", "permanente", "urgen",
           "peligro", "daño"),
}
LEVEL_OR_ROOT = re.compile(r"\b[CTLS]\d{1,2}(?:-[CTLS]\d{1,2})?\b")
QUOTED = re.compile(r"\"[^\"]*\"|«[^»]*»")


def sentences_of(language):
    book = phrasebook(language)
    return [(finding, finding_sentence(book, finding)) for finding in COMBINATIONS]


SENTENCES = {language: sentences_of(language) for language in LANGUAGES}


def failures(language, rule):
    """The (finding, sentence) pairs that break ``rule``; a test asserts there are none."""
    return [(finding, text) for finding, text in SENTENCES[language] if not rule(finding, text)][:5]


def unquoted(text):
    return QUOTED.sub("", text)


def test_the_combinations_cover_every_field():
    assert len(COMBINATIONS) > 20000
    for attribute in ("type", "degree", "assertion", "side", "severity", "severity_text", "level"):
        values = {getattr(finding, attribute) for finding in COMBINATIONS}
        assert len(values) >= 3, attribute
    assert {f.level for f in COMBINATIONS} >= {None, "L5", "C5-C6", "T11-T12", "L5-S1"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_assertion_decides_how_the_sentence_reads(language):
    def rule(finding, text):
        if finding.assertion == "absent":
            return bool(NOT_SEEN[language].search(text)) and not STATED[language].search(text) \
                and not HEDGE[language].search(text) and "likely" not in text and "probable" not in text
        if NOT_SEEN[language].search(text):
            return False
        if finding.assertion == "possible":
            return bool(HEDGE[language].search(text)) and not STATED[language].search(text)
        return bool(STATED[language].search(text)) and not HEDGE[language].search(text)

    assert failures(language, rule) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_denial_keeps_the_grade_it_was_limited_to(language):
    book = phrasebook(language)

    def rule(finding, text):
        if finding.assertion != "absent" or not (finding.severity_text or finding.severity):
            return True
        unlimited = finding_sentence(book, replace(finding, severity=None, severity_text=None))
        if text == unlimited:
            return False
        said = read_grade_words(finding.severity_text) if finding.severity_text else \
            severity_grade_words(finding.severity)
        if said.meanings is None:
            # Words we cannot say plainly are never pasted into the denial; the page says it was limited.
            return finding.severity_text not in text and book["partial_denial"]["unknown"] in text
        if not text.endswith(book["partial_denial"]["smaller"]) and not text.endswith(book["partial_denial"]["unclear"]):
            return False
        return plain_grade(book, said, "m") in text or plain_grade(book, said, "f") in text

    assert failures(language, rule) == []


def test_partial_denials_read_as_partial():
    stenosis = Finding("canal-stenosis", level="L4-L5", assertion="absent", severity_text="significant")
    assert explain([stenosis]).finding_sentences == [
        "At L4-L5, no significant narrowing of the spinal canal was seen. A smaller amount was not ruled out."]
    assert explain([stenosis], "es").finding_sentences == [
        "En L4-L5, no se vio estrechamiento importante del canal de la columna. No se descartó un grado menor."]
    foramina = Finding("foraminal-stenosis", level="L3-L4", side="bilateral", assertion="absent",
                       severity_text="moderate or high-grade")
    assert finding_sentence(phrasebook("en"), foramina) == \
        "At L3-L4, no moderate or severe narrowing of the nerve openings on both sides was seen. " \
        "A smaller amount was not ruled out."
    root = Finding("nerve-root", level="L4-L5", degree="compression", assertion="absent", severity_text="definite")
    assert finding_sentence(phrasebook("en"), root) == \
        "At L4-L5, no clear squeezing of the nerve roots was seen. The report did not fully rule it out."
    assert finding_sentence(phrasebook("es"), replace(root, severity_text="moderate or high-grade")) == \
        "En L4-L5, no se vio compresión moderada o grave de las raíces nerviosas. No se descartó un grado menor."
    # Grade words we cannot say plainly are not pasted inside a denial: the page says it was limited.
    unknown = replace(stenosis, severity_text="hardly any")
    assert finding_sentence(phrasebook("en"), unknown) == \
        "At L4-L5, no narrowing of the spinal canal was seen. This is only true for the amount the report names."
    # The short version does not claim more than the denials did.
    for language in LANGUAGES:
        book = phrasebook(language)
        limited = explain([stenosis], language)
        assert limited.reassuring and book["reassure_limited"] in limited.text
        assert book["reassure"][0] not in limited.text
        assert book["reassure"][0] in explain([replace(stenosis, severity_text=None)], language).text


def test_the_radiologists_grade_word_is_said_plainly_and_never_quoted_in_a_sentence():
    """Review 9, C7c: report words inside a page sentence ("dice «mild in degree»") read as English
    in a Spanish page and as a quote where none belongs; they stay in the line of the report's words."""
    book = phrasebook("en")
    marked = Finding("foraminal-stenosis", level="L5-S1", side="left", severity="severe", severity_text="marked")
    assert finding_sentence(book, marked).endswith("The report calls it severe.")
    plain = replace(marked, severity="moderate-to-severe", severity_text="moderate to severe")
    assert finding_sentence(book, plain).endswith("The report calls it moderate to severe.")
    ungraded = replace(marked, severity=None, severity_text="significant")
    assert finding_sentence(book, ungraded).endswith("The report calls it significant.")
    assert finding_sentence(phrasebook("es"), marked).endswith("El informe indica un grado grave.")
    odd = replace(marked, severity=None, severity_text="mild in degree and then some")
    for language in LANGUAGES:
        sentence = finding_sentence(phrasebook(language), odd)
        assert "mild" not in sentence and "«" not in sentence and '"' not in sentence, sentence
    assert finding_sentence(book, replace(marked, assertion="absent", severity_text="NOT  MUCH")) == \
        "At L5-S1, no narrowing of the left nerve opening was seen. This is only true for the amount the report names."


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_side_level_root_or_cause_the_finding_does_not_have(language):
    book = phrasebook(language)
    cause_phrases = {cause: entry["phrase"].lower() for cause, entry in book["causes"].items() if cause != "other"}

    def rule(finding, text):
        for side, pattern in SIDE_WORDS[language].items():
            if bool(re.search(pattern, text, re.IGNORECASE)) != (finding.side == side):
                return False
        allowed = {finding.level, finding.root, finding.root_inferred, likely_root(finding)}
        if not set(LEVEL_OR_ROOT.findall(unquoted(text))) <= allowed:
            return False
        # A stated or hedged finding names its causes (a narrowing's too, "A disc bulge causes this narrowing");
        # a denial names none.
        causes = set(finding.cause) if finding.assertion != "absent" else set()
        lowered = text.lower()
        return all((phrase in lowered) == (cause in causes) for cause, phrase in cause_phrases.items())

    assert failures(language, rule) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_grade_the_finding_does_not_have(language):
    book = phrasebook(language)

    def rule(finding, text):
        allowed = book["grades"].get(finding.severity, "") if finding.severity else ""
        if finding.severity_text:
            said = read_grade_words(finding.severity_text)
            allowed += " " + (plain_grade(book, said, "m") or "") + " " + (plain_grade(book, said, "f") or "")
        words = unquoted(text)
        return all(stem not in words or stem in allowed for stem in GRADE_WORDS[language])

    assert failures(language, rule) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_impingement_and_unstated_degree_are_never_put_on_a_rung(language):
    book = phrasebook(language)
    every_rung_word = [word for words in RUNG_WORDS[language].values() for word in words]

    def rule(finding, text):
        if finding.type != "nerve-root" or finding.assertion == "absent":
            return True
        key = rung_key(finding)
        line = ladder_line(book, finding)
        if key in LADDER_RUNGS:
            others = [w for k, words in RUNG_WORDS[language].items() if k != key for w in words]
            return any(w in text for w in RUNG_WORDS[language][key]) and not any(w in text for w in others)
        return not any(word in text or word in line for word in every_rung_word) and \
            not re.search(r"\b(step|escalón) \d", line)

    assert failures(language, rule) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_inferred_root_is_only_likely(language):
    def rule(finding, text):
        if finding.type != "nerve-root" or not finding.root_inferred or finding.root:
            return True
        root = finding.root_inferred
        said = [part for part in re.split(r"(?<=\.) ", text) if root in part.replace(finding.level or "\0", "")]
        if finding.assertion == "absent":
            return said == []
        likely = [part for part in re.split(r"(?<=\.) ", text) if LIKELY[language].format(root=root) in part]
        if len(likely) != 1 or root not in likely[0]:
            return False
        return said in ([], likely)  # [] only when the level is the root's own vertebra ("L5")

    assert failures(language, rule) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_nothing_alarming_that_no_report_says(language):
    def rule(finding, text):
        lowered = text.lower()
        return not any(word in lowered for word in ALARMING[language])

    assert failures(language, rule) == []


def test_spanish_agrees_in_gender_and_number_everywhere():
    wrong_in_openings = [
        re.compile(r"\b(los|las) [^.]*\b(está|podría) (estrecho|estar)\b"),
        re.compile(r"^(En [^,]+, )?(el|la) [^.,]*\b(están|podrían)\b"),
    ]
    wrong = [
        re.compile(r"raíz nerviosa( [CTLS]\d+)? (izquierdo|derecho)"),
        re.compile(r"raíces nerviosas( [CTLS]\d+)? (izquierd|derech)"),
        re.compile(r"\b(foramen|receso lateral|lado) (izquierda|derecha)\b"),
        re.compile(r"\bcompresión (moderado|claro|mínimo)\b"),
        re.compile(r"\b(estrechamiento|pinzamiento|desplazamiento|contacto) (moderada|clara|mínima)\b"),
        re.compile(r"\b(de|a) el\b"),
        re.compile(r"\bo (o|ho)"),
        re.compile(r"\by (i|hi)[^e]"),
    ]
    bad = [text for finding, text in SENTENCES["es"]
           if any(pattern.search(text) for pattern in wrong)
           or finding.type != "nerve-root" and any(pattern.search(text) for pattern in wrong_in_openings)]
    assert bad[:5] == []
    for finding, text in SENTENCES["es"]:
        if finding.type == "nerve-root" and finding.assertion != "absent":
            plural = len(set(finding.cause)) > 1 or finding.cause == ["osteophyte"]
            verb = re.search(r"\b(está|están|podría|podrían)\b", text).group(1)
            assert verb.endswith("n") == plural, text
        elif finding.type != "nerve-root" and finding.assertion != "absent":
            # Both sides, or openings of no side ("multilevel ... exit canals"; "one or both" at a level): plural.
            plural = finding.side == "bilateral" or (finding.side is None and finding.type != "canal-stenosis")
            assert bool(re.search(r"\bestrechos\b", text)) == plural, text


def single_explanations():
    """Full explanations of one nerve-root finding each (the few cause sets keep this quick)."""
    for finding in COMBINATIONS:
        if finding.type == "nerve-root" and finding.cause in CAUSE_SETS[:3]:
            yield finding


def svg_title(explanation):
    svg = re.search(r"<svg.*?</svg>", explanation.html, re.S)
    return svg and re.search(r"<title[^>]*>(.*?)</title>", svg.group(0), re.S).group(1), svg and svg.group(0)


@pytest.mark.parametrize("language", LANGUAGES)
def test_hedged_stays_hedged_in_the_ladder_and_the_picture(language):
    book = phrasebook(language)
    words = book["ladder"]["picture"]
    checked = 0
    for finding in single_explanations():
        explanation = explain([finding], language)
        title, svg = svg_title(explanation)
        if finding.assertion == "absent":
            assert explanation.reassuring and svg is None, finding
            continue
        line = ladder_line(book, finding) if rung_key(finding) in LADDER_RUNGS else unplaced_lines(book, [finding])[0]
        assert line in explanation.text and str(escape(line)) in title, finding
        assert bool(HEDGE[language].search(line)) == (finding.assertion == "possible"), line
        marker = re.findall(r">" + re.escape(words["marker"]) + r"( \(" + re.escape(words["maybe"]) + r"\))?</text>", svg)
        anywhere = re.findall(re.escape(words["anywhere"]) + r"( \(" + re.escape(words["maybe"]) + r"\))?</text>", svg)
        maybe = " (" + words["maybe"] + ")" if finding.assertion == "possible" else ""
        if rung_key(finding) in LADDER_RUNGS:
            assert marker == [maybe.strip() and maybe] and anywhere == [], finding
        else:
            assert marker == [] and anywhere == [maybe.strip() and maybe], finding
        checked += 1
    assert checked > 1000


@pytest.mark.parametrize("language", LANGUAGES)
def test_reports_of_many_combinations_keep_every_finding_faithful(language):
    book = phrasebook(language)
    headings = book["headings"]
    for findings in REPORTS:
        explanation = explain(findings, language)
        text = explanation.text
        told = [f for f in findings if f.assertion != "absent"]
        if not told:
            assert explanation.reassuring
            continue
        says_start = text.index(headings["says"])
        says_end = text.index(headings["not_seen"]) if headings["not_seen"] in text else text.index(headings["ladder"])
        says = text[says_start:says_end]
        not_seen = text[says_end:text.index(headings["words"] if headings["words"] in text else headings["ladder"])]
        assert not NOT_SEEN[language].search(says.replace("\n- ", "\n")), says
        assert not STATED[language].search(not_seen) and not HEDGE[language].search(not_seen), not_seen
        for finding in findings:
            assert finding.level is None or finding.level in text
        roots = [f for i, f in enumerate(findings)
                 if f.type == "nerve-root" and f.assertion != "absent" and i not in explanation.withheld]
        title, _ = svg_title(explanation)
        # A hedge in the picture's text alternative exactly when a nerve-root finding is hedged: one per
        # hedged root on a rung, one for all the hedged roots the report puts on no rung.
        on_rung = sum(f.assertion == "possible" and rung_key(f) in LADDER_RUNGS for f in roots)
        off_rung = any(f.assertion == "possible" and rung_key(f) not in LADDER_RUNGS for f in roots)
        assert len(HEDGE[language].findall(title)) == on_rung + off_rung, title


def test_most_serious_first():
    compression = Finding("nerve-root", level="L5-S1", root="S1", degree="compression")
    displacement = replace(compression, degree="displacement")
    impingement = replace(compression, degree="impingement")
    contact = replace(compression, degree="contact")
    severe_canal = Finding("canal-stenosis", level="L4-L5", severity="severe")
    mild_foramen = Finding("foraminal-stenosis", level="L4-L5", side="left", severity="mild")
    ranked = [compression, displacement, severe_canal, impingement, contact, mild_foramen]
    for first, second in zip(ranked, ranked[1:]):
        assert told_in_order([second, first]) == [1, 0], (first, second)
    assert told_in_order(list(reversed(ranked))) == list(reversed(range(len(ranked))))
    # A hedge ranks below the same finding stated, and below the stated finding one step lower.
    for stated in (compression, displacement, contact, severe_canal, mild_foramen):
        hedged = replace(stated, assertion="possible")
        assert told_in_order([hedged, stated]) == [1, 0], stated
    assert told_in_order([replace(compression, assertion="possible"), displacement]) == [1, 0]
    assert told_in_order([replace(displacement, assertion="possible"), impingement]) == [1, 0]


def test_a_hedge_never_outranks_the_same_finding_stated_in_any_combination():
    for finding in COMBINATIONS[::5]:
        if finding.assertion == "possible":
            assert told_in_order([finding, replace(finding, assertion="present")]) == [1, 0], finding


@pytest.mark.parametrize("language", LANGUAGES)
def test_reports_of_combinations_read_easily(language, readability):
    readability.set_lang("en_US" if language == "en" else "es")
    score = readability.flesch_kincaid_grade if language == "en" else readability.fernandez_huerta
    scores = [score(explain(findings, language).text) for findings in REPORTS]
    print(f"\n[combinations, {language}] {len(scores)} explanations: median {median(scores):.1f}, "
          f"worst {max(scores) if language == 'en' else min(scores):.1f}")
    if language == "en":
        assert max(scores) <= 8
    else:
        assert min(scores) >= 60
