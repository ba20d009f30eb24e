"""``kuozhao template``: one workbook per school that a school fills and kuozhao reads as it is.

The round trip: the templates are written, filled by this test with the acceptance case's
records (openpyxl, one file per school and month, in the original order), published, and the
figures equal the acceptance case's expected figures."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pipeline.cli import main
from pipeline.config import load_pipeline_config
from pipeline.context import StageContext
from pipeline.ingest import HeaderMap, Reader, SchoolNames, raw_files, read_file
from pipeline.io import read_majors, read_schools
from pipeline.stages import clean_stage, files_of, fulfilment_stage, rewards_stage
from pipeline.template import HEADER_ROW, SHEET, headings

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT.parent / "shared" / "acceptance" / "case-2020"
pytestmark = pytest.mark.skipif(not CASE.is_dir(), reason="acceptance case not found")


@pytest.fixture(scope="module")
def cfg():
    return load_pipeline_config(ROOT / "config")


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    out = tmp_path_factory.mktemp("templates")
    assert main(["template", "--reference", str(CASE / "reference"), "--config",
                 str(ROOT / "config"), "--out", str(out)]) == 0
    return out


def test_one_template_per_school_with_the_filing_unit_and_canonical_headings(templates, cfg):
    schools = read_schools(CASE / "reference", tuple(cfg.levels_by_school_type), cfg.target)
    assert sorted(p.stem for p in templates.iterdir()) == sorted(schools["school_id"])
    wb = load_workbook(templates / "HX01.xlsx")
    ws = wb[SHEET]
    name = schools.set_index("school_id").loc["HX01", "school_name"]
    assert ws["A2"].value == f"填报单位：{name}"
    assert [c.value for c in ws[HEADER_ROW]] == [h for _, h in headings(cfg)]
    assert wb["选项"].sheet_state == "hidden"


def test_drop_downs_limit_levels_to_the_school_type_and_dates_to_the_window(templates, cfg):
    wb = load_workbook(templates / "HX03.xlsx")  # 技工学校: 初级工, 中级工
    ws = wb[SHEET]
    rules = {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv
             for dv in ws.data_validations.dataValidation}
    cols = {h: i for i, (_, h) in enumerate(headings(cfg))}
    from openpyxl.utils import get_column_letter

    level = rules[get_column_letter(cols["培养层次"] + 1)]
    ref = level.formula1.lstrip("=").split("!")[1].replace("$", "")
    lists = wb["选项"]
    values = [c.value for c in lists[ref.split(":")[0][0]][1:] if c.value]
    assert values == ["初级工", "中级工"]
    date = rules[get_column_letter(cols["录取日期"] + 1)]
    assert date.type == "date" and date.formula1 == "DATE(2019,9,1)"
    assert date.formula2 == "DATE(2020,4,30)"
    assert ws.cell(row=HEADER_ROW + 1, column=cols["身份证号"] + 1).number_format == "@"


def test_the_same_inputs_give_the_same_bytes(templates, tmp_path):
    main(["template", "--reference", str(CASE / "reference"), "--config",
          str(ROOT / "config"), "--out", str(tmp_path)])
    for p in templates.iterdir():
        assert (tmp_path / p.name).read_bytes() == p.read_bytes()


def _fill(templates: Path, raw: Path, cfg) -> None:
    """The acceptance case's records written into the templates, file by file."""
    schools = read_schools(CASE / "reference", tuple(cfg.levels_by_school_type), cfg.target)
    reader = Reader(HeaderMap(cfg.header_map, cfg.required_fields), SchoolNames(schools))
    fields = [f for f, _ in headings(cfg)]
    for source_file, path in raw_files(CASE / "raw", "2020-04"):
        records = read_file(path, source_file, reader).records
        wb = load_workbook(templates / f"{Path(source_file).stem.split('_')[0]}.xlsx")
        ws = wb[SHEET]
        for i, rec in enumerate(records[fields].itertuples(index=False), start=HEADER_ROW + 1):
            for j, value in enumerate(rec, start=1):
                if value != "":
                    ws.cell(row=i, column=j, value=str(value))
        target = raw / source_file.replace(path.suffix, ".xlsx")
        target.parent.mkdir(parents=True, exist_ok=True)
        wb.save(target)


@pytest.mark.slow
def test_filled_templates_give_the_acceptance_case_figures(templates, tmp_path, cfg):
    raw = tmp_path / "raw"
    _fill(templates, raw, cfg)
    expected = json.loads((CASE / "expected.json").read_text(encoding="utf-8"))["2020-04"]
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config, ignore=shutil.ignore_patterns("local"))
    ctx = StageContext.from_params("2020-04", raw, CASE / "reference", config,
                                   tmp_path / "processed", tmp_path / "out" / "2020-04")
    clean_stage(ctx)
    fulfilment_stage(ctx)
    rewards_stage(ctx)
    files = files_of(ctx)
    summary = files.read("summary")
    for key, value in expected["summary"].items():
        assert summary[key] == pytest.approx(value), key
    quarantine = files.read("quarantine")
    assert dict(Counter(c for rs in quarantine["reasons"] for c in rs.split(";"))) == expected[
        "reasons"]
    recon = files.read("reconciliation").set_index("source_file")
    for source_file, row in expected["reconciliation"].items():
        got = recon.loc[source_file.rsplit(".", 1)[0] + ".xlsx"]
        assert {k: got[k] for k in row} == row, source_file
    rewards = files.read("rewards").set_index("school_id")
    for sid, row in expected["rewards"].items():
        assert rewards.loc[sid, "reward_yuan"] == row["reward_yuan"], sid
    assert read_majors(CASE / "reference", cfg.industries) is not None
