"""Add footage…, fixing clips and case details afterwards, through the real widgets (offscreen)."""

from __future__ import annotations

import csv
import shutil
import sys
from datetime import date, datetime, timezone
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from ui_fixtures import case_with_clip, clip_path, make_window, write_clip  # noqa: F401  (fixtures)
from ui_helpers import open_case_by_click, wait_for_frame

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from footage_helpers import make_avi

from cctv_review.domain import Case, Finding, FindingLevel, LearningLevel
from cctv_review.export import export
from cctv_review.ui.add_footage import COL_ADD, COL_CAMERA, COL_START
from cctv_review.ui.case_dialog import CaseDialog
from cctv_review.ui.clip_dialog import ClipDialog, RemoveClipDialog


def _actions(store) -> list[str]:
    return [r["action"] for r in store.audit_rows()]


def _wait_stored(qtbot, window, count: int) -> None:
    """Wait for the store job (its own connection) and the GUI's handling of its result."""
    qtbot.waitUntil(lambda: window.player.clip_list.count() == count, timeout=20_000)
    assert window.footage.store_task is not None and window.footage.store_task.done.is_set()


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "Custody desk"
    make_avi(folder / "CR-2026-0042_a.avi", frames=40)
    make_avi(folder / "b.avi", frames=40, shade=120)
    (folder / "notes.txt").write_text("not footage")
    return folder


def test_add_footage_cancel_stores_nothing_then_confirm_the_list(
    qtbot, make_window, store, template, tmp_path
):
    store.add_case(Case(reference="CR-2026-0042"))
    folder = _folder(tmp_path)
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-2026-0042")
    assert window.window_actions.add_clip_action.text().startswith("&Add footage")

    footage = window.footage
    task = footage.start_add_footage([str(folder)])
    footage.footage_progress.canceled.emit()  # the progress dialog's Cancel button
    qtbot.waitUntil(lambda: task.done.is_set(), timeout=20_000)
    qtbot.waitUntil(lambda: "nothing was stored" in window.statusBar().currentMessage(), timeout=5_000)
    assert footage.confirm_dialog is None and store.list_clips() == []
    assert "clip.added" not in _actions(store)

    task = footage.start_add_footage([str(folder)])
    qtbot.waitUntil(
        lambda: footage.confirm_dialog is not None and footage.confirm_dialog.isVisible(), timeout=30_000
    )
    dialog = footage.confirm_dialog
    table = dialog.table
    names = [table.item(r, 1).text() for r in range(table.rowCount())]
    assert names == ["b.avi", "CR-2026-0042_a.avi", "notes.txt"]
    # The camera is the folder's name, never the file name (which holds the custody number).
    assert [table.item(r, COL_CAMERA).text() for r in range(2)] == ["Custody desk", "Custody desk"]
    assert "Left out" in table.item(2, 6).text()
    table.item(0, COL_CAMERA).setText("Booking-in desk")
    table.item(0, COL_START).setText("2026-03-29 00:30:00")  # GMT: the clocks go forward at 01:00
    table.item(1, COL_START).setText("2026-03-29 02:15:07")  # BST
    table.item(1, COL_ADD).setCheckState(Qt.CheckState.Checked)
    dialog._accept()
    assert not dialog.isVisible()
    _wait_stored(qtbot, window, 2)
    clips = {Path(c.path).name: c for c in store.list_clips()}
    assert set(clips) == {"b.avi", "CR-2026-0042_a.avi"}
    assert clips["b.avi"].camera == "Booking-in desk"
    assert clips["b.avi"].recorded_start == datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc)
    assert clips["CR-2026-0042_a.avi"].recorded_start == datetime(2026, 3, 29, 1, 15, 7, tzinfo=timezone.utc)
    assert {c.recorded_start_source for c in clips.values()} == {"typed"}
    assert window.player.clip_list.count() == 2

    # Again: both refused as already in the case; nothing can be added.
    footage.confirm_dialog = None
    footage.start_add_footage([str(folder / "b.avi")])
    qtbot.waitUntil(
        lambda: footage.confirm_dialog is not None and footage.confirm_dialog.isVisible(), timeout=30_000
    )
    again = footage.confirm_dialog
    assert "already in this case (as Booking-in desk)" in again.table.item(0, 6).text()
    assert not again.add_button.isEnabled()
    again.reject()
    assert len(store.list_clips()) == 2


def test_a_typed_start_that_never_happened_is_refused_and_nothing_is_stored(
    qtbot, make_window, store, template, tmp_path
):
    store.add_case(Case(reference="CR-3"))
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-3")
    footage = window.footage
    footage.start_add_footage([str(make_avi(tmp_path / "x" / "c.avi"))])
    qtbot.waitUntil(
        lambda: footage.confirm_dialog is not None and footage.confirm_dialog.isVisible(), timeout=30_000
    )
    dialog = footage.confirm_dialog
    dialog.table.item(0, COL_START).setText("2026-03-29 01:30:00")  # skipped when the clocks went forward
    dialog._accept()
    assert dialog.isVisible() and "never happened" in dialog.error.text()
    assert store.list_clips() == []


def test_new_case_has_no_detention_date_until_one_is_given(qapp):
    dialog = CaseDialog(["Northgate"], "reviewer1")
    dialog.reference.setText("CR-1")
    assert dialog.values()["detention_date"] is None and not dialog.date.isEnabled()
    dialog.date.setDate(QDate(2026, 2, 3))  # choosing a date makes it known
    assert dialog.values()["detention_date"] == date(2026, 2, 3)
    dialog.deleteLater()


def test_case_details_and_clip_start_edited_are_audited_and_show_in_summary_and_exports(
    qtbot, make_window, store, template, case_with_clip, tmp_path, answer_all
):
    case, clip = case_with_clip
    store.add_finding(
        Finding(case_id=case.id, theme="rousing", level=FindingLevel.SOME, clip_id=clip.id, position_ms=2000)
    )
    answer_all(store, template, case.id)
    store.set_outcome(case.id, LearningLevel.SOME, "Rousing was late.")
    store.complete_case(case.id, template)  # the summary counts completed cases
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-001")
    wait_for_frame(qtbot, window, 0)

    dialog = CaseDialog(window.session.suites(), "reviewer1", window, case=window.session.case)
    assert dialog.values()["custody_suite"] == "Northgate" and dialog.flags["use_of_force"].isChecked()
    dialog.suite.setCurrentText("Southport")
    dialog.date.setDate(QDate(2026, 3, 14))
    dialog.flags["child"].setChecked(True)
    dialog.flags["use_of_force"].setChecked(False)
    changes = dialog.changes()
    assert changes == {
        "custody_suite": "Southport",
        "detention_date": date(2026, 3, 14),
        "child": True,
        "use_of_force": False,
    }
    assert window.save_case_details(changes)
    entry = store.audit_rows()[-1]
    assert (
        entry["action"] == "case.changed"
        and "Northgate" in entry["detail"]
        and "Southport" in entry["detail"]
    )
    assert "Southport" in window.case_header.text() and "14 Mar 2026" in window.case_header.text()
    summary = window.session.summary().to_dict()
    assert "Southport" in str(summary) and "Northgate" not in str(summary)

    tz = window.session.recorder_zone()
    clip_dialog = ClipDialog(window.session.clip(clip.id), tz, window)
    clip_dialog.start.line.selectAll()
    qtbot.keyClicks(clip_dialog.start.line, "2026-07-12 00:59:47")  # typed as the recorder shows it: BST
    clip_dialog._accept()
    assert clip_dialog.changes()["recorded_start"] == datetime(2026, 7, 11, 23, 59, 47, tzinfo=timezone.utc)
    window.footage.apply_clip_changes(clip.id, clip_dialog.changes())
    assert store.audit_rows()[-1]["action"] == "clip.changed"
    assert store.get_clip(clip.id).recorded_start_source == "typed"
    assert "14 Mar 2026" not in window.player.clip_list.item(0).text()  # the list shows the new start

    export(store, template, "csv", tmp_path / "out")
    with open(tmp_path / "out" / "cases.csv", encoding="utf-8-sig", newline="") as handle:
        row = next(csv.DictReader(handle))
    assert "Southport" in row.values() and "2026-03-14" in row.values()
    findings = (tmp_path / "out" / "findings.csv").read_text(encoding="utf-8-sig")
    # The finding 2 s in is at the new recorded start + 2 s (UTC today; store zone once exports use it).
    assert "2026-07-11T23:59:49" in findings or "2026-07-12 00:59:49" in findings
    assert store.verify_audit().ok


def test_remove_clip_moves_its_findings_and_relink_needs_the_same_footage(
    qtbot, make_window, store, template, case_with_clip, tmp_path
):
    case, clip = case_with_clip
    other_path = write_clip(tmp_path / "desk.avi", seconds=3)
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-001")
    wait_for_frame(qtbot, window, 0)
    footage = window.footage
    footage.start_add_footage([str(other_path)])
    qtbot.waitUntil(
        lambda: footage.confirm_dialog is not None and footage.confirm_dialog.isVisible(), timeout=30_000
    )
    footage.confirm_dialog.table.item(0, COL_CAMERA).setText("Desk")
    footage.confirm_dialog._accept()
    _wait_stored(qtbot, window, 2)
    desk = next(c for c in store.list_clips() if c.camera == "Desk")
    finding = store.add_finding(
        Finding(case_id=case.id, theme="rousing", level=FindingLevel.SOME, clip_id=clip.id, position_ms=1000)
    )
    window.session.open_case(None)
    open_case_by_click(qtbot, window, "CR-001")

    # Relink: a different file is refused; the moved original is accepted.
    task = footage.relink_clip(desk.id, str(clip_path_of(store, clip.id)))
    qtbot.waitUntil(lambda: task.done.is_set(), timeout=20_000)
    qtbot.waitUntil(lambda: window.message_box is not None and window.message_box.isVisible(), timeout=5_000)
    assert "SHA-256 differs" in window.message_box.text()
    window.message_box.close()
    moved = tmp_path / "moved" / "desk-moved.avi"
    moved.parent.mkdir()
    shutil.copy(other_path, moved)
    task = footage.relink_clip(desk.id, str(moved))
    qtbot.waitUntil(lambda: store.get_clip(desk.id).path == str(moved.resolve()), timeout=20_000)
    assert "clip.relinked" in _actions(store)

    dialog = RemoveClipDialog(
        clip, window.session.findings_on_clip(clip.id), [window.session.clip(desk.id)], window
    )
    assert dialog.choice() == {"move_findings_to": desk.id}
    footage.apply_remove(clip.id, **dialog.choice())
    assert [c.id for c in store.list_clips()] == [desk.id]
    assert store.get_finding(finding.id).clip_id == desk.id
    assert window.session.finding(finding.id).clip_id == desk.id
    assert window.player.clip_list.count() == 1
    assert store.verify_audit().ok


def clip_path_of(store, clip_id: int) -> str:
    return store.get_clip(clip_id).path
