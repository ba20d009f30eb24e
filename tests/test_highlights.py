"""Known answers of pipeline.highlights: the facts behind the bulletin's 主要特点."""

from __future__ import annotations

import pandas as pd

from pipeline.highlights import (
    AFTER,
    BEFORE,
    DEADLINE,
    change_facts,
    deadline_phase,
    fulfilment_facts,
    highlights,
)


def schools(quota: list[int], counted: list[int]) -> pd.DataFrame:
    ids = [f"S{i + 1:02d}" for i in range(len(quota))]
    return pd.DataFrame({"school_id": ids, "quota": quota, "counted": counted})


def test_below_quota_and_one_school_carrying_the_city() -> None:
    # Target 1,000: three schools short by 30 + 20 + 5, two over by 160 and 20: the city is
    # 125 over, less than the 160 of S04 alone.
    f = fulfilment_facts(schools([200, 200, 200, 200, 200], [170, 180, 195, 360, 220]),
                         1125, 1000)
    assert (f.below, f.shortfall, f.above, f.surplus) == (3, 55, 2, 180)
    assert (f.top_school, f.top_surplus, f.city_surplus) == ("S04", 160, 125)
    assert f.top_exceeds_city


def test_short_of_target_is_no_concentration() -> None:
    f = fulfilment_facts(schools([500, 500], [300, 600]), 900, 1000)
    assert f.city_surplus == -100 and f.top_surplus == 100 and not f.top_exceeds_city
    none_over = fulfilment_facts(schools([500, 500], [300, 500]), 800, 1000)
    assert none_over.top_school == "" and none_over.above == 0 and none_over.below == 1


def test_ties_go_to_the_first_school() -> None:
    f = fulfilment_facts(schools([100, 100, 100], [150, 150, 90]), 390, 300)
    assert f.top_school == "S01" and f.top_surplus == 50 and not f.top_exceeds_city


def test_change_on_both_bases_and_the_causes_of_last_months_revision() -> None:
    summary = {"previous_period": "2020-03", "previous_counted": 4174,
               "previous_first_published": 3990, "change_since_last_month": 427,
               "change_vs_first_published": 611}
    revisions = pd.DataFrame({
        "month": ["2020-02", "2020-03"], "first_published_source": ["archive", "rederived"],
        "late_submissions": [1, 99], "corrections": [0, 5], "supersessions": [0, 81],
        "other": [0, -1],
    })
    c = change_facts(summary, revisions)
    assert (c.change_current, c.change_first, c.revision) == (427, 611, 184)
    assert c.first_source == "rederived"
    assert dict(c.causes) == {"late_submissions": 99, "corrections": 5, "supersessions": 81,
                              "other": -1}
    assert sum(c.causes.values()) == c.revision


def test_first_month_has_no_change() -> None:
    c = change_facts({"previous_period": None, "change_since_last_month": None}, None)
    assert c.previous_period is None and c.change_current is None and c.revision is None
    assert dict(c.causes) == {}


def test_deadline_phase() -> None:
    assert deadline_phase("2020-03", "2020-04-30") == BEFORE
    assert deadline_phase("2020-04", "2020-04-30") == DEADLINE
    assert deadline_phase("2020-05", "2020-04-30") == AFTER
    assert deadline_phase("2020-05", None) == BEFORE


def test_highlights_gathers_quarantine_and_new_files() -> None:
    summary = {"period": "2020-04", "window_end": "2020-04-30", "counted": 390, "target": 300,
               "quarantined_rows": 4}
    quarantine = pd.DataFrame({"school_id": ["S01", "S01", "S02", ""]})
    h = highlights(summary, schools([100, 100, 100], [150, 150, 90]), None, quarantine,
                   {"new_files": 0})
    assert (h.quarantined, h.quarantined_schools, h.new_files, h.phase) == (4, 2, 0, DEADLINE)
    assert highlights(summary, schools([300], [390]), None, None, {}).new_files is None
