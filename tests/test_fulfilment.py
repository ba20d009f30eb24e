"""Known answers for counting, breakdowns, the series, revisions and the projection."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import fulfilment as ful

REG = ("已注册", "休学", "退学")
SCHOOLS = pd.DataFrame({
    "school_id": ["A", "B", "C"],
    "school_name": ["甲校", "乙校", "丙校"],
    "school_type": ["技师学院", "技工学校", "技工学校"],
    "ownership": ["公办", "民办", "公办"],
    "district": ["南岗区", "道里区", "南岗区"],
    "quota": [10, 5, 4],
})


def enrollment() -> pd.DataFrame:
    """Seven clean records of schools A and B (C has none)."""
    return pd.DataFrame({
        "school_id": ["A", "A", "A", "A", "B", "B", "B"],
        "admission_date": pd.to_datetime([
            "2019-09-05", "2019-10-20", "2019-10-21", "2019-12-01",
            "2019-09-30", "2019-11-15", "2020-01-10"]),
        "status": ["已注册", "休学", "待注册", "退学", "已注册", "已注册", "待注册"],
        "intake": ["2019秋季", "2019秋季", "2020春季", "2020春季", "2019秋季", "2020春季",
                   "2020春季"],
        "target_group": ["退役军人", "应届初中毕业生", "下岗失业人员", "新型职业农民",
                         "往届高中毕业生", "农民工?", "退役军人"],
        "disabled": [True, False, False, False, False, True, False],
        "industry": ["信息", "其他", "金融", "信息", "其他", "现代服务", "信息"],
        "level": ["高级工"] * 4 + ["初级工"] * 3,
        "study_mode": ["全日制"] * 7,
        "class_type": ["普通班"] * 7,
    })


def test_counting_as_of_end_of_november():
    e = enrollment()
    f = ful.flags(e, dt.date(2019, 11, 30), "registered", REG)
    # admitted on or before 2019-11-30: rows 0,1,2,4,5
    assert f["admitted"].tolist() == [True, True, True, False, True, True, False]
    # registered: admitted and 已注册/休学/退学 (待注册 is not)
    assert f["registered"].tolist() == [True, True, False, False, True, True, False]
    assert f["counted"].tolist() == f["registered"].tolist()
    f2 = ful.flags(e, dt.date(2019, 11, 30), "admitted", REG)
    assert f2["counted"].tolist() == f2["admitted"].tolist()


def test_by_school_split_and_rate():
    e = enrollment()
    f = ful.flags(e, dt.date(2020, 4, 30), "registered", REG)
    t = ful.by_school(e, f, SCHOOLS, "2019秋季").set_index("school_id")
    assert t.loc["A", ["admitted", "registered", "counted"]].tolist() == [4, 3, 3]
    assert t.loc["A", "autumn_2019"] == 2 and t.loc["A", "spring_2020"] == 1
    assert t.loc["A", "fulfilment_rate"] == pytest.approx(0.3)
    assert t.loc["B", ["admitted", "registered", "counted"]].tolist() == [3, 2, 2]
    assert t.loc["C", ["admitted", "counted", "fulfilment_rate"]].tolist() == [0, 0, 0.0]
    assert (t["autumn_2019"] + t["spring_2020"] == t["counted"]).all()


def test_breakdowns():
    e = enrollment()
    f = ful.flags(e, dt.date(2020, 4, 30), "registered", REG)
    b = ful.breakdowns(e, f, SCHOOLS, ("退役军人", "下岗失业人员", "新型职业农民"))
    get = b.set_index(["dimension", "category"])["counted"]
    assert get[("district", "南岗区")] == 3 and get[("district", "道里区")] == 2
    assert get[("disabled", "是")] == 2 and get[("disabled", "否")] == 3
    assert get[("group_kind", "社会人员")] == 2  # 退役军人 (A) and 新型职业农民 (A)
    for dim in ful.BREAKDOWN_DIMENSIONS:
        assert b.loc[b["dimension"] == dim, "counted"].sum() == 5, dim


def test_trajectory_and_series():
    start, end = dt.date(2019, 9, 1), dt.date(2020, 4, 30)
    assert ful.trajectory(end, 4376, start, end) == 4376
    assert ful.trajectory(dt.date(2019, 8, 31), 4376, start, end) == 0
    days = (end - start).days + 1
    assert ful.trajectory(dt.date(2019, 9, 30), 4376, start, end) == pytest.approx(
        4376 * 30 / days)
    e = enrollment()
    ends = [("2019-09", dt.date(2019, 9, 30)), ("2019-10", dt.date(2019, 10, 31)),
            ("2019-11", dt.date(2019, 11, 30))]
    s = ful.series(e, ends, target=4376, traj_start=start, traj_end=end, basis="registered",
                   registered_statuses=REG)
    assert s["counted"].tolist() == [2, 3, 4]
    assert s["change"].tolist()[1:] == [1, 1]
    assert pd.isna(s["change"].iloc[0])


def test_projection():
    known = pd.DataFrame({"month": ["2019-09", "2019-10", "2019-11"], "counted": [10, 30, 60]})
    p = ful.projection(known, 3, 5, dt.date(2020, 4, 30), 100)
    # only two gains are available: (60 - 10) / 2 = 25 per month, 5 months left
    assert p["monthly_pace"] == 25 and p["projected_counted"] == 60 + 125
    assert p["projected_rate"] == pytest.approx(1.85)


def test_reward_inputs():
    e = enrollment().assign(target_group=lambda d: d["target_group"])
    f = ful.flags(e, dt.date(2020, 4, 30), "registered", REG)
    records = pd.DataFrame({
        "file_school_id": ["A"] * 6 + ["B"] * 4,
        "state": ["clean"] * 4 + ["quarantined", "superseded", "clean", "clean", "clean",
                                  "quarantined"],
    })
    x = ful.reward_inputs(e, f, records, SCHOOLS, dt.date(2019, 10, 20),
                          ("退役军人", "下岗失业人员", "新型职业农民")).set_index("school_id")
    a = x.loc["A"]
    assert (a["c"], a["admitted"], a["admitted_by_cutoff"]) == (3, 4, 2)
    assert (a["social"], a["withdrawn"], a["priority"]) == (2, 1, 2)
    assert (a["standing"], a["quarantined"]) == (5, 1)
    assert (x.loc["B", "standing"], x.loc["B", "quarantined"]) == (4, 1)
    assert x.loc["C", ["c", "standing"]].tolist() == [0, 0]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["S02", "S01", "S10", None]), st.booleans(),
                          st.integers(0, 5)), max_size=60))
def test_sums_by_equals_groupby_sum(rows):
    from pipeline.fulfilment import sums_by

    keys = pd.Series([r[0] for r in rows], dtype="str", name="school_id")
    flag = np.array([r[1] for r in rows], dtype=bool)
    count = np.array([r[2] for r in rows], dtype=np.int64)
    got = sums_by(keys, {"flag": flag, "count": count})
    expected = pd.DataFrame({"flag": flag, "count": count}).groupby(keys).sum()
    assert got.index.tolist() == expected.index.tolist()
    assert got["flag"].tolist() == expected["flag"].astype(int).tolist()
    assert got["count"].tolist() == expected["count"].tolist()
