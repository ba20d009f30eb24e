"""The decision letters (告知书): ``schools/<school_id>/decision.html`` and ``.pdf``, one per
school, in the edition's language.

Each letter gives the school its decision and amount; each gate with its requirement, value,
result and distance in persons; the figures used (DESIGN §5 inputs) and the files they came
from, with their SHA-256; its records awaiting correction (masked IDs only) and whether
correcting all of them could change the decision, with the amount range; the 公示 period and
the 复核 route and deadline; a sign-off block dated the release date; and, on its first page,
the run ID and the hashes of the policy, the inputs and the published tables.

Everything comes from stage 04's files (``rewards_detail.csv`` and ``rewards_meta.json``, in a
:class:`~pipeline.render.inputs.StageData`); nothing is recomputed. The letter's date is the
release date of ``publication.yaml``, so reruns give identical bytes.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.catalog import relative_path
from pipeline.render import decision_tables as dt
from pipeline.render.documents import PdfMaker, _common, render, source_date_epoch
from pipeline.render.files import write_text
from pipeline.render.fonts import FontNotFound, find_cjk_font
from pipeline.render.formats import fmt_dec, fmt_g, fmt_int, fmt_pct
from pipeline.render.labels import Labels
from pipeline.render.reasons import distance_text
from pipeline.render.rewards_tables import BOUND_SIGN, policy_of
from pipeline.render.table import Table
from pipeline.rewards import COUNT_COLUMNS, GATE_BOUND, GATES

#: How each gate's value is computed from the inputs (numerator, denominator, "1 −").
GATE_BASIS = {"fulfilment": ("c", "quota", False), "data_quality": ("quarantined", "standing",
                                                                     True),
              "withdrawal": ("withdrawn", "c", False)}


def _decision(r: pd.Series, n: int, labels: Labels) -> str:
    """The decision in one sentence."""
    fields = {"score": fmt_dec(r["score"]), "rank": int(r["rank"]), "n": n}
    if bool(r["eligible"]):
        return labels.t("letter.eligible", amount=fmt_int(r["reward_yuan"]), **fields)
    failed = [labels.gate(g) for g in GATES if not bool(r[f"gate_{g}_pass"])]
    key = "letter.not_eligible" if len(failed) == 1 else "letter.not_eligible_many"
    return labels.t(key, gates=labels.t("letter.gate_sep").join(failed), **fields)


def _gates(r: pd.Series, labels: Labels) -> Table:
    """Each gate: requirement, value, how it is computed, result, distance in persons."""
    rows = []
    for g in GATES:
        num, den, one_minus = GATE_BASIS[g]
        basis = f"{fmt_int(r[num])} / {fmt_int(r[den])}"
        rows.append([
            labels.gate(g),
            f"{BOUND_SIGN[GATE_BOUND[g]]} {fmt_pct(r[f'gate_{g}_threshold'], 2)}",
            fmt_pct(r[f"gate_{g}_value"], 2), f"1 − {basis}" if one_minus else basis,
            labels.t("rw.pass") if bool(r[f"gate_{g}_pass"]) else labels.t("rw.fail"),
            distance_text(r, g, labels),
        ])
    cols = ("gate", "requirement", "value", "basis", "result", "distance")
    return Table("letter_gates", "", labels.headers("letter.col", cols), ["text"] * 6, rows,
                 note=labels.t("letter.gates_note"))


def _figures(r: pd.Series, labels: Labels) -> Table:
    """The DESIGN §5 inputs of the school, as one row."""
    return Table("letter_figures", "", labels.headers("rw.col", COUNT_COLUMNS),
                 ["int"] * len(COUNT_COLUMNS), [[int(r[c]) for c in COUNT_COLUMNS]])


def _components(r: pd.Series, policy: dict, labels: Labels) -> str:
    """Components and score, with the weights."""
    w = policy["weights"]
    return labels.t("letter.components", speed=fmt_dec(r["speed"]),
                    expansion=fmt_dec(r["expansion"]), quality=fmt_dec(r["quality"]),
                    score=fmt_dec(r["score"]), ws=fmt_g(w["speed"]), we=fmt_g(w["expansion"]),
                    wq=fmt_g(w["quality"]))


def _files(files: list[dict], labels: Labels) -> Table:
    """The files the school's figures come from, with their SHA-256."""
    cols = ("source_file", "counted", "standing", "quarantined", "sha256")
    rows = [[f["source_file"], int(f["counted"]), int(f["standing"]), int(f["quarantined"]),
             f["sha256"]] for f in files]
    return Table("letter_files", "", labels.headers("letter.col", cols),
                 ["text", "int", "int", "int", "text"], rows)


def _pending(r: pd.Series, pending: dict, labels: Labels) -> dict[str, Any]:
    """The pending rows: how many, by reason, the first rows, and whether correcting all of
    them could change the decision (with the amount range)."""
    n = int(pending.get("count", 0))
    if n == 0:
        return {"text": [labels.t("letter.pending_none")], "rows": None, "conclusion": ""}
    reasons = labels.t("letter.pending_sep").join(
        labels.t("letter.pending_reason", text=labels.reason(code), code=code, n=fmt_int(k))
        for code, k in pending.get("by_reason", {}).items())
    listed = pending.get("rows", [])
    text = [labels.t("letter.pending_count", n=fmt_int(n), reasons=reasons)]
    if len(listed) < n:
        text.append(labels.t("letter.pending_listed", shown=len(listed), n=fmt_int(n)))
    cols = ("source_file", "sheet", "source_row", "id_masked", "reasons")
    rows = [[str(x.get(c) or "") if c != "source_row" else x.get(c) for c in cols]
            for x in listed]
    key = "could_change" if bool(r["pending_could_change"]) else (
        "stays_eligible" if bool(r["eligible"]) else "stays_ineligible")
    low, high = sorted((int(r["reward_yuan"]), int(r["yuan_best_case"])))
    return {"text": text, "conclusion": labels.t(f"letter.{key}", low=fmt_int(low),
                                                 high=fmt_int(high)),
            "rows": Table("letter_pending", "", labels.headers("letter.col", cols),
                          ["text", "text", "int", "text", "text"], rows)}


def _notice(notice: dict, labels: Labels) -> dict[str, Any]:
    """The 公示 and 复核 sentences and the sign-off block."""
    en = labels.lang == "en"
    return {
        "notice": [
            labels.t("letter.notice", start=labels.date(notice["released"]),
                     days=notice["notice_days"], end=labels.date(notice["notice_ends"])),
            labels.t("letter.review", deadline=labels.date(notice["review_deadline"]),
                     route=notice["review_route_en" if en else "review_route"]),
            labels.t("letter.contact", contact=notice["contact"]),
        ],
        "issuing_unit": notice["issuing_unit_en" if en else "issuing_unit"],
        "date": labels.date(notice["released"]),
        "signoff": labels.t("letter.signoff", compiled=notice["compiled_by"],
                            reviewed=notice["reviewed_by"], approved=notice["approved_by"]),
    }


def letter_html(r: pd.Series, data: Any, labels: Labels) -> str:
    """One school's letter as HTML (``r``: its row of the rewards detail)."""
    meta, sid = data.rewards_meta, str(r["school_id"])
    notice, summary = meta["notice"], data.summary
    title = labels.t("letter.title", period=summary.get("period", ""))
    ctx = _common(summary, labels, notice["released"], title) | {
        "addressee": labels.t("letter.addressee", school=r["school_name"], school_id=sid),
        "opening": labels.t("letter.opening", policy_title=notice["policy_title"],
                            citation=notice["policy_citation"], as_of=summary.get("as_of", ""),
                            period=summary.get("period", "")),
        "eligible": bool(r["eligible"]),
        "decision": _decision(r, len(data.rewards), labels),
        "gates": _gates(r, labels),
        "figures_intro": labels.t("letter.figures_intro", as_of=summary.get("as_of", "")),
        "figures": _figures(r, labels),
        "components": _components(r, policy_of(meta), labels),
        "files": _files(meta.get("files_by_school", {}).get(sid, []), labels),
        "pending": _pending(r, meta.get("pending_by_school", {}).get(sid, {}), labels),
        "repro": dt.repro_items(meta, labels),
    } | _notice(notice, labels)
    return render("letter.html.j2", ctx)


def write_letters(data: Any, out_dir: Path, *, lang: str = "zh-CN",
                  font: Path | None = None) -> list[Path]:
    """Write every school's letter (HTML and PDF) under ``out_dir`` (the period's reports
    folder) at the catalogue's ``decision_html``/``decision_pdf`` paths; their paths.
    ``data`` is a :class:`~pipeline.render.inputs.StageData`."""
    labels = Labels.for_data(data, lang)
    font = Path(font) if font is not None else find_cjk_font()
    if not font.is_file():
        raise FontNotFound(f"font file {font} does not exist")
    released = data.rewards_meta["notice"]["released"]
    written = []
    with source_date_epoch(released), PdfMaker(font) as maker:
        for _, r in data.rewards.sort_values("school_id", kind="stable").iterrows():
            html = letter_html(r, data, labels)
            sid = str(r["school_id"])
            html_path = Path(out_dir) / relative_path("decision_html", sid)
            pdf_path = Path(out_dir) / relative_path("decision_pdf", sid)
            write_text(html_path, html)
            maker.write(html, pdf_path, Path(out_dir))
            written += [html_path, pdf_path]
    return written


@contextlib.contextmanager
def letters_beside(data: Any, out_dir: Path, *, lang: str = "zh-CN",
                   font: Path | None = None) -> Iterator[None]:
    """:func:`write_letters` in a second Python process while the ``with`` block runs (the
    block lays out the bulletin and the report on the other core); on leaving, waits for the
    letters and raises their error, if any. A plain child process (``python -m
    pipeline.render.letters_job``), not multiprocessing: that would run the caller's script
    again in the child when the script has no ``__main__`` guard. On a one-core machine the
    letters are written first, in this process. The bytes are the same either way."""
    if (os.cpu_count() or 1) < 2:
        write_letters(data, out_dir, lang=lang, font=font)
        yield
        return
    with tempfile.TemporaryDirectory(prefix="kuozhao-letters-") as tmp:
        job = Path(tmp) / "job.pickle"
        job.write_bytes(pickle.dumps((data, Path(out_dir), lang, font)))
        log = Path(tmp) / "stderr.txt"  # a file, not a pipe: a full pipe would stall the child
        with log.open("wb") as stderr:
            child = subprocess.Popen(
                [sys.executable, "-m", "pipeline.render.letters_job", str(job)],
                stdout=subprocess.DEVNULL, stderr=stderr)
            try:
                yield
            finally:
                child.wait()  # the block's error, if any, is raised after this
        failure = job.with_suffix(".error")
        if failure.is_file():
            raise pickle.loads(failure.read_bytes())
        if child.returncode:
            last = log.read_text("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
            raise RuntimeError(f"the decision letters' process ended with code "
                               f"{child.returncode}: {last[0]}")
