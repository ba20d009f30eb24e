"""Known answers for what an evaluator defends a decision with (issue 15): the distance in
persons to every gate, pending corrections, sensitivity families, concentration."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from pipeline import decisions as dec
from pipeline.policy import load_reward_policy
from pipeline.rewards import compute_rewards, sensitivity

ROOT = Path(__file__).resolve().parents[1]
POLICY = load_reward_policy(ROOT / "config" / "rewards.yaml")  # gates .60 / .90 / .15


def school(sid: str = "A", quota: int = 100, c: int = 60, withdrawn: int = 0,
           standing: int = 100, quarantined: int = 0, **more: int) -> dict:
    row = {"school_id": sid, "school_name": sid, "quota": quota, "c": c, "admitted": c,
           "admitted_by_cutoff": c, "social": c // 2, "withdrawn": withdrawn,
           "priority": c // 2, "standing": standing, "quarantined": quarantined}
    return {**row, **more}


@pytest.mark.parametrize(("c", "expected"), [(60, 1), (59, 1), (61, 2), (45, 15)])
def test_fulfilment_distance_at_the_gate_one_short_and_one_over(c, expected):
    # 60 of 100 passes (one fewer fails); 59 fails (one more passes); 61 passes (two fewer fail)
    assert dec.distances(pd.Series(school(c=c)), POLICY)["fulfilment"] == expected


@pytest.mark.parametrize(("quarantined", "expected"), [(10, 1), (11, 1), (9, 2), (14, 4)])
def test_data_quality_distance(quarantined, expected):
    # 10 of 100 quarantined is exactly 0.90: passes, one more fails; 11 fails, one fewer passes
    assert dec.distances(pd.Series(school(quarantined=quarantined)), POLICY)[
        "data_quality"] == expected


@pytest.mark.parametrize(("withdrawn", "expected"), [(9, 1), (10, 1), (8, 2), (12, 3)])
def test_withdrawal_distance(withdrawn, expected):
    # 0.15 × 60 = 9 withdrawals allowed: 9 passes (one more fails), 10 fails (one fewer passes)
    assert dec.distances(pd.Series(school(withdrawn=withdrawn)), POLICY)[
        "withdrawal"] == expected


def test_no_distance_where_no_number_of_persons_flips_the_gate():
    got = dec.distances(pd.Series(school(quota=0, c=0, standing=0)), POLICY)
    assert got == {"fulfilment": None, "data_quality": None, "withdrawal": None}


def inputs() -> pd.DataFrame:
    return pd.DataFrame([
        school("A", c=80),
        school("B", c=50, quarantined=9, standing=60),  # best case 59 < 60: still fails
        school("C", c=55, quarantined=6, standing=70),  # best case 61 >= 60: could pass
    ])


def test_pending_corrections_could_and_could_not_change_the_decision():
    frame = inputs()
    detail = compute_rewards(frame, POLICY)
    got = dec.pending(frame, POLICY, detail).set_index("school_id")
    assert not got.loc["B", "could_change"] and not got.loc["B", "eligible_best_case"]
    assert got.loc["C", "could_change"] and got.loc["C", "eligible_best_case"]
    assert got.loc["C", "yuan_now"] == 0 and got.loc["C", "yuan_best_case"] > 0
    assert "A" not in got.index  # nothing pending


def test_sensitivity_families_by_hand():
    frame = inputs()
    weights = sensitivity(frame, POLICY)
    fam = dec.sensitivity_families(frame, POLICY, weights).set_index(["family", "school_id"])
    assert set(fam.index.get_level_values(0)) == set(dec.FAMILIES)
    # The fulfilment gate at 0.54 (0.6 × 0.9) lets C (55 %) in: its amount ranges from 0.
    c = fam.loc[("gate_fulfilment", "C")]
    assert c["yuan_min"] == 0 and c["yuan_max"] > 0
    # A alone is eligible at the configured gates: the whole pool whatever the weights.
    a = fam.loc[("weights", "A")]
    assert a["yuan_min"] == a["yuan_max"] == POLICY.pool_yuan


def test_concentration_sums_to_the_pool_and_caps_the_money_weight():
    frame = pd.DataFrame([school("A", c=200), school("B", c=70)])  # A at 200 %
    detail = compute_rewards(frame, POLICY)
    got = dec.concentration(detail, POLICY).set_index("school_id")
    assert got["yuan_if_capped"].sum() == POLICY.pool_yuan
    assert got.loc["A", "capped_counted"] == 120  # 1.2 × quota 100
    assert got.loc["A", "yuan_if_capped"] < detail.set_index("school_id").loc["A",
                                                                            "reward_yuan"]
    assert got["share_of_pool"].sum() == pytest.approx(1.0)


def test_variants_change_one_family_at_a_time():
    v = dec.variants(POLICY)
    assert [p.gates.fulfilment_min for p in v["gate_fulfilment"]] == pytest.approx(
        [0.54, 0.6, 0.66])
    assert all(p.gates.data_quality_min == 0.9 for p in v["gate_fulfilment"])
    assert [p.expansion.fulfilment_cap for p in v["fulfilment_cap"]] == [1.0, 1.2, 1.5]
    assert [p.allocation for p in v["allocation"]] == ["proportional", "tiered"]
    assert dataclasses.replace(POLICY) == POLICY


def test_decision_detail_adds_every_column_stage_04_writes():
    frame = inputs()
    detail, families = dec.decision_detail(frame, POLICY)
    row = detail.set_index("school_id")
    # distances: A 80 of 100 counted (60 pass: 21 fewer fail); C 55 (5 more pass)
    assert row.loc["A", "distance_fulfilment"] == 21 and row.loc["C", "distance_fulfilment"] == 5
    # pending: nothing for A (best case is now), C could become eligible
    assert not row.loc["A", "pending_could_change"]
    assert row.loc["A", "yuan_best_case"] == row.loc["A", "reward_yuan"] == POLICY.pool_yuan
    assert row.loc["C", "pending_could_change"] and row.loc["C", "yuan_best_case"] > 0
    # concentration: A alone is paid; 0 for the others
    assert row.loc["A", "share_of_pool"] == 1.0 and row.loc["B", "share_of_pool"] == 0
    assert row.loc["A", "yuan_per_counted"] == POLICY.pool_yuan / 80
    # the range over every family: C is paid when the fulfilment gate is 0.54
    assert row.loc["C", "yuan_min_any"] == 0 and row.loc["C", "yuan_max_any"] > 0
    assert list(families["family"].unique()) == list(dec.FAMILIES)
    assert list(detail["school_id"]) == ["A", "C", "B"]  # by rank, as compute_rewards


def test_overall_ranges_take_the_widest_over_the_families():
    fam = pd.DataFrame([
        {"family": "weights", "school_id": "A", "rank_best": 2, "rank_worst": 2,
         "yuan_min": 10, "yuan_max": 20},
        {"family": "allocation", "school_id": "A", "rank_best": 1, "rank_worst": 3,
         "yuan_min": 15, "yuan_max": 30},
    ])
    got = dec.overall_ranges(fam).iloc[0].to_dict()
    assert got == {"school_id": "A", "rank_best_any": 1, "rank_worst_any": 3,
                   "yuan_min_any": 10, "yuan_max_any": 30}


def records_frame() -> pd.DataFrame:
    rows = [  # file_school_id, state, source_file, sheet, row, masked ID, reasons
        ("A", "clean", "2019-09/A.csv", None, 2, "230102********1234", ""),
        ("A", "quarantined", "2019-09/A.csv", None, 3, "230102********5678", "BAD_DATE"),
        ("A", "superseded", "2019-09/A.csv", None, 4, "230102********9999", ""),
        ("A", "quarantined", "2019-10/A.xlsx", "一班", 5, "230102********000X",
         "INVALID_ID;BAD_DATE"),
        ("B", "clean", "2019-09/B.csv", None, 2, "230102********4321", ""),
    ]
    return pd.DataFrame(rows, columns=["file_school_id", "state", "source_file", "sheet",
                                       "source_row", "id_masked", "reasons"])


def test_school_files_with_counts_and_hashes():
    evidence = pd.DataFrame({"school_id": ["A", "A", "B"],
                             "source_file": ["2019-09/A.csv", "2019-09/B.csv", "2019-09/B.csv"],
                             "c": [True, True, False]})
    got = dec.school_files(records_frame(), evidence, {"2019-09/A.csv": "h1"})
    assert got["A"] == [
        {"source_file": "2019-09/A.csv", "counted": 1, "standing": 2, "quarantined": 1,
         "sha256": "h1"},
        {"source_file": "2019-09/B.csv", "counted": 1, "standing": 0, "quarantined": 0,
         "sha256": ""},  # a record of A's in B's file
        {"source_file": "2019-10/A.xlsx", "counted": 0, "standing": 1, "quarantined": 1,
         "sha256": ""},
    ]
    assert got["B"] == [{"source_file": "2019-09/B.csv", "counted": 0, "standing": 1,
                         "quarantined": 0, "sha256": ""}]


def test_pending_rows_by_school_masked_ids_only():
    got = dec.pending_rows(records_frame())
    assert list(got) == ["A"]
    assert got["A"]["count"] == 2
    assert got["A"]["by_reason"] == {"BAD_DATE": 2, "INVALID_ID": 1}
    assert [r["id_masked"] for r in got["A"]["rows"]] == ["230102********5678",
                                                          "230102********000X"]
    assert set(got["A"]["rows"][0]) == set(dec.PENDING_ROW_COLUMNS)


def test_notice_dates_from_the_publication():
    from pipeline.settings import load_settings

    got = dec.notice(load_settings(ROOT / "config").publication, "2020-04")
    # release on the 10th of the next month, 7 days of 公示, 15 more days for 复核
    assert (got["released"], got["notice_ends"], got["review_deadline"]) == (
        "2020-05-10", "2020-05-16", "2020-05-31")
    assert got["policy_citation"] == "哈政办规【2019】20号"
