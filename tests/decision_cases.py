"""Small reward cases worked by hand, and the StageData the reward documents render from them
(what stage 04 would have written), for the report and letter tests."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
from conftest import CONFIG_DIR, PERIOD_FIXTURE

from pipeline import decisions as dec
from pipeline.policy import load_reward_policy
from pipeline.render.inputs import load_stage_files
from pipeline.render.labels import Labels
from pipeline.render.reasons import reward_reasons
from pipeline.rewards import allocation_summary
from pipeline.settings import load_settings

POLICY = dataclasses.replace(load_reward_policy(CONFIG_DIR / "rewards.yaml"), pool_yuan=1000)
REPRO = {"run_id": "0123456789abcdef", "policy_file": "rewards.yaml", "policy_sha256": "a" * 64,
         "inputs_sha256": "b" * 64, "inputs_count": 3, "published_sha256": "c" * 64,
         "published_files": ["rewards.csv", "summary.json"], "version": "0.1.0",
         "commit": "d" * 40}


def school(sid: str, quota: int = 100, c: int = 100, **more: int) -> dict:
    """A school with every count at its best (all admitted by the cutoff, all of a social
    group and a priority major, no withdrawal, nothing quarantined) but what ``more`` says."""
    row = {"school_id": sid, "school_name": f"学校{sid}", "quota": quota, "c": c, "admitted": c,
           "admitted_by_cutoff": c, "social": c, "withdrawn": 0, "priority": c, "standing": c,
           "quarantined": 0}
    return {**row, **more}


def families_case() -> pd.DataFrame:
    """Five schools, pool 1,000 yuan, each family moving something known (see
    tests/test_render_rewards_report.py for the arithmetic).

    A: 120 of 100 counted, score 1 (full marks everywhere). E: 60 of 100, no social group:
    speed 0.6, expansion 0.7 × 0.6 / 1.2 = 0.35, quality 1, score 0.62. Both eligible.
    B fails fulfilment (57 of 100), C data quality (12 of 100 rows quarantined), D withdrawal
    (16 of 100).
    """
    return pd.DataFrame([
        school("A", c=120), school("B", c=57, admitted_by_cutoff=100),
        school("C", quarantined=12), school("D", withdrawn=16), school("E", c=60, social=0),
    ])


def stage_data(inputs: pd.DataFrame, policy=POLICY, pending: dict | None = None,
               files: dict | None = None, lang: str = "zh-CN"):
    """The StageData of the fixture period with the reward files of ``inputs`` as stage 04
    writes them (``pending``/``files``: the per-school parts of rewards_meta)."""
    base = load_stage_files(PERIOD_FIXTURE)
    detail, families = dec.decision_detail(inputs, policy)
    detail["reason"] = reward_reasons(detail, Labels(lang))
    meta = {**allocation_summary(detail, policy), "policy": policy.to_dict(),
            "reproducibility": REPRO, "synthetic": False,
            "notice": dec.notice(load_settings(Path(CONFIG_DIR)).publication, "2020-04"),
            "families": families.to_dict("records"), "files_by_school": files or {},
            "pending_by_school": pending or {}}
    schools = inputs[["school_id", "school_name"]].assign(quota=inputs["quota"])
    return dataclasses.replace(base, rewards=detail, rewards_meta=meta, schools=schools)


ACCEPTANCE = Path(__file__).resolve().parents[2] / "shared" / "acceptance" / "case-2020"


def acceptance_stages(work: Path):
    """Stages 01, 03 and 04 of the acceptance case's 2020-04, in-process under ``work`` (stage
    02 decides nothing the reward documents show); the stage context."""
    from pipeline.context import StageContext
    from pipeline.stages import clean_stage, fulfilment_stage, rewards_stage

    ctx = StageContext.from_params("2020-04", ACCEPTANCE / "raw", ACCEPTANCE / "reference",
                                   CONFIG_DIR, work / "processed", work / "out" / "2020-04")
    clean_stage(ctx)
    fulfilment_stage(ctx)
    rewards_stage(ctx)
    return ctx
