"""Synthetic sample data for kuozhao (``kuozhao sample``): reference tables and dirty raw
submissions.

``write_sample`` invents a quota table of twenty technical schools, a majors table, and one
folder of enrollment rosters per month of the programme (2019-09 … 2020-04 by default)
shaped like real submissions: several encodings and XLSX, varying Chinese headers,
printed-form layouts, and a realistic share of dirty, duplicated, re-sent and wrong rows.
Everything is invented: school names carry ``示例`` ("example"), people are random
combinations of common characters, ID numbers are generated with a valid check digit from
random birth dates, and phone numbers are masked.

The programme's vocabulary (target, window, cutoff, folders, school types and levels, target
groups, enumerations, industries, header spellings) comes from a configuration
(:mod:`.vocabulary`); what is invented is in :mod:`.invented`. Rows are generated as numbers
(:mod:`.records`), each file gets a style (:mod:`.styles`), its strings (:mod:`.render`) and
is written as CSV or XLSX (:mod:`.writers`). The same ``seed`` and ``rows`` give
byte-identical files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.config import PipelineConfig
from pipeline.tools.sample.invented import check_fits
from pipeline.tools.sample.records import Records, generate
from pipeline.tools.sample.reference import majors_frame, schools_frame, synthetic_note
from pipeline.tools.sample.styles import FileStyle, file_styles
from pipeline.tools.sample.vocabulary import Vocabulary, vocabulary
from pipeline.tools.sample.writers import write_file

__all__ = ["write_sample"]


def _write_reference(ref: Path, vocab: Vocabulary, seed: int, rows: int) -> pd.DataFrame:
    """``schools.csv``, ``majors.csv`` and ``SYNTHETIC.txt``; returns the schools."""
    ref.mkdir(parents=True, exist_ok=True)
    schools = schools_frame(vocab, seed)
    schools.to_csv(ref / "schools.csv", index=False, lineterminator="\n")
    majors_frame(vocab).to_csv(ref / "majors.csv", index=False, lineterminator="\n")
    (ref / "SYNTHETIC.txt").write_text(synthetic_note(vocab, seed, rows), encoding="utf-8")
    return schools


def _summary(styles: list[FileStyle], data: Records, traits: dict, schools: pd.DataFrame,
             rows_by_style: list[int], folders: tuple[str, ...]) -> dict:
    """What was written: files by format, rows by folder, the planted errors."""
    by_format: dict[str, int] = {}
    by_folder = dict.fromkeys(folders, 0)
    for st, n in zip(styles, rows_by_style, strict=True):
        by_format[st.fmt] = by_format.get(st.fmt, 0) + 1
        by_folder[folders[st.folder]] += n
    return {
        "raw_rows": int(len(data.r_enrol)),
        "students": int(traits["students"]),
        "files": len(styles) + 3,
        "raw_files": len(styles),
        "files_by_format": dict(sorted(by_format.items())),
        "xlsx_rows": sum(n for st, n in zip(styles, rows_by_style, strict=True)
                         if st.fmt == "xlsx"),
        "rows_by_folder": by_folder,
        "printed_form_files": sum(st.printed for st in styles),
        "multi_sheet_files": sum(st.multi_sheet for st in styles),
        "dirty_school": schools["school_id"].iat[traits["dirty_school"]],
        "high_withdrawal_school": schools["school_id"].iat[traits["quit_school"]],
        "planted": traits["planted"],
    }


def write_sample(out: Path, seed: int = 20190901, rows: int = 6000,
                 config: PipelineConfig | None = None) -> dict:
    """Write out/reference/{schools.csv,majors.csv,SYNTHETIC.txt} and out/raw/<YYYY-MM>/... ;
    return a small summary dict (files written, raw rows, students).

    ``rows`` is the total number of raw record rows across the monthly folders (title, blank
    and footer lines of printed-form files are not records). ``config`` gives the
    programme's vocabulary (default: the shipped configuration). The same ``seed``, ``rows``
    and configuration give byte-identical files. Existing files of the same names are
    overwritten; other files in ``out`` are left alone.
    """
    out = Path(out)
    rows = int(rows)
    if rows < 100:
        raise ValueError("rows must be at least 100")
    vocab = vocabulary(config)
    check_fits(vocab)
    schools = _write_reference(out / "reference", vocab, seed, rows)
    data, traits = generate(vocab, seed, rows, schools)
    n_folders = len(vocab.folders)
    file_key = data.e_school[data.r_enrol].astype(np.int64) * n_folders + data.r_folder
    counts = np.bincount(file_key, minlength=len(schools) * n_folders).reshape(
        len(schools), n_folders)
    styles = file_styles(seed, counts, traits["has_edu"], vocab)
    order = np.lexsort((data.r_order, file_key))
    bounds = np.searchsorted(file_key[order], np.arange(len(schools) * n_folders + 1))
    rows_by_style = []
    for i, st in enumerate(styles):
        k = st.school * n_folders + st.folder
        rows_idx = order[bounds[k]:bounds[k + 1]]
        folder = out / "raw" / vocab.folders[st.folder]
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"{schools['school_id'].iat[st.school]}_{vocab.folders[st.folder].replace('-', '')}"
        write_file(folder / stem, data, rows_idx, st, schools=schools, vocab=vocab,
                   rng=np.random.default_rng([seed, 4, i]))
        rows_by_style.append(len(rows_idx))
    return {"out": str(out), "seed": int(seed), "rows_requested": rows,
            **_summary(styles, data, traits, schools, rows_by_style, vocab.folders)}
