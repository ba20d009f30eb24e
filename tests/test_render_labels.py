"""Known answers of pipeline.render.labels: messages, values, school names, labels of
dimensions, suites, severities, gates and reason codes, in both languages."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from pipeline import messages
from pipeline.clean import REASONS
from pipeline.errors import ConfigError, InputError
from pipeline.render.labels import Labels


def test_catalogues_have_the_same_keys() -> None:
    def keys(lang: str) -> set[str]:
        return {k for k in messages.catalogue(lang) if not k.startswith("values.")}

    assert keys("zh-CN") == keys("en")
    assert messages.t("page.middle", "zh-CN") == " 页 / 共 "
    assert messages.value("技师学院", "en") == "Technician college"
    assert messages.value("未知的值", "en") == "未知的值"


def test_messages_and_values() -> None:
    zh, en = Labels("zh-CN"), Labels("en")
    assert zh.t("bulletin.title", period="2020-04") == "技工院校扩招月度简报（2020-04）"
    assert en.value("2019秋季") == "Autumn 2019" and zh.value("2019秋季") == "2019秋季"
    assert zh.headers("col", ("quota", "counted")) == ["指标", "计入"]
    assert en.headers("rw.col", ("c", "tier")) == ["Counted", "Tier"]


def test_labels_with_fallbacks() -> None:
    zh, en = Labels("zh-CN"), Labels("en")
    assert zh.dimension("target_group") == "招收对象" and zh.dimension("colour") == "colour"
    assert en.suite("raw_submissions") == "School submissions"
    assert zh.suite("reference_schools") == "指标分配表" and zh.suite("other") == "other"
    assert zh.severity("critical") == "关键" and en.severity("warning") == "warning"
    assert zh.gate("withdrawal") == "退学率" and en.gate("data_quality") == "Data quality"
    assert zh.reason("NO_SUCH_CODE") == "NO_SUCH_CODE" and zh.reason("") == ""
    assert zh.optional("method.basis", "registered") == "按注册人数计入"
    assert zh.optional("method.basis", None) == ""


def test_reason_texts_fill_the_window_from_data() -> None:
    zh = Labels("zh-CN", window=("2019-09-01", "2020-04-30"))
    assert zh.reason("OUT_OF_WINDOW") == "录取日期不在扩招期间（2019年9月1日至2020年4月30日）内"
    moved = Labels("en", window=(dt.date(2019, 10, 1), dt.date(2020, 6, 30)))
    assert moved.reason("OUT_OF_WINDOW") == (
        "Admission date outside the expansion period (2019-10-01 to 2020-06-30)")
    texts = zh.reason_texts()
    assert texts["INVALID_ID"] == "身份证号无效（位数、校验码、出生日期或省份代码不正确）"
    assert set(texts) >= set(REASONS)  # every code stage 01 gives has a text
    assert set(texts) == set(moved.reason_texts())
    assert zh.window_dates() == {"window_start": "2019-09-01", "window_end": "2020-04-30"}
    assert zh.date("2020-04-30") == "2020年4月30日" and moved.date("2020-04-30") == "2020-04-30"


def test_a_text_naming_the_window_needs_one() -> None:
    labels = Labels("zh-CN")
    assert labels.reason("BAD_DATE") == "录取日期无法识别（缺年份、日期不存在或格式无法解析）"
    with pytest.raises(InputError, match="window_start"):
        labels.reason("OUT_OF_WINDOW")


def test_school_names() -> None:
    labels = Labels("zh-CN", {"S01": "哈尔滨技师学院"})
    assert labels.school("S01") == "哈尔滨技师学院"
    assert labels.school("S99") == "S99"
    assert labels.school("") == "未知学校（归报送文件的学校）"


def test_for_data_takes_names_from_the_per_school_table() -> None:
    class Data:
        schools = pd.DataFrame({"school_id": ["S02", "S01"], "school_name": ["乙", "甲"]})
        summary = {"window_start": "2019-09-01", "window_end": "2020-04-30"}

    labels = Labels.for_data(Data(), "en")
    assert labels.lang == "en" and dict(labels.names) == {"S02": "乙", "S01": "甲"}
    assert labels.window == ("2019-09-01", "2020-04-30")
    Data.summary = {}
    assert Labels.for_data(Data(), "en").window is None


def test_unknown_language_is_refused_at_once() -> None:
    with pytest.raises(ConfigError, match="fr"):
        Labels("fr")


def test_plurals_pick_the_word_for_the_number() -> None:
    en, zh = Labels("en"), Labels("zh-CN")
    assert en.t("dq.fact_unreadable", n=1) == "1 file could not be read."
    assert en.t("dq.fact_unreadable", n=2) == "2 files could not be read."
    assert en.t("dq.fact_unreadable", n=0) == "0 files could not be read."
    assert en.t("dq.fact_skipped", n="1,204").startswith("1,204 non-record lines skipped")
    assert zh.t("dq.fact_unreadable", n=1) == "无法读取的文件 1 个。"
    assert "(s)" not in "".join(messages.catalogue("en")[k] for k in messages.catalogue("en")
                                if not k.startswith("rw."))


def test_english_school_names_where_the_quota_table_has_them() -> None:
    from conftest import PERIOD_FIXTURE

    from pipeline.render.inputs import load_stage_files

    data = load_stage_files(PERIOD_FIXTURE)
    en, zh = Labels.for_data(data, "en"), Labels.for_data(data, "zh-CN")
    assert en.school("S01") == "Harbin Technician College" and zh.school("S01") == "哈尔滨技师学院"
    assert en.school("S05") == '=HYPERLINK("x")职业技能学校'  # no English name: the Chinese one
