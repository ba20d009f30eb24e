"""The bulletin's data-quality section: expectation results, quarantined rows by reason and
by school, unreadable files, unmapped majors and the reconciliation of every file.

Builders take the loaded data they show (``validation.json``, the quarantine table, the
ingest report, the reconciliation) and a :class:`~pipeline.render.labels.Labels`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from pipeline.render.formats import num, rate, whole
from pipeline.render.labels import Labels
from pipeline.render.table import Table, labelled_table

SEVERITIES = ("critical", "warning", "info")
CHECK_COLUMNS = ("suite", "school_id", "check", "severity", "result", "elements", "unexpected",
                 "unexpected_share")
CHECK_KINDS = ["name", "code", "text", "name", "name", "int", "int", "pct"]
RECONCILIATION = ("raw_rows", "clean_rows", "quarantined_rows", "superseded_rows",
                  "skipped_lines")


def _check_row(r: dict, labels: Labels) -> list[Any]:
    """One expectation result: suite, school, check, severity, result, counts."""
    desc = r.get("description_en") if labels.lang == "en" else r.get("description")
    if not desc:
        col = r.get("column")
        desc = f"{r.get('expectation', '')}({col})" if col else r.get("expectation", "")
    pct = r.get("unexpected_percent")
    return [
        labels.suite(r.get("suite", "")),
        r.get("school_id") or "",
        desc,
        labels.severity(str(r.get("severity", ""))),
        labels.t("dq.pass") if r.get("success") else labels.t("dq.fail"),
        whole(r.get("element_count")),
        whole(r.get("unexpected_count")),
        None if num(pct) is None else float(pct) / 100.0,
    ]


def check_rows(results: Sequence[dict], labels: Labels) -> list[list[Any]]:
    """Rows of expectation results, failures first, most severe first."""
    order = {s: i for i, s in enumerate(SEVERITIES)}
    ordered = sorted(
        results, key=lambda r: (bool(r.get("success")), order.get(r.get("severity"), 3))
    )
    return [_check_row(r, labels) for r in ordered]


def validation(results: dict, labels: Labels) -> Table:
    """Every Great Expectations result, failures first (the annex; the bulletin shows the
    failures and a summary per suite)."""
    return labelled_table(labels, "validation", CHECK_COLUMNS, CHECK_KINDS,
                          check_rows(results.get("results", []), labels))


def validation_failed(results: dict, labels: Labels) -> Table:
    """The checks that failed, most severe first."""
    failed = [r for r in results.get("results", []) if not r.get("success")]
    return labelled_table(labels, "validation_failed", CHECK_COLUMNS, CHECK_KINDS,
                          check_rows(failed, labels), note=labels.t("notes.validation"))


def _severity_counts(results: Sequence[dict]) -> list[int]:
    """How many checks, passed, and failed per severity."""
    failed = [r for r in results if not r.get("success")]
    return [len(results), len(results) - len(failed)] + [
        sum(1 for r in failed if r.get("severity") == sev) for sev in SEVERITIES
    ]


def validation_summary(results: dict, labels: Labels) -> Table:
    """Checks per suite: how many, passed, failed by severity."""
    res = results.get("results", [])
    suites: dict[str, list[dict]] = {}
    for r in res:
        suites.setdefault(str(r.get("suite", "")), []).append(r)
    columns = ("suite", "checks", "passed", "failed_critical", "failed_warning", "failed_info")
    return labelled_table(labels, "validation_summary", columns, ["name"] + ["int"] * 5,
                          [[labels.suite(k), *_severity_counts(v)] for k, v in suites.items()],
                          total=[labels.t("col.total"), *_severity_counts(res)])


def validation_status(results: dict, labels: Labels) -> dict[str, Any]:
    """One-line status of the data checks (severity-aware) and its level."""
    res = results.get("results", [])
    failed = {
        s: sum(1 for r in res if not r.get("success") and r.get("severity") == s)
        for s in SEVERITIES
    }
    worst = results.get("max_severity_failure")
    key = f"dq.status_{worst}" if worst in SEVERITIES else "dq.status_ok"
    passed = sum(1 for r in res if r.get("success"))
    return {"text": labels.t(key, total=len(res), passed=passed, **failed),
            "level": worst or "ok"}


def reason_counts(reasons: pd.Series) -> pd.DataFrame:
    """Rows carrying each reason code (``reason``, ``rows``) from ``;``-separated codes, most
    frequent first, ties by code; a row with two reasons counts under both."""
    codes = reasons.astype(str).str.split(";").explode().str.strip()
    codes = codes[codes.notna() & (codes != "")]
    counts = codes.value_counts().rename_axis("reason").reset_index(name="rows")
    return counts.sort_values(["rows", "reason"], ascending=[False, True]).reset_index(drop=True)


def quarantine_by_reason(quarantine: pd.DataFrame, labels: Labels) -> Table:
    """Quarantined rows per reason code."""
    counts = reason_counts(quarantine["reasons"])
    rows = [
        [code, labels.reason(code), int(n), rate(n, len(quarantine))]
        for code, n in zip(counts["reason"], counts["rows"], strict=True)
    ]
    columns = ("reason_code", "reason_text", "rows", "share_of_quarantined")
    return labelled_table(labels, "quarantine_by_reason", columns, ["code", "text", "int", "pct"],
                          rows, note=labels.t("notes.multi_reason"))


def quarantine_by_school(quarantine: pd.DataFrame, labels: Labels) -> Table:
    """Quarantined rows per school, with the most frequent reason (ties: the first code in
    alphabetical order)."""
    rows = []
    for sid, part in quarantine.groupby("school_id", sort=True):
        codes = [c for rs in part["reasons"] for c in str(rs).split(";") if c]
        top = max(sorted(set(codes)), key=codes.count) if codes else ""
        rows.append([sid or "—", labels.school(sid), len(part), labels.reason(top)])
    return labelled_table(labels, "quarantine_by_school",
                          ("school_id", "school_name", "rows", "top_reason"),
                          ["code", "name", "int", "text"], rows,
                          total=[labels.t("col.total"), "", len(quarantine), ""])


def unreadable(ingest: dict, labels: Labels) -> Table:
    """Files that could not be read."""
    rows = [[f.get("source_file", ""), f.get("problem", "")]
            for f in ingest.get("unreadable_files", [])]
    return labelled_table(labels, "unreadable", ("source_file", "problem"), ["path", "text"],
                          rows)


def listed_entries(ingest: dict, labels: Labels) -> Table:
    """Entries of the month folders that were not read (not rosters, hidden files, office
    lock files, READMEs), with the reason."""
    rows = [[e.get("entry", ""), labels.optional("listed_reason", e.get("reason", ""))]
            for e in ingest.get("listed_entries", [])]
    return labelled_table(labels, "listed_entries", ("entry", "listed_reason"),
                          ["path", "text"], rows, note=labels.t("notes.listed_entries"))


def unmapped(ingest: dict, labels: Labels) -> Table:
    """Majors not in the reference table (counted under 其他)."""
    rows = [[m.get("major", ""), int(m.get("rows", 0))] for m in ingest.get("unmapped_majors", [])]
    return labelled_table(labels, "unmapped", ("major", "rows"), ["name", "int"], rows,
                          note=labels.t("notes.unmapped"))


def reconciliation(rec: pd.DataFrame, labels: Labels) -> Table:
    """Per source file: raw = clean + quarantined + superseded, skipped lines."""
    cols = list(RECONCILIATION)
    rows = [[r["source_file"], *[int(r[c]) for c in cols]] for _, r in rec.iterrows()]
    return labelled_table(labels, "reconciliation", ("source_file", *cols),
                          ["path"] + ["int"] * 5, rows,
                          total=[labels.t("col.total"), *[int(rec[c].sum()) for c in cols]])


def reconciliation_by_folder(rec: pd.DataFrame, labels: Labels) -> Table:
    """The reconciliation summed per monthly folder (the per-file table is in the annex)."""
    cols = list(RECONCILIATION)
    folder = rec["source_file"].astype(str).str.split("/", n=1).str[0]
    g = rec.assign(folder=folder).groupby("folder", sort=True)
    sums, files = g[cols].sum(), g.size()
    rows = [[k, int(files[k]), *[int(r[c]) for c in cols]] for k, r in sums.iterrows()]
    total = [labels.t("col.total"), len(rec), *[int(rec[c].sum()) for c in cols]]
    return labelled_table(labels, "reconciliation_by_folder", ("folder", "files", *cols),
                          ["code", "int"] + ["int"] * 5, rows, total=total,
                          note=labels.t("notes.reconciliation"))


def all_tables(data: Any, labels: Labels) -> list[Table]:
    """Every data-quality table (``data`` is a ``StageData``): the bulletin's and the
    annex's."""
    return [
        validation_summary(data.validation, labels),
        validation_failed(data.validation, labels),
        validation(data.validation, labels),
        quarantine_by_reason(data.quarantine, labels),
        quarantine_by_school(data.quarantine, labels),
        unreadable(data.ingest, labels),
        listed_entries(data.ingest, labels),
        unmapped(data.ingest, labels),
        reconciliation(data.reconciliation, labels),
        reconciliation_by_folder(data.reconciliation, labels),
    ]
