"""The Export dialog, driven with pytest-qt offscreen."""

from __future__ import annotations

import csv
from datetime import date

from openpyxl import load_workbook
from pypdf import PdfReader
from PySide6.QtCore import QDate, Qt
from test_export_sample import REFERENCES, seeded  # noqa: F401

from cctv_review.summary import summarise
from cctv_review.ui.export_dialog import ExportDialog
from cctv_review.ui.services import ReviewSession


def run(qtbot, dialog):
    with qtbot.waitSignal(dialog.exported, timeout=30_000):
        qtbot.mouseClick(dialog.export_button, Qt.LeftButton)


def test_dialog_exports_a_workbook(qtbot, seeded, template, tmp_path):
    store, _ = seeded
    dialog = ExportDialog(ReviewSession(store, template))
    qtbot.addWidget(dialog)
    assert dialog.fmt == "xlsx"
    dialog.set_destination(tmp_path / "from-dialog")
    run(qtbot, dialog)
    out = tmp_path / "from-dialog.xlsx"
    assert dialog.written == [out]
    assert load_workbook(out)["Summary"]["A1"].value == summarise(store, template).headline
    assert str(out) in dialog.status_label.text()
    assert dialog.export_button.isEnabled() and not dialog.running
    assert [r for r in store.audit_rows() if r["action"] == "exported"]


def test_dialog_pdf_in_a_worker_thread(qtbot, seeded, template, tmp_path):
    store, _ = seeded
    dialog = ExportDialog(ReviewSession(store, template))
    qtbot.addWidget(dialog)
    dialog.set_destination(tmp_path / "report.xlsx")
    dialog.set_format("pdf")
    assert dialog.destination_edit.text() == str(tmp_path / "report.pdf")  # extension follows the format
    run(qtbot, dialog)
    reader = PdfReader(str(tmp_path / "report.pdf"))
    assert len(reader.pages) > 1
    assert "significant learning" in " ".join(reader.pages[0].extract_text().split())


def test_dialog_csv_selected_cases_redacted(qtbot, seeded, template, tmp_path):
    store, ids = seeded
    picked = [ids[REFERENCES[0]], ids[REFERENCES[2]]]
    dialog = ExportDialog(ReviewSession(store, template), case_ids=picked)
    qtbot.addWidget(dialog)
    assert dialog.selected_check.isChecked() and "2 selected cases" in dialog.selected_check.text()
    dialog.set_format("csv")
    dialog.redact_check.setChecked(True)
    dialog.set_destination(tmp_path / "csv")
    assert dialog.options() == {"redact": True, "case_ids": picked}
    run(qtbot, dialog)
    with open(tmp_path / "csv" / "cases.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2 and all(r["pseudonym"].startswith("CASE-") for r in rows)


def test_dialog_date_range_and_error_message(qtbot, seeded, template, tmp_path):
    store, _ = seeded
    dialog = ExportDialog(ReviewSession(store, template))
    qtbot.addWidget(dialog)
    assert not dialog.date_from.isEnabled()
    dialog.range_check.setChecked(True)
    assert dialog.date_from.isEnabled()
    assert dialog.date_from.date() == QDate(2026, 1, 10)  # the store's first detention date
    dialog.date_from.setDate(QDate(2030, 1, 1))
    dialog.date_to.setDate(QDate(2030, 12, 31))
    assert dialog.options()["date_from"] == date(2030, 1, 1)
    dialog.set_destination(tmp_path / "none.xlsx")
    qtbot.mouseClick(dialog.export_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: bool(dialog.error), timeout=30_000)
    assert "There are no cases to export" in dialog.status_label.text()
    assert not (tmp_path / "none.xlsx").exists()
    assert dialog.export_button.isEnabled() and dialog.close_button.isEnabled()


def test_dialog_needs_a_destination(qtbot, seeded, template):
    store, _ = seeded
    dialog = ExportDialog(ReviewSession(store, template))
    qtbot.addWidget(dialog)
    dialog.set_destination("")
    qtbot.mouseClick(dialog.export_button, Qt.LeftButton)
    assert dialog.error == "Choose where to save the export." and not dialog.running


def test_dialog_says_where_characters_were_replaced(qtbot, template, tmp_path):
    from cctv_review.domain import Case, Finding, FindingLevel
    from cctv_review.store import Store

    with Store(tmp_path / "notes.sqlite") as store:
        case = store.add_case(Case(reference="CR-NOTE"))
        store.add_finding(Finding(case_id=case.id, theme="welfare", level=FindingLevel.SOME, note="x\x03y"))
        dialog = ExportDialog(ReviewSession(store, template))
        qtbot.addWidget(dialog)
        dialog.set_destination(tmp_path / "notes")
        run(qtbot, dialog)
        text = dialog.status_label.text()
        assert "Note: " in text and "CR-NOTE" in text and "U+0003" in text
        assert dialog.notices and dialog.notices[0] in text
