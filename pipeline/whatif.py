"""What-if for the evaluation committee (``kuozhao rewards``): a period's rewards recomputed
under another policy file, from the period's processed data alone, beside the decision.

:func:`compare` is pure (the reward inputs and two policies in, the side-by-side table out;
both columns through :func:`pipeline.rewards.compute_rewards`, the one implementation of the
formula). :func:`run_whatif` is its edge: it reads ``<processed>/<period>/reward_inputs.parquet``
and the policy the period was decided under (``rewards_meta.json``), refuses a bad policy
file with one line in the user's language, and writes ``whatif.csv`` and a one-page
``whatif.pdf`` into the output folder (default ``reports/<period>/internal/whatif/<policy
file stem>/``: with the evaluators' files).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import catalog, io
from pipeline.errors import ConfigError, InputError
from pipeline.policy import RewardPolicy, load_reward_policy, policy_from_mapping
from pipeline.rewards import compute_rewards

COLUMNS = ("school_id", "school_name", "eligible_now", "eligible_alt", "yuan_now", "yuan_alt",
           "difference", "rank_now", "rank_alt", "rank_change")
CSV_NAME = "whatif.csv"
PDF_NAME = "whatif.pdf"


def compare(inputs: pd.DataFrame, now: RewardPolicy, alt: RewardPolicy) -> pd.DataFrame:
    """Per school (by ``school_id``): eligibility, amount and rank under ``now`` and under
    ``alt``; ``difference`` = amount under ``alt`` − now; ``rank_change`` = rank now − rank
    under ``alt`` (positive: the school moves up)."""
    cols = ["school_id", "school_name", "eligible", "reward_yuan", "rank"]
    a = compute_rewards(inputs, now)[cols].set_index("school_id")
    b = compute_rewards(inputs, alt)[cols].set_index("school_id")
    out = pd.DataFrame({
        "school_name": a["school_name"],
        "eligible_now": a["eligible"].astype(bool), "eligible_alt": b["eligible"].astype(bool),
        "yuan_now": a["reward_yuan"], "yuan_alt": b["reward_yuan"],
        "difference": b["reward_yuan"] - a["reward_yuan"],
        "rank_now": a["rank"], "rank_alt": b["rank"], "rank_change": a["rank"] - b["rank"],
    })
    return out.sort_index().reset_index()[list(COLUMNS)]


def _flat(tree: Any, prefix: str = "") -> dict[str, Any]:
    """A policy mapping as ``{"gates.fulfilment_min": 0.6, …}`` (lists as they are)."""
    if not isinstance(tree, dict):
        return {prefix: tree}
    out: dict[str, Any] = {}
    for key, value in tree.items():
        out.update(_flat(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def policy_changes(now: RewardPolicy, alt: RewardPolicy) -> list[str]:
    """Every setting that differs, as ``key: now → alternative`` (in key order)."""
    a, b = _flat(now.to_dict()), _flat(alt.to_dict())
    return [f"{k}: {a.get(k)} → {b.get(k)}" for k in sorted(a.keys() | b.keys())
            if a.get(k) != b.get(k)]


def load_alternative(path: Path) -> RewardPolicy:
    """The alternative policy; a missing or wrong file is one line in the user's language."""
    path = Path(path)
    if not path.is_file():
        raise InputError(key="policy_missing", file=str(path))
    try:
        return load_reward_policy(path)
    except ConfigError as exc:
        problem = exc.text().removeprefix(f"{path.name}:").strip()
        raise ConfigError(key="bad_policy", file=str(path), problem=problem) from None


def period_data(processed_dir: Path, period: str) -> tuple[pd.DataFrame, dict]:
    """The reward inputs and the rewards meta of a period's processed folder."""
    files = catalog.Files(processed=Path(processed_dir) / period, reports=Path(processed_dir))
    paths = [files.path("reward_inputs"), files.path("rewards_meta")]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise InputError(key="whatif_no_data", folder=str(Path(processed_dir) / period),
                         period=period, missing=", ".join(missing))
    return files.read("reward_inputs"), files.read("rewards_meta")


def default_out(reports_dir: Path, period: str, policy_path: Path) -> Path:
    """``<reports>/<period>/internal/whatif/<policy file stem>/``."""
    return (Path(reports_dir) / period / catalog.audience_folder(catalog.INTERNAL) / "whatif"
            / Path(policy_path).stem)


def run_whatif(period: str, policy_path: Path, processed_dir: Path, out_dir: Path, *,
               lang: str = "zh-CN", font: Path | None = None) -> dict[str, Path]:
    """Compare a period's decision with the rewards under ``policy_path``; write the CSV and
    the one-page PDF into ``out_dir``; their paths (``csv``, ``pdf``)."""
    from pipeline.render.whatif_page import whatif_pdf

    alt = load_alternative(policy_path)
    inputs, meta = period_data(processed_dir, period)
    now = policy_from_mapping(meta["policy"], "rewards_meta.json")
    table = compare(inputs, now, alt)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    io.write_csv(out_dir / CSV_NAME, table)
    whatif_pdf(table, out_dir / PDF_NAME, period=period, policy_file=Path(policy_path),
               changes=policy_changes(now, alt), synthetic=bool(meta.get("synthetic")),
               lang=lang, font=font)
    return {"csv": out_dir / CSV_NAME, "pdf": out_dir / PDF_NAME}
