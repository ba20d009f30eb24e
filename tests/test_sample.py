"""Known facts of the synthetic sample (``pipeline.sample.write_sample``) at a small size.

The files are checked with the standard library and pandas only, independently of the
pipeline's own readers.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline import sample

ROWS = 1500
SEED = 20190901
FOLDERS = ["2019-09", "2019-10", "2019-11", "2019-12", "2020-01", "2020-02", "2020-03",
           "2020-04"]
HARBIN_DISTRICTS = {"道里区", "南岗区", "道外区", "平房区", "松北区", "香坊区", "呼兰区", "阿城区",
                    "双城区"}
INDUSTRIES = {"信息", "新材料", "金融", "现代物流", "绿色农产品深加工", "先进装备制造",
              "现代生物医药", "特色文化和旅游", "新兴专业", "现代服务", "其他"}
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("sample")
    summary = sample.write_sample(root, seed=SEED, rows=ROWS)
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
                             keep_default_na=False, engine="openpyxl")
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
def records(out) -> pd.DataFrame:
    root, _ = out
    frames = []
    for path in sorted((root / "raw").rglob("*")):
        if path.suffix not in (".csv", ".xlsx"):
            continue
        for t in _tables(path):
            ids = next(t[c] for c in ("身份证号", "公民身份号码", "身份證號", "公民身份號碼")
                       if c in t)
            gender = t["性别"] if "性别" in t else t["性別"]
            frames.append(pd.DataFrame({"file": path.name, "id": ids.to_numpy(),
                                        "gender": gender.to_numpy()}))
    return pd.concat(frames, ignore_index=True)


def test_summary_and_rows(out, records):
    _, summary = out
    assert summary["raw_rows"] == ROWS
    assert abs(len(records) - ROWS) <= 0.02 * ROWS
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


def test_id_numbers(records):
    ids = records["id"].str.strip()
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
    declared = records.loc[good.index, "gender"].str.strip()
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
        sheets = pd.ExcelFile(path, engine="openpyxl").sheet_names
        multi |= "填表说明" in sheets and len(sheets) >= 3
    assert merged and multi


def test_deterministic(out, tmp_path):
    root, _ = out
    again = tmp_path / "again"
    sample.write_sample(again, seed=SEED, rows=ROWS)
    assert _hashes(again) == _hashes(root)
    other = tmp_path / "other"
    sample.write_sample(other, seed=SEED + 1, rows=ROWS)
    h_other = _hashes(other)
    changed = [k for k, v in _hashes(root).items() if h_other.get(k) != v]
    assert any(k.startswith("raw") for k in changed)


def test_vocabulary_is_gbk_encodable():
    texts = [s for row in sample._SCHOOLS for s in row]
    texts += [s for m in sample.MAJORS for s in m] + list(sample.UNKNOWN_MAJORS)
    texts += [*sample.TARGET_GROUPS, *sample.TARGET_GROUPS_TRAD, *sample.UNKNOWN_TARGET_GROUPS]
    texts += [*sample.LEVELS_TRAD, *sample.STATUSES_TRAD, *sample.CLASS_TYPES_TRAD,
              *sample.EDU_KINDS_TRAD, *sample.UNKNOWN_SCHOOLS, *sample._INSTRUCTIONS]
    texts += [h for hs in sample.HEADERS.values() for h in hs]
    texts += [sample._SURNAMES, sample._GIVEN_M, sample._GIVEN_F]
    for t in texts:
        t.encode("gbk")


def test_check_digit_known_value():
    got = sample._check_digits(np.array([11010519491231002, 23010219900101123]))
    assert got[0] == 10  # 11010519491231002X
    assert got[1] == _ref_check("23010219900101123")


def _ref_check(s17: str) -> int:
    return (12 - sum(int(c) * w for c, w in zip(s17, WEIGHTS, strict=True)) % 11) % 11


def test_rejects_tiny_rows(tmp_path):
    with pytest.raises(ValueError):
        sample.write_sample(tmp_path, rows=10)
