"""Tests of pipeline.rewards: the acceptance case, hand-worked fixtures, config errors."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import ConfigError, InputError
from pipeline.policy import RewardPolicy, load_reward_policy, policy_from_mapping
from pipeline.rewards import (
    REWARDS_CSV_COLUMNS,
    SENSITIVITY_COLUMNS,
    allocation_summary,
    compute_rewards,
    largest_remainder,
    rewards_table,
    sensitivity,
)

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "config" / "rewards.yaml"
ACCEPTANCE = Path(__file__).resolve().parents[2] / "shared" / "acceptance" / "case-2020"


@pytest.fixture(scope="module")
def default_mapping() -> dict:
    """Return the shipped rewards.yaml as parsed YAML."""
    return yaml.safe_load(CONFIG.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def policy() -> RewardPolicy:
    """Return the shipped policy (the DESIGN defaults)."""
    return load_reward_policy(CONFIG)


def with_(policy: RewardPolicy, **changes) -> RewardPolicy:
    """Return a copy of the policy with some top-level fields replaced."""
    return dataclasses.replace(policy, **changes)


def school(school_id: str, **counts: int) -> dict:
    """Build one input row; the defaults make an unremarkable eligible school."""
    row = {
        "school_id": school_id,
        "school_name": f"学校{school_id}",
        "quota": 100,
        "c": 80,
        "admitted": 90,
        "admitted_by_cutoff": 50,
        "social": 40,
        "withdrawn": 0,
        "priority": 40,
        "standing": 100,
        "quarantined": 0,
    }
    row.update(counts)
    return row


def frame(*rows: dict) -> pd.DataFrame:
    """Build an inputs frame from rows."""
    return pd.DataFrame(list(rows))


def by_id(detail: pd.DataFrame) -> pd.DataFrame:
    """Index the detail frame by school_id."""
    return detail.set_index("school_id")


# --------------------------------------------------------------------------- the policy file


def test_shipped_policy_is_the_design_default(policy: RewardPolicy) -> None:
    """config/rewards.yaml holds exactly the DESIGN §5 numbers."""
    assert policy.gates.fulfilment_min == 0.60
    assert policy.gates.data_quality_min == 0.90
    assert policy.gates.withdrawal_max == 0.15
    assert (policy.weights.speed, policy.weights.expansion, policy.weights.quality) == (
        0.3,
        0.4,
        0.3,
    )
    assert (policy.expansion.fulfilment, policy.expansion.social) == (0.7, 0.3)
    assert policy.expansion.fulfilment_cap == 1.2
    assert [(t.tier, t.min_score, t.weight) for t in policy.tiers] == [
        (3, 0.8, 3),
        (2, 0.6, 2),
        (1, 0.0, 1),
    ]
    assert policy.pool_yuan == 5_000_000
    assert policy.allocation == "proportional"
    assert policy.sensitivity_factors == (0.8, 1.0, 1.2)
    assert policy_from_mapping(policy.to_dict()) == policy


def _mutate(mapping: dict, path: str, value: object) -> dict:
    """Copy ``mapping`` with dotted ``path`` set to ``value`` (deleted for ``_DELETE``)."""
    data = copy.deepcopy(mapping)
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is _DELETE:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "key_in_message"),
    [
        ("bonus", 1, "bonus"),
        ("weights.sped", 0.3, "weights.sped"),
        ("gates.withdrawal_max", _DELETE, "gates.withdrawal_max"),
        ("pool_yuan", _DELETE, "pool_yuan"),
        ("weights.speed", 0.4, "weights"),
        ("weights.speed", "abc", "weights.speed"),
        ("weights.quality", -0.1, "weights.quality"),
        ("gates.fulfilment_min", True, "gates.fulfilment_min"),
        ("gates.data_quality_min", 1.5, "gates.data_quality_min"),
        ("gates", [0.6, 0.9, 0.15], "gates"),
        ("pool_yuan", -5, "pool_yuan"),
        ("pool_yuan", 0, "pool_yuan"),
        ("pool_yuan", 5000000.5, "pool_yuan"),
        ("pool_yuan", "5000000", "pool_yuan"),
        ("allocation", "equal", "allocation"),
        ("expansion.social", 0.4, "expansion.social"),
        ("expansion.fulfilment_cap", 0, "expansion.fulfilment_cap"),
        ("quality.retention", "one", "quality.retention"),
        ("tiers.1.min_score", 0.9, "tiers[1].min_score"),
        ("tiers.2.min_score", 0.1, "tiers[2].min_score"),
        ("tiers.0.weight", "x", "tiers[0].weight"),
        ("tiers.0.colour", "red", "tiers[0].colour"),
        ("tiers.1.tier", 3, "tiers[1].tier"),
        ("sensitivity.factors", [], "sensitivity.factors"),
        ("sensitivity.factors", [0.8, 0, 1.2], "sensitivity.factors[1]"),
    ],
)
def test_config_errors_are_one_line_naming_the_key(
    tmp_path: Path, default_mapping: dict, path: str, value: object, key_in_message: str
) -> None:
    """Each bad key or value raises one ConfigError line naming the file and the key."""
    target = tmp_path / "rewards.yaml"
    target.write_text(
        yaml.safe_dump(_mutate(default_mapping, path, value), allow_unicode=True),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_reward_policy(target)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("rewards.yaml: ")
    assert key_in_message in message


def test_config_error_message_example(tmp_path: Path, default_mapping: dict) -> None:
    """The example of the interface, word for word."""
    target = tmp_path / "rewards.yaml"
    target.write_text(yaml.safe_dump(_mutate(default_mapping, "weights.speed", "abc")))
    with pytest.raises(
        ConfigError,
        match=r"^rewards\.yaml: weights\.speed must be a number "
        r"between 0 and 1, got 'abc'$",
    ):
        load_reward_policy(target)


@pytest.mark.parametrize(
    "text",
    ["gates: [\n  unclosed\n", "- just\n- a list\n", "", "weights: {speed: 0.3}\n"],
)
def test_config_unusable_file_is_one_line(tmp_path: Path, text: str) -> None:
    """Invalid YAML, a wrong top-level shape or an empty file: one line."""
    target = tmp_path / "rewards.yaml"
    target.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_reward_policy(target)
    assert "\n" not in str(info.value)
    assert str(info.value).startswith("rewards.yaml: ")


def test_config_missing_file(tmp_path: Path) -> None:
    """A missing file names itself."""
    with pytest.raises(ConfigError, match=r"^rewards\.yaml: file not found"):
        load_reward_policy(tmp_path / "rewards.yaml")


def test_config_can_switch_allocation_and_numbers(tmp_path: Path, default_mapping: dict) -> None:
    """A real policy changes numbers and the allocation without code."""
    data = _mutate(default_mapping, "allocation", "tiered")
    data = _mutate(data, "pool_yuan", 3_000_001)
    data = _mutate(data, "weights", {"speed": 0.2, "expansion": 0.5, "quality": 0.3})
    data = _mutate(data, "quality", {"retention": 2, "priority_share": 1, "data_quality": 1})
    target = tmp_path / "rewards.yaml"
    target.write_text(yaml.safe_dump(data))
    loaded = load_reward_policy(target)
    assert loaded.allocation == "tiered"
    assert loaded.pool_yuan == 3_000_001
    assert loaded.weights.expansion == 0.5
    assert loaded.quality.retention == 2.0


# --------------------------------------------------------------------------- acceptance case


def _acceptance_inputs(period: dict, quotas: pd.Series) -> pd.DataFrame:
    rows = []
    for school_id, expected in period["rewards"].items():
        rows.append(
            {
                "school_id": school_id,
                "school_name": school_id,
                "quota": int(quotas[school_id]),
                "admitted": period["schools"][school_id]["admitted"],
                **expected["inputs"],
            }
        )
    return pd.DataFrame(rows)


# The figures expected.json gives per school (beside inputs, gates, rank and amounts).
ACCEPTANCE_FIGURES = ("fulfilment", "data_quality", "withdrawal", "retention", "social_share",
                      "priority_share", "speed", "expansion", "quality", "score")


@pytest.mark.parametrize("period", ["2019-10", "2020-01", "2020-04"])
@pytest.mark.parametrize(
    ("allocation", "amount_key"),
    [("proportional", "reward_yuan"), ("tiered", "reward_yuan_tiered")],
)
def test_acceptance_case(policy: RewardPolicy, period: str, allocation: str, amount_key: str):
    """Every figure of shared/acceptance/case-2020/expected.json, both allocations."""
    expected_path = ACCEPTANCE / "expected.json"
    schools_path = ACCEPTANCE / "reference" / "schools.csv"
    if not expected_path.exists() or not schools_path.exists():
        pytest.skip(f"acceptance case not present at {ACCEPTANCE}")
    expected = json.loads(expected_path.read_text(encoding="utf-8"))[period]
    quotas = pd.read_csv(schools_path, dtype={"school_id": str}).set_index("school_id")["quota"]
    detail = compute_rewards(
        _acceptance_inputs(expected, quotas), with_(policy, allocation=allocation)
    )
    got = by_id(detail)
    assert sorted(got.index) == sorted(expected["rewards"])
    for school_id, want in expected["rewards"].items():
        row = got.loc[school_id]
        for figure in ACCEPTANCE_FIGURES:
            assert row[figure] == pytest.approx(want[figure], abs=1e-9), (school_id, figure)
        assert bool(row["eligible"]) is want["eligible"], school_id
        assert row["failed_gates"] == ";".join(want["failed_gates"]), school_id
        assert int(row["rank"]) == want["rank"], school_id
        assert int(row["reward_yuan"]) == want[amount_key], school_id
    assert list(detail["rank"]) == list(range(1, len(detail) + 1))
    paid = int(detail["reward_yuan"].sum())
    assert paid in (0, policy.pool_yuan)


# --------------------------------------------------------------------------- gates


@pytest.mark.parametrize(
    ("counts", "failed"),
    [
        ({"quota": 100, "c": 60}, ""),  # fulfilment exactly 0.60 passes
        ({"quota": 100, "c": 59}, "fulfilment"),
        ({"quota": 5, "c": 3, "social": 1, "priority": 1}, ""),  # 3/5 = 0.6
        ({"standing": 100, "quarantined": 10}, ""),  # data quality exactly 0.90
        ({"standing": 100, "quarantined": 11}, "data_quality"),
        ({"standing": 30, "quarantined": 3}, ""),  # 1 - 3/30 = 0.9
        ({"c": 100, "withdrawn": 15}, ""),  # withdrawal exactly 0.15
        ({"c": 100, "withdrawn": 16}, "withdrawal"),
        ({"c": 60, "withdrawn": 9}, ""),  # 9/60 = 0.15
        (
            {"c": 50, "withdrawn": 10, "quarantined": 20},
            "fulfilment;data_quality;withdrawal",
        ),
        ({"c": 50, "withdrawn": 10}, "fulfilment;withdrawal"),
    ],
)
def test_each_gate_alone_and_at_threshold(policy: RewardPolicy, counts: dict, failed: str):
    """Gates are inclusive; each failing gate is named, in the fixed order."""
    row = by_id(compute_rewards(frame(school("S1", **counts)), policy)).loc["S1"]
    assert row["failed_gates"] == failed
    assert bool(row["eligible"]) is (failed == "")
    for gate in ("fulfilment", "data_quality", "withdrawal"):
        assert bool(row[f"gate_{gate}_pass"]) is (gate not in failed.split(";"))
        assert row[f"gate_{gate}_value"] == row[gate]
    assert row["gate_fulfilment_threshold"] == 0.60
    assert row["gate_data_quality_threshold"] == 0.90
    assert row["gate_withdrawal_threshold"] == 0.15


def test_gate_values_by_hand(policy: RewardPolicy) -> None:
    """Measures worked out by hand for one school."""
    row = by_id(
        compute_rewards(
            frame(
                school(
                    "S1",
                    quota=200,
                    c=150,
                    admitted_by_cutoff=100,
                    social=60,
                    withdrawn=15,
                    priority=120,
                    standing=160,
                    quarantined=8,
                )
            ),
            policy,
        )
    ).loc["S1"]
    assert row["fulfilment"] == 0.75
    assert row["data_quality"] == pytest.approx(0.95)
    assert row["withdrawal"] == pytest.approx(0.10)
    assert row["retention"] == pytest.approx(0.90)
    assert row["social_share"] == pytest.approx(0.40)
    assert row["priority_share"] == pytest.approx(0.80)
    assert row["speed"] == pytest.approx(0.50)
    # 0.7 × 0.75 / 1.2 + 0.3 × 0.4 = 0.4375 + 0.12
    assert row["expansion"] == pytest.approx(0.5575)
    # (0.9 + 0.8 + 0.95) / 3
    assert row["quality"] == pytest.approx(2.65 / 3)
    assert row["score"] == pytest.approx(0.3 * 0.5 + 0.4 * 0.5575 + 0.3 * 2.65 / 3)


def test_speed_is_capped_at_one(policy: RewardPolicy) -> None:
    """Speed is min(1, admitted_by_cutoff / quota)."""
    row = by_id(compute_rewards(frame(school("S1", admitted_by_cutoff=150)), policy)).loc["S1"]
    assert row["speed"] == 1.0


def test_zero_quota_and_zero_counted(policy: RewardPolicy) -> None:
    """Zero denominators give 0, never NaN or an error."""
    zero = {k: 0 for k in ("quota", "c", "admitted", "admitted_by_cutoff", "social")}
    zero.update(withdrawn=0, priority=0, standing=0, quarantined=0)
    detail = compute_rewards(
        frame(school("Z1", **zero), school("Z2", **{**zero, "quota": 100})), policy
    )
    got = by_id(detail)
    for school_id in ("Z1", "Z2"):
        row = got.loc[school_id]
        assert row["fulfilment"] == 0.0
        assert row["speed"] == 0.0
        assert row["withdrawal"] == 0.0
        assert row["retention"] == 1.0
        assert row["social_share"] == 0.0
        assert row["priority_share"] == 0.0
        assert row["data_quality"] == 1.0  # 1 - 0 (no standing rows)
        assert row["expansion"] == 0.0
        assert row["quality"] == pytest.approx(2 / 3)
        assert row["score"] == pytest.approx(0.2)
        assert row["failed_gates"] == "fulfilment"
        assert row["reward_yuan"] == 0
    not_applicable = ["failed_gates", *TIERED_STEPS]  # tiered steps under proportional
    assert not detail.drop(columns=not_applicable).isna().any().any()
    assert allocation_summary(detail, policy)["unallocated"] is True


# --------------------------------------------------------------------------- rank


def test_score_ties_rank_by_school_id(policy: RewardPolicy) -> None:
    """Equal scores rank by school_id; ranks cover all schools, eligible or not."""
    detail = compute_rewards(
        frame(
            school("S3"),
            school("S1"),
            school("S2"),
            school("S0", c=10, social=5, priority=5),  # ineligible, lower score
            school("S9", admitted_by_cutoff=100),  # higher score
        ),
        policy,
    )
    assert list(detail["school_id"]) == ["S9", "S1", "S2", "S3", "S0"]
    assert list(detail["rank"]) == [1, 2, 3, 4, 5]
    assert detail["rank"].dtype.kind == "i"


def test_rank_ties_survive_float_noise(policy: RewardPolicy) -> None:
    """Scores equal on paper but reached by different arithmetic still tie."""
    # A: speed 1, quality 0.7; B: speed 0.7, quality 1; same expansion.
    a = school("B", admitted_by_cutoff=100, c=100, social=50, withdrawn=10, priority=20)
    b = school("A", admitted_by_cutoff=70, c=100, social=50, withdrawn=0, priority=100)
    got = by_id(compute_rewards(frame(a, b), policy))
    assert got.loc["A", "score"] == pytest.approx(got.loc["B", "score"], abs=1e-12)
    assert got.loc["A", "rank"] == 1
    assert got.loc["B", "rank"] == 2


# --------------------------------------------------------------------------- allocation


def test_largest_remainder_by_hand() -> None:
    """Floors, then leftovers to the largest fractional parts, ties by key."""
    assert list(largest_remainder([1.2, 1.7, 2.1], ["a", "b", "c"], 5)) == [1, 2, 2]
    assert list(largest_remainder([1.5, 2.5, 1.0], ["b", "a", "c"], 5)) == [1, 3, 1]
    thirds = [100 / 3] * 3
    assert list(largest_remainder(thirds, ["c", "a", "b"], 100)) == [33, 34, 33]
    assert list(largest_remainder([200 / 3] * 3, ["c", "a", "b"], 200)) == [66, 67, 67]
    # float noise just under / over a whole yuan
    assert list(largest_remainder([2.9999999999999996, 2.0000000000000004], ["a", "b"], 5)) == [
        3,
        2,
    ]
    assert largest_remainder([], [], 0).size == 0


def test_proportional_ties_in_remainder_go_by_school_id(policy: RewardPolicy) -> None:
    """Three identical schools share 100 yuan: 34/33/33, the extra yuan to S1."""
    detail = compute_rewards(
        frame(school("S3"), school("S1"), school("S2")), with_(policy, pool_yuan=100)
    )
    got = by_id(detail)
    assert got.loc["S1", "exact_share"] == pytest.approx(100 / 3)
    assert dict(got["reward_yuan"]) == {"S1": 34, "S2": 33, "S3": 33}
    detail = compute_rewards(
        frame(school("S3"), school("S1"), school("S2")), with_(policy, pool_yuan=200)
    )
    assert dict(by_id(detail)["reward_yuan"]) == {"S1": 67, "S2": 67, "S3": 66}


def test_proportional_by_hand(policy: RewardPolicy) -> None:
    """Shares ∝ score × c among eligible schools only."""
    rows = frame(
        school("S1", c=80),
        school("S2", c=100),
        school("S3", c=10),  # fails fulfilment: excluded from Σw
    )
    detail = compute_rewards(rows, with_(policy, pool_yuan=1_000_001))
    got = by_id(detail)
    w1 = got.loc["S1", "score"] * 80
    w2 = got.loc["S2", "score"] * 100
    assert got.loc["S1", "exact_share"] == pytest.approx(1_000_001 * w1 / (w1 + w2))
    assert got.loc["S2", "exact_share"] == pytest.approx(1_000_001 * w2 / (w1 + w2))
    assert got.loc["S3", "exact_share"] == 0.0
    assert got.loc["S3", "reward_yuan"] == 0
    assert detail["reward_yuan"].sum() == 1_000_001
    for school_id in ("S1", "S2"):
        share = got.loc[school_id, "exact_share"]
        assert got.loc[school_id, "reward_yuan"] in (np.floor(share), np.floor(share) + 1)


# Tier fixtures worked out by hand (default weights 0.3 / 0.4 / 0.3):
# T3: speed 1, expansion 0.7 × 0.6 / 1.2 + 0.3 × 0.5 = 0.5, quality 1 → score exactly 0.8.
# T2: speed 0, expansion 0.7 × 1.2 / 1.2 + 0.3 × 20/120 = 0.75, quality 1 → score exactly 0.6.
# T1: speed 0, expansion 0.35, quality (1 + 0 + 1) / 3 → score 0.34.
TIER3 = {
    "quota": 100,
    "c": 60,
    "admitted_by_cutoff": 100,
    "social": 30,
    "withdrawn": 0,
    "priority": 60,
    "standing": 60,
    "quarantined": 0,
}
TIER2 = {
    "quota": 100,
    "c": 120,
    "admitted_by_cutoff": 0,
    "social": 20,
    "withdrawn": 0,
    "priority": 120,
    "standing": 120,
    "quarantined": 0,
}
TIER1 = {
    "quota": 100,
    "c": 60,
    "admitted_by_cutoff": 0,
    "social": 0,
    "withdrawn": 0,
    "priority": 0,
    "standing": 60,
    "quarantined": 0,
}


def test_tier_boundaries_exactly(policy: RewardPolicy) -> None:
    """Score exactly 0.8 is tier 3, exactly 0.6 tier 2; just below drops a tier."""
    got = by_id(
        compute_rewards(
            frame(
                school("A", **TIER3),
                school("B", **TIER2),
                school("C", **TIER1),
                school("D", **{**TIER3, "social": 29}),  # just under 0.8
                school("E", **{**TIER2, "social": 19}),  # just under 0.6
            ),
            policy,
        )
    )
    assert got.loc["A", "score"] == pytest.approx(0.8, abs=1e-12)
    assert got.loc["B", "score"] == pytest.approx(0.6, abs=1e-12)
    assert got.loc["C", "score"] == pytest.approx(0.34, abs=1e-12)
    assert dict(got["tier"]) == {"A": 3, "B": 2, "C": 1, "D": 2, "E": 1}


def test_tiered_allocation_by_hand(policy: RewardPolicy) -> None:
    """Tiered, pool 600: c-half 75/150/75, tier-half 150/100/50 → 225/250/125."""
    rows = frame(school("A", **TIER3), school("B", **TIER2), school("C", **TIER1))
    got = by_id(compute_rewards(rows, with_(policy, allocation="tiered", pool_yuan=600)))
    assert dict(got["exact_share"]) == pytest.approx({"A": 225.0, "B": 250.0, "C": 125.0})
    assert dict(got["reward_yuan"]) == {"A": 225, "B": 250, "C": 125}


def test_tiered_allocation_odd_pool(policy: RewardPolicy) -> None:
    """Pool 601: halves are 300.5; A 225.375, B 250.41667, C 125.20833 → the yuan to B."""
    rows = frame(school("A", **TIER3), school("B", **TIER2), school("C", **TIER1))
    got = by_id(compute_rewards(rows, with_(policy, allocation="tiered", pool_yuan=601)))
    assert got.loc["A", "exact_share"] == pytest.approx(75.125 + 150.25)
    assert got.loc["B", "exact_share"] == pytest.approx(150.25 + 300.5 / 3)
    assert got.loc["C", "exact_share"] == pytest.approx(75.125 + 300.5 / 6)
    assert dict(got["reward_yuan"]) == {"A": 225, "B": 251, "C": 125}


PROPORTIONAL_STEPS = ("money_weight", "money_weight_total")
TIERED_STEPS = (
    "tier_weight",
    "counted_total",
    "tier_weight_total",
    "half_by_counted",
    "half_by_tier",
)


def test_proportional_steps_by_hand(policy: RewardPolicy) -> None:
    """Pool 1000, w = 0.8 × 60, 0.6 × 120, 0.34 × 60 = 48, 72, 20.4; Σw = 140.4.

    Exact shares 341.880342, 512.820513, 145.299145; floors 341 + 512 + 145 = 998, so the 2
    yuan left go to the two largest fractions (A .880342, B .820513); D is not eligible.
    """
    rows = frame(
        school("A", **TIER3), school("B", **TIER2), school("C", **TIER1), school("D", c=10)
    )
    got = by_id(compute_rewards(rows, with_(policy, pool_yuan=1000)))
    assert dict(got["money_weight"]) == pytest.approx({"A": 48, "B": 72, "C": 20.4, "D": 0})
    assert list(got["money_weight_total"]) == pytest.approx([140.4] * 4)
    assert dict(got["exact_share"]) == pytest.approx(
        {"A": 341.880342, "B": 512.820513, "C": 145.299145, "D": 0}, abs=1e-6
    )
    assert dict(got["share_floor"]) == {"A": 341, "B": 512, "C": 145, "D": 0}
    assert dict(got["share_fraction"]) == {"A": 0.880342, "B": 0.820513, "C": 0.299145, "D": 0}
    assert dict(got["plus_one"]) == {"A": True, "B": True, "C": False, "D": False}
    assert set(got["leftover_yuan"]) == {2}
    assert dict(got["reward_yuan"]) == {"A": 342, "B": 513, "C": 145, "D": 0}
    assert got[list(TIERED_STEPS)].isna().all().all()


def test_tiered_steps_by_hand(policy: RewardPolicy) -> None:
    """Pool 601: halves of 300.5. Σc = 240 → 75.125, 150.25, 75.125; tier weights 3, 2, 1
    (Σ 6) → 150.25, 100.166667, 50.083333; floors 225 + 250 + 125 = 600, the yuan to B."""
    rows = frame(
        school("A", **TIER3), school("B", **TIER2), school("C", **TIER1), school("D", c=10)
    )
    got = by_id(compute_rewards(rows, with_(policy, allocation="tiered", pool_yuan=601)))
    assert dict(got["tier_weight"]) == {"A": 3, "B": 2, "C": 1, "D": 0}
    assert set(got["counted_total"]) == {240}
    assert set(got["tier_weight_total"]) == {6}
    assert dict(got["half_by_counted"]) == pytest.approx(
        {"A": 75.125, "B": 150.25, "C": 75.125, "D": 0}
    )
    assert dict(got["half_by_tier"]) == pytest.approx(
        {"A": 150.25, "B": 100.166667, "C": 50.083333, "D": 0}, abs=1e-6
    )
    assert dict(got["share_floor"]) == {"A": 225, "B": 250, "C": 125, "D": 0}
    assert dict(got["share_fraction"]) == {"A": 0.375, "B": 0.416667, "C": 0.208333, "D": 0}
    assert dict(got["plus_one"]) == {"A": False, "B": True, "C": False, "D": False}
    assert set(got["leftover_yuan"]) == {1}
    assert got[list(PROPORTIONAL_STEPS)].isna().all().all()


def test_steps_when_nobody_is_eligible(policy: RewardPolicy) -> None:
    """No eligible school: every weight, share and floor is 0, nothing is left over."""
    rows = frame(school("A", c=10), school("B", quarantined=50))
    got = compute_rewards(rows, policy)
    for column in (*PROPORTIONAL_STEPS, "share_floor", "share_fraction", "leftover_yuan"):
        assert (got[column] == 0).all(), column
    assert not got["plus_one"].any()


@pytest.mark.parametrize("allocation", ["proportional", "tiered"])
@pytest.mark.parametrize("pool", [1, 2, 7, 999_999, 5_000_000, 5_000_001])
def test_amounts_sum_to_pool(policy: RewardPolicy, allocation: str, pool: int) -> None:
    """Amounts are whole yuan summing to the pool exactly, odd pools included."""
    rows = frame(
        school("A", **TIER3),
        school("B", **TIER2),
        school("C", **TIER1),
        school("D", c=77, social=13, priority=31),
        school("E", c=91, withdrawn=7, quarantined=3),
        school("F", c=20),  # ineligible
    )
    detail = compute_rewards(rows, with_(policy, allocation=allocation, pool_yuan=pool))
    assert detail["reward_yuan"].dtype.kind == "i"
    assert int(detail["reward_yuan"].sum()) == pool
    assert (detail["reward_yuan"] >= 0).all()
    assert by_id(detail).loc["F", "reward_yuan"] == 0
    assert detail["exact_share"].sum() == pytest.approx(pool)
    summary = allocation_summary(detail, with_(policy, pool_yuan=pool))
    assert summary["allocated_yuan"] == pool
    assert summary["unallocated_yuan"] == 0
    assert summary["unallocated"] is False


@pytest.mark.parametrize("allocation", ["proportional", "tiered"])
def test_no_eligible_school_pays_nobody(policy: RewardPolicy, allocation: str) -> None:
    """If nobody passes the gates, everyone gets 0 and the pool is unallocated."""
    rows = frame(school("A", c=10), school("B", quarantined=50), school("C", withdrawn=40))
    p = with_(policy, allocation=allocation)
    detail = compute_rewards(rows, p)
    assert not detail["eligible"].any()
    assert (detail["reward_yuan"] == 0).all()
    assert (detail["exact_share"] == 0).all()
    assert allocation_summary(detail, p) == {
        "pool_yuan": 5_000_000,
        "allocation": allocation,
        "eligible_schools": 0,
        "allocated_yuan": 0,
        "unallocated_yuan": 5_000_000,
        "unallocated": True,
    }


def test_eligible_schools_with_zero_weight_share_equally(policy: RewardPolicy) -> None:
    """A policy whose gates let in schools with c = 0: Σw = 0 falls back to equal parts."""
    gates = dataclasses.replace(policy.gates, fulfilment_min=0.0)
    rows = frame(school("A", c=0, quota=0), school("B", c=0))
    detail = compute_rewards(rows, with_(policy, gates=gates, pool_yuan=101))
    assert dict(by_id(detail)["reward_yuan"]) == {"A": 51, "B": 50}


# --------------------------------------------------------------------------- output shape


def test_output_columns_and_order(policy: RewardPolicy) -> None:
    """Sorted by rank; every input, measure, gate, component and the outcome."""
    rows = frame(school("S2"), school("S1", c=10))
    detail = compute_rewards(rows, policy)
    for column in [*rows.columns, "fulfilment", "retention", "social_share", "priority_share"]:
        assert column in detail.columns
    for gate in ("fulfilment", "data_quality", "withdrawal"):
        for part in ("threshold", "value", "pass"):
            assert f"gate_{gate}_{part}" in detail.columns
    for column in ("eligible", "failed_gates", "speed", "expansion", "quality", "score"):
        assert column in detail.columns
    for column in ("rank", "tier", "exact_share", "reward_yuan"):
        assert column in detail.columns
    assert detail["eligible"].dtype == bool
    assert list(detail["rank"]) == sorted(detail["rank"])
    table = rewards_table(detail)
    assert tuple(table.columns) == REWARDS_CSV_COLUMNS
    assert list(table["school_id"]) == ["S1", "S2"]
    assert rows.equals(frame(school("S2"), school("S1", c=10)))  # input not mutated


def test_bad_inputs_raise_input_error(policy: RewardPolicy) -> None:
    """Missing columns, duplicate schools and negative counts are one-line InputErrors."""
    with pytest.raises(InputError, match="missing column"):
        compute_rewards(frame(school("S1")).drop(columns=["standing"]), policy)
    with pytest.raises(InputError, match="S1 appears more than once"):
        compute_rewards(frame(school("S1"), school("S1")), policy)
    with pytest.raises(InputError, match="withdrawn of S1"):
        compute_rewards(frame(school("S1", withdrawn=-1)), policy)


# --------------------------------------------------------------------------- sensitivity


def test_sensitivity_known_ranks(policy: RewardPolicy) -> None:
    """A (fast) and B (high quality) tie at the default weights and swap under the factors.

    A: speed 1, quality 0.7; B: speed 0.7, quality 1; same expansion. Score A − B is
    proportional to (f_speed − f_quality): A leads when speed weighs more, B when quality
    does, and on ties (9 of 27 combinations) A leads by school_id. C is worse at everything.
    """
    rows = frame(
        school("A", admitted_by_cutoff=100, c=100, social=50, withdrawn=10, priority=20),
        school("B", admitted_by_cutoff=70, c=100, social=50, withdrawn=0, priority=100),
        school("C", admitted_by_cutoff=0, c=60, social=0, withdrawn=9, priority=0, quarantined=10),
    )
    base = by_id(compute_rewards(rows, policy))
    sens = sensitivity(rows, policy)
    assert tuple(sens.columns) == SENSITIVITY_COLUMNS
    got = sens.set_index("school_id")
    assert list(got.index) == ["A", "B", "C"]
    assert (got.loc["A", "rank_best"], got.loc["A", "rank_worst"]) == (1, 2)
    assert (got.loc["B", "rank_best"], got.loc["B", "rank_worst"]) == (1, 2)
    assert (got.loc["C", "rank_best"], got.loc["C", "rank_worst"]) == (3, 3)
    for school_id in "ABC":
        amount = base.loc[school_id, "reward_yuan"]
        assert got.loc[school_id, "yuan_min"] <= amount <= got.loc[school_id, "yuan_max"]
    assert got.loc["A", "yuan_min"] < got.loc["A", "yuan_max"]
    assert not got.loc["C", "tier_changes"]


def test_sensitivity_tier_flip(policy: RewardPolicy) -> None:
    """A school at exactly 0.8 drops to tier 2 when expansion weighs more; a flat one never moves.

    T3 has speed 1, expansion 0.5, quality 1: weights (0.3, 0.48, 0.3) / 1.08 give
    0.84 / 1.08 = 0.778 → tier 2. F has every component 1, so score 1 under any weights.
    """
    flat = {
        "quota": 100,
        "c": 120,
        "admitted_by_cutoff": 100,
        "social": 120,
        "withdrawn": 0,
        "priority": 120,
        "standing": 120,
        "quarantined": 0,
    }
    got = sensitivity(frame(school("T3", **TIER3), school("F", **flat)), policy).set_index(
        "school_id"
    )
    assert (got.loc["T3", "tier_min"], got.loc["T3", "tier_max"]) == (2, 3)
    assert bool(got.loc["T3", "tier_changes"]) is True
    assert (got.loc["F", "tier_min"], got.loc["F", "tier_max"]) == (3, 3)
    assert bool(got.loc["F", "tier_changes"]) is False
    assert (got.loc["F", "rank_best"], got.loc["F", "rank_worst"]) == (1, 1)


def test_sensitivity_single_factor_is_the_base_result(policy: RewardPolicy) -> None:
    """With factors [1.0] the one combination is the policy itself."""
    rows = frame(school("A", **TIER3), school("B", **TIER2), school("C", c=10))
    base = rewards_table(compute_rewards(rows, policy)).set_index("school_id")
    got = sensitivity(rows, with_(policy, sensitivity_factors=(1.0,))).set_index("school_id")
    assert (got["rank_best"] == base["rank"]).all()
    assert (got["rank_worst"] == base["rank"]).all()
    assert (got["yuan_min"] == base["reward_yuan"]).all()
    assert (got["yuan_max"] == base["reward_yuan"]).all()


# --------------------------------------------------------------------------- property


@st.composite
def school_rows(draw: st.DrawFn) -> pd.DataFrame:
    """1–8 schools with consistent random counts."""
    n = draw(st.integers(min_value=1, max_value=8))
    rows = []
    for i in range(n):
        quota = draw(st.integers(0, 2000))
        c = draw(st.integers(0, 2500))
        standing = draw(st.integers(0, 3000))
        rows.append(
            {
                "school_id": f"S{i:02d}",
                "school_name": f"s{i}",
                "quota": quota,
                "c": c,
                "admitted": c,
                "admitted_by_cutoff": draw(st.integers(0, 2500)),
                "social": draw(st.integers(0, c)),
                "withdrawn": draw(st.integers(0, c)),
                "priority": draw(st.integers(0, c)),
                "standing": standing,
                "quarantined": draw(st.integers(0, standing)),
            }
        )
    return pd.DataFrame(rows)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(
    rows=school_rows(),
    pool=st.integers(min_value=1, max_value=10**9),
    allocation=st.sampled_from(["proportional", "tiered"]),
    fulfilment_min=st.sampled_from([0.0, 0.3, 0.6]),
)
def test_property_amounts(
    rows: pd.DataFrame, pool: int, allocation: str, fulfilment_min: float
) -> None:
    """Non-negative whole yuan summing to the pool when anyone is eligible; 0 otherwise."""
    base = load_reward_policy(CONFIG)
    gates = dataclasses.replace(base.gates, fulfilment_min=fulfilment_min)
    p = dataclasses.replace(base, gates=gates, pool_yuan=pool, allocation=allocation)
    detail = compute_rewards(rows, p)
    amounts = detail["reward_yuan"]
    assert amounts.dtype.kind == "i"
    assert (amounts >= 0).all()
    assert (amounts[~detail["eligible"]] == 0).all()
    assert (detail["share_floor"] + detail["plus_one"] == amounts).all()
    assert (detail["leftover_yuan"] == detail["plus_one"].sum()).all()
    if detail["eligible"].any():
        assert int(amounts.sum()) == pool
    else:
        assert int(amounts.sum()) == 0
    assert sorted(detail["rank"]) == list(range(1, len(rows) + 1))
