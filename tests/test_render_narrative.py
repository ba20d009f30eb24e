"""Known answers of pipeline.render.narrative: the 主要特点 sentences, in both languages, on
figures whose story is known — schools below quota, one school's surplus larger than the
city's, the deadline month and the months around it, nothing new received."""

from __future__ import annotations

import dataclasses

import pandas as pd
from conftest import PERIOD_FIXTURE

from pipeline.render import narrative
from pipeline.render.inputs import load_stage_files
from pipeline.render.labels import Labels

DATA = load_stage_files(PERIOD_FIXTURE)

# The 2020-04 figures of the statistician's findings (issue 14): 20 schools, 4,601 counted
# against 4,376; 11 schools short by 563 in all, 9 over by 788, one of them by 356.
QUOTA = [250, 290, 330, 526, 290, 350, 310, 160, 170, 130, 170, 120, 370, 130, 160, 130,
         190, 70, 100, 130]
COUNTED = [291, 146, 686, 484, 250, 269, 303, 141, 236, 238, 130, 230, 279, 161, 181, 68,
           196, 55, 149, 108]
SCHOOLS = pd.DataFrame({
    "school_id": [f"S{i:02d}" for i in range(1, 21)],
    "school_name": [f"示例学校{i}" for i in range(1, 21)],
    "quota": QUOTA, "counted": COUNTED,
})
SUMMARY = {
    **DATA.summary, "counted": 4601, "target": 4376, "fulfilment_rate": 4601 / 4376,
    "previous_period": "2020-03", "previous_counted": 4174, "previous_first_published": 3990,
    "change_since_last_month": 427, "change_vs_first_published": 611, "quarantined_rows": 140,
}
REVISIONS = pd.DataFrame({"month": ["2020-03"], "first_published_source": ["archive"],
                          "late_submissions": [99], "corrections": [5], "supersessions": [81],
                          "other": [-1]})


def points(lang: str, **changes) -> list[str]:
    data = dataclasses.replace(DATA, schools=SCHOOLS, summary=SUMMARY, revisions=REVISIONS,
                               quarantine=pd.DataFrame({"school_id": ["S01", "S02"] * 70}))
    data = dataclasses.replace(data, **changes)
    return narrative.key_points(data, Labels.for_data(data, lang))


def test_over_target_in_the_deadline_month() -> None:
    got = points("zh-CN")
    assert got[0] == ("截至2020年4月30日，全市技工院校扩招计入4,601人，完成目标4,376人的105.1%，"
                      "超额225人。")
    assert got[1] == ("本月为扩招截止月份（截止日2020年4月30日），以上为截止时的完成情况，"
                      "不再作预测。")
    assert not any("外推" in p or "尚差" in p or "预计" in p for p in got)


def test_schools_below_quota_and_one_school_carrying_the_surplus() -> None:
    got = points("zh-CN")
    assert got[2] == ("分学校看，20所学校中有11所未完成指标，缺额合计563人；9所超额完成指标，"
                      "超额合计788人。")
    assert got[3] == ("全市超额225人，是超额学校多出的788人抵消未完成学校缺额563人后的结果；"
                      "其中示例学校3一校超额356人，超过全市超额总数。")
    en = points("en")
    assert en[2] == ("11 of the 20 schools are below quota, 563 people short in all; 9 are "
                     "above quota, by 788 in all.")
    # The English name of S03 (school_name_en) where the quota table gives one.
    assert ("Heilongjiang Construction Technical School alone is 356 over its quota, more "
            "than the whole city's surplus.") in en[3]


def test_change_on_both_bases_with_the_causes() -> None:
    got = points("zh-CN")
    assert got[4] == ("本月计入人数较上月增加427人（上月按最新数据为4,174人）；较上月首次公布的"
                      "3,990人增加611人。")
    assert got[5] == ("2020-03数据由首次公布的3,990人修订为4,174人（+184人），其中补报99人、"
                      "更正后计入5人、重报替代81人、其他−1人。")
    assert got[6] == "另有140条记录待学校更正（涉及2所学校），暂不计入；待更正清单已反馈各校。"
    en = points("en")
    assert en[4] == ("Counted enrollments are up 427 on last month's 4,174 as known now, and "
                     "up 611 on the 3,990 first published for last month.")
    assert en[5] == ("2020-03 has been revised from 3,990 to 4,174 (+184): 99 late "
                     "submissions, 5 counted after corrections, 81 changed by a later roster "
                     "of the same school, −1 other.")


def test_short_of_target_before_the_deadline_projects() -> None:
    march = {**SUMMARY, "period": "2020-03", "as_of": "2020-03-31", "counted": 4000,
             "fulfilment_rate": 4000 / 4376,
             "projection": {"months_back": 3, "months_left": 1, "monthly_pace": 528.0,
                            "deadline": "2020-04-30", "projected_counted": 4528,
                            "projected_rate": 4528 / 4376}}
    got = points("zh-CN", summary=march)
    assert got[0].endswith("完成目标4,376人的91.4%，距目标尚差376人。")
    assert got[1] == ("按近3个月平均每月增加528人推算，至2020年4月30日预计计入4,528人，"
                      "完成目标的103.5%。")
    en = points("en", summary=march)
    assert en[1] == ("At the mean gain of the last 3 months (528 a month), 4,528 would be "
                     "counted by 2020-04-30, 103.5% of the target.")


def test_after_the_deadline_and_no_new_rosters() -> None:
    may = {**SUMMARY, "period": "2020-05", "as_of": "2020-05-31"}
    got = points("zh-CN", summary=may, ingest={**DATA.ingest, "new_files": 0})
    assert got[1] == "扩招统计期已于2020年4月30日结束，本期为统计期结束后的补充统计，不再作预测。"
    assert "本月（2020-05）无新报送，本期数据均来自以前各月的报送。" in got
    one = points("en", ingest={**DATA.ingest, "new_files": 0},
                 quarantine=pd.DataFrame({"school_id": ["S01"]}),
                 summary={**SUMMARY, "quarantined_rows": 1})
    assert one[-1] == ("1 record awaits correction by 1 school and is not counted yet; each "
                       "school has its list.")


def test_first_month_has_no_change_sentence() -> None:
    first = {**SUMMARY, "previous_period": None, "change_since_last_month": None}
    assert not any("上月" in p for p in points("zh-CN", summary=first))
