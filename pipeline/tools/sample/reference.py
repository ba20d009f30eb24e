"""The sample's reference tables (quota table, majors) and its ``SYNTHETIC.txt`` note."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.tools.sample.invented import MAJOR_GROUPS, SCHOOLS, TYPE_QUOTA, TYPE_SHORT
from pipeline.tools.sample.vocabulary import Vocabulary, traditional


def schools_frame(vocab: Vocabulary, seed: int = 20190901) -> pd.DataFrame:
    """The synthetic quota table: twenty invented schools whose quotas sum to the target.

    Each school's aliases are a short name and its full name in Traditional script.
    """
    rng = np.random.default_rng([seed, 1])
    types = [vocab.school_types[rank] for _, _, rank, _, _ in SCHOOLS]
    full = [f"哈尔滨市示例{s[1]}{t}" for s, t in zip(SCHOOLS, types, strict=True)]
    short = [f"示例{s[1]}{TYPE_SHORT[s[2]] or t}" for s, t in zip(SCHOOLS, types, strict=True)]
    df = pd.DataFrame({
        "school_id": [s[0] for s in SCHOOLS],
        "school_name": full,
        "aliases": [f"{a}|{b}" for a, b in zip(short, traditional(full), strict=True)],
        "school_type": types,
        "ownership": [s[3] for s in SCHOOLS],
        "district": [s[4] for s in SCHOOLS],
    })
    base = np.array([TYPE_QUOTA[s[2]] for s in SCHOOLS])
    raw = base * rng.lognormal(0.0, 0.25, len(base))
    raw = raw * vocab.target / raw.sum()
    quota = (np.floor(raw / 10) * 10).astype(int)
    quota[int(np.argmax(raw))] += vocab.target - int(quota.sum())
    df["quota"] = quota
    return df


def majors_frame(vocab: Vocabulary) -> pd.DataFrame:
    """The synthetic majors table mapping every major to an industry class."""
    rows = [(major, aliases, industry)
            for group, industry in zip(MAJOR_GROUPS, vocab.industries, strict=True)
            for major, aliases in group]
    return pd.DataFrame(rows, columns=["major", "aliases", "industry"])


def synthetic_note(vocab: Vocabulary, seed: int, rows: int) -> str:
    """The text of ``reference/SYNTHETIC.txt``: what the data is, in both languages."""
    return (
        "合成数据 / SYNTHETIC DATA\n\n"
        "本目录及 raw/ 下的全部数据均为虚构的合成数据，由 `kuozhao sample` 随机生成"
        f"（随机种子 seed={seed}，记录行数 rows≈{rows}）。学校名称（含“示例”字样）、"
        "姓名、身份证号、电话号码等均为编造，不对应任何真实的学校或个人；配额合计 "
        f"{vocab.target} 与哈政办规【2019】20号的目标一致，但分配方式是虚构的。\n\n"
        "All data in this folder and under raw/ is synthetic: invented and randomly generated "
        f"by `kuozhao sample` (seed={seed}, rows~{rows}). School names (marked 示例, "
        "'example'), person names, ID numbers and phone numbers are made up and do not belong "
        f"to any real school or person. The quotas sum to the programme target of "
        f"{vocab.target}, but their allocation is invented. Do not publish results computed "
        "from it as facts.\n"
    )
