"""kuozhao rewards (issue 15): a period's rewards under another policy file, from processed
data alone, beside the decision; a bad policy file refused with one line in the user's
language; on the acceptance case the tiered policy gives the amounts of a full tiered run."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest
from decision_cases import POLICY, acceptance_stages, families_case
from pypdf import PdfReader

from pipeline import whatif
from pipeline.cli import main
from pipeline.errors import ConfigError, InputError

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT.parent / "shared" / "acceptance" / "case-2020"
TIERED = (ROOT / "config" / "rewards.yaml").read_text(encoding="utf-8").replace(
    "allocation: proportional", "allocation: tiered")


def test_compare_side_by_side_by_hand() -> None:
    """Families case, pool 1,000: now A 763, E 237; tiered A 633, E 367 (see
    test_render_rewards_report); the ranks follow the scores, the same both ways."""
    got = whatif.compare(families_case(), POLICY,
                         dataclasses.replace(POLICY, allocation="tiered")).set_index("school_id")
    assert list(got.columns) == list(whatif.COLUMNS[1:])
    assert got.loc["A", ["yuan_now", "yuan_alt", "difference"]].tolist() == [763, 633, -130]
    assert got.loc["E", ["yuan_now", "yuan_alt", "difference"]].tolist() == [237, 367, 130]
    assert got["rank_change"].eq(0).all() and got["difference"].sum() == 0
    assert not got.loc["B", "eligible_now"] and not got.loc["B", "eligible_alt"]


def test_a_lower_gate_changes_eligibility_and_ranks_move_up_when_positive() -> None:
    alt = dataclasses.replace(POLICY, gates=dataclasses.replace(POLICY.gates,
                                                                fulfilment_min=0.5))
    got = whatif.compare(families_case(), POLICY, alt).set_index("school_id")
    assert not got.loc["B", "eligible_now"] and got.loc["B", "eligible_alt"]  # 57 % ≥ 50 %
    assert got.loc["B", "yuan_alt"] == 236 and got.loc["B", "difference"] == 236
    # speed alone: A, B, C and D all score 1 (ties by school_id), E 0.6; now A C D B E
    speed = dataclasses.replace(POLICY, weights=dataclasses.replace(
        POLICY.weights, speed=1.0, expansion=0.0, quality=0.0))
    moved = whatif.compare(families_case(), POLICY, speed).set_index("school_id")
    assert moved["rank_alt"].to_dict() == {"A": 1, "B": 2, "C": 3, "D": 4, "E": 5}
    assert moved["rank_change"].to_dict() == {"A": 0, "B": 2, "C": -1, "D": -1, "E": 0}


def test_policy_changes_are_listed() -> None:
    alt = dataclasses.replace(POLICY, allocation="tiered", pool_yuan=2000)
    assert whatif.policy_changes(POLICY, alt) == ["allocation: proportional → tiered",
                                                 "pool_yuan: 1000 → 2000"]
    assert whatif.policy_changes(POLICY, POLICY) == []


def test_a_bad_or_missing_policy_file_is_one_line_in_the_users_language(tmp_path) -> None:
    bad = tmp_path / "strict.yaml"
    bad.write_text(TIERED.replace("speed: 0.3 ", "speed: abc "), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        whatif.load_alternative(bad)
    assert err.value.text("zh-CN") == (
        f"{bad}：奖补政策文件有误（weights.speed must be a number between 0 and 1, got "
        "'abc'）；请改正后重新运行。")
    assert err.value.text("en").startswith(f"{bad}: the reward policy is wrong (weights.speed")
    with pytest.raises(InputError) as missing:
        whatif.load_alternative(tmp_path / "none.yaml")
    assert "找不到奖补政策文件" in missing.value.text("zh-CN")


def test_the_command_refuses_with_one_line(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("gates: 3\n", encoding="utf-8")
    code = main(["rewards", "--period", "2020-04", "--policy", str(bad), "--processed",
                 str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "奖补政策文件有误" in err[0]
    good = tmp_path / "tiered.yaml"
    good.write_text(TIERED, encoding="utf-8")
    code = main(["rewards", "--period", "2020-04", "--policy", str(good), "--processed",
                 str(tmp_path), "--lang", "en"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "no processed data of period 2020-04" in err[0] and "Traceback" not in err[0]
    code = main(["rewards", "--period", "2020-4", "--policy", str(good)])
    assert code == 2


def test_default_out_sits_with_the_evaluators_files() -> None:
    assert whatif.default_out(Path("reports"), "2020-04", Path("x/tiered.yaml")) == Path(
        "reports/2020-04/internal/whatif/tiered")


@pytest.mark.slow
@pytest.mark.skipif(not CASE.is_dir(), reason="acceptance case not found")
def test_acceptance_case_under_the_tiered_policy(tmp_path) -> None:
    """From processed data alone, the amounts equal a full run under ``allocation: tiered``
    (expected.json ``reward_yuan_tiered``, which test_acceptance.test_tiered_allocation
    checks a full run against); the amounts now are the published ones."""
    ctx = acceptance_stages(tmp_path)
    policy = tmp_path / "tiered.yaml"
    policy.write_text(TIERED, encoding="utf-8")
    out = tmp_path / "whatif"
    code = main(["rewards", "--period", "2020-04", "--policy", str(policy), "--processed",
                 str(tmp_path / "processed"), "--out", str(out)])
    assert code == 0
    table = pd.read_csv(out / whatif.CSV_NAME, encoding="utf-8-sig").set_index("school_id")
    expected = json.loads((CASE / "expected.json").read_text(encoding="utf-8"))["2020-04"]
    for sid, row in expected["rewards"].items():
        assert table.loc[sid, "yuan_alt"] == row["reward_yuan_tiered"], sid
        assert table.loc[sid, "yuan_now"] == row["reward_yuan"], sid
        assert table.loc[sid, "difference"] == row["reward_yuan_tiered"] - row["reward_yuan"]
        assert bool(table.loc[sid, "eligible_alt"]) == row["eligible"], sid
    pdf = PdfReader(out / whatif.PDF_NAME)
    assert len(pdf.pages) == 1
    text = pdf.pages[0].extract_text()
    assert "allocation: proportional → tiered" in text and "1,455,948" in text
    # the decision is recomputed, not read: it equals the published one
    published = pd.read_csv(ctx.out_dir / "public" / "rewards.csv", encoding="utf-8-sig")
    assert dict(zip(published["school_id"], published["reward_yuan"], strict=True)) == \
        table["yuan_now"].to_dict()
