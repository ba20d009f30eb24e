"""Known answers of pipeline.feedback: one inert workbook per sending school, no personal data."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from conftest import make_id, record, run_clean, submission
from openpyxl import load_workbook

from pipeline.clean import REASON_TEXT_ZH
from pipeline.feedback import HEADERS, write_feedback

NAMES = ("欧阳锋", "黄药师", "洪七公", "段智兴", "王重阳", "周伯通")
IDS = {
    "hx01_bad_date": make_id("19900101", "111"),
    "hx01_formula": make_id("19910101", "121"),
    "hx01_unknown": make_id("19920101", "131"),
    "shared": make_id("19930101", "141"),
    "hx02_level": make_id("19940101", "151"),
    "nobody": make_id("19950101", "161"),
}
WRONG = IDS["hx01_bad_date"][:-1] + ("0" if IDS["hx01_bad_date"][-1] != "0" else "1")


def quarantine():
    hx01 = [
        record(name=NAMES[0], id_number=IDS["hx01_bad_date"], admission_date="九月五日"),
        record(name=NAMES[1], id_number=IDS["hx01_formula"], major="=1+1",
               level="=HYPERLINK(\"http://x\",\"y\")", status="毕业"),
        record(name=NAMES[2], id_number=IDS["hx01_unknown"], school="@SUM(A1:A9)"),
        record(name=NAMES[3], id_number=IDS["shared"]),  # wins: earlier submission
        record(name=NAMES[0], id_number=WRONG),
        record(id_number=make_id("19960101", "171")),  # clean, not in the feedback
    ]
    hx02 = [
        record("HX02", name=NAMES[3], id_number=IDS["shared"], admission_date="2019-10-01"),
        record("HX02", name=NAMES[4], id_number=IDS["hx02_level"], level="预备技师"),
    ]
    nobody = [record(school="某某学校", name=NAMES[5], id_number=IDS["nobody"])]
    result = run_clean(
        submission(hx01, file="HX01.xlsx", sheet="一班"),
        submission(hx02, file="HX02.csv"),
        submission(nobody, file="unknown.csv"),
    )
    return result.quarantine


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, list[Path]]:
    folder = tmp_path_factory.mktemp("fb") / "feedback"
    return folder, write_feedback(folder, quarantine(), REASON_TEXT_ZH)


def rows_of(path: Path) -> list[list]:
    ws = load_workbook(path).active
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_one_workbook_per_sending_school(written):
    folder, paths = written
    assert sorted(p.name for p in paths) == ["HX01.xlsx", "HX02.xlsx", "UNASSIGNED.xlsx"]
    assert sorted(p.name for p in folder.iterdir()) == ["HX01.xlsx", "HX02.xlsx",
                                                        "UNASSIGNED.xlsx"]
    counts = {p.name: len(rows_of(p)) - 1 for p in paths}
    # HX01: bad date, formula row (UNKNOWN_STATUS), unknown school sent by HX01, wrong ID
    assert counts == {"HX01.xlsx": 4, "HX02.xlsx": 2, "UNASSIGNED.xlsx": 1}


def test_headers_rows_and_reasons(written):
    folder, _ = written
    rows = rows_of(folder / "HX01.xlsx")
    assert rows[0] == [h for _, h in HEADERS]
    col = {c: i for i, (c, _) in enumerate(HEADERS)}
    body = sorted(rows[1:], key=lambda r: int(r[col["source_row"]]))
    assert [r[col["source_row"]] for r in body] == ["2", "3", "4", "6"]
    assert {r[col["sheet"]] for r in body} == {"一班"}
    assert {r[col["source_file"]] for r in body} == {"2019-10/HX01.xlsx"}
    assert [r[col["reasons"]] for r in body] == [
        "BAD_DATE", "LEVEL_NOT_ALLOWED;UNKNOWN_STATUS", "UNKNOWN_SCHOOL", "INVALID_ID"]
    assert body[1][col["explanation"]] == (
        REASON_TEXT_ZH["LEVEL_NOT_ALLOWED"] + "；" + REASON_TEXT_ZH["UNKNOWN_STATUS"])
    assert body[0][col["id_masked"]] == "230102********" + IDS["hx01_bad_date"][-4:]
    assert body[0][col["admission_date"]] == "九月五日"  # the submitted value, as sent

    hx02 = rows_of(folder / "HX02.xlsx")
    by_reason = {r[col["reasons"]]: r for r in hx02[1:]}
    assert by_reason["CROSS_SCHOOL_DUPLICATE"][col["winner_school_id"]] == "HX01"
    assert by_reason["LEVEL_NOT_ALLOWED"][col["level"]] == "预备技师"


def test_text_cells_are_inert(written):
    folder, paths = written
    ws = load_workbook(folder / "HX01.xlsx").active
    values = {}
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if cell.value is not None:
                assert cell.data_type == "s", (cell.coordinate, cell.value)
                values[cell.value] = cell
    assert "=1+1" in values and values["=1+1"].data_type == "s"
    assert "@SUM(A1:A9)" in values
    assert '=HYPERLINK("http://x","y")' in values
    for path in paths:
        with zipfile.ZipFile(path) as z:
            for member in z.namelist():
                if member.startswith("xl/worksheets/"):
                    assert b"<f>" not in z.read(member) and b"<f " not in z.read(member)


def test_no_name_or_full_id_in_any_file(written):
    _, paths = written
    for path in paths:
        with zipfile.ZipFile(path) as z:
            blob = b"".join(z.read(m) for m in z.namelist())
        for secret in (*NAMES, *IDS.values(), WRONG):
            assert secret.encode("utf-8") not in blob, (path.name, secret)
        cells = " ".join(str(v) for r in rows_of(path) for v in r if v is not None)
        for secret in (*NAMES, *IDS.values(), WRONG):
            assert secret not in cells


def test_nothing_written_without_quarantined_rows(tmp_path):
    result = run_clean(submission([record()]))
    assert write_feedback(tmp_path / "feedback", result.quarantine, REASON_TEXT_ZH) == []
    assert not (tmp_path / "feedback").exists()


def test_feedback_bytes_do_not_depend_on_when_they_are_written(tmp_path, monkeypatch):
    import time

    q = quarantine()
    a = write_feedback(tmp_path / "a", q, REASON_TEXT_ZH)
    later = time.time() + 86_400 * 3
    monkeypatch.setattr(time, "time", lambda: later)
    b = write_feedback(tmp_path / "b", q, REASON_TEXT_ZH)
    monkeypatch.undo()
    assert [p.name for p in a] == [p.name for p in b]
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes(), pa.name
