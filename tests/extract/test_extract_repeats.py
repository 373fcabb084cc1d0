"""A finding the report states again alike is made once (reader.py ``_Report._add_findings``): the one made holds
the evidence of every statement and is marked repeated, and merging it (merge.py) gives what merging the copies
gives. These tests merge both ways: the reading as the engine makes it, and the same reading with each repeated
finding spelt out as one finding per statement, the way the engine made them before."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from service.extract import load_lexicon
from service.extract.finding import Evidence, Finding
from service.extract.merge import Statement, merge_findings
from service.extract.reader import read_report

ROOT = Path(__file__).resolve().parents[2]


def _equivalence_texts() -> dict[str, str]:
    spec = importlib.util.spec_from_file_location("extract_equivalence", ROOT / "bench" / "extract_equivalence.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.all_texts()


def _spelt_out(findings, tentative, summaries, repeated):
    """One finding per statement: a repeated finding becomes a copy per evidence, each in the sets it was in."""
    out, tentative_out, summaries_out = [], set(), set()
    for finding in findings:
        statements = [finding]
        if id(finding) in repeated:
            statements = []
            statements = [finding.copy([evidence]) for evidence in finding.evidence]
        for statement in statements:
            out.append(statement)
            if id(finding) in tentative:
                tentative_out.add(id(statement))
            if id(finding) in summaries:
                summaries_out.add(id(statement))
    return out, tentative_out, summaries_out


def _dicts(findings):
    return [f.to_dict() for f in findings]


def test_hostile_repetition_is_made_once():
    lexicon = load_lexicon()
    unit = "L4-5 no foraminal stenosis compresses the L5 nerve root; "
    reading = read_report(unit * 200, lexicon)
    assert reading.repeated
    assert len(reading.findings) < 10
    assert max(len(f.evidence) for f in reading.findings) > 150


def test_repeated_findings_merge_as_their_statements_do():
    lexicon = load_lexicon()
    texts = _equivalence_texts()
    repeating = 0
    for key, text in texts.items():
        reading = read_report(text, lexicon)
        if not reading.repeated:
            continue
        repeating += 1
        spelt = [f.copy(list(f.evidence)) for f in reading.findings]  # ids change: map them
        ids = {id(old): id(new) for old, new in zip(reading.findings, spelt)}
        findings, tentative, summaries = _spelt_out(
            spelt, {ids[i] for i in reading.tentative}, {ids[i] for i in reading.summaries},
            {ids[i] for i in reading.repeated})
        expected = _dicts(merge_findings(findings, tentative, summaries, reading.cleared))
        got = _dicts(merge_findings(reading.findings, reading.tentative, reading.summaries, reading.cleared,
                                    reading.repeated))
        assert got == expected, key
    assert repeating > 20  # the corpora repeat findings alike (impression and findings in one section, ...)


def _root(side, cause, start):
    return Statement.of(Finding(type="nerve-root", level="L4-L5", root="L5", side=side, degree="compression",
                                cause=list(cause), evidence=[Evidence(start, start + 10)], section="findings"))


def test_a_summary_added_to_the_first_statement_alone():
    """"Right L5 compression by a protrusion" twice, "bilateral L5 compression by a bulge", "left L5 compression":
    the bilateral summary adds its bulge to the right side's first statement only (merge.py's
    ``_keep_sides_described_apart``), so the second statement still names the protrusion alone."""
    right = [_root("right", ["disc-protrusion"], 0), _root("right", ["disc-protrusion"], 20)]
    rest = [_root("bilateral", ["disc-bulge"], 40), _root("left", [], 60)]
    expected = _dicts(merge_findings([f.copy(list(f.evidence)) for f in right + rest]))
    held = right[0].copy([right[0].evidence[0], right[1].evidence[0]])
    findings = [held] + [f.copy(list(f.evidence)) for f in rest]
    assert _dicts(merge_findings(findings, repeated={id(held)})) == expected
