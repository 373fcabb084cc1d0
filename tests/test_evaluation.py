"""The FORMAT.md scorer on hand-made gold/system pairs."""

import json

import pytest

from service.evaluation import format_metrics, load_jsonl, match_findings, score


def finding(type="nerve-root", level=None, root=None, side=None, degree=None, severity=None,
            assertion="present", cause=()):
    return {"type": type, "level": level, "root": root, "side": side, "degree": degree,
            "severity": severity, "assertion": assertion, "zone": None, "role": None, "cause": list(cause)}


def l5_right(**changes):
    base = dict(level="L4-L5", root="L5", side="right", degree="contact", cause=["disc-protrusion"])
    return finding(**{**base, **changes})


def right_foramen(**changes):
    return finding(**{**dict(type="foraminal-stenosis", level="L4-L5", side="right", severity="mild"), **changes})


def records(*reports):
    return [{"id": f"r{n}", "findings": list(findings)} for n, findings in enumerate(reports)]


def test_perfect_match_scores_one_everywhere():
    gold = records([l5_right(), right_foramen(), finding(type="canal-stenosis", assertion="absent")],
                   [finding(level="L5-S1", assertion="absent")])
    metrics = score(gold, gold)
    for row in metrics["by_type"].values():
        assert (row["precision"], row["recall"], row["f1"]) == (1.0, 1.0, 1.0)
    assert all(row["accuracy"] == 1.0 for row in metrics["attributes"].values())
    assert metrics["safety"] == {"negation_inversions": 0, "present_reported_absent": 0}
    assert metrics["report_level"]["accuracy"] == 1.0
    assert metrics["errors"] == []


def test_missed_finding_lowers_recall_only():
    gold = records([l5_right(), l5_right(root="S1", level="L5-S1")])
    system = records([l5_right()])
    primary = score(gold, system)["primary"]
    assert (primary["tp"], primary["fp"], primary["fn"]) == (1, 0, 1)
    assert primary["precision"] == 1.0 and primary["recall"] == 0.5
    assert primary["f1"] == pytest.approx(2 / 3)
    errors = score(gold, system)["errors"]
    assert [(e["id"], e["kind"], e["gold"]["root"]) for e in errors] == [("r0", "missed", "S1")]


def test_spurious_finding_lowers_precision_only():
    gold = records([l5_right()])
    system = records([l5_right(), l5_right(side="left")])
    metrics = score(gold, system)
    assert (metrics["primary"]["precision"], metrics["primary"]["recall"]) == (0.5, 1.0)
    assert [e["kind"] for e in metrics["errors"]] == ["spurious"]


def test_possible_matches_present_but_assertion_is_scored_apart():
    gold = records([l5_right()])
    system = records([l5_right(assertion="possible")])
    metrics = score(gold, system)
    assert metrics["primary"]["f1"] == 1.0
    assert metrics["attributes"]["assertion"] == {"correct": 0, "total": 1, "accuracy": 0.0}
    assert metrics["safety"]["negation_inversions"] == 0
    assert [(e["kind"], e["fields"]) for e in metrics["errors"]] == [("mismatch", ["assertion"])]


def test_negation_inversion_is_counted_and_is_a_false_positive():
    gold = records([finding(level="L5-S1", assertion="absent")])
    system = records([finding(level="L5-S1", degree="impingement", assertion="possible")])
    metrics = score(gold, system)
    assert metrics["safety"]["negation_inversions"] == 1
    assert metrics["primary"]["fp"] == 1 and metrics["primary"]["tp"] == 0
    assert metrics["errors"][0]["kind"] == "inverted"
    assert metrics["report_level"]["accuracy"] == 0.0


def test_present_reported_absent_is_counted_and_is_a_false_negative():
    gold = records([l5_right()])
    system = records([l5_right(assertion="absent", degree=None)])
    metrics = score(gold, system)
    assert metrics["safety"] == {"negation_inversions": 0, "present_reported_absent": 1}
    assert (metrics["primary"]["fn"], metrics["primary"]["fp"]) == (1, 0)
    assert metrics["errors"][0]["kind"] == "denied"


def test_absent_pairs_do_not_enter_precision_or_recall():
    gold = records([finding(assertion="absent")])
    system = records([finding(assertion="absent")])
    primary = score(gold, system)["primary"]
    assert (primary["tp"], primary["fp"], primary["fn"]) == (0, 0, 0)


def test_same_root_at_two_levels_pairs_level_by_level():
    gold = records([l5_right(level="L4-L5", degree="contact"), l5_right(level="L5-S1", degree="compression")])
    system = records([l5_right(level="L5-S1", degree="compression"), l5_right(level="L4-L5", degree="contact")])
    metrics = score(gold, system)
    assert metrics["primary"]["tp"] == 2
    assert metrics["attributes"]["level"]["accuracy"] == 1.0
    assert metrics["attributes"]["degree"]["accuracy"] == 1.0


def test_named_root_matches_across_levels_when_nothing_closer():
    gold = records([l5_right(level="L4-L5")])
    system = records([l5_right(level="L5-S1")])
    metrics = score(gold, system)
    assert metrics["primary"]["tp"] == 1
    assert metrics["attributes"]["level"]["accuracy"] == 0.0


def test_matching_is_one_to_one():
    gold = records([l5_right()])
    system = records([l5_right(), l5_right(degree="compression")])
    metrics = score(gold, system)
    assert (metrics["primary"]["tp"], metrics["primary"]["fp"]) == (1, 1)
    assert match_findings(gold[0]["findings"], system[0]["findings"]) == [(0, 0)]


def test_greedy_prefers_same_polarity_so_a_denial_is_not_wasted():
    # The denied L5 root and the affected one share an identity and a level; the system's
    # positive finding must pair with the gold positive one, not invert the gold denial.
    gold_findings = [l5_right(assertion="absent", degree=None), l5_right()]
    system_findings = [l5_right()]
    assert match_findings(gold_findings, system_findings) == [(1, 0)]
    metrics = score(records(gold_findings), records(system_findings))
    assert metrics["safety"]["negation_inversions"] == 0
    assert metrics["primary"]["f1"] == 1.0


def test_rootless_gold_prefers_a_rootless_system_finding():
    gold_findings = [finding(level="L4-L5", degree="impingement"), finding(level="L4-L5", root="L5",
                                                                         degree="compression")]
    system_findings = [finding(level="L4-L5", root="L5", degree="compression"),
                       finding(level="L4-L5", degree="impingement")]
    assert match_findings(gold_findings, system_findings) == [(0, 1), (1, 0)]


def test_side_and_type_are_part_of_identity():
    gold = records([l5_right(), right_foramen()])
    system = records([l5_right(side="bilateral"), right_foramen(type="lateral-recess-stenosis")])
    metrics = score(gold, system)
    assert metrics["primary"]["tp"] == 0
    assert metrics["by_type"]["foraminal-stenosis"]["fn"] == 1
    assert metrics["by_type"]["lateral-recess-stenosis"]["fp"] == 1


def test_attribute_accuracy_over_matched_positive_findings():
    gold = records([l5_right(degree="compression", severity="severe", cause=["disc-extrusion", "osteophyte"])])
    system = records([l5_right(degree="displacement", severity="severe", cause=["osteophyte", "disc-extrusion"])])
    attributes = score(gold, system)["attributes"]
    assert attributes["degree"]["accuracy"] == 0.0
    assert attributes["severity"]["accuracy"] == 1.0
    assert attributes["cause"]["accuracy"] == 1.0  # order of causes does not matter


def test_stenosis_types_are_scored_separately():
    gold = records([right_foramen(), finding(type="canal-stenosis", level="L4-L5", severity="moderate")])
    system = records([right_foramen(severity="moderate")])
    metrics = score(gold, system)
    assert metrics["by_type"]["foraminal-stenosis"]["f1"] == 1.0
    assert metrics["by_type"]["canal-stenosis"]["recall"] == 0.0
    assert metrics["attributes"]["severity"]["accuracy"] == 0.0
    assert metrics["primary"] == {"tp": 0, "fp": 0, "fn": 0, "precision": 1.0, "recall": 1.0, "f1": 1.0}


def test_empty_reports_score_perfectly_and_report_level_counts_them():
    gold = records([], [])
    metrics = score(gold, records([], []))
    assert metrics["primary"]["f1"] == 1.0
    assert metrics["report_level"] == {"correct": 2, "total": 2, "accuracy": 1.0}


def test_report_level_is_about_positive_nerve_root_findings():
    gold = records([right_foramen()], [l5_right()], [finding(assertion="absent")])
    system = records([l5_right(assertion="possible")], [l5_right()], [])
    report = score(gold, system)["report_level"]
    assert (report["correct"], report["total"]) == (2, 3)


def test_reports_pair_by_id_and_missing_output_counts_as_empty():
    gold = records([l5_right()], [right_foramen()])
    system = [{"id": "r1", "findings": [right_foramen()]}, {"id": "extra", "findings": [l5_right()]}]
    metrics = score(gold, system)
    assert metrics["missing_ids"] == ["r0"]
    assert metrics["unknown_ids"] == ["extra"]
    assert metrics["primary"]["fn"] == 1 and metrics["primary"]["fp"] == 0
    assert metrics["by_type"]["foraminal-stenosis"]["tp"] == 1


def test_duplicate_gold_ids_are_refused():
    with pytest.raises(ValueError):
        score([{"id": "a", "findings": []}, {"id": "a", "findings": []}], [])


def test_extra_system_fields_are_ignored():
    system_finding = {**l5_right(), "root_inferred": "L5", "evidence": [{"start": 0, "end": 4}]}
    metrics = score(records([l5_right()]), records([system_finding]))
    assert metrics["errors"] == []


def test_format_metrics_is_a_readable_table(tmp_path):
    gold = records([l5_right(), finding(level="L5-S1", assertion="absent")])
    system = records([finding(level="L5-S1", assertion="present", degree="contact")])
    text = format_metrics(score(gold, system))
    assert "nerve-root (primary)" in text
    assert "negation inversions (gold absent, system present/possible): 1" in text
    assert "r0" in text and "inverted" in text and "missed" in text


def test_load_jsonl_reads_records_and_names_the_bad_line(tmp_path):
    path = tmp_path / "corpus.jsonl"
    path.write_text(json.dumps({"id": "a", "findings": []}) + "\n\n", encoding="utf-8")
    assert load_jsonl(path) == [{"id": "a", "findings": []}]
    path.write_text('{"id": "a"}\n{oops\n', encoding="utf-8")
    with pytest.raises(ValueError, match=":2:"):
        load_jsonl(path)


def test_gold_possible_reported_absent_is_a_miss_but_not_a_safety_count():
    gold = records([l5_right(assertion="possible")])
    system = records([l5_right(assertion="absent", degree=None)])
    metrics = score(gold, system)
    assert metrics["primary"]["fn"] == 1
    assert metrics["safety"] == {"negation_inversions": 0, "present_reported_absent": 0}
    assert metrics["errors"][0]["kind"] == "denied"


def test_level_outweighs_polarity_for_a_root_named_at_two_levels():
    # Gold: right L5 affected at L4-L5, free at L5-S1. A system that calls it affected at L5-S1
    # contradicts the L5-S1 denial; it does not find the L4-L5 finding.
    gold = records([l5_right(level="L4-L5"), l5_right(level="L5-S1", assertion="absent", degree=None)])
    system = records([l5_right(level="L5-S1")])
    metrics = score(gold, system)
    assert metrics["safety"]["negation_inversions"] == 1
    assert (metrics["primary"]["tp"], metrics["primary"]["fp"], metrics["primary"]["fn"]) == (0, 1, 1)
