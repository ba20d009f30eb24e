"""Stage 05: the bulletin, the evaluator report and the Excel annex.

``render_all(out_dir, lang)`` reads the files the earlier stages wrote into one period's output
folder and writes ``bulletin.html``/``.pdf``, ``rewards.html``/``.pdf`` and ``tables.xlsx``.

- HTML comes from Jinja2 templates (``pipeline/templates``, autoescape on), is self-contained
  (CSS inline, charts as base64 PNG ``data:`` URIs, no script, no URL of any kind) and carries
  ``<html lang="zh-CN">`` or ``lang="en"``.
- The PDF is the same HTML through WeasyPrint, with one extra stylesheet that embeds the CJK
  font from its file (``@font-face`` with a ``file://`` URL) and a URL fetcher that only
  allows ``data:`` and ``file:``. The document date is fixed (``created``) and
  ``SOURCE_DATE_EPOCH`` is set while rendering, so reruns give identical bytes.
- Published tables go through :mod:`pipeline.disclosure` (small cells of sensitive groups).
- Every label comes from :mod:`pipeline.messages`.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import math
import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import disclosure, messages
from pipeline.errors import InputError
from pipeline.io import fixed_workbook, inert, reproducible_xlsx
from pipeline.rewards import COUNT_COLUMNS, MEASURE_COLUMNS

TEMPLATES_DIR = Path(__file__).parent / "templates"
CHART_DPI = 150
CHART_WIDTH_IN = 6.6  # shown 16.8 cm wide in CSS: ~150 dpi on paper

REQUIRED_FILES = (
    "summary.json",
    "fulfilment_by_school.csv",
    "breakdowns.csv",
    "series.csv",
    "revisions.csv",
    "rewards_detail.csv",
    "rewards_meta.json",
    "validation.json",
    "quarantine.csv",
    "reconciliation.csv",
    "ingest_report.json",
)
OPTIONAL_FILES = ("disabled_by_school.csv",)

TEXT_COLUMNS = {
    "school_id",
    "school_name",
    "school_type",
    "district",
    "dimension",
    "category",
    "month",
    "as_of",
    "source_file",
    "reasons",
    "id_masked",
    "failed_gates",
    "reason",
}
GATES = ("fulfilment", "data_quality", "withdrawal")
GATE_OPS = {"fulfilment": "≥", "data_quality": "≥", "withdrawal": "≤"}
COMPONENTS = ("speed", "expansion", "quality")
FONT_CANDIDATES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Serif CJK SC",
)


class FontNotFound(InputError):
    """No font that can draw Simplified Chinese is installed."""


# --------------------------------------------------------------------------- fonts


def _fc(args: Sequence[str]) -> str:
    """Run a fontconfig tool; empty output when it is missing or fails."""
    exe = shutil.which(args[0])
    if exe is None:
        return ""
    try:
        done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [exe, *args[1:]], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout if done.returncode == 0 else ""


def _match_font(pattern: str) -> tuple[Path, str] | None:
    """``fc-match`` a pattern; the file and family when the match really covers Chinese."""
    out = _fc(["fc-match", "-f", "%{file}\t%{family}\t%{lang}\n", pattern]).strip()
    if not out:
        return None
    file, family, langs = (out.split("\t") + ["", "", ""])[:3]
    if not file or not Path(file).is_file() or "zh-cn" not in langs.split("|"):
        return None
    return Path(file), family


def find_cjk_font() -> Path:
    """Locate an installed font that draws Simplified Chinese (Noto Sans CJK SC first).

    Uses ``fc-match`` for the preferred families, then ``fc-list :lang=zh-cn``. Raises
    :class:`FontNotFound` (an ``InputError``) with one line on how to install one.
    """
    for name in FONT_CANDIDATES:
        hit = _match_font(f"{name}:lang=zh-cn")
        if hit and name.split()[0].lower() in hit[1].lower():
            return hit[0]
    listing = _fc(["fc-list", ":lang=zh-cn", "file"]).splitlines()
    files = sorted({line.split(":")[0].strip() for line in listing if line.strip()})
    files = [f for f in files if Path(f).is_file()]
    if files:
        sans = [f for f in files if "sans" in f.lower() or "hei" in f.lower()]
        return Path((sans or files)[0])
    raise FontNotFound(
        "no Simplified-Chinese font found (fc-list :lang=zh-cn is empty): install "
        "fonts-noto-cjk (Debian/Ubuntu: apt-get install -y fonts-noto-cjk) or pass font_path"
    )


def _bold_font(regular: Path) -> Path | None:
    """The bold file of the same family, if installed (Noto ships ``…-Bold.ttc``)."""
    for old in ("-Regular", "Regular", "-Medium"):
        if old in regular.name:
            cand = regular.with_name(
                regular.name.replace(old, old.replace("Regular", "Bold").replace("Medium", "Bold"))
            )
            if cand.is_file() and cand != regular:
                return cand
    return None


def _sc_face_name(font: Path) -> str:
    """The matplotlib family name of the Simplified-Chinese face of a font file (or .ttc)."""
    from matplotlib import font_manager

    if not any(Path(e.fname) == font for e in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(str(font))
    names = [e.name for e in font_manager.fontManager.ttflist if Path(e.fname) == font]
    for key in (" SC", "SC", "GB", "Hei", ""):
        for name in names:
            if key in name and "Mono" not in name:
                return name
    return names[0] if names else "sans-serif"


# --------------------------------------------------------------------------- loading


@dataclass
class StageData:
    """Everything stage 05 reads from a period's output folder."""

    summary: dict
    schools: pd.DataFrame
    breakdowns: pd.DataFrame
    series: pd.DataFrame
    revisions: pd.DataFrame
    rewards: pd.DataFrame
    rewards_meta: dict
    validation: dict
    quarantine: pd.DataFrame
    reconciliation: pd.DataFrame
    ingest: dict
    disabled_by_school: pd.DataFrame | None = None
    names: dict[str, str] = field(default_factory=dict)


def read_stage_csv(path: Path) -> pd.DataFrame:
    """A stage CSV with text columns kept as text (empty, not NaN) and the rest inferred."""
    head = pd.read_csv(path, nrows=0, encoding="utf-8-sig")
    text = {c: str for c in head.columns if c in TEXT_COLUMNS}
    df = pd.read_csv(path, dtype=text, keep_default_na=False, na_values={}, encoding="utf-8-sig")
    for col in df.columns:
        if col in text:
            continue
        if df[col].dtype == object or str(df[col].dtype) == "str":
            low = df[col].astype(str).str.lower()
            if low.isin({"true", "false"}).all() and len(df):
                df[col] = low.eq("true")
            else:
                df[col] = pd.to_numeric(df[col], errors="coerce")
    return df


def load_stage_files(out_dir: Path) -> StageData:
    """Read the stage files of one period; InputError naming any that is missing or broken."""
    out_dir = Path(out_dir)
    missing = [n for n in REQUIRED_FILES if not (out_dir / n).is_file()]
    if missing:
        raise InputError(f"{out_dir}: missing stage files {', '.join(missing)}")

    def js(name: str) -> dict:
        try:
            return json.loads((out_dir / name).read_text(encoding="utf-8-sig"))
        except (OSError, ValueError) as exc:
            raise InputError(f"{out_dir / name}: not readable JSON ({exc})") from exc

    def csv(name: str) -> pd.DataFrame:
        try:
            return read_stage_csv(out_dir / name)
        except (OSError, ValueError) as exc:
            raise InputError(f"{out_dir / name}: not a readable CSV ({exc})") from exc

    schools = csv("fulfilment_by_school.csv").sort_values("school_id", kind="stable")
    disabled = (
        csv("disabled_by_school.csv") if (out_dir / "disabled_by_school.csv").is_file() else None
    )
    return StageData(
        summary=js("summary.json"),
        schools=schools.reset_index(drop=True),
        breakdowns=csv("breakdowns.csv"),
        series=csv("series.csv"),
        revisions=csv("revisions.csv"),
        rewards=csv("rewards_detail.csv"),
        rewards_meta=js("rewards_meta.json"),
        validation=js("validation.json"),
        quarantine=csv("quarantine.csv"),
        reconciliation=csv("reconciliation.csv"),
        ingest=js("ingest_report.json"),
        disabled_by_school=disabled,
        names=dict(zip(schools["school_id"], schools["school_name"], strict=True)),
    )


# --------------------------------------------------------------------------- formatting


def fmt_int(val: object) -> str:
    """Whole number with thousands separators; text (e.g. ``<5``) passes through."""
    if isinstance(val, str):
        return val
    if val is None or (isinstance(val, float) and math.isnan(val)):
        return ""
    return f"{round(float(val)):,}"


def fmt_signed(val: object) -> str:
    """Whole number with an explicit sign (``+175``, ``−12``, ``0``)."""
    if val is None or (isinstance(val, float) and math.isnan(val)):
        return ""
    n = round(float(val))
    return f"+{n:,}" if n > 0 else (f"−{abs(n):,}" if n < 0 else "0")


def fmt_pct(val: object, digits: int = 1) -> str:
    """A rate (0.8124) as a percentage (``81.2%``)."""
    if isinstance(val, str):
        return val
    if val is None or (isinstance(val, float) and math.isnan(val)):
        return ""
    return f"{float(val) * 100:.{digits}f}%"


def fmt_dec(val: object, digits: int = 4) -> str:
    """A decimal with fixed digits."""
    if val is None or (isinstance(val, float) and math.isnan(val)):
        return ""
    return f"{float(val):.{digits}f}"


def fmt_yuan(val: object) -> str:
    """Whole yuan with separators."""
    return fmt_int(val)


# --------------------------------------------------------------------------- tables


@dataclass
class Table:
    """A published table: headers, rows of cells (numbers or text), an optional total row.

    ``kinds`` says per column how a cell is formatted in HTML (``text``, ``int``, ``pct``,
    ``dec``, ``signed``); the xlsx annex writes the raw numbers.
    """

    key: str
    title: str
    headers: list[str]
    kinds: list[str]
    rows: list[list[Any]]
    total: list[Any] | None = None
    note: str = ""
    sheet: str = ""

    def cell(self, val: Any, kind: str) -> str:
        """One cell as HTML text (escaped later by Jinja2)."""
        if isinstance(val, str) or val is None:
            return "" if val is None else val
        if isinstance(val, bool):
            return "✓" if val else "✗"
        return {
            "int": fmt_int,
            "pct": fmt_pct,
            "dec": fmt_dec,
            "signed": fmt_signed,
            "dec2": partial(fmt_dec, digits=2),
        }.get(kind, str)(val)

    def formatted(self) -> list[list[str]]:
        """All body rows as display strings."""
        return [[self.cell(v, k) for v, k in zip(r, self.kinds, strict=True)] for r in self.rows]

    def formatted_total(self) -> list[str] | None:
        """The total row as display strings."""
        if self.total is None:
            return None
        return [self.cell(v, k) for v, k in zip(self.total, self.kinds, strict=True)]


def _num(val: Any) -> float | None:
    """A number from a cell, None for empty/NaN/None."""
    if val is None or val == "":
        return None
    try:
        x = float(val)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def _int(val: Any) -> int | None:
    """A whole number from a cell (rounded), None for empty/NaN/None."""
    x = _num(val)
    return None if x is None else round(x)


def _rate(num: float, den: float) -> float:
    """A ratio whose zero denominator gives 0."""
    return float(num) / float(den) if den else 0.0


class Builder:
    """Builds the bulletin's and the report's tables in one language."""

    def __init__(self, data: StageData, lang: str, sensitive: Sequence[str], threshold: int):
        self.d = data
        self.lang = lang
        self.sensitive = tuple(sensitive)
        self.threshold = int(threshold)

    def t(self, key: str, **fields: object) -> str:
        """Message in this edition's language."""
        return messages.t(key, self.lang, **fields)

    def v(self, val: object) -> str:
        """Data value in this edition's language."""
        return messages.value(val, self.lang)

    def school(self, sid: str) -> str:
        """School name by id (the unknown-school label for an empty id)."""
        if not sid:
            return self.t("dq.unknown_school")
        return self.d.names.get(sid, sid)

    # ---- headline
    def headline(self) -> Table:
        """Key figures of the period."""
        s = self.d.summary
        proj = s.get("projection") or {}
        rows: list[list[Any]] = [
            [self.t("headline.target"), s.get("target")],
            [self.t("headline.counted"), s.get("counted")],
            [self.t("headline.rate"), fmt_pct(s.get("fulfilment_rate"))],
            [self.t("headline.admitted"), s.get("admitted")],
            [self.t("headline.registered"), s.get("registered")],
            [self.t("headline.gap"), max(0, int(s.get("target", 0)) - int(s.get("counted", 0)))],
            [
                self.t("headline.previous", period=s.get("previous_period") or "—"),
                s.get("previous_counted") if s.get("previous_counted") is not None else "—",
            ],
            [self.t("headline.change"), fmt_signed(s.get("change_since_last_month"))],
        ]
        if proj:
            rows += [
                [self.t("headline.pace"), f"{float(proj.get('monthly_pace', 0)):,.1f}"],
                [
                    self.t("headline.projected", deadline=proj.get("deadline", "")),
                    proj.get("projected_counted"),
                ],
                [self.t("headline.projected_rate"), fmt_pct(proj.get("projected_rate"))],
            ]
        return Table(
            "headline",
            self.t("tables.headline"),
            [self.t("col.item"), self.t("col.value")],
            ["text", "int"],
            rows,
            sheet=self.t("sheets.headline"),
        )

    # ---- fulfilment
    def by_school(self) -> Table:
        """Per-school fulfilment with a total row."""
        df = self.d.schools
        cols = ["quota", "admitted", "registered", "counted", "autumn_2019", "spring_2020"]
        rows = [
            [
                r.school_id,
                r.school_name,
                self.v(r.school_type),
                self.v(r.district),
                *[int(getattr(r, c)) for c in cols[:4]],
                _rate(r.counted, r.quota),
                int(r.autumn_2019),
                int(r.spring_2020),
            ]
            for r in df.itertuples(index=False)
        ]
        sums = [int(df[c].sum()) for c in cols]
        total = [self.t("col.total"), "", "", "", *sums[:4], _rate(sums[3], sums[0]), *sums[4:]]
        return Table(
            "by_school",
            self.t("tables.by_school"),
            [
                self.t(f"col.{c}")
                for c in (
                    "school_id",
                    "school_name",
                    "school_type",
                    "district",
                    "quota",
                    "admitted",
                    "registered",
                    "counted",
                    "fulfilment_rate",
                    "autumn_2019",
                    "spring_2020",
                )
            ],
            ["text"] * 4 + ["int"] * 4 + ["pct", "int", "int"],
            rows,
            total,
            sheet=self.t("sheets.by_school"),
        )

    def by_group(self, column: str) -> Table:
        """Fulfilment per school type or district (from the per-school table)."""
        df = self.d.schools
        cols = ["quota", "admitted", "registered", "counted", "autumn_2019", "spring_2020"]
        g = df.groupby(column, sort=True)[cols].sum()
        n = df.groupby(column, sort=True).size()
        rows = [
            [
                self.v(k),
                int(n[k]),
                *[int(r[c]) for c in cols[:4]],
                _rate(r["counted"], r["quota"]),
                int(r["autumn_2019"]),
                int(r["spring_2020"]),
            ]
            for k, r in g.iterrows()
        ]
        sums = [int(df[c].sum()) for c in cols]
        total = [self.t("col.total"), len(df), *sums[:4], _rate(sums[3], sums[0]), *sums[4:]]
        return Table(
            f"by_{column}",
            self.t(f"tables.by_{column}"),
            [self.t(f"col.{column}"), self.t("col.schools")]
            + [
                self.t(f"col.{c}")
                for c in (
                    "quota",
                    "admitted",
                    "registered",
                    "counted",
                    "fulfilment_rate",
                    "autumn_2019",
                    "spring_2020",
                )
            ],
            ["text", "int", "int", "int", "int", "int", "pct", "int", "int"],
            rows,
            total,
            sheet=self.t(f"sheets.by_{column}"),
        )

    def breakdowns(self) -> Table:
        """Composition by every breakdown dimension, small sensitive cells suppressed."""
        df = self.d.breakdowns
        counted_total = int(self.d.summary.get("counted", 0))
        rows: list[list[Any]] = []
        df = df[~df["dimension"].isin(["school_type", "district"])]  # tables 3 and 4
        for dim, part in df.groupby("dimension", sort=False):
            cells = {c: [int(x) for x in part[c]] for c in ("admitted", "registered", "counted")}
            shown = {c: list(cells[c]) for c in cells}
            share_hidden = [False] * len(part)
            if dim in self.sensitive:
                for c in cells:
                    prot = disclosure.protect_column(
                        cells[c], list(part["category"]), self.threshold
                    )
                    shown[c] = [
                        disclosure.display(v, s, self.threshold)
                        for v, s in zip(cells[c], prot.status, strict=True)
                    ]
                    if c == "counted":
                        share_hidden = list(prot.hidden)
            for i, cat in enumerate(part["category"]):
                share = "×" if share_hidden[i] else _rate(cells["counted"][i], counted_total)
                rows.append(
                    [
                        self.t_dim(dim),
                        self.v(cat),
                        shown["admitted"][i],
                        shown["registered"][i],
                        shown["counted"][i],
                        share,
                    ]
                )
        return Table(
            "breakdowns",
            self.t("tables.breakdowns"),
            [
                self.t("col.dimension"),
                self.t("col.category"),
                self.t("col.admitted"),
                self.t("col.registered"),
                self.t("col.counted"),
                self.t("col.share"),
            ],
            ["text", "text", "int", "int", "int", "pct"],
            rows,
            note=self.t("notes.suppression", threshold=self.threshold, max=self.threshold - 1),
            sheet=self.t("sheets.breakdowns"),
        )

    def t_dim(self, dim: str) -> str:
        """Label of a breakdown dimension."""
        key = f"dims.{dim}"
        return self.t(key) if messages.has(key, self.lang) else dim

    def disabled_by_school(self) -> Table | None:
        """Disabled people counted per school, small cells suppressed with complements."""
        df = self.d.disabled_by_school
        if df is None or "disabled" not in self.sensitive:
            return None
        df = df.sort_values("school_id", kind="stable")
        counts = [int(x) for x in df["disabled_counted"]]
        total = sum(counts)
        # The city-wide total is published in the breakdown unless it is itself small.
        total_published = not disclosure.is_small(total, self.threshold)
        prot = disclosure.protect_group(counts, self.threshold, total_published=total_published)
        rows = [
            [
                r.school_id,
                r.school_name,
                disclosure.display(c, s, self.threshold),
                int(r.total_counted),
            ]
            for r, c, s in zip(df.itertuples(index=False), counts, prot.status, strict=True)
        ]
        shown_total: Any = total
        if prot.total_hidden or not total_published:
            shown_total = disclosure.display(
                total,
                disclosure.PRIMARY
                if disclosure.is_small(total, self.threshold)
                else disclosure.SECONDARY,
                self.threshold,
            )
        tot = [self.t("col.total"), "", shown_total, int(df["total_counted"].sum())]
        return Table(
            "disabled_by_school",
            self.t("tables.disabled_by_school"),
            [
                self.t("col.school_id"),
                self.t("col.school_name"),
                self.t("col.disabled_counted"),
                self.t("col.counted"),
            ],
            ["text", "text", "int", "int"],
            rows,
            tot,
            note=self.t("notes.suppression", threshold=self.threshold, max=self.threshold - 1),
            sheet=self.t("sheets.disabled_by_school"),
        )

    def series(self) -> Table:
        """The monthly series against the trajectory."""
        rows = [
            [
                r.month,
                _int(r.counted),
                _num(r.target_trajectory),
                _num(r.gap),
                _int(r.change),
                _num(r.fulfilment_rate),
            ]
            for r in self.d.series.itertuples(index=False)
        ]
        return Table(
            "series",
            self.t("tables.series"),
            [
                self.t(f"col.{c}")
                for c in (
                    "month",
                    "counted",
                    "target_trajectory",
                    "gap",
                    "change",
                    "fulfilment_rate",
                )
            ],
            ["text", "int", "int", "signed", "signed", "pct"],
            rows,
            sheet=self.t("sheets.series"),
        )

    def revisions(self) -> Table:
        """Revisions to earlier months."""
        rows = [
            [r.month, _int(r.first_published), _int(r.current), _int(r.revision)]
            for r in self.d.revisions.itertuples(index=False)
        ]
        return Table(
            "revisions",
            self.t("tables.revisions"),
            [self.t(f"col.{c}") for c in ("month", "first_published", "current", "revision")],
            ["text", "int", "int", "signed"],
            rows,
            note=self.t("notes.revisions"),
            sheet=self.t("sheets.revisions"),
        )

    # ---- data quality
    def _check_rows(self, results: Sequence[dict]) -> list[list[Any]]:
        """Rows of expectation results: suite, school, check, severity, result, counts."""
        sev_order = {"critical": 0, "warning": 1, "info": 2}
        ordered = sorted(
            results,
            key=lambda r: (bool(r.get("success")), sev_order.get(r.get("severity"), 3)),
        )
        rows = []
        for r in ordered:
            desc = r.get("description_en") if self.lang == "en" else r.get("description")
            if not desc:
                col = r.get("column")
                desc = f"{r.get('expectation', '')}({col})" if col else r.get("expectation", "")
            sev = str(r.get("severity", ""))
            pct = r.get("unexpected_percent")
            rows.append(
                [
                    self.v_suite(r.get("suite", "")),
                    r.get("school_id") or "",
                    desc,
                    self.t(f"severity.{sev}")
                    if messages.has(f"severity.{sev}", self.lang)
                    else sev,
                    self.t("dq.pass") if r.get("success") else self.t("dq.fail"),
                    _int(r.get("element_count")),
                    _int(r.get("unexpected_count")),
                    None if _num(pct) is None else float(pct) / 100.0,
                ]
            )
        return rows

    def validation(self) -> Table:
        """Every Great Expectations result, failures first (the annex; the bulletin shows the
        failures and a summary per suite)."""
        return Table(
            "validation",
            self.t("tables.validation"),
            [
                self.t(f"col.{c}")
                for c in (
                    "suite",
                    "school_id",
                    "check",
                    "severity",
                    "result",
                    "elements",
                    "unexpected",
                    "unexpected_share",
                )
            ],
            ["text", "text", "text", "text", "text", "int", "int", "pct"],
            self._check_rows(self.d.validation.get("results", [])),
            sheet=self.t("sheets.validation"),
        )

    def validation_failed(self) -> Table:
        """The checks that failed, most severe first."""
        tab = self.validation()
        failed = [r for r in self.d.validation.get("results", []) if not r.get("success")]
        return Table(
            "validation_failed",
            self.t("tables.validation_failed"),
            tab.headers,
            tab.kinds,
            self._check_rows(failed),
            note=self.t("notes.validation"),
        )

    def validation_summary(self) -> Table:
        """Checks per suite: how many, passed, failed by severity."""
        res = self.d.validation.get("results", [])
        suites: dict[str, list[dict]] = {}
        for r in res:
            suites.setdefault(str(r.get("suite", "")), []).append(r)

        def counts(rs: list[dict]) -> list[int]:
            failed = [r for r in rs if not r.get("success")]
            return [len(rs), len(rs) - len(failed)] + [
                sum(1 for r in failed if r.get("severity") == sev)
                for sev in ("critical", "warning", "info")
            ]

        rows = [[self.v_suite(k), *counts(v)] for k, v in suites.items()]
        return Table(
            "validation_summary",
            self.t("tables.validation_summary"),
            [
                self.t(f"col.{c}")
                for c in (
                    "suite",
                    "checks",
                    "passed",
                    "failed_critical",
                    "failed_warning",
                    "failed_info",
                )
            ],
            ["text", "int", "int", "int", "int", "int"],
            rows,
            [self.t("col.total"), *counts(res)],
            sheet=self.t("sheets.validation_summary"),
        )

    def v_suite(self, suite: str) -> str:
        """Label of an expectation suite."""
        key = f"suites.{suite}"
        return self.t(key) if messages.has(key, self.lang) else suite

    def validation_status(self) -> dict[str, Any]:
        """One-line status of the data checks (severity-aware) and counts per severity."""
        val = self.d.validation
        res = val.get("results", [])
        failed = {
            s: sum(1 for r in res if not r.get("success") and r.get("severity") == s)
            for s in ("critical", "warning", "info")
        }
        worst = val.get("max_severity_failure")
        key = f"dq.status_{worst}" if worst in ("critical", "warning", "info") else "dq.status_ok"
        return {
            "text": self.t(
                key, total=len(res), passed=sum(1 for r in res if r.get("success")), **failed
            ),
            "level": worst or "ok",
        }

    def quarantine_by_reason(self) -> Table:
        """Quarantined rows per reason code (a row with two reasons counts under both)."""
        counts: dict[str, int] = {}
        for reasons in self.d.quarantine["reasons"]:
            for code in filter(None, (c.strip() for c in str(reasons).split(";"))):
                counts[code] = counts.get(code, 0) + 1
        total_rows = len(self.d.quarantine)
        rows = [
            [code, self.reason_label(code), n, _rate(n, total_rows)]
            for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        return Table(
            "quarantine_by_reason",
            self.t("tables.quarantine_by_reason"),
            [
                self.t("col.reason_code"),
                self.t("col.reason_text"),
                self.t("col.rows"),
                self.t("col.share_of_quarantined"),
            ],
            ["text", "text", "int", "pct"],
            rows,
            note=self.t("notes.multi_reason"),
            sheet=self.t("sheets.quarantine_by_reason"),
        )

    def reason_label(self, code: str) -> str:
        """Plain-language text of a reason code."""
        key = f"reasons.{code}"
        return self.t(key) if messages.has(key, self.lang) else code

    def quarantine_by_school(self) -> Table:
        """Quarantined rows per school, with the most frequent reason."""
        q = self.d.quarantine
        rows = []
        for sid, part in q.groupby("school_id", sort=True):
            codes = [c for rs in part["reasons"] for c in str(rs).split(";") if c]
            top = max(sorted(set(codes)), key=codes.count) if codes else ""
            rows.append([sid or "—", self.school(sid), len(part), self.reason_label(top)])
        return Table(
            "quarantine_by_school",
            self.t("tables.quarantine_by_school"),
            [
                self.t("col.school_id"),
                self.t("col.school_name"),
                self.t("col.rows"),
                self.t("col.top_reason"),
            ],
            ["text", "text", "int", "text"],
            rows,
            [self.t("col.total"), "", len(q), ""],
            sheet=self.t("sheets.quarantine_by_school"),
        )

    def unreadable(self) -> Table:
        """Files that could not be read."""
        rows = [
            [f.get("source_file", ""), f.get("problem", "")]
            for f in self.d.ingest.get("unreadable_files", [])
        ]
        return Table(
            "unreadable",
            self.t("tables.unreadable"),
            [self.t("col.source_file"), self.t("col.problem")],
            ["text", "text"],
            rows,
            sheet=self.t("sheets.unreadable"),
        )

    def unmapped(self) -> Table:
        """Majors not in the reference table (counted under 其他)."""
        rows = [
            [m.get("major", ""), int(m.get("rows", 0))]
            for m in self.d.ingest.get("unmapped_majors", [])
        ]
        return Table(
            "unmapped",
            self.t("tables.unmapped"),
            [self.t("col.major"), self.t("col.rows")],
            ["text", "int"],
            rows,
            note=self.t("notes.unmapped"),
            sheet=self.t("sheets.unmapped"),
        )

    def reconciliation(self) -> Table:
        """Per source file: raw = clean + quarantined + superseded, skipped lines."""
        cols = ["raw_rows", "clean_rows", "quarantined_rows", "superseded_rows", "skipped_lines"]
        rec = self.d.reconciliation
        rows = [
            [r.source_file, *[int(getattr(r, c)) for c in cols]]
            for r in rec.itertuples(index=False)
        ]
        total = [self.t("col.total"), *[int(rec[c].sum()) for c in cols]]
        return Table(
            "reconciliation",
            self.t("tables.reconciliation"),
            [self.t("col.source_file")] + [self.t(f"col.{c}") for c in cols],
            ["text"] + ["int"] * 5,
            rows,
            total,
            sheet=self.t("sheets.reconciliation"),
        )

    def reconciliation_by_folder(self) -> Table:
        """The reconciliation summed per monthly folder (the per-file table is in the annex)."""
        cols = ["raw_rows", "clean_rows", "quarantined_rows", "superseded_rows", "skipped_lines"]
        rec = self.d.reconciliation
        folder = rec["source_file"].astype(str).str.split("/", n=1).str[0]
        g = rec.assign(folder=folder).groupby("folder", sort=True)
        sums = g[cols].sum()
        files = g.size()
        rows = [[k, int(files[k]), *[int(r[c]) for c in cols]] for k, r in sums.iterrows()]
        total = [self.t("col.total"), len(rec), *[int(rec[c].sum()) for c in cols]]
        return Table(
            "reconciliation_by_folder",
            self.t("tables.reconciliation_by_folder"),
            [self.t("col.folder"), self.t("col.files")] + [self.t(f"col.{c}") for c in cols],
            ["text", "int"] + ["int"] * 5,
            rows,
            total,
            note=self.t("notes.reconciliation"),
        )

    def bulletin_tables(self) -> list[Table]:
        """Every table of the bulletin, in the annex's sheet order."""
        tabs = [
            self.headline(),
            self.by_school(),
            self.by_group("school_type"),
            self.by_group("district"),
            self.breakdowns(),
        ]
        dis = self.disabled_by_school()
        if dis is not None:
            tabs.append(dis)
        tabs += [
            self.series(),
            self.revisions(),
            self.validation_summary(),
            self.validation(),
            self.quarantine_by_reason(),
            self.quarantine_by_school(),
            self.unreadable(),
            self.unmapped(),
            self.reconciliation(),
        ]
        return tabs


# --------------------------------------------------------------------------- charts


@contextlib.contextmanager
def _mpl(font: Path) -> Iterator[Any]:
    """A figure factory drawing with the CJK face, settings restored afterwards.

    Figures are made with ``matplotlib.figure.Figure`` and saved through the Agg canvas, not
    through ``pyplot``: no global backend switch, no figure registry (a notebook kernel that
    calls this keeps its own backend).
    """
    import matplotlib
    from matplotlib.figure import Figure

    class _Factory:
        """The one ``pyplot`` function the charts use."""

        @staticmethod
        def subplots(figsize: tuple[float, float]) -> tuple[Any, Any]:
            fig = Figure(figsize=figsize)
            return fig, fig.add_subplot()

    family = _sc_face_name(font)
    rc = {
        "font.family": [family],
        "font.size": 8.5,
        "axes.unicode_minus": False,
        "svg.hashsalt": "kuozhao",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.color": "#dddddd",
        "grid.linewidth": 0.6,
    }
    with matplotlib.rc_context(rc):
        yield _Factory()


def _png(fig: Any) -> str:
    """A figure as a deterministic PNG ``data:`` URI (Agg canvas, no software stamp)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(
        buf,
        format="png",
        dpi=CHART_DPI,
        metadata={"Software": None},
        bbox_inches="tight",
        pad_inches=0.08,
    )
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


PALETTE = ("#1f4e79", "#c0504d", "#9bbb59", "#8064a2", "#4bacc6", "#f79646", "#7f7f7f")


def chart_progress(plt: Any, b: Builder) -> str:
    """Cumulative counted vs the target trajectory, with the projection if any."""
    s = b.d.series
    summ = b.d.summary
    fig, ax = plt.subplots(figsize=(CHART_WIDTH_IN, 2.9))
    x = list(range(len(s)))
    ax.plot(
        x, s["target_trajectory"], color="#7f7f7f", ls="--", lw=1.4, label=b.t("charts.trajectory")
    )
    ax.plot(
        x, s["counted"], color=PALETTE[0], marker="o", ms=3.5, lw=2, label=b.t("charts.counted")
    )
    ax.axhline(
        float(summ.get("target", 0)),
        color=PALETTE[1],
        lw=0.9,
        ls=":",
        label=b.t("charts.target", target=fmt_int(summ.get("target"))),
    )
    for xi, yi in zip(x, s["counted"], strict=True):
        ax.annotate(
            fmt_int(yi),
            (xi, yi),
            textcoords="offset points",
            xytext=(0, 5),
            ha="center",
            fontsize=7,
            color=PALETTE[0],
        )
    ax.set_xticks(x, list(s["month"]))
    ax.set_ylabel(b.t("charts.people"))
    ax.set_ylim(0, max(float(summ.get("target", 0)), float(s["counted"].max() or 0)) * 1.12)
    # Below the axes: inside, it covered the latest months' labels.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, frameon=False,
              fontsize=7.5)
    return _png(fig)


def chart_schools(plt: Any, b: Builder) -> str:
    """Each school's counted vs its quota, sorted by fulfilment rate."""
    df = b.d.schools.assign(rate=lambda d: d["counted"] / d["quota"].where(d["quota"] > 0))
    df = df.sort_values(["rate", "school_id"], ascending=[True, True], kind="stable")
    h = max(2.0, 0.32 * len(df) + 0.9)
    fig, ax = plt.subplots(figsize=(CHART_WIDTH_IN, h))
    y = list(range(len(df)))
    ax.barh(y, df["quota"], color="#d9e2ef", label=b.t("charts.quota"), height=0.7)
    ax.barh(y, df["counted"], color=PALETTE[0], label=b.t("charts.counted"), height=0.45)
    for yi, (c, q, r) in enumerate(
        zip(df["counted"], df["quota"], df["rate"].fillna(0), strict=True)
    ):
        ax.text(
            max(c, q) * 1.01,
            yi,
            f"{fmt_int(c)} / {fmt_int(q)}  {fmt_pct(r)}",
            va="center",
            fontsize=7,
        )
    ax.set_yticks(y, [_short(n) for n in df["school_name"]])
    ax.set_xlim(0, float(max(df["quota"].max(), df["counted"].max())) * 1.35)
    ax.set_xlabel(b.t("charts.people"))
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", frameon=False, fontsize=7.5)
    return _png(fig)


def _short(name: str, width: int = 16) -> str:
    """A long label shortened for an axis."""
    name = str(name)
    return name if len(name) <= width else name[: width - 1] + "…"


def _composition(plt: Any, b: Builder, dim: str, colour: str) -> str | None:
    """Horizontal bars of counted per category of one breakdown dimension."""
    part = b.d.breakdowns[b.d.breakdowns["dimension"] == dim]
    if part.empty or dim in b.sensitive:
        return None
    part = part.sort_values(["counted", "category"], ascending=[True, True], kind="stable")
    total = float(part["counted"].sum()) or 1.0
    fig, ax = plt.subplots(figsize=(CHART_WIDTH_IN, max(1.8, 0.28 * len(part) + 0.8)))
    y = list(range(len(part)))
    ax.barh(y, part["counted"], color=colour, height=0.6)
    for yi, c in zip(y, part["counted"], strict=True):
        ax.text(
            c + total * 0.005, yi, f"{fmt_int(c)} ({c / total * 100:.1f}%)", va="center", fontsize=7
        )
    ax.set_yticks(y, [b.v(c) for c in part["category"]])
    ax.set_xlim(0, float(part["counted"].max()) * 1.25)
    ax.set_xlabel(b.t("charts.people"))
    ax.grid(axis="y", visible=False)
    return _png(fig)


def chart_intake(plt: Any, b: Builder) -> str:
    """Autumn 2019 and spring 2020 intake per school (stacked)."""
    df = b.d.schools.sort_values("school_id", kind="stable")
    fig, ax = plt.subplots(figsize=(CHART_WIDTH_IN, max(2.0, 0.32 * len(df) + 0.9)))
    y = list(range(len(df)))[::-1]
    ax.barh(y, df["autumn_2019"], color=PALETTE[0], height=0.6, label=b.v("2019秋季"))
    ax.barh(
        y,
        df["spring_2020"],
        left=df["autumn_2019"],
        color=PALETTE[5],
        height=0.6,
        label=b.v("2020春季"),
    )
    for yi, a, s in zip(y, df["autumn_2019"], df["spring_2020"], strict=True):
        ax.text(a + s + 5, yi, f"{fmt_int(a)} + {fmt_int(s)}", va="center", fontsize=7)
    ax.set_yticks(y, [_short(n) for n in df["school_name"]])
    ax.set_xlim(0, float((df["autumn_2019"] + df["spring_2020"]).max()) * 1.25)
    ax.set_xlabel(b.t("charts.people"))
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", frameon=False, fontsize=7.5)
    return _png(fig)


def chart_ranks(plt: Any, b: Builder) -> str:
    """Each school's rank range over the sensitivity combinations (best–worst, base rank dot)."""
    df = b.d.rewards.sort_values(["rank", "school_id"], kind="stable")
    n = len(df)
    height = max(2.0, 0.34 * n + 0.9)
    fig, ax = plt.subplots(figsize=(CHART_WIDTH_IN, height))
    y = list(range(n))[::-1]
    for yi, r in zip(y, df.itertuples(index=False), strict=True):
        colour = PALETTE[0] if bool(r.eligible) else "#a0a0a0"
        ax.plot(
            [r.rank_best, r.rank_worst],
            [yi, yi],
            color=colour,
            lw=5,
            alpha=0.35,
            solid_capstyle="round",
        )
        ax.plot([r.rank], [yi], "o", color=colour, ms=6)
        label = f"{int(r.rank_best)}–{int(r.rank_worst)}"
        if bool(r.tier_changes):
            label += "  " + b.t("charts.tier_flip")
        ax.text(n + 0.6, yi, label, va="center", fontsize=7)
    ax.set_yticks(y, [_short(s) for s in df["school_name"]])
    ax.set_xlim(0.5, n + 2.8)
    ax.set_xticks(range(1, n + 1))
    ax.set_xlabel(b.t("charts.rank_axis"))
    ax.grid(axis="y", visible=False)
    ax.plot([], [], "o", color=PALETTE[0], label=b.t("charts.eligible"))
    ax.plot([], [], "o", color="#a0a0a0", label=b.t("charts.ineligible"))
    below = -0.55 / height  # just under the axis label, whatever the figure's height
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, below), ncol=2, frameon=False, fontsize=7.5)
    return _png(fig)


def bulletin_charts(b: Builder, font: Path) -> list[dict[str, str]]:
    """All charts of the bulletin as ``{"title", "src", "alt"}``."""
    out = []
    with _mpl(font) as plt:
        makers = [
            ("progress", lambda: chart_progress(plt, b)),
            ("schools", lambda: chart_schools(plt, b)),
            ("target_group", lambda: _composition(plt, b, "target_group", PALETTE[2])),
            ("industry", lambda: _composition(plt, b, "industry", PALETTE[3])),
            ("intake", lambda: chart_intake(plt, b)),
        ]
        for key, make in makers:
            src = make()
            if src:
                out.append(
                    {
                        "key": key,
                        "title": b.t(f"charts.{key}_title"),
                        "src": src,
                        "alt": b.t(f"charts.{key}_title"),
                    }
                )
    return out


# --------------------------------------------------------------------------- rewards


def _f(val: Any) -> float:
    """A number from a cell (NaN/None to 0)."""
    try:
        x = float(val)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if math.isnan(x) else x


class RewardsBuilder(Builder):
    """Tables and the worked example of the evaluator report."""

    @property
    def meta(self) -> dict:
        """rewards_meta.json, with the policy's keys (``policy``: weights, gates…) lifted."""
        meta = self.d.rewards_meta
        return {**(meta.get("policy") or {}), **meta}

    def rw(self) -> pd.DataFrame:
        """rewards_detail sorted by rank."""
        return self.d.rewards.sort_values(["rank", "school_id"], kind="stable")

    def summary_table(self) -> Table:
        """Decision per school: eligibility, score, rank, amount, ranges."""
        rows = []
        for r in self.rw().itertuples(index=False):
            rows.append(
                [
                    int(r.rank),
                    r.school_id,
                    r.school_name,
                    self.t("rw.yes") if bool(r.eligible) else self.t("rw.no"),
                    float(r.score),
                    int(r.tier),
                    int(r.reward_yuan),
                    f"{int(r.rank_best)}–{int(r.rank_worst)}",
                    f"{fmt_int(r.yuan_min)}–{fmt_int(r.yuan_max)}",
                    self.t("rw.flip") if bool(r.tier_changes) else "",
                ]
            )
        total = [
            self.t("col.total"),
            "",
            "",
            "",
            None,
            None,
            int(self.d.rewards["reward_yuan"].sum()),
            "",
            "",
            "",
        ]
        return Table(
            "rw_summary",
            self.t("rw.tables.summary"),
            [
                self.t(f"rw.col.{c}")
                for c in (
                    "rank",
                    "school_id",
                    "school_name",
                    "eligible",
                    "score",
                    "tier",
                    "reward_yuan",
                    "rank_range",
                    "yuan_range",
                    "tier_flip",
                )
            ],
            ["int", "text", "text", "text", "dec", "int", "int", "text", "text", "text"],
            rows,
            total,
        )

    def _per_school(self, key: str, cols: tuple[str, ...], kind: str, fmt) -> Table:
        """One row per school: id, name and the given columns."""
        rows = [
            [r["school_id"], r["school_name"], *[fmt(r[c]) for c in cols]]
            for _, r in self.rw().iterrows()
        ]
        return Table(
            f"rw_{key}",
            self.t(f"rw.tables.{key}"),
            [self.t("rw.col.school_id"), self.t("rw.col.school_name")]
            + [self.t(f"rw.col.{c}") for c in cols],
            ["text", "text"] + [kind] * len(cols),
            rows,
        )

    def inputs_table(self) -> Table:
        """Every input per school."""
        return self._per_school("inputs", COUNT_COLUMNS, "int", int)

    def measures_table(self) -> Table:
        """Every measure per school."""
        return self._per_school("measures", MEASURE_COLUMNS, "dec", _f)

    def gates_table(self) -> Table:
        """Each gate: threshold, value, pass/fail."""
        rows = []
        for _, r in self.rw().iterrows():
            row: list[Any] = [r["school_id"], r["school_name"]]
            for g in GATES:
                row += [
                    f"{GATE_OPS[g]} {fmt_dec(r[f'gate_{g}_threshold'], 2)}",
                    _f(r[f"gate_{g}_value"]),
                    self.t("rw.pass") if bool(r[f"gate_{g}_pass"]) else self.t("rw.fail"),
                ]
            row.append(self.t("rw.yes") if bool(r["eligible"]) else self.t("rw.no"))
            rows.append(row)
        headers = [self.t("rw.col.school_id"), self.t("rw.col.school_name")]
        for g in GATES:
            name = self.t(f"rw.gate.{g}")
            headers += [
                self.t("rw.col.gate_threshold", gate=name),
                self.t("rw.col.gate_value", gate=name),
                self.t("rw.col.gate_pass", gate=name),
            ]
        headers.append(self.t("rw.col.eligible"))
        return Table(
            "rw_gates",
            self.t("rw.tables.gates"),
            headers,
            ["text", "text"] + ["text", "dec", "text"] * 3 + ["text"],
            rows,
        )

    def components_table(self) -> Table:
        """Components, score, rank, tier, exact share and amount."""
        rows = [
            [
                r["school_id"],
                r["school_name"],
                _f(r["speed"]),
                _f(r["expansion"]),
                _f(r["quality"]),
                _f(r["score"]),
                int(r["rank"]),
                int(r["tier"]),
                f"{_f(r['exact_share']):,.4f}",
                int(r["reward_yuan"]),
            ]
            for _, r in self.rw().iterrows()
        ]
        return Table(
            "rw_components",
            self.t("rw.tables.components"),
            [
                self.t(f"rw.col.{c}")
                for c in (
                    "school_id",
                    "school_name",
                    "speed",
                    "expansion",
                    "quality",
                    "score",
                    "rank",
                    "tier",
                    "exact_share",
                    "reward_yuan",
                )
            ],
            ["text", "text", "dec", "dec", "dec", "dec", "int", "int", "text", "int"],
            rows,
        )

    def sensitivity_table(self) -> Table:
        """Rank, amount and tier ranges over the weight combinations."""
        rows = [
            [
                r["school_id"],
                r["school_name"],
                int(r["rank"]),
                int(r["rank_best"]),
                int(r["rank_worst"]),
                int(r["reward_yuan"]),
                int(r["yuan_min"]),
                int(r["yuan_max"]),
                f"{int(r['tier_min'])}–{int(r['tier_max'])}",
                self.t("rw.flip") if bool(r["tier_changes"]) else "",
            ]
            for _, r in self.rw().iterrows()
        ]
        return Table(
            "rw_sensitivity",
            self.t("rw.tables.sensitivity"),
            [
                self.t(f"rw.col.{c}")
                for c in (
                    "school_id",
                    "school_name",
                    "rank",
                    "rank_best",
                    "rank_worst",
                    "reward_yuan",
                    "yuan_min",
                    "yuan_max",
                    "tier_range",
                    "tier_flip",
                )
            ],
            ["text", "text"] + ["int"] * 6 + ["text", "text"],
            rows,
        )

    def reason(self, r: pd.Series) -> str:
        """The plain-language reason: stage 04's text in Chinese, rebuilt from the gates else."""
        if self.lang == "zh-CN" and str(r.get("reason", "")).strip():
            return str(r["reason"])
        if bool(r["eligible"]):
            return self.t(
                "rw.reason_ok",
                score=fmt_dec(r["score"]),
                rank=int(r["rank"]),
                amount=fmt_int(r["reward_yuan"]),
            )
        parts = []
        for g in GATES:
            if bool(r[f"gate_{g}_pass"]):
                continue
            val, th = _f(r[f"gate_{g}_value"]), _f(r[f"gate_{g}_threshold"])
            parts.append(
                self.t(
                    f"rw.reason_fail_{'max' if g == 'withdrawal' else 'min'}",
                    gate=self.t(f"rw.gate.{g}"),
                    value=fmt_pct(val),
                    threshold=fmt_pct(th, 0),
                    diff=f"{abs(val - th) * 100:.1f}",
                )
            )
        return self.t("rw.reason_not", parts=self.t("rw.reason_sep").join(parts))

    def reasons_table(self) -> Table:
        """The reason per school."""
        rows = [[r["school_id"], r["school_name"], self.reason(r)] for _, r in self.rw().iterrows()]
        return Table(
            "rw_reasons",
            self.t("rw.tables.reasons"),
            [self.t("rw.col.school_id"), self.t("rw.col.school_name"), self.t("rw.col.reason")],
            ["text", "text", "text"],
            rows,
        )

    def policy(self) -> list[tuple[str, str]]:
        """The policy as (label, value) pairs."""
        m = self.meta
        w = m.get("weights", {})
        gates = m.get("gates", {})
        out = [
            (self.t("rw.policy.pool"), f"{fmt_int(m.get('pool_yuan'))} {self.t('rw.yuan')}"),
            (
                self.t("rw.policy.allocation"),
                self.t(f"rw.alloc.{m.get('allocation')}")
                if messages.has(f"rw.alloc.{m.get('allocation')}", self.lang)
                else str(m.get("allocation")),
            ),
            (
                self.t("rw.policy.weights"),
                ", ".join(f"{self.t(f'rw.col.{k}')} {_f(v):g}" for k, v in w.items()),
            ),
        ]
        gate_txt = []
        for key, val in gates.items():
            g, _, kind = key.rpartition("_")
            if g in GATES:
                gate_txt.append(
                    f"{self.t(f'rw.gate.{g}')} {'≥' if kind == 'min' else '≤'} {_f(val):g}"
                )
        out.append((self.t("rw.policy.gates"), "; ".join(gate_txt)))
        exp = m.get("expansion") or {"fulfilment": 0.7, "social": 0.3, "fulfilment_cap": 1.2}
        out.append(
            (
                self.t("rw.policy.expansion"),
                self.t(
                    "rw.formula.expansion",
                    a=f"{_f(exp.get('fulfilment')):g}",
                    cap=f"{_f(exp.get('fulfilment_cap')):g}",
                    b=f"{_f(exp.get('social')):g}",
                ),
            )
        )
        out.append((self.t("rw.policy.speed"), self.t("rw.formula.speed")))
        qual = m.get("quality") or {"retention": 1, "priority_share": 1, "data_quality": 1}
        out.append(
            (
                self.t("rw.policy.quality"),
                self.t(
                    "rw.formula.quality",
                    r=f"{_f(qual.get('retention')):g}",
                    p=f"{_f(qual.get('priority_share')):g}",
                    d=f"{_f(qual.get('data_quality')):g}",
                ),
            )
        )
        tiers = m.get("tiers") or []
        if tiers:
            out.append(
                (
                    self.t("rw.policy.tiers"),
                    "; ".join(
                        self.t(
                            "rw.tier_rule",
                            tier=t.get("tier"),
                            min=f"{_f(t.get('min_score')):g}",
                            weight=f"{_f(t.get('weight')):g}",
                        )
                        for t in tiers
                    ),
                )
            )
        sens = m.get("sensitivity") or {}
        factors = sens.get("factors", [0.8, 1.0, 1.2])
        out.append(
            (
                self.t("rw.policy.sensitivity"),
                self.t(
                    "rw.sensitivity_rule",
                    factors=", ".join(f"{_f(x):g}" for x in factors),
                    n=len(factors) ** 3,
                ),
            )
        )
        return out

    def worked_example(self) -> dict[str, Any] | None:
        """Recompute one school's amount by hand from its inputs and the policy."""
        rw = self.rw()
        elig = rw[rw["eligible"].astype(bool)]
        if elig.empty:
            return None
        m = self.meta
        w = {k: _f(v) for k, v in (m.get("weights") or {}).items()}
        exp = m.get("expansion") or {"fulfilment": 0.7, "social": 0.3, "fulfilment_cap": 1.2}
        qual = m.get("quality") or {"retention": 1, "priority_share": 1, "data_quality": 1}
        pool = int(m.get("pool_yuan", 0))

        def comp(r: pd.Series) -> dict[str, float]:
            q, c = _f(r["quota"]), _f(r["c"])
            f = _rate(c, q)
            dq = 1 - _rate(_f(r["quarantined"]), _f(r["standing"]))
            wd = _rate(_f(r["withdrawn"]), c)
            ss, ps = _rate(_f(r["social"]), c), _rate(_f(r["priority"]), c)
            cap = _f(exp.get("fulfilment_cap")) or 1.0
            speed = min(1.0, _rate(_f(r["admitted_by_cutoff"]), q))
            expansion = _f(exp.get("fulfilment")) * min(f, cap) / cap + _f(exp.get("social")) * ss
            qw = [_f(qual.get(k)) for k in ("retention", "priority_share", "data_quality")]
            quality = _rate(qw[0] * (1 - wd) + qw[1] * ps + qw[2] * dq, sum(qw))
            score = (
                w.get("speed", 0) * speed
                + w.get("expansion", 0) * expansion
                + w.get("quality", 0) * quality
            )
            return {
                "f": f,
                "dq": dq,
                "wd": wd,
                "ret": 1 - wd,
                "ss": ss,
                "ps": ps,
                "speed": speed,
                "expansion": expansion,
                "quality": quality,
                "score": score,
                "c": c,
            }

        comps = {r["school_id"]: comp(r) for _, r in elig.iterrows()}
        alloc = m.get("allocation", "proportional")
        shares: dict[str, float] = {}
        weight_rows = []
        if alloc == "tiered":
            tiers = sorted(m.get("tiers") or [], key=lambda t: -_f(t.get("min_score")))

            def tier_w(score: float) -> float:
                for t in tiers:
                    if score >= _f(t.get("min_score")):
                        return _f(t.get("weight"))
                return 0.0

            sum_c = sum(x["c"] for x in comps.values())
            sum_t = sum(tier_w(x["score"]) for x in comps.values())
            for sid, x in comps.items():
                shares[sid] = pool / 2 * _rate(x["c"], sum_c) + pool / 2 * _rate(
                    tier_w(x["score"]), sum_t
                )
                weight_rows.append([sid, self.school(sid), x["c"], tier_w(x["score"])])
            weight_total = f"Σc = {fmt_int(sum_c)}; Σtier = {sum_t:g}"
        else:
            wsum = sum(x["score"] * x["c"] for x in comps.values())
            for sid, x in comps.items():
                shares[sid] = pool * _rate(x["score"] * x["c"], wsum)
                weight_rows.append([sid, self.school(sid), x["score"], x["c"], x["score"] * x["c"]])
            weight_total = f"Σw = {wsum:,.4f}"
        floors = {k: math.floor(v) for k, v in shares.items()}
        left = pool - sum(floors.values())
        order = sorted(shares, key=lambda k: (-(shares[k] - floors[k]), k))
        plus = set(order[:left])
        lr_rows = [
            [
                sid,
                self.school(sid),
                f"{shares[sid]:,.4f}",
                floors[sid],
                f"{shares[sid] - floors[sid]:.4f}",
                "+1" if sid in plus else "",
                floors[sid] + (1 if sid in plus else 0),
                int(elig.set_index("school_id").loc[sid, "reward_yuan"]),
            ]
            for sid in sorted(shares)
        ]
        sid = str(elig.iloc[0]["school_id"])
        r = elig.iloc[0]
        x = comps[sid]
        amount = floors[sid] + (1 if sid in plus else 0)
        steps = [
            self.t("rw.ex.fulfilment", c=fmt_int(x["c"]), q=fmt_int(r["quota"]), v=fmt_dec(x["f"])),
            self.t(
                "rw.ex.data_quality",
                qu=fmt_int(r["quarantined"]),
                st=fmt_int(r["standing"]),
                v=fmt_dec(x["dq"]),
            ),
            self.t(
                "rw.ex.withdrawal",
                wd=fmt_int(r["withdrawn"]),
                c=fmt_int(x["c"]),
                v=fmt_dec(x["wd"]),
                ret=fmt_dec(x["ret"]),
            ),
            self.t(
                "rw.ex.shares",
                so=fmt_int(r["social"]),
                pr=fmt_int(r["priority"]),
                c=fmt_int(x["c"]),
                ss=fmt_dec(x["ss"]),
                ps=fmt_dec(x["ps"]),
            ),
            self.t("rw.ex.gates"),
            self.t(
                "rw.ex.speed",
                abc=fmt_int(r["admitted_by_cutoff"]),
                q=fmt_int(r["quota"]),
                v=fmt_dec(x["speed"]),
            ),
            self.t(
                "rw.ex.expansion",
                a=f"{_f(exp.get('fulfilment')):g}",
                f=fmt_dec(x["f"]),
                cap=f"{_f(exp.get('fulfilment_cap')):g}",
                b=f"{_f(exp.get('social')):g}",
                ss=fmt_dec(x["ss"]),
                v=fmt_dec(x["expansion"]),
            ),
            self.t(
                "rw.ex.quality",
                ret=fmt_dec(x["ret"]),
                ps=fmt_dec(x["ps"]),
                dq=fmt_dec(x["dq"]),
                v=fmt_dec(x["quality"]),
            ),
            self.t(
                "rw.ex.score",
                ws=f"{w.get('speed', 0):g}",
                we=f"{w.get('expansion', 0):g}",
                wq=f"{w.get('quality', 0):g}",
                s=fmt_dec(x["speed"]),
                e=fmt_dec(x["expansion"]),
                q=fmt_dec(x["quality"]),
                v=fmt_dec(x["score"]),
            ),
        ]
        if alloc == "tiered":
            steps.append(self.t("rw.ex.tiered", pool=fmt_int(pool), v=f"{shares[sid]:,.4f}"))
        else:
            steps.append(
                self.t(
                    "rw.ex.proportional",
                    s=fmt_dec(x["score"]),
                    c=fmt_int(x["c"]),
                    w=f"{x['score'] * x['c']:,.4f}",
                    total=weight_total,
                    pool=fmt_int(pool),
                    v=f"{shares[sid]:,.4f}",
                )
            )
        steps.append(
            self.t("rw.ex.rounding", floor=fmt_int(floors[sid]), left=left, v=fmt_int(amount))
        )
        published = int(r["reward_yuan"])
        check_ok = amount == published and abs(x["score"] - _f(r["score"])) < 5e-6
        weights_table = Table(
            "rw_weights",
            self.t("rw.ex.weights_title"),
            [
                self.t("rw.col.school_id"),
                self.t("rw.col.school_name"),
                self.t("rw.col.c"),
                self.t("rw.col.tier_weight"),
            ]
            if alloc == "tiered"
            else [
                self.t("rw.col.school_id"),
                self.t("rw.col.school_name"),
                self.t("rw.col.score"),
                self.t("rw.col.c"),
                self.t("rw.col.w"),
            ],
            ["text", "text", "int", "dec2"]
            if alloc == "tiered"
            else ["text", "text", "dec", "int", "dec"],
            weight_rows,
            note=weight_total,
        )
        lr_table = Table(
            "rw_rounding",
            self.t("rw.ex.rounding_title"),
            [
                self.t(f"rw.col.{c}")
                for c in (
                    "school_id",
                    "school_name",
                    "exact_share",
                    "floor",
                    "fraction",
                    "plus_one",
                    "computed",
                    "reward_yuan",
                )
            ],
            ["text", "text", "text", "int", "text", "text", "int", "int"],
            lr_rows,
            note=self.t("rw.ex.left", left=left, pool=fmt_int(pool)),
        )
        return {
            "school": f"{sid} {self.school(sid)}",
            "steps": steps,
            "weights": weights_table,
            "rounding": lr_table,
            "check": self.t(
                "rw.ex.check_ok" if check_ok else "rw.ex.check_diff",
                computed=fmt_int(amount),
                published=fmt_int(published),
            ),
            "check_ok": check_ok,
        }

    def report_tables(self) -> list[Table]:
        """The report's per-school tables in order."""
        return [
            self.summary_table(),
            self.inputs_table(),
            self.measures_table(),
            self.gates_table(),
            self.components_table(),
            self.sensitivity_table(),
        ]


# --------------------------------------------------------------------------- HTML / PDF


def _env() -> Any:
    """The Jinja2 environment (autoescape on for every template)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(int=fmt_int, pct=fmt_pct, dec=fmt_dec, signed=fmt_signed)
    return env


def _css_string(text: object) -> str:
    """Text as the body of a CSS string literal inside ``<style>`` (no quotes, no markup)."""
    return "".join(ch for ch in str(text) if ch not in '<>"\\\n\r&')


def _common(b: Builder, created: str) -> dict[str, Any]:
    """Template variables shared by both documents."""
    s = b.d.summary
    return {
        "lang": b.lang,
        "t": b.t,
        "v": b.v,
        "created": created,
        "period": s.get("period", ""),
        "as_of": s.get("as_of", ""),
        "synthetic": bool(s.get("synthetic")),
        "period_css": _css_string(s.get("period", "")),
        "fail_words": {b.t("rw.fail"), b.t("dq.fail"), "✗"},
        "page_before": _css_string(b.t("page.before")),
        "page_middle": _css_string(b.t("page.middle")),
        "page_after": _css_string(b.t("page.after")),
    }


def _maybe(b: Builder, prefix: str, val: object) -> str:
    """``prefix.val`` from the catalogue when it exists, else the value as text."""
    key = f"{prefix}.{val}"
    return b.t(key) if messages.has(key, b.lang) else str(val or "")


def _projection_method(b: Builder, proj: dict) -> str:
    """The projection method in words, from the fields stage 03 wrote."""
    if proj.get("months_back") is not None:
        return b.t(
            "method.projection_recent",
            back=_int(proj.get("months_back")),
            left=_int(proj.get("months_left")) or 0,
        )
    return _maybe(b, "method.projection", proj.get("method"))


def bulletin_html(
    data: StageData, lang: str, sensitive: Sequence[str], threshold: int, font: Path, created: str
) -> tuple[str, list[Table]]:
    """The bulletin as HTML, and its tables (for the annex)."""
    b = Builder(data, lang, sensitive, threshold)
    tables = b.bulletin_tables()
    by_key = {tab.key: tab for tab in tables}
    s = data.summary
    proj = s.get("projection") or {}
    method = _projection_method(b, proj)
    ctx = _common(b, created) | {
        "title": b.t("bulletin.title", period=s.get("period", "")),
        "page_title_css": _css_string(b.t("bulletin.title", period=s.get("period", ""))),
        "headline_text": b.t(
            "bulletin.headline",
            as_of=s.get("as_of", ""),
            counted=fmt_int(s.get("counted")),
            target=fmt_int(s.get("target")),
            rate=fmt_pct(s.get("fulfilment_rate")),
            change=fmt_signed(s.get("change_since_last_month")),
            previous=fmt_int(s.get("previous_counted")),
        ),
        "projection_text": b.t(
            "bulletin.projection",
            method=method,
            pace=f"{_f(proj.get('monthly_pace')):,.1f}",
            deadline=proj.get("deadline", ""),
            projected=fmt_int(proj.get("projected_counted")),
            rate=fmt_pct(proj.get("projected_rate")),
        )
        if proj
        else "",
        "tables": by_key
        | {
            "validation_failed": b.validation_failed(),
            "reconciliation_by_folder": b.reconciliation_by_folder(),
        },
        "charts": bulletin_charts(b, font),
        "dq_status": b.validation_status(),
        "dq_facts": [
            b.t(
                "dq.fact_rows",
                raw=fmt_int(s.get("raw_rows")),
                clean=fmt_int(s.get("clean_rows")),
                q=fmt_int(s.get("quarantined_rows")),
                sup=fmt_int(s.get("superseded_rows")),
            ),
            b.t(
                "dq.fact_skipped",
                n=fmt_int(data.ingest.get("skipped_lines", s.get("skipped_lines", 0))),
            ),
            b.t("dq.fact_unreadable", n=len(data.ingest.get("unreadable_files", []))),
            b.t("dq.fact_sheets", n=len(data.ingest.get("skipped_sheets", []))),
            b.t("dq.fact_gender", n=fmt_int(data.ingest.get("gender_mismatch_rows", 0))),
        ],
        "method": [
            b.t("method.counting", basis=_maybe(b, "method.basis", s.get("counting_basis"))),
            b.t("method.window", as_of=s.get("as_of", "")),
            b.t("method.cutoff", cutoff=s.get("intake_cutoff", "")),
            b.t("method.dedup"),
            b.t("method.trajectory", target=fmt_int(s.get("target"))),
            b.t("method.projection_text", method=method),
            b.t("method.revisions"),
            b.t("method.disclosure", threshold=threshold, max=threshold - 1),
            b.t("method.industry"),
        ],
    }
    return _env().get_template("bulletin.html.j2").render(**ctx), tables


def rewards_html(data: StageData, lang: str, font: Path, created: str) -> str:
    """The evaluator report as HTML."""
    b = RewardsBuilder(data, lang, (), 5)
    meta = data.rewards_meta
    with _mpl(font) as plt:
        chart = chart_ranks(plt, b)
    ctx = _common(b, created) | {
        "title": b.t("rw.title", period=data.summary.get("period", "")),
        "page_title_css": _css_string(b.t("rw.title", period=data.summary.get("period", ""))),
        "intro": b.t(
            "rw.intro",
            n=len(data.rewards),
            eligible=int(data.rewards["eligible"].astype(bool).sum()),
            pool=fmt_int(meta.get("pool_yuan")),
            allocated=fmt_int(meta.get("allocated_yuan")),
        ),
        "unallocated": bool(meta.get("unallocated")),
        "tables": b.report_tables(),
        "reasons": b.reasons_table(),
        "policy": b.policy(),
        "rank_chart": chart,
        "example": b.worked_example(),
    }
    return _env().get_template("rewards.html.j2").render(**ctx)


class _OfflineFetcher:
    """WeasyPrint URL fetcher that only serves ``data:`` and ``file:`` URLs; anything else
    stops the rendering (no silent network access)."""

    def __init__(self) -> None:
        from weasyprint.urls import URLFetcher

        self._inner = URLFetcher(allowed_protocols=("data", "file"), fail_on_errors=True)

    def __call__(self, url: str, *args: Any, **kwargs: Any) -> Any:
        """Fetch (callable form)."""
        return self.fetch(url, *args, **kwargs)

    def fetch(self, url: str, headers: Any = None) -> Any:
        """Fetch a ``data:``/``file:`` URL; raise a fatal error for any other scheme."""
        from weasyprint.urls import FatalURLFetchingError

        scheme = url.split(":", 1)[0].lower()
        if scheme not in ("data", "file"):
            raise FatalURLFetchingError(f"network URL refused while rendering: {url[:80]}")
        return self._inner.fetch(url, headers)


def _face_family(tt: Any) -> str:
    """The (typographic) family name of a fontTools font."""
    name = tt["name"]
    return str(name.getDebugName(16) or name.getDebugName(1) or "")


def sc_font_file(font: Path, workdir: Path) -> tuple[Path, str]:
    """A single-face font file with the Simplified-Chinese face, and its family name.

    A ``.ttc`` collection (Noto CJK) holds Japanese, Korean, Simplified and Traditional faces;
    given the whole collection, WeasyPrint picks the face by the element's ``lang`` and the
    English edition came out with Japanese glyph shapes. So the SC face is copied (tables
    raw, no recompilation) into ``workdir`` and that file is embedded. Plain font files are
    used as they are.
    """
    from fontTools.ttLib import TTCollection, TTFont

    if font.suffix.lower() not in (".ttc", ".otc"):
        with TTFont(str(font), lazy=True) as tt:
            return font, _face_family(tt)
    coll = TTCollection(str(font), lazy=True)
    families = [_face_family(f) for f in coll.fonts]
    pick = 0
    for key in (" SC", "SC", "GB", "Hei"):
        hits = [i for i, fam in enumerate(families) if key in fam and "Mono" not in fam]
        if hits:
            pick = hits[0]
            break
    target = workdir / f"{font.stem}-{pick}.otf"
    if not target.exists():
        with TTFont(str(font), fontNumber=pick, lazy=True) as tt:
            tt.save(str(target), reorderTables=False)
    coll.close()
    return target, families[pick]


def _font_css(regular: Path, bold: Path, family: str) -> str:
    """The print stylesheet that embeds the CJK font from its file (``file://`` URL)."""
    fam = _css_string(family) or "KuozhaoCJK"
    return "\n".join(
        [
            f"@font-face {{ font-family: '{fam}'; font-weight: 400; "
            f"src: url('{regular.resolve().as_uri()}'); }}",
            f"@font-face {{ font-family: '{fam}'; font-weight: 700; "
            f"src: url('{bold.resolve().as_uri()}'); }}",
            "html, body, table, th, td, h1, h2, h3, p, li, div, span, caption, figcaption "
            f"{{ font-family: '{fam}' !important; }}",
        ]
    )


def _epoch(created: str) -> int:
    """Seconds since 1970 of the ``created`` date (UTC midnight)."""
    day = date.fromisoformat(str(created)[:10])
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


@contextlib.contextmanager
def _source_date_epoch(created: str) -> Iterator[None]:
    """Set ``SOURCE_DATE_EPOCH`` from ``created`` while rendering, then restore it."""
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(_epoch(created))
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


def html_to_pdf(html: str, target: Path, font: Path, base_dir: Path) -> None:
    """Render HTML to an A4 PDF with the CJK font embedded, offline, reproducibly."""
    import logging
    import tempfile

    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    fetcher = _OfflineFetcher()
    with tempfile.TemporaryDirectory(prefix="kuozhao-font-") as tmp:
        regular, family = sc_font_file(font, Path(tmp))
        bold_src = _bold_font(font)
        bold = sc_font_file(bold_src, Path(tmp))[0] if bold_src else regular
        fonts = FontConfiguration()
        css = CSS(string=_font_css(regular, bold, family), font_config=fonts, url_fetcher=fetcher)
        doc = HTML(string=html, base_url=str(base_dir), url_fetcher=fetcher)
        pdf = doc.write_pdf(stylesheets=[css], font_config=fonts, pdf_identifier=b"kuozhao-stage05")
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(pdf)
    tmp.replace(target)


def _write_text(path: Path, text: str) -> None:
    """Write UTF-8 text atomically."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    tmp.replace(path)


# --------------------------------------------------------------------------- xlsx



def write_xlsx(tables: Sequence[Table], target: Path, created: str) -> None:
    """Each table on its own sheet: headers, numbers as numbers, text inert; fixed metadata
    and zip timestamps so that reruns give identical bytes."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    day = date.fromisoformat(str(created)[:10])
    stamp = datetime(day.year, day.month, day.day)
    wb = fixed_workbook("kuozhao", stamp, title=tables[0].title if tables else "")
    wb.properties.lastModifiedBy = "kuozhao"
    head_font = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDE5F0")
    used: set[str] = set()
    for tab in tables:
        name = _sheet_name(tab.sheet or tab.title, used)
        ws = wb.create_sheet(name)
        ws.append([tab.title])
        ws["A1"].font = Font(bold=True, size=12)
        ws.append([])
        for j, h in enumerate(tab.headers, start=1):
            c = ws.cell(row=3, column=j, value=h)
            c.font, c.fill = head_font, head_fill
            c.alignment = Alignment(wrap_text=True, vertical="center")
        body = list(tab.rows) + ([tab.total] if tab.total is not None else [])
        for i, row in enumerate(body, start=4):
            for j, (val, kind) in enumerate(zip(row, tab.kinds, strict=True), start=1):
                _put(ws.cell(row=i, column=j), val, kind)
        if tab.total is not None:
            for j in range(1, len(tab.headers) + 1):
                ws.cell(row=3 + len(body), column=j).font = head_font
        if tab.note:
            _put(ws.cell(row=5 + len(body), column=1), tab.note, "text")
        ws.freeze_panes = "A4"
        for j, h in enumerate(tab.headers, start=1):
            width = max([len(str(h))] + [len(str(r[j - 1])) for r in body if j - 1 < len(r)])
            ws.column_dimensions[get_column_letter(j)].width = min(48, max(8, width * 1.6 + 2))
    buf = io.BytesIO()
    wb.save(buf)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(reproducible_xlsx(buf.getvalue(), stamp))
    tmp.replace(target)


def _put(cell: Any, val: Any, kind: str) -> None:
    """Write one value: numbers as numbers (with a display format), text inert as a string."""
    if val is None:
        return
    if isinstance(val, bool):
        cell.value = val
    elif isinstance(val, int | float) and not (isinstance(val, float) and math.isnan(val)):
        cell.value = val
        cell.number_format = {
            "pct": "0.0%",
            "dec": "0.0000",
            "dec2": "0.00",
            "signed": "+#,##0;-#,##0;0",
        }.get(kind, "#,##0")
    else:
        cell.value = inert(str(val))
        cell.data_type = "s"


def _sheet_name(title: str, used: set[str]) -> str:
    """A valid, unique sheet name (≤31 characters, no ``[]:*?/\\``)."""
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in str(title)).strip("'") or "Sheet"
    name, n = clean[:31], 2
    while name in used:
        suffix = f" ({n})"
        name, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(name)
    return name


# --------------------------------------------------------------------------- entry point


def render_all(
    data: StageData,
    files: Any,
    lang: str = "zh-CN",
    *,
    sensitive_dimensions: Sequence[str] = ("disabled",),
    threshold: int = 5,
    font_path: Path | None = None,
    created: str = "2020-04-30",
) -> dict[str, Path]:
    """Write the bulletin, the evaluator report and the annex of ``data`` where the
    catalogue ``files`` says; return their paths by catalogue key.

    ``created`` is the fixed document date (the period's ``as_of``) used for the PDF and xlsx
    metadata so that reruns give identical bytes; ``SOURCE_DATE_EPOCH`` is set from it while
    rendering.
    """
    if lang not in messages.LANGS:
        raise InputError(f"lang {lang!r}: expected one of {', '.join(messages.LANGS)}")
    font = Path(font_path) if font_path is not None else find_cjk_font()
    if not font.is_file():
        raise FontNotFound(f"font file {font} does not exist")
    paths = {key: files.path(key) for key in ("bulletin_html", "bulletin_pdf", "rewards_html",
                                             "rewards_pdf", "tables")}
    for p in paths.values():
        p.parent.mkdir(parents=True, exist_ok=True)
    with _source_date_epoch(created):
        html, tables = bulletin_html(data, lang, sensitive_dimensions, threshold, font, created)
        _write_text(paths["bulletin_html"], html)
        html_to_pdf(html, paths["bulletin_pdf"], font, paths["bulletin_pdf"].parent)
        rhtml = rewards_html(data, lang, font, created)
        _write_text(paths["rewards_html"], rhtml)
        html_to_pdf(rhtml, paths["rewards_pdf"], font, paths["rewards_pdf"].parent)
        write_xlsx(tables, paths["tables"], created)
    return paths


def headline_frame(data: StageData, lang: str = "zh-CN") -> pd.DataFrame:
    """The bulletin's headline table (from ``summary.json``) as a frame, for the notebook."""
    tab = Builder(data, lang, (), 5).headline()
    return pd.DataFrame(tab.formatted(), columns=tab.headers)
