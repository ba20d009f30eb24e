"""Shared helpers of the stage-01 known-answer tests: ID numbers, records, rosters, contexts.

Everything here is built by hand so that each test knows its answer: ID numbers get their
check digit from an independent MOD 11-2 implementation (not the pipeline's), records start
from one clean default row and change one thing at a time, and rosters are written with the
``csv`` module or openpyxl exactly as a school would send them.

Test modules import the helpers with ``from conftest import ...`` (pytest puts ``tests/`` on
the import path).
"""

from __future__ import annotations

import csv
import functools
import io
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd
import pytest

from pipeline.clean import Lookups
from pipeline.config import FIELDS, PipelineConfig, load_pipeline_config
from pipeline.context import StageContext
from pipeline.ingest import HeaderMap, Reader, SchoolNames
from pipeline.io import read_majors, read_schools
from pipeline.reconcile import CleanResult, clean
from pipeline.settings import CONFIG_FILES
from pipeline.stages import clean_rules

ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = ROOT / "config"
REFERENCE_DIR = Path(__file__).resolve().parent / "fixtures" / "rosters" / "reference"
SALT = bytes(range(16))

# ---------------------------------------------------------------- ID numbers

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_char(body17: str) -> str:
    """ISO 7064 MOD 11-2 check character of 17 digits (independent of the pipeline)."""
    assert len(body17) == 17 and body17.isdigit(), body17
    return _CHECK[sum(int(d) * w for d, w in zip(body17, _WEIGHTS, strict=True)) % 11]


def make_id(birth: str = "19900101", seq: str = "123", area: str = "230102") -> str:
    """A valid 18-character ID: area code, birth date YYYYMMDD, 3-digit sequence, check.

    The last sequence digit is the gender: odd 男, even 女.
    """
    body = area + birth + seq
    return body + check_char(body)


def wrong_check(id18: str) -> str:
    """The same number with a check character that is certainly wrong."""
    right = id18[-1]
    return id18[:-1] + ("0" if right != "0" else "1")


# ---------------------------------------------------------------- reference data

SCHOOL_NAME = {
    "HX01": "哈尔滨市松北技师学院",  # 技师学院: 高级工, 预备技师
    "HX02": "哈尔滨市轨道交通高级技工学校",  # 高级技工学校: 中级工, 高级工
    "HX03": "哈尔滨市现代农业技工学校",  # 技工学校: 初级工, 中级工
    "HX04": "哈尔滨市智能制造技师学院",
    "HX05": "哈尔滨市健康服务技工学校",
}
GOOD_LEVEL = {"HX01": "高级工", "HX02": "高级工", "HX03": "中级工", "HX04": "高级工",
              "HX05": "中级工"}


@functools.cache
def config() -> PipelineConfig:
    return load_pipeline_config(CONFIG_DIR)


@functools.cache
def reference() -> tuple[pd.DataFrame, pd.DataFrame]:
    cfg = config()
    schools = read_schools(REFERENCE_DIR, tuple(cfg.levels_by_school_type), cfg.target)
    majors = read_majors(REFERENCE_DIR, cfg.industries)
    return schools, majors


@functools.cache
def lookups() -> Lookups:
    schools, majors = reference()
    cfg = config()
    return Lookups.build(schools, majors, cfg.enumerations, cfg.synonyms)


@functools.cache
def header_map() -> HeaderMap:
    cfg = config()
    return HeaderMap(cfg.header_map, cfg.required_fields, cfg.month_headers)


@functools.cache
def reader() -> Reader:
    """What reading a roster needs: the header map and the tiny reference set's schools."""
    return Reader(header_map(), SchoolNames(reference()[0]))


@pytest.fixture(scope="session")
def cfg() -> PipelineConfig:
    return config()


# ---------------------------------------------------------------- records

def record(school_id: str = "HX01", **fields: str) -> dict[str, str]:
    """One submitted record as text, clean by default; keyword arguments override fields.

    Defaults: the school's full name, a level the school may train, a valid ID (male, born
    1990-01-01), admission 2019-09-05 (autumn), 已注册, 退役军人, a mapped major.
    """
    row = {
        "school": SCHOOL_NAME[school_id],
        "name": "张三",
        "id_number": make_id(),
        "gender": "",
        "target_group": "退役军人",
        "disabled": "否",
        "major": "数控加工",
        "level": GOOD_LEVEL[school_id],
        "study_mode": "全日制",
        "years": "3",
        "class_type": "普通班",
        "education_kind": "学制教育",
        "admission_date": "2019-09-05",
        "status": "已注册",
    }
    unknown = set(fields) - set(FIELDS)
    assert not unknown, unknown
    row.update(fields)
    return row


def submission(records: Iterable[dict], folder: str = "2019-10", file: str = "HX01.csv",
               sheet: str = "", first_row: int = 2) -> list[dict]:
    """Rows of one raw file as ingest gives them (provenance added, rows numbered from 2)."""
    return [
        {**r, "source_file": f"{folder}/{file}", "folder": folder, "sheet": sheet,
         "source_row": first_row + i}
        for i, r in enumerate(records)
    ]


def raw_frame(*submissions: list[dict]) -> pd.DataFrame:
    """A raw frame of several submissions, in submission order."""
    rows = [r for s in submissions for r in s]
    cols = [*FIELDS, "source_file", "folder", "sheet", "source_row"]
    return pd.DataFrame(rows, columns=cols)


def run_clean(*submissions: list[dict], files: pd.DataFrame | None = None) -> CleanResult:
    """``clean.clean`` over the submissions with the tiny reference set and a fixed salt."""
    return clean_frame(raw_frame(*submissions), files)


def clean_frame(raw: pd.DataFrame, files: pd.DataFrame | None = None,
                cfg: PipelineConfig | None = None) -> CleanResult:
    """``reconcile.clean`` over a raw frame with the tiny reference set and a fixed salt."""
    cfg = cfg or config()
    return clean(raw, lookups(), clean_rules(cfg), cfg.registered_statuses, SALT, files)


def states(result: CleanResult) -> list[tuple[str, str]]:
    """(state, reasons) of every raw row, in submission order."""
    return list(zip(result.records["state"], result.records["reasons"], strict=True))


# ---------------------------------------------------------------- rosters

ROSTER_HEADER = ["序号", "学校名称", "姓名", "身份证号", "性别", "生源类别", "是否残疾人",
                 "专业", "培养层次", "学习形式", "学制", "班级类型", "教育类别", "录取日期",
                 "学籍状态"]
ROSTER_FIELDS = ["school", "name", "id_number", "gender", "target_group", "disabled", "major",
                 "level", "study_mode", "years", "class_type", "education_kind",
                 "admission_date", "status"]
TIDY_HEADER = ROSTER_HEADER[1:]


def roster_line(rec: dict, number: int | None = None) -> list:
    """One record as a roster line (with the 序号 cell when ``number`` is given)."""
    cells = [rec[f] for f in ROSTER_FIELDS]
    return cells if number is None else [number, *cells]


def csv_bytes(lines: Sequence[Sequence], encoding: str = "utf-8") -> bytes:
    """Lines written with the csv module, encoded (``utf-8-sig`` gives the BOM)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for line in lines:
        writer.writerow(["" if c is None else c for c in line])
    return buf.getvalue().encode(encoding)


def write_csv(path: Path, lines: Sequence[Sequence], encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(csv_bytes(lines, encoding))
    return path


def write_xlsx(path: Path, sheets: dict[str, Sequence[Sequence]],
               merges: dict[str, list[str]] | None = None) -> Path:
    """A workbook with one sheet per entry (cells as given: str, int, float, date…)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, lines in sheets.items():
        ws = wb.create_sheet(name)
        for r, line in enumerate(lines, start=1):
            for c, value in enumerate(line, start=1):
                if value is not None and value != "":
                    ws.cell(row=r, column=c, value=value)
        for rng in (merges or {}).get(name, []):
            ws.merge_cells(rng)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


# ---------------------------------------------------------------- stage contexts

def make_context(tmp_path: Path, period: str = "2019-10") -> StageContext:
    """A StageContext over tmp folders: the tiny reference set, the repo's pipeline.yaml and
    a fixed salt (nothing is written under the repository)."""
    ref = tmp_path / "reference"
    ref.mkdir(parents=True, exist_ok=True)
    for f in REFERENCE_DIR.glob("*.csv"):
        shutil.copy(f, ref / f.name)
    conf = tmp_path / "config"
    (conf / "local").mkdir(parents=True, exist_ok=True)
    for name in CONFIG_FILES:
        shutil.copy(CONFIG_DIR / name, conf / name)
    (conf / "local" / "salt").write_text(SALT.hex() + "\n", encoding="ascii")
    raw = tmp_path / "raw"
    raw.mkdir(exist_ok=True)
    return StageContext(
        period=period,
        raw_dir=raw,
        reference_dir=ref,
        config_dir=conf,
        processed_dir=tmp_path / "processed",
        out_dir=tmp_path / "out" / period,
    )


# ---------------------------------------------------------------- stage 05

PERIOD_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "period_2020-04"


def render_period(dest: Path, lang: str, source: Path = PERIOD_FIXTURE) -> dict[str, Path]:
    """The hand-written period folder (``fixtures/period_2020-04``, or ``source``) copied to
    ``dest`` and rendered in ``lang``; the documents by catalogue key."""
    from pipeline.render import load_stage_files, render_all

    shutil.copytree(source, dest)
    return render_all(load_stage_files(dest), dest, lang=lang, created="2020-04-30")


@pytest.fixture(scope="session")
def rendered_zh(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The fixture period rendered once in Chinese."""
    return render_period(tmp_path_factory.mktemp("zh") / "2020-04", "zh-CN")


@pytest.fixture(scope="session")
def rendered_en(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The fixture period rendered once in English."""
    return render_period(tmp_path_factory.mktemp("en") / "2020-04", "en")
