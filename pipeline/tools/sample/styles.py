"""How each school's submission of each month looks: format, encoding, headers, layout."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.tools.sample.invented import EXTRA_COLUMNS
from pipeline.tools.sample.vocabulary import Vocabulary

XLSX_ROW_BUDGET = 30_000
# date spellings: 0 2019-09-05, 1 2019/9/5, 2 2019.9.5, 3 2019年9月5日, 4 20190905,
# 5 Excel serial 43713, 6 2019-9-5
N_DATE_STYLES = 7
FORMATS = ("csv-utf8", "csv-bom", "csv-gbk", "xlsx")
# the column orders of the schools' templates
LAYOUTS = (
    ("school", "name", "id_number", "gender", "target_group", "disabled", "major", "level",
     "study_mode", "years", "class_type", "education_kind", "admission_date", "status"),
    ("name", "gender", "id_number", "school", "target_group", "disabled", "major", "level",
     "study_mode", "years", "class_type", "admission_date", "status", "education_kind"),
    ("school", "name", "gender", "id_number", "major", "level", "years", "study_mode",
     "class_type", "target_group", "disabled", "admission_date", "status", "education_kind"),
)


@dataclass
class FileStyle:
    """How one school's submission of one month looks."""

    school: int
    folder: int
    fmt: str  # csv-utf8, csv-bom, csv-gbk, xlsx
    header: str  # simp, trad, spaced
    alt_names: bool
    order: tuple[str, ...]
    has_edu: bool
    trad_values: bool
    alias_rate: float
    date_main: int
    date_cells: bool  # XLSX: real date cells rather than text
    years_suffix: float
    disabled_style: int
    lower_x: float
    crlf: bool
    printed: bool
    serial_col: bool
    extra_col: str | None
    multi_sheet: bool = False


def _habits(rng: np.random.Generator, n: int, n_disabled_styles: int) -> dict[str, np.ndarray]:
    """What each school's system does the same way every month."""
    fmts = np.array(["csv-utf8"] * 6 + ["csv-bom"] * 5 + ["csv-gbk"] * 4 + ["xlsx"] * 5)
    return {
        "fmt": rng.permutation(np.resize(fmts, n)),
        "header": rng.choice(["simp", "trad", "spaced"], n, p=[0.6, 0.2, 0.2]),
        "alt": rng.random(n) < 0.3,
        "order": rng.choice(len(LAYOUTS), n, p=[0.6, 0.2, 0.2]),
        "trad_values": rng.random(n) < 0.25,
        "alias_rate": rng.choice([0.0, 0.1, 0.3], n, p=[0.4, 0.4, 0.2]),
        "date_main": rng.integers(0, N_DATE_STYLES, n),
        "disabled_style": rng.integers(0, n_disabled_styles, n),
        "lower_x": rng.choice([0.0, 0.3], n),
        "years_suffix": rng.choice([0.0, 0.3, 1.0], n, p=[0.5, 0.3, 0.2]),
        "extra": rng.choice(3, n, p=[0.6, 0.25, 0.15]),
    }


def _file_style(rng: np.random.Generator, h: dict, s: int, f: int,
                has_edu: np.ndarray) -> FileStyle:
    """The style of school ``s``'s file of folder ``f``: its habits, with this month's
    variations (another format now and then, a printed form, date cells, line endings)."""
    fmt = str(h["fmt"][s])
    if rng.random() < 0.1:
        fmt = str(rng.choice(list(FORMATS)))
    printed = bool(rng.random() < 0.3)
    date_cells = bool(rng.random() < 0.6)
    crlf = fmt == "csv-gbk" or bool(rng.random() < 0.3)
    extra = h["extra"][s]
    return FileStyle(
        school=s, folder=f, fmt=fmt, header=str(h["header"][s]), alt_names=bool(h["alt"][s]),
        order=LAYOUTS[h["order"][s]], has_edu=bool(has_edu[s]),
        trad_values=bool(h["trad_values"][s]), alias_rate=float(h["alias_rate"][s]),
        date_main=int(h["date_main"][s]), date_cells=date_cells,
        years_suffix=float(h["years_suffix"][s]), disabled_style=int(h["disabled_style"][s]),
        lower_x=float(h["lower_x"][s]), crlf=crlf,
        printed=printed, serial_col=printed or bool(rng.random() < 0.2),
        extra_col=None if extra == 0 else EXTRA_COLUMNS[extra - 1],
    )


def _bound_xlsx(styles: list[FileStyle], counts: np.ndarray) -> None:
    """Keep XLSX bounded: smallest XLSX files first, the rest become CSV (UTF-8 with BOM)."""
    budget = XLSX_ROW_BUDGET
    xlsx = sorted((st for st in styles if st.fmt == "xlsx"),
                  key=lambda st: (counts[st.school, st.folder], st.school, st.folder))
    for st in xlsx:
        n = int(counts[st.school, st.folder])
        if n <= budget:
            budget -= n
        else:
            st.fmt = "csv-bom"


def _guarantee_shapes(rng: np.random.Generator, styles: list[FileStyle],
                      counts: np.ndarray) -> None:
    """The shapes the cleaning stage must handle, at every size: a multi-sheet workbook, a
    printed-form workbook and a printed-form CSV."""
    xl = [st for st in styles if st.fmt == "xlsx"]
    if xl:
        multi = [st for st in xl if counts[st.school, st.folder] >= 4] or xl
        multi[len(multi) // 2].multi_sheet = True
        for st in xl:
            if not st.multi_sheet and rng.random() < 0.2 and counts[st.school, st.folder] >= 6:
                st.multi_sheet = True
        xl[0].printed = xl[0].serial_col = True
    csvs = [st for st in styles if st.fmt != "xlsx"]
    if csvs and not any(st.printed for st in csvs):
        csvs[0].printed = csvs[0].serial_col = True


def file_styles(seed: int, counts: np.ndarray, has_edu: np.ndarray,
                vocab: Vocabulary) -> list[FileStyle]:
    """One style per (school, folder) file that has rows; formats mostly fixed per school."""
    rng = np.random.default_rng([seed, 3])
    n_schools, n_folders = counts.shape
    habits = _habits(rng, n_schools, len(vocab.disabled_styles))
    styles = [_file_style(rng, habits, s, f, has_edu)
              for s in range(n_schools) for f in range(n_folders) if counts[s, f]]
    _bound_xlsx(styles, counts)
    _guarantee_shapes(rng, styles, counts)
    return styles


def header_text(field: str, st: FileStyle, vocab: Vocabulary) -> str:
    """The heading of ``field`` in a file of style ``st``."""
    simp, trad, other, other_trad = vocab.headers[field]
    if st.header == "trad":
        return other_trad if st.alt_names else trad
    chosen = other if st.alt_names else simp
    return " ".join(chosen) if st.header == "spaced" else chosen
