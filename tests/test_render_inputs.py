"""pipeline.render.inputs: the one loader of stage 05 reads the fixture period with the
right types and says which stage file is missing or broken."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import PERIOD_FIXTURE

from pipeline.errors import InputError
from pipeline.render.inputs import load_stage_files


def test_fixture_period_is_loaded_with_types() -> None:
    data = load_stage_files(PERIOD_FIXTURE)
    assert data.summary["counted"] == 3555 and data.rewards_meta["pool_yuan"] == 5_000_000
    assert list(data.schools["school_id"]) == ["S01", "S02", "S03", "S04", "S05", "S06"]
    assert data.rewards["eligible"].dtype == bool and data.rewards["plus_one"].dtype == bool
    assert data.rewards["failed_gates"].tolist()[:3] == ["", "", "data_quality"]
    assert data.rewards["tier_weight"].isna().all()  # proportional: the tiered steps are empty
    assert data.quarantine["school_id"].map(type).eq(str).all()
    assert data.disabled_by_school is not None
    assert int(data.disabled_by_school["disabled_counted"].sum()) == 18


def test_disabled_by_school_is_optional(tmp_path: Path) -> None:
    shutil.copytree(PERIOD_FIXTURE, tmp_path / "p")
    (tmp_path / "p" / "disabled_by_school.csv").unlink()
    assert load_stage_files(tmp_path / "p").disabled_by_school is None


def test_missing_stage_file_is_one_line_input_error(tmp_path: Path) -> None:
    shutil.copytree(PERIOD_FIXTURE, tmp_path / "p")
    (tmp_path / "p" / "series.csv").unlink()
    with pytest.raises(InputError, match=r"missing stage files series\.csv$"):
        load_stage_files(tmp_path / "p")


def test_broken_json_names_the_file(tmp_path: Path) -> None:
    shutil.copytree(PERIOD_FIXTURE, tmp_path / "p")
    (tmp_path / "p" / "validation.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match=r"validation\.json: not readable JSON"):
        load_stage_files(tmp_path / "p")


def test_optional_files_masthead_and_english_names() -> None:
    data = load_stage_files(PERIOD_FIXTURE)
    assert list(data.groups["dimension"].unique()) == ["school_type", "district"]
    assert data.revisions_by_school is not None and data.rewards_list is not None
    assert data.names_en["S02"] == "Harbin No. 1 Senior Technical School"
    assert "S04" not in data.names_en  # an empty school_name_en is no name
    m = data.masthead
    assert (m.issue, m.released, m.policy_citation) == (8, "2020-05-10", "哈政办规【2019】20号")


def test_masthead_of_a_publication() -> None:
    import dataclasses
    import datetime as dt

    from pipeline import resources
    from pipeline.publication import load_publication
    from pipeline.render.inputs import Masthead

    pub = load_publication(resources.default_config_dir())
    assert Masthead.of(pub, "2019-09", "2019-12").issue == 4
    fixed = dataclasses.replace(pub, issue_number=12, release_date=dt.date(2020, 5, 15))
    m = Masthead.of(fixed, "2019-09", "2020-04")
    assert (m.issue, m.released) == (12, "2020-05-15")
