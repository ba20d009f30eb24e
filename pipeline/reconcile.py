"""Stage 01's tables: the records, the quarantine, the clean enrollment and the
reconciliation (raw = clean + quarantined + superseded, per file), from prepared rows and
their states. Pure functions over DataFrames.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.clean import SUBMITTED, Lookups, Rules, prepare
from pipeline.dedup import own_reason, resolve
from pipeline.normalise import labels_at


def file_owner(prep: pd.DataFrame) -> pd.Series:
    """The school each file belongs to: the school most of its rows name (ties: lowest id)."""
    file_code, files = pd.factorize(prep["source_file"])
    known = prep["school_id"].notna().to_numpy()
    counts = pd.DataFrame({"file": file_code[known], "school_id": prep["school_id"][known]})
    counts = counts.groupby(["file", "school_id"]).size().reset_index(name="n")
    counts = counts.sort_values(["file", "n", "school_id"], ascending=[True, False, True])
    owner = counts.drop_duplicates("file").set_index("file")["school_id"]
    labels = [owner.get(i) for i in range(len(files))]
    return labels_at(labels, file_code, index=prep.index)


ENROLLMENT_COLUMNS = (
    "student_key", "id_masked", "school_id", "school_type", "gender", "birth_date", "age",
    "target_group", "social", "disabled", "major", "major_known", "industry", "level",
    "study_mode", "years", "class_type", "education_kind", "admission_date", "status",
    "intake", "folder", "source_file", "sheet", "source_row",
)
# Every raw record's fate, and the integer keys from which stage 03 works out the figures
# as they were when each earlier month was published (no name, no ID number: ``dedup_key``
# and ``student_code`` are codes of this run, ``own_reason`` says a row has a reason of its
# own).
RECORD_COLUMNS = (
    "source_file", "sheet", "source_row", "folder", "file_school_id", "school_id", "state",
    "reasons", "winner_school_id", "admission_date", "status", "student_key", "id_masked",
    "order",
    "dedup_key", "student_code", "id_valid", "own_reason",
)


@dataclass
class CleanResult:
    """The outputs of stage 01 for one period (no names, no full ID numbers)."""

    records: pd.DataFrame
    quarantine: pd.DataFrame
    reconciliation: pd.DataFrame
    gender_mismatch_rows: int
    unmapped_majors: pd.DataFrame
    enrollment_columns: pd.DataFrame = field(repr=False)  # of every row
    clean: np.ndarray = field(repr=False)

    @functools.cached_property
    def enrollment(self) -> pd.DataFrame:
        """The clean records, filtered when first asked for (stage 01 asks on the thread that
        writes its files)."""
        return self.enrollment_columns.loc[self.clean].reset_index(drop=True)


def clean(raw: pd.DataFrame, lookups: Lookups, rules: Rules,
          registered_statuses: tuple[str, ...], salt: bytes,
          files: pd.DataFrame | None = None) -> CleanResult:
    """Clean every raw record of the folders given, in one go.

    ``files`` (``source_file``, ``skipped_lines``) lists every file read, so that a file
    with no records still appears in the reconciliation.
    """
    prep = prepare(raw, lookups, rules, salt)
    return finish(prep, resolve(prep, registered_statuses), files)


def finish(prep: pd.DataFrame, states: pd.DataFrame, files: pd.DataFrame | None) -> CleanResult:
    """Assemble the stage's tables from prepared rows and their states."""
    prep = prep.assign(**{c: states[c] for c in states.columns}, own_reason=own_reason(prep))
    prep["file_school_id"] = file_owner(prep)
    records = prep[list(RECORD_COLUMNS)].reset_index(drop=True)

    state = prep["state"].to_numpy()
    clean = state == "clean"

    q_columns = ["source_file", "sheet", "source_row", "school_id", "reasons", "id_masked",
                 "winner_school_id", "file_school_id", *("submitted_" + f for f in SUBMITTED)]
    q = prep.loc[state == "quarantined", q_columns]
    quarantine = pd.DataFrame(
        {
            "source_file": q["source_file"],
            "sheet": q["sheet"],
            "source_row": q["source_row"],
            "school_id": q["school_id"].fillna(q["file_school_id"]),
            "reasons": q["reasons"],
            "id_masked": q["id_masked"],
            "winner_school_id": q["winner_school_id"],
            "file_school_id": q["file_school_id"],
            **{f: q["submitted_" + f] for f in SUBMITTED},
        }
    ).reset_index(drop=True)

    recon = reconcile(records, files)
    unmapped = (
        prep.loc[clean & ~prep["major_known"].to_numpy(), "major"].value_counts()
        .rename_axis("major").reset_index(name="rows")
        .sort_values(["rows", "major"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )
    return CleanResult(
        records=records,
        enrollment_columns=prep[list(ENROLLMENT_COLUMNS)],
        clean=clean,
        quarantine=quarantine,
        reconciliation=recon,
        gender_mismatch_rows=int(prep["gender_mismatch"].sum()),
        unmapped_majors=unmapped,
    )


def reconcile(records: pd.DataFrame, files: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per source file: raw = clean + quarantined + superseded, and skipped lines."""
    file_code, names = pd.factorize(records["source_file"])
    state = records["state"].to_numpy()
    counts = pd.DataFrame(
        {s: np.bincount(file_code[state == s], minlength=len(names))
         for s in ("clean", "quarantined", "superseded")},
        index=pd.Index(np.asarray(names, dtype=object), name="source_file"),
    )
    table = pd.DataFrame(
        {
            "raw_rows": counts[["clean", "quarantined", "superseded"]].sum(axis=1),
            "clean_rows": counts["clean"],
            "quarantined_rows": counts["quarantined"],
            "superseded_rows": counts["superseded"],
        }
    )
    if files is not None and len(files):
        f = files.set_index("source_file")
        table = table.reindex(table.index.union(f.index), fill_value=0)
        table["skipped_lines"] = f["skipped_lines"].reindex(table.index).fillna(0)
    else:
        table["skipped_lines"] = 0
    table = table.astype(np.int64)
    if files is not None and "problem" in files.columns:
        # Files left out with --skip-unreadable: listed with no rows and the problem named.
        table["problem"] = files.set_index("source_file")["problem"].reindex(table.index)
        table["problem"] = table["problem"].fillna("")
    table = table.rename_axis("source_file").reset_index()
    return table.sort_values("source_file", kind="stable").reset_index(drop=True)
