"""Known facts of the synthetic sample (``pipeline.tools.sample.write_sample``) at a small size,
its vocabulary taken from the configuration, and stage 01 on it.

The files are checked with the standard library and pandas only, independently of the
pipeline's own readers.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import opencc
import pandas as pd
import pytest
import yaml

from pipeline import io as pio
from pipeline import resources
from pipeline.catalog import relative_path
from pipeline.config import (
    CLASS_TYPES,
    EDUCATION_KINDS,
    STATUSES,
    STUDY_MODES,
    PipelineConfig,
    load_pipeline_config,
)
from pipeline.context import StageContext
from pipeline.tools.sample import invented, records, write_sample
from pipeline.tools.sample.vocabulary import vocabulary

ROWS = 1500
SEED = 20190901
FOLDERS = ["2019-09", "2019-10", "2019-11", "2019-12", "2020-01", "2020-02", "2020-03",
           "2020-04"]
HARBIN_DISTRICTS = {"道里区", "南岗区", "道外区", "平房区", "松北区", "香坊区", "呼兰区", "阿城区",
                    "双城区"}
INDUSTRIES = {"信息", "新材料", "金融", "现代物流", "绿色农产品深加工", "先进装备制造",
              "现代生物医药", "特色文化和旅游", "新兴专业", "现代服务", "其他"}
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CONFIG = resources.default_config_dir()
T2S = opencc.OpenCC("t2s")


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file()
    }


def _plain(text: str) -> str:
    """A heading or value as the header map and synonyms list it: no spaces, Simplified."""
    return T2S.convert(re.sub(r"\s", "", str(text)))


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("sample")
    summary = write_sample(root, seed=SEED, rows=ROWS)
    return root, summary


def _decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", raw[3:].decode("utf-8")
    try:
        return "utf-8", raw.decode("utf-8")
    except UnicodeDecodeError:
        return "gbk", raw.decode("gbk")


def _tables(path: Path) -> list[pd.DataFrame]:
    """Every table of a raw file with its header found by the 姓名 column (a naive reader)."""
    if path.suffix == ".csv":
        _, text = _decode(path.read_bytes())
        sheets = [pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False)]
    else:
        book = pd.read_excel(path, sheet_name=None, header=None, dtype=str,
                             keep_default_na=False, engine="calamine")
        sheets = list(book.values())
    tables = []
    for df in sheets:
        heads = [i for i in range(min(len(df), 8))
                 if any(re.sub(r"\s", "", v) == "姓名" for v in df.iloc[i])]
        if not heads:
            continue
        body = df.iloc[heads[0] + 1:]
        body.columns = [re.sub(r"\s", "", c) for c in df.iloc[heads[0]]]
        name = body["姓名"].str.strip()
        first = body.iloc[:, 0].str.strip()
        footer = first.str.match(r"^(合计|总计|填表人|填报日期|备注)")
        tables.append(body[(name != "") & ~footer])
    return tables


@pytest.fixture(scope="module")
def tables(out) -> list[tuple[str, pd.DataFrame]]:
    root, _ = out
    return [(path.name, t) for path in sorted((root / "raw").rglob("*"))
            if path.suffix in (".csv", ".xlsx") for t in _tables(path)]


@pytest.fixture(scope="module")
def records_(tables) -> pd.DataFrame:
    frames = []
    for name, t in tables:
        ids = next(t[c] for c in ("身份证号", "公民身份号码", "身份證號", "公民身份號碼") if c in t)
        gender = t["性别"] if "性别" in t else t["性別"]
        frames.append(pd.DataFrame({"file": name, "id": ids.to_numpy(),
                                    "gender": gender.to_numpy()}))
    return pd.concat(frames, ignore_index=True)


def test_summary_and_rows(out, records_):
    _, summary = out
    assert summary["raw_rows"] == ROWS
    assert abs(len(records_) - ROWS) <= 0.02 * ROWS
    assert 0.7 * ROWS < summary["students"] < ROWS
    assert summary["files_by_format"].keys() == {"csv-bom", "csv-gbk", "csv-utf8", "xlsx"}


def test_schools_reference(out):
    root, _ = out
    schools = pd.read_csv(root / "reference" / "schools.csv", dtype={"quota": int})
    assert list(schools.columns) == ["school_id", "school_name", "aliases", "school_type",
                                     "ownership", "district", "quota"]
    assert 18 <= len(schools) <= 22 and schools["school_id"].is_unique
    assert schools["quota"].sum() == 4376 and (schools["quota"] > 0).all()
    assert set(schools["school_type"]) == {"技师学院", "高级技工学校", "技工学校"}
    assert set(schools["ownership"]) == {"公办", "民办"}
    assert set(schools["district"]) <= HARBIN_DISTRICTS
    assert schools["school_name"].str.contains("示例").all()
    aliases = schools["aliases"].str.split("|")
    assert (aliases.str.len() == 2).all()
    assert aliases.str[1].str.contains("學").all()  # a Traditional spelling


def test_majors_cover_every_industry(out):
    root, _ = out
    majors = pd.read_csv(root / "reference" / "majors.csv", keep_default_na=False)
    assert list(majors.columns) == ["major", "aliases", "industry"]
    assert set(majors["industry"]) == INDUSTRIES
    assert majors["major"].is_unique
    names = set(majors["major"]) | {a for s in majors["aliases"] for a in s.split("|") if a}
    assert {"机器人制造", "3D打印", "石墨烯", "无人机操控", "家政服务", "餐饮服务",
            "电子商务"} <= names


def test_synthetic_marker(out):
    root, _ = out
    text = (root / "reference" / "SYNTHETIC.txt").read_text(encoding="utf-8")
    assert "合成数据" in text and "synthetic" in text and f"seed={SEED}" in text
    assert "kuozhao sample" in text


def test_eight_folders_with_school_month_files(out):
    root, _ = out
    assert sorted(p.name for p in (root / "raw").iterdir()) == FOLDERS
    for folder in FOLDERS:
        files = list((root / "raw" / folder).iterdir())
        assert files
        month = folder.replace("-", "")
        assert all(re.fullmatch(rf"S\d\d_{month}\.(csv|xlsx)", f.name) for f in files)


def test_encodings_present(out):
    root, _ = out
    kinds = set()
    for path in (root / "raw").glob("*/*"):
        raw = path.read_bytes()
        if path.suffix == ".xlsx":
            assert zipfile.is_zipfile(path)
            kinds.add("xlsx")
            continue
        enc, text = _decode(raw)
        kinds.add(enc)
        if enc == "gbk":
            assert text.encode("gbk") == raw
    assert kinds == {"utf-8", "utf-8-sig", "gbk", "xlsx"}


def test_header_spellings_vary(out):
    root, _ = out
    heads = set()
    for path in (root / "raw").rglob("*.csv"):
        _, text = _decode(path.read_bytes())
        heads.update(c for line in text.splitlines()[:6] for c in line.split(","))
    assert "学校名称" in heads
    assert heads & {"院校名称", "學校名稱", "院校名稱", "学 校 名 称", "院 校 名 称"}
    assert heads & {"公民身份号码", "身份證號", "公民身份號碼", "身 份 证 号"}


def test_every_heading_is_in_the_header_map_of_the_configuration(tables):
    cfg = load_pipeline_config(CONFIG)
    known = {_plain(h) for spellings in cfg.header_map.values() for h in spellings}
    outside = {"序号", *invented.EXTRA_COLUMNS}  # a running number, columns to be ignored
    headings = {_plain(c) for _, t in tables for c in t.columns}
    assert headings - outside <= known
    assert {_plain(h) for h in cfg.header_map["school"][:2]} <= headings


def test_enumerated_values_are_the_configurations(tables):
    cfg = load_pipeline_config(CONFIG)
    field_of = {_plain(h): f for f, spellings in cfg.header_map.items() for h in spellings}
    canonical = {"status": set(STATUSES), "study_mode": set(STUDY_MODES),
                 "class_type": set(CLASS_TYPES), "education_kind": set(EDUCATION_KINDS),
                 "level": set(cfg.levels),
                 "target_group": set(cfg.target_groups) | set(invented.UNKNOWN_TARGET_GROUPS),
                 "disabled": {v for c, vs in cfg.synonyms["disabled"].items() for v in (c, *vs)}}
    seen: dict[str, set[str]] = {f: set() for f in canonical}
    for _, t in tables:
        for column in t.columns:
            field = field_of.get(_plain(column))
            if field in seen:
                seen[field] |= {_plain(v) for v in t[column]}
    for field, values in seen.items():
        assert values <= canonical[field], field
    assert seen["level"] == set(cfg.levels)
    assert seen["disabled"] >= {"是", "否", "Y", "N", "1", "0"}


def test_planted_unknown_values_are_unknown_to_the_configuration(out):
    root, _ = out
    cfg = load_pipeline_config(CONFIG)
    groups = {v for c, vs in cfg.synonyms["target_group"].items() for v in (c, *vs)}
    assert not groups & set(invented.UNKNOWN_TARGET_GROUPS)
    majors = pd.read_csv(root / "reference" / "majors.csv", keep_default_na=False)
    names = set(majors["major"]) | {a for s in majors["aliases"] for a in s.split("|") if a}
    assert not names & set(invented.UNKNOWN_MAJORS)
    schools = pd.read_csv(root / "reference" / "schools.csv")
    known = set(schools["school_name"]) | {a for s in schools["aliases"] for a in s.split("|")}
    assert not known & set(invented.UNKNOWN_SCHOOLS)


def test_id_numbers(records_):
    ids = records_["id"].str.strip()
    valid18 = ids.str.fullmatch(r"\d{17}[\dX]")
    digits = np.array([[int(c) for c in s[:17]] for s in ids[valid18]])
    expected = np.array(list("10X98765432"))[(digits @ np.array(WEIGHTS)) % 11]
    check_ok = expected == ids[valid18].str[17].to_numpy()
    assert check_ok.mean() > 0.96
    assert valid18.mean() > 0.93
    assert ids.str.fullmatch(r"\d{15}").any()  # legacy numbers
    assert ids.str.contains(r"E\+17").any() or (~valid18).sum() > 5  # spreadsheet-mangled
    assert (~check_ok).sum() >= 1
    # province prefixes: mostly Heilongjiang (23)
    assert (ids[valid18].str[:2] == "23").mean() > 0.85
    # declared gender mostly agrees with the 17th digit
    good = ids[valid18][check_ok]
    declared = records_.loc[good.index, "gender"].str.strip()
    agrees = (good.str[16].astype(int) % 2 == 1) == (declared == "男")
    assert agrees.mean() > 0.97


def test_printed_form_shapes(out):
    root, _ = out
    titles = footers = 0
    for path in (root / "raw").rglob("*.csv"):
        _, text = _decode(path.read_bytes())
        lines = text.splitlines()
        titles += lines[0].startswith("哈尔滨市示例") and "花名册" in lines[0]
        footers += any(line.startswith("填表人：") for line in lines[-5:])
    assert titles >= 1 and footers >= 1
    merged = multi = False
    for path in (root / "raw").rglob("*.xlsx"):
        with zipfile.ZipFile(path) as z:
            merged |= any(b"<mergeCell " in z.read(n) for n in z.namelist()
                          if n.startswith("xl/worksheets/"))
        sheets = pd.ExcelFile(path, engine="calamine").sheet_names
        multi |= "填表说明" in sheets and len(sheets) >= 3
    assert merged and multi


@pytest.mark.slow  # three samples written (the golden test checks the bytes too)
def test_deterministic(tmp_path):
    write_sample(tmp_path / "one", seed=SEED, rows=300)
    write_sample(tmp_path / "again", seed=SEED, rows=300)
    assert _hashes(tmp_path / "again") == _hashes(tmp_path / "one")
    write_sample(tmp_path / "other", seed=SEED + 1, rows=300)
    h_other = _hashes(tmp_path / "other")
    changed = [k for k, v in _hashes(tmp_path / "one").items() if h_other.get(k) != v]
    assert any(k.startswith("raw") for k in changed)


def _config_with(tmp_path: Path, change) -> PipelineConfig:
    data = yaml.safe_load((CONFIG / "pipeline.yaml").read_text(encoding="utf-8"))
    change(data)
    (tmp_path / "pipeline.yaml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                            encoding="utf-8")
    return load_pipeline_config(tmp_path)


def _another_programme(data: dict) -> None:
    data["programme"].update(target=5000, window_end="2020-06-30", intake_cutoff="2019-11-15")
    data["school_types"]["普通技工学校"] = data["school_types"].pop("技工学校")
    data["industries"][0] = "新一代信息技术"


def test_the_vocabulary_follows_the_configuration(tmp_path):
    cfg = _config_with(tmp_path, _another_programme)
    summary = write_sample(tmp_path / "data", seed=3, rows=300, config=cfg)
    ref = tmp_path / "data" / "reference"
    schools = pd.read_csv(ref / "schools.csv")
    assert schools["quota"].sum() == 5000
    assert set(schools["school_type"]) == {"技师学院", "高级技工学校", "普通技工学校"}
    assert schools.loc[schools["school_type"] == "普通技工学校", "school_name"].str.endswith(
        "普通技工学校").all()
    majors = pd.read_csv(ref / "majors.csv", keep_default_na=False)
    assert set(majors["industry"]) == set(cfg.industries)
    assert "5000" in (ref / "SYNTHETIC.txt").read_text(encoding="utf-8")
    folders = sorted(p.name for p in (tmp_path / "data" / "raw").iterdir())
    assert folders == [*FOLDERS, "2020-05", "2020-06"]
    assert list(summary["rows_by_folder"]) == folders


def test_a_configuration_the_invented_majors_do_not_fit_is_refused(tmp_path):
    cfg = _config_with(tmp_path, lambda data: data["industries"].pop(0))
    with pytest.raises(ValueError, match="industries"):
        write_sample(tmp_path / "data", rows=300, config=cfg)


def test_vocabulary_is_gbk_encodable():
    vocab = vocabulary()
    texts = [s for row in invented.SCHOOLS for s in row if isinstance(s, str)]
    texts += [s for s in invented.TYPE_SHORT if s]
    texts += [s for m in invented.MAJORS for s in m] + list(invented.UNKNOWN_MAJORS)
    texts += [*invented.UNKNOWN_TARGET_GROUPS, *invented.UNKNOWN_SCHOOLS,
              *invented.INSTRUCTIONS, *invented.EXTRA_COLUMNS, *invented.REMARKS]
    texts += [invented.SURNAMES, invented.GIVEN_M, invented.GIVEN_F]
    texts += [s for pair in vocab.values.values() for script in pair for s in script]
    texts += [h for hs in vocab.headers.values() for h in hs]
    texts += [*vocab.school_types, *vocab.industries, *vocab.genders]
    texts += [s for style in vocab.disabled_styles for s in style]
    for t in texts:
        t.encode("gbk")


def test_check_digit_known_value():
    got = records.check_digits(np.array([11010519491231002, 23010219900101123]))
    assert got[0] == 10  # 11010519491231002X
    assert got[1] == _ref_check("23010219900101123")


def _ref_check(s17: str) -> int:
    return (12 - sum(int(c) * w for c, w in zip(s17, WEIGHTS, strict=True)) % 11) % 11


def test_rejects_tiny_rows(tmp_path):
    with pytest.raises(ValueError):
        write_sample(tmp_path, rows=10)


# ------------------------------------------------------------ stage 01 on the sample
# Every file reconciles, and every kind of dirt the generator plants is found with its
# reason (some planted errors are corrected by a later resubmission, which resolves them, so
# a reason never counts more than was planted).

PLANTED_AS = {
    "invalid_check_digit": "INVALID_ID",
    "id_mangled_by_spreadsheet": "ID_AS_NUMBER",
    "unknown_school": "UNKNOWN_SCHOOL",
    "out_of_window": "OUT_OF_WINDOW",
    "implausible_age": "IMPLAUSIBLE_AGE",
    "level_not_allowed": "LEVEL_NOT_ALLOWED",
    "short_training": "SHORT_TRAINING",
    "bad_date": "BAD_DATE",
    "unknown_target_group": "UNKNOWN_TARGET_GROUP",
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from pipeline.stages import clean_stage

    d = tmp_path_factory.mktemp("sample")
    planted = write_sample(d / "data", seed=5, rows=3000)["planted"]
    shutil.copytree(CONFIG, d / "config", ignore=shutil.ignore_patterns("local", "__*"))
    ctx = StageContext.from_params("2020-04", d / "data" / "raw", d / "data" / "reference",
                                   d / "config", d / "processed", d / "out")
    totals = clean_stage(ctx)
    return planted, totals, ctx


@pytest.mark.slow
def test_every_file_reconciles(run):
    _, totals, ctx = run
    recon = pio.read_csv(ctx.out_dir / relative_path("reconciliation"))
    assert (recon["raw_rows"] == recon["clean_rows"] + recon["quarantined_rows"]
            + recon["superseded_rows"]).all()
    assert recon["raw_rows"].sum() == totals["raw_rows"] == 3000
    assert recon["skipped_lines"].sum() > 0  # printed-form rosters have footers and blanks


@pytest.mark.slow
def test_every_planted_kind_of_dirt_is_found(run):
    planted, _, ctx = run
    q = pd.read_csv(ctx.out_dir / relative_path("quarantine"), encoding="utf-8-sig")
    found = Counter(c for r in q["reasons"] for c in r.split(";"))
    for kind, reason in PLANTED_AS.items():
        assert 0 < found[reason], reason
        if reason != "INVALID_ID":
            assert found[reason] <= planted[kind], reason
    assert found["INVALID_ID"] <= planted["invalid_check_digit"] + planted[
        "id_mangled_by_spreadsheet"]
    assert found["CROSS_SCHOOL_DUPLICATE"] == planted["cross_school_students"]
    report = pio.read_json(ctx.out_dir / relative_path("ingest_report"))
    assert report["gender_mismatch_rows"] == planted["gender_mismatch_rows"]
    assert 0 < sum(m["rows"] for m in report["unmapped_majors"]) <= planted["unknown_major_rows"]
    assert report["skipped_sheets"]  # the instruction sheets of multi-sheet workbooks
