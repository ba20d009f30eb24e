"""Hostile text: HTML/script and spreadsheet formulas in a school name, majors and names are
escaped in HTML and inert in every CSV and Excel file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import CONFIG_DIR, TIDY_HEADER, make_context, make_id, record, roster_line, write_csv
from openpyxl import load_workbook

from pipeline.catalog import relative_path
from pipeline.stages import bulletin_stage, clean_stage, fulfilment_stage, rewards_stage

SCRIPT = "<script>alert(1)</script>"
FORMULAS = ('=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)")


def _hostile_case(tmp_path: Path):
    ctx = make_context(tmp_path, "2019-10")
    shutil.copy(CONFIG_DIR / "rewards.yaml", ctx.config_dir / "rewards.yaml")
    schools = ctx.reference_dir / "schools.csv"
    text = schools.read_text(encoding="utf-8")
    # A school name that carries a script; its old name stays an alias so rosters match.
    text = text.replace("HX05,哈尔滨市健康服务技工学校,健康服务技校",
                        f"HX05,{SCRIPT}健康服务技工学校,健康服务技校|哈尔滨市健康服务技工学校")
    text = text.replace("HX04,哈尔滨市智能制造技师学院,智造技师学院",
                        "HX04,=cmd|' /C calc'!A0智能制造技师学院,"
                        "智造技师学院|哈尔滨市智能制造技师学院")
    schools.write_text(text, encoding="utf-8")
    lines = [TIDY_HEADER]
    for i, payload in enumerate((SCRIPT, *FORMULAS, "<img src=x onerror=alert(1)>")):
        rec = record("HX05", major=payload, name=payload[:6],
                     id_number=make_id(seq=f"{i + 1:03d}"))
        lines.append(roster_line(rec))
    lines.append(roster_line(record("HX05", school="=1+2", id_number=make_id(seq="099"))))
    write_csv(ctx.raw_dir / "2019-10" / "HX05.csv", lines)
    return ctx


@pytest.mark.slow
def test_hostile_text_is_escaped_and_inert(tmp_path):
    ctx = _hostile_case(tmp_path)
    clean_stage(ctx)
    fulfilment_stage(ctx)
    rewards_stage(ctx)
    # stage 02 (validation) is not needed for the outputs checked here
    (ctx.out_dir / relative_path("validation")).write_text(
        '{"success": true, "max_severity_failure": null, "results": []}', encoding="utf-8")
    bulletin_stage(ctx)

    for key in ("bulletin_html", "rewards_html"):
        html = (ctx.out_dir / relative_path(key)).read_text(encoding="utf-8")
        assert "<script" not in html.lower(), key
        assert "<img src=x" not in html, key
    bulletin = ctx.out_dir / relative_path("bulletin_html")
    assert "&lt;script&gt;" in bulletin.read_text(encoding="utf-8")

    for path in ctx.out_dir.rglob("*.csv"):
        df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        for col in df.columns:
            starts = df[col].str.match(r"^[=+\-@]") & ~df[col].str.match(r"^-?\d")
            assert not starts.any(), (path.name, col, df.loc[starts, col].tolist())

    workbooks = [ctx.out_dir / relative_path("tables"),
                 *sorted((ctx.out_dir / "schools").glob("*/feedback.xlsx"))]
    assert len(workbooks) >= 2
    seen_payload = False
    for path in workbooks:
        wb = load_workbook(path)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (path.name, ws.title, cell.coordinate)
                    if isinstance(cell.value, str) and "HYPERLINK" in cell.value:
                        seen_payload = True
    assert seen_payload  # the text is kept (as text), not dropped
