"""The explanation's shape: content in order, the ladder picture, languages, the short version."""

from __future__ import annotations

import importlib
import re
import shutil

import pytest
from markupsafe import escape

from service.explain import SUPPORTED_LANGUAGES, explain, resolve_language
from service.explain.phrasebook import phrasebook
from service.extract.finding import Finding

from conftest import REPORTS, gold_finding

phrasebook_module = importlib.import_module("service.explain.phrasebook")

COMPRESSED = Finding("nerve-root", level="L5-S1", root="S1", side="left", degree="compression",
                     cause=["disc-extrusion"])
TOUCHED = Finding("nerve-root", level="L4-L5", root="L5", side="right", degree="contact", cause=["disc-bulge"])
MAYBE_DISPLACED = Finding("nerve-root", level="L3-L4", root="L4", side="right", degree="displacement",
                          assertion="possible")
IMPINGED = Finding("nerve-root", level="C5-C6", root="C6", side="left", degree="impingement")
MILD_FORAMEN = Finding("foraminal-stenosis", level="L4-L5", side="right", severity="mild")
NO_CANAL = Finding("canal-stenosis", level="L2-L3", assertion="absent")
NO_ROOTS = Finding("nerve-root", assertion="absent")
MARKERS = re.compile(r">Your report( \(maybe\))?</text>")


def positions(text, needles):
    found = [text.find(needle) for needle in needles]
    assert -1 not in found, [n for n, at in zip(needles, found) if at == -1]
    return found


def test_no_findings_means_no_explanation():
    assert explain([]) is None
    assert explain([], "es") is None


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_content_comes_in_the_agreed_order(language):
    book = phrasebook(language)
    explanation = explain([MILD_FORAMEN, TOUCHED, NO_CANAL, COMPRESSED], language)
    headings = book["headings"]
    order = [headings["says"], headings["ladder"], headings["matters"], headings["help"], headings["treatment"]]
    for text, closing in ((explanation.text, book["closing"]), (explanation.html, str(escape(book["closing"])))):
        found = positions(text, order + [closing])
        assert found == sorted(found)
    assert explanation.text.rstrip().endswith(book["closing"])
    assert book["help"]["urgent"][0] in explanation.text and book["help"]["prompt"][0] in explanation.text


def test_most_serious_first_and_a_hedge_below_the_same_finding_stated():
    explanation = explain([MILD_FORAMEN, MAYBE_DISPLACED, TOUCHED, COMPRESSED])
    sentences = explanation.finding_sentences
    compressed, touched, maybe, foramen = sentences[3], sentences[2], sentences[1], sentences[0]
    found = positions(explanation.text, [compressed, maybe, touched, foramen])
    assert found == sorted(found)
    stated = Finding("nerve-root", level="L3-L4", root="L4", side="right", degree="displacement")
    sentences = explain([MAYBE_DISPLACED, stated]).finding_sentences
    found = positions(explain([MAYBE_DISPLACED, stated]).text, [sentences[1], sentences[0]])
    assert found == sorted(found)


def test_a_hedged_root_finding_comes_before_a_mild_narrowing():
    maybe_impinged = Finding("nerve-root", level="C5-C6", root="C6", side="left", degree="impingement",
                             assertion="possible")
    explanation = explain([MILD_FORAMEN, maybe_impinged])
    found = positions(explanation.text, explanation.finding_sentences[::-1])
    assert found == sorted(found)


def test_many_findings_at_several_levels_are_grouped_by_level():
    findings = [MILD_FORAMEN, TOUCHED, COMPRESSED, MAYBE_DISPLACED,
                Finding("lateral-recess-stenosis", level="L5-S1", side="left", severity="moderate")]
    explanation = explain(findings)
    headings = re.findall(r"<h4>(At [^<]+)</h4>", explanation.html)
    assert headings == ["At L5-S1", "At L3-L4", "At L4-L5"]
    assert "At L5-S1:" in explanation.text
    # Under a level heading the sentences leave the level out; the Observation notes keep it.
    assert "<li>Something is squeezing" not in explanation.html
    assert "<li>A disc extrusion is squeezing the left S1 nerve root (compression).</li>" in explanation.html
    assert explanation.finding_sentences[2].startswith("At L5-S1, ")


def test_a_few_findings_are_not_grouped():
    assert "<h4>At" not in explain([TOUCHED, COMPRESSED]).html


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_only_denied_findings_get_the_short_reassuring_version(language):
    book = phrasebook(language)
    short = explain([NO_ROOTS, NO_CANAL], language)
    full = explain([TOUCHED, NO_CANAL], language)
    assert short.reassuring and not full.reassuring
    assert len(short.text) < len(full.text) / 2
    assert "<svg" not in short.html and book["headings"]["treatment"] not in short.text
    assert all(sentence in short.text for sentence in short.finding_sentences)
    assert book["reassure"][0] in short.text and book["closing"] in short.text


def test_ladder_picture_marks_the_patients_rungs():
    html = explain([COMPRESSED, MAYBE_DISPLACED]).html
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and "<title id=" in svg
    title = re.search(r"<title[^>]*>(.*?)</title>", svg, re.S).group(1)
    assert "The left S1 nerve root at L5-S1 is on step 3, squeezed (compression)." in title
    assert "The right L4 nerve root at L3-L4 may be on step 2, pushed aside (displacement)." in title
    assert svg.count('fill="#1f5f99" stroke="#123c63"') == 1        # one stated rung
    assert svg.count('stroke-dasharray="6 4"') == 1                  # one hedged rung
    assert len(MARKERS.findall(svg)) == 2
    labelled_by = re.search(r'aria-labelledby="([^"]+)"', svg).group(1)
    assert f'id="{labelled_by}"' in svg


def test_impingement_is_shown_as_anywhere_on_the_ladder_not_on_a_rung():
    html = explain([IMPINGED]).html
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert not MARKERS.search(svg)
    assert "Impingement: any step" in svg
    assert "does not say which step" in svg and "somewhere on the ladder" not in svg


def test_stenosis_only_reports_say_no_root_is_on_the_ladder():
    explanation = explain([MILD_FORAMEN])
    book = phrasebook("en")
    assert book["ladder"]["no_root"] in explanation.text and book["ladder"]["narrowing"] in explanation.text
    assert not MARKERS.search(explanation.html)


def test_styles_are_scoped_under_the_root_class_and_sizes_are_fluid():
    html = explain([COMPRESSED, MILD_FORAMEN]).html
    css = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    for rule in re.findall(r"([^{}]+)\{[^{}]*\}", css):
        for selector in rule.split(","):
            assert selector.strip().startswith(".nre-explain"), selector
    assert not re.search(r"\bwidth:\s*\d+px", css)
    assert not re.search(r"<svg[^>]*\swidth=", html)
    assert 'viewBox="0 0 ' in html


def test_headings_and_lists_are_semantic():
    html = explain([COMPRESSED, MILD_FORAMEN, NO_CANAL]).html
    assert html.count("<h2") == 1 and html.count("<h3>") == 5
    assert "<ul" in html and "<ol>" in html and 'aria-labelledby="' in html


def test_report_words_are_escaped():
    odd = Finding("nerve-root", level="<b>L4</b>", root="L5&", side="left", degree="contact")
    html = explain([odd]).html
    assert "<b>L4</b>" not in html and "&lt;b&gt;L4&lt;/b&gt;" in html and "L5&amp;" in html


def test_languages():
    assert resolve_language("es-MX") == "es" and resolve_language("EN_gb") == "en"
    assert resolve_language("fr") is None and resolve_language("") is None
    assert explain([TOUCHED], "es-419").language == "es"
    fallback = explain([TOUCHED], "fr")
    assert fallback.language == "en" and fallback.html == explain([TOUCHED], "en").html
    assert 'lang="es"' in explain([TOUCHED], "es").html


def test_output_is_deterministic_and_ids_differ_per_language():
    first, second = explain([COMPRESSED, MILD_FORAMEN]), explain([COMPRESSED, MILD_FORAMEN])
    assert first == second
    english_id = re.search(r'id="(nre-[0-9a-f]+)"', first.html).group(1)
    assert english_id not in explain([COMPRESSED, MILD_FORAMEN], "es").html


def structure(value):
    """The shape of a phrasebook: keys and list lengths, without the words."""
    if isinstance(value, dict) and value and set(value) <= {"m", "f"}:
        return "text"  # one word in its gendered forms ("moderado"/"moderada")
    if isinstance(value, dict):
        return {key: structure(item) for key, item in value.items() if key not in ("contractions", "sides", "gender")}
    if isinstance(value, list):
        return [structure(item) for item in value]
    return "text"


def test_both_languages_carry_the_same_parts():
    assert structure(phrasebook("en")) == structure(phrasebook("es"))


def test_both_languages_tell_the_same_facts_for_every_report():
    for report in REPORTS:
        findings = [gold_finding(labels) for labels in report["findings"]]
        if not findings:
            continue
        english, spanish = explain(findings, "en"), explain(findings, "es")
        for tag in ("<li>", "<li ", "<h3>", "<h4>", "<p>", "<rect"):
            assert english.html.count(tag) == spanish.html.count(tag), (report["id"], tag)


def test_a_wording_edit_in_the_mappings_takes_effect(tmp_path, monkeypatch):
    copy = tmp_path / "explain"
    shutil.copytree(phrasebook_module.MAPPINGS_DIR, copy)
    english = copy / "en.yaml"
    english.write_text(english.read_text(encoding="utf-8").replace(
        'plain: "touching"', 'plain: "resting against"').replace(
        "{subject} is touching {object}", "{subject} rests against {object}"), encoding="utf-8")
    monkeypatch.setattr(phrasebook_module, "MAPPINGS_DIR", copy)
    phrasebook.cache_clear()
    try:
        explanation = explain([TOUCHED])
        assert explanation.finding_sentences[0] == "At L4-L5, a disc bulge rests against the right L5 nerve root (contact)."
        assert "step 1, resting against (contact)" in explanation.text
    finally:
        monkeypatch.undo()
        phrasebook.cache_clear()


def test_the_same_denial_at_several_levels_is_one_line():
    findings = [Finding("canal-stenosis", level=level, assertion="absent") for level in ("L1-L2", "L2-L3", "L3-L4")]
    findings.append(Finding("foraminal-stenosis", level="L1-L2", assertion="absent"))
    findings.append(TOUCHED)
    explanation = explain(findings)
    assert "<li>At L1-L2, L2-L3 and L3-L4, no narrowing of the spinal canal was seen.</li>" in explanation.html
    assert "<li>At L1-L2, no narrowing of the nerve openings was seen.</li>" in explanation.html
    assert explanation.finding_sentences[1] == "At L2-L3, no narrowing of the spinal canal was seen."
    spanish = explain(findings, "es")
    assert "En L1-L2, L2-L3 y L3-L4, no se vio estrechamiento del canal de la columna." in spanish.text
