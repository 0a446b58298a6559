"""XLSX export: read back with openpyxl and checked against the summary."""

from __future__ import annotations

import zipfile
from collections import Counter
from datetime import datetime, timedelta

from openpyxl import load_workbook
from test_export_sample import (  # noqa: F401 - seeded is a fixture
    NOTE_ACCENTS,
    NOTE_FORMULA,
    NOTE_MINUS,
    NOTE_PLUS,
    RECORDED_START,
    REFERENCES,
    seeded,
)

from cctv_review.domain import LearningLevel
from cctv_review.export import export
from cctv_review.summary import summarise


def sheet_rows(ws):
    header = [c.value for c in ws[1]]
    return [dict(zip(header, row, strict=False)) for row in ws.iter_rows(min_row=2, values_only=True)]


def find_block(ws, title):
    """The rows of a Summary-sheet table, as {first cell: row values}."""
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == title)
    header = rows[start + 1]
    block = {}
    for r in rows[start + 2 :]:
        if r[0] is None:
            break
        block[r[0]] = dict(zip(header, r, strict=False))
    return block


def test_workbook_sheets_header_and_headline(seeded, template, tmp_path):
    store, _ = seeded
    [path] = export(store, template, "xlsx", tmp_path / "review")  # extension added
    assert path == tmp_path / "review.xlsx"
    wb = load_workbook(path)
    assert wb.sheetnames == ["Summary", "Cases", "Findings", "Answers", "Questions"]
    summary = summarise(store, template)
    ws = wb["Summary"]
    assert ws["A1"].value == summary.headline
    assert ws["A1"].font.b
    assert ws["A2"].value == summary.progress_note
    for name in ("Cases", "Findings", "Answers"):
        assert wb[name].freeze_panes == "A2"
        assert wb[name]["A1"].font.b
        assert wb[name].column_dimensions["A"].width >= 10
    assert wb.properties.creator == "cctv-review"


def test_summary_sheet_figures_are_numbers_equal_to_the_summary(seeded, template, tmp_path):
    store, _ = seeded
    [path] = export(store, template, "xlsx", tmp_path / "r.xlsx")
    ws = load_workbook(path)["Summary"]
    summary = summarise(store, template)
    outcome = find_block(ws, "Outcome of completed cases")
    for level in LearningLevel:
        row = outcome[level.label]
        assert row["Cases"] == summary.by_level[level.value]
        assert isinstance(row["Cases"], int)
        assert abs(row["% of completed"] - summary.level_percent(level) / 100) < 1e-9
    themes = find_block(ws, "Findings by theme (completed cases)")
    for t in summary.by_theme:
        assert themes[t.label]["With significant learning"] == t.significant_cases
        assert themes[t.label]["Findings"] == t.findings
    suites = find_block(ws, "By custody suite")
    assert {k: v["Completed cases"] for k, v in suites.items()} == {
        b.label: b.cases for b in summary.by_suite
    }
    flags = find_block(ws, "By case flag")
    assert {k: v["Significant learning"] for k, v in flags.items()} == {
        b.label: b.significant for b in summary.by_flag
    }


def test_cases_sheet_types(seeded, template, tmp_path):
    store, _ = seeded
    [path] = export(store, template, "xlsx", tmp_path / "r.xlsx")
    wb = load_workbook(path)
    rows = sheet_rows(wb["Cases"])
    summary = summarise(store, template)
    assert [r["Case reference"] for r in rows] == REFERENCES
    done = Counter(r["Outcome"] for r in rows if r["Status"] == "Complete")
    assert all(done[lvl.label] == summary.by_level[lvl.value] for lvl in LearningLevel)
    first = rows[0]
    assert first["Detention date"] == datetime(2026, 1, 10)  # a real date cell
    assert first["Child"] is True and first["Mental health"] is False
    assert first["Findings"] == 3 and isinstance(first["Findings"], int)
    assert isinstance(first["Completed (local time)"], datetime)
    ws = wb["Cases"]
    assert ws["C2"].is_date and ws["C2"].number_format == "yyyy-mm-dd"


def test_findings_sheet_types_and_no_formulas(seeded, template, tmp_path):
    store, _ = seeded
    [path] = export(store, template, "xlsx", tmp_path / "r.xlsx")
    wb = load_workbook(path)
    ws = wb["Findings"]
    rows = sheet_rows(ws)
    assert len(rows) == len(store.list_findings())
    first = rows[0]
    assert first["Clip time"] == timedelta(milliseconds=65_250)  # a real duration
    assert ws["C2"].number_format == "[h]:mm:ss.000"
    # Recorded time is text written by the one rule (the zone's abbreviation tells the repeated hour apart).
    assert first["Recorded time (recorder clock)"] == "2026-01-10 14:06:05 GMT"
    assert first["Note"] == NOTE_ACCENTS
    note_col = [c.value for c in ws[1]].index("Note")
    cells = {c.value: c for c in (row[note_col] for row in ws.iter_rows(min_row=2))}
    for text in (NOTE_FORMULA, NOTE_PLUS, NOTE_MINUS):
        cell = cells[text]  # kept exactly as written...
        assert cell.data_type == "s"  # ...and stored as text, not as a formula
        assert cell.quotePrefix
    # No formula anywhere in the workbook's XML.
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name)


def test_negative_looking_numbers_stay_numeric(store, template, tmp_path):
    """Only text is neutralised: a numeric column keeps real numbers."""
    from cctv_review.export.tabular import Column, Table
    from cctv_review.export.xlsx_export import write_table_sheet
    from cctv_review.export.xlsx_package import Package

    table = Table("t", "T", [Column("n", "N", "int"), Column("s", "S")], [[-5, "-5"]])
    with Package(tmp_path / "t.xlsx", ["T"]) as book:
        write_table_sheet(book, table)
    ws = load_workbook(tmp_path / "t.xlsx").active
    assert ws["A2"].value == -5 and ws["A2"].data_type == "n"
    assert ws["B2"].value == "-5" and ws["B2"].data_type == "s"


def test_workbook_read_back_in_normal_mode_keeps_types_panes_filters_and_formats(seeded, template, tmp_path):
    """The hand-written package (xlsx_package) as openpyxl's full reader sees it."""
    import xml.etree.ElementTree as ET

    store, _ = seeded
    [path] = export(store, template, "xlsx", tmp_path / "r.xlsx")
    with zipfile.ZipFile(path) as z:  # every part is well-formed XML
        assert z.testzip() is None
        for name in z.namelist():
            ET.fromstring(z.read(name))
    wb = load_workbook(path, read_only=False)
    counts = {"Cases": len(REFERENCES), "Findings": len(store.list_findings())}
    for name in ("Cases", "Findings", "Answers"):
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        last = ws.cell(1, ws.max_column).column_letter
        assert ws.auto_filter.ref == f"A1:{last}{ws.max_row}"
        assert ws["A1"].font.b and ws["A1"].fill.fgColor.rgb == "FFDDE4EE"
        if name in counts:
            assert ws.max_row == counts[name] + 1
    cases = wb["Cases"]
    header = [c.value for c in cases[1]]
    date_cell = cases.cell(2, header.index("Detention date") + 1)
    assert date_cell.is_date and date_cell.number_format == "yyyy-mm-dd"
    assert date_cell.value == datetime(2026, 1, 10)
    assert cases.cell(2, header.index("Child") + 1).data_type == "b"
    assert cases.cell(2, header.index("Findings") + 1).data_type == "n"
    completed = cases.cell(2, header.index("Completed (local time)") + 1)
    assert completed.is_date and completed.number_format == "yyyy-mm-dd hh:mm:ss"
    findings = wb["Findings"]
    header = [c.value for c in findings[1]]
    recorded = findings.cell(2, header.index("Recorded time (recorder clock)") + 1)
    assert recorded.data_type == "s" and recorded.value == "2026-01-10 14:06:05 GMT"
    note = findings.cell(2, header.index("Note") + 1)
    assert note.data_type == "s" and note.alignment.wrap_text
    summary = wb["Summary"]
    assert summary.freeze_panes == "A2" and summary["A1"].font.sz == 14
    outcome_row = next(r for r in summary.iter_rows() if r[0].value == LearningLevel.SIGNIFICANT.label)
    assert outcome_row[2].number_format == "0.0%" and outcome_row[2].data_type == "n"


def test_text_is_escaped_and_kept_exactly(store, template, tmp_path):
    from cctv_review.domain import Case, Finding, FindingLevel

    case = store.add_case(Case(reference="CR-<&>"))
    texts = ["  a <b> & c > d  ", "line one\nline two", "tab\tinside", '"quoted" it\'s']
    for text in texts:
        store.add_finding(Finding(case_id=case.id, theme="welfare", level=FindingLevel.SOME, note=text))
    [path] = export(store, template, "xlsx", tmp_path / "t.xlsx")
    rows = sheet_rows(load_workbook(path)["Findings"])
    assert sorted(r["Note"] for r in rows) == sorted(texts)
    assert {r["Case reference"] for r in rows} == {"CR-<&>"}
    with zipfile.ZipFile(path) as z:  # Excel drops leading and trailing spaces unless told to keep them
        assert b'<t xml:space="preserve">  a &lt;b&gt; &amp; c &gt; d  </t>' in z.read(
            "xl/worksheets/sheet3.xml"
        )


def test_serial_numbers_match_openpyxl():
    from openpyxl.utils.datetime import to_excel

    from cctv_review.export import xlsx_package as pkg

    for value in (
        datetime(2026, 1, 10, 14, 6, 5, 250_000),
        datetime(1900, 3, 1),
        datetime(2099, 12, 31, 23, 59),
    ):
        assert abs(pkg.datetime_serial(value) - to_excel(value)) < 1e-9
        assert pkg.date_serial(value.date()) == to_excel(value.date())
    assert pkg.duration_serial(timedelta(milliseconds=65_250)) == to_excel(timedelta(milliseconds=65_250))
    assert pkg.column_letter(1) == "A" and pkg.column_letter(26) == "Z" and pkg.column_letter(28) == "AB"
