"""The reviewer's workspace, driven through the real widgets (offscreen)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox
from ui_fixtures import case_with_clip, clip_path, make_window  # noqa: F401  (fixtures)
from ui_helpers import add_finding_with_still, open_case_by_click, wait_for_frame

from cctv_review.domain import CaseStatus, Finding, FindingLevel, LearningLevel
from cctv_review.ui.shortcuts import SHORTCUTS, display_keys


def test_open_case_shows_first_frame_status_and_clip_list(
    qtbot, make_window, store, template, case_with_clip
):
    case, clip = case_with_clip
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-001")
    wait_for_frame(qtbot, window, 0)
    assert window.player.clip.id == clip.id
    assert window.player.clip_list.count() == 1
    assert "Cell 4" in window.player.clip_list.item(0).text()
    assert window.clip_label.text() == "Cell 4"
    assert window.position_label.text().startswith("0:00:00.000")
    assert window.wall_label.text() == "Recorded 2026-03-14 22:00:00 GMT"  # the one rule, store zone
    assert "CR-001" in window.case_header.text()
    # The picture is painted scaled with its aspect ratio (320x240 is 4:3).
    rect = window.player.surface.image_rect()
    assert abs(rect.width() / rect.height() - 4 / 3) < 0.01
    # Opening is audited and remembered.
    assert store.setting("last_case_id") == case.id
    assert any(r["action"] == "case.opened" for r in store.audit_rows())


def test_play_pause_step_jump_and_speed_keys(qtbot, make_window, store, template, case_with_clip):
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-001")
    wait_for_frame(qtbot, window, 0)
    surface = window.player.surface
    surface.setFocus()

    qtbot.keyClick(surface, Qt.Key_Space)
    qtbot.waitUntil(lambda: window.player.playing and window.player.position_ms > 300, timeout=10_000)
    qtbot.keyClick(surface, Qt.Key_Space)
    qtbot.waitUntil(lambda: not window.player.playing, timeout=5_000)
    assert any(r["action"] == "clip.played" for r in store.audit_rows())

    qtbot.keyClick(surface, Qt.Key_Home)  # harmless key: nothing bound
    window.player.seek(2000)
    wait_for_frame(qtbot, window, 2000)
    qtbot.keyClick(surface, Qt.Key_Right)
    wait_for_frame(qtbot, window, 2100)
    qtbot.keyClick(surface, Qt.Key_Right)
    wait_for_frame(qtbot, window, 2200)
    qtbot.keyClick(surface, Qt.Key_Left)
    wait_for_frame(qtbot, window, 2100)
    qtbot.keyClick(surface, Qt.Key_Right, Qt.ShiftModifier)
    wait_for_frame(qtbot, window, 12100)
    qtbot.keyClick(surface, Qt.Key_Left, Qt.ShiftModifier)
    wait_for_frame(qtbot, window, 2100)

    qtbot.keyClick(surface, Qt.Key_3)
    assert window.player.speed == 4.0 and window.player.player.speed == 4.0
    assert window.player.speed_combo.currentText() == "4x"
    qtbot.keyClick(surface, Qt.Key_9)
    assert window.player.speed == 0.25
    # J/K/L shuttle: L plays at 1x, again doubles; K pauses.
    qtbot.keyClick(surface, Qt.Key_L)
    qtbot.waitUntil(lambda: window.player.playing, timeout=5_000)
    assert window.player.speed == 1.0
    qtbot.keyClick(surface, Qt.Key_L)
    assert window.player.speed == 2.0
    qtbot.keyClick(surface, Qt.Key_K)
    qtbot.waitUntil(lambda: not window.player.playing, timeout=5_000)
    assert "2x" in window.speed_label.text()


def test_activity_is_found_once_and_n_p_jump_to_it(qtbot, make_window, store, template, case_with_clip):
    _case, clip = case_with_clip
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-001")
    qtbot.waitUntil(lambda: store.activity(clip.id) is not None, timeout=30_000)
    qtbot.waitUntil(lambda: bool(window.player.timeline.scores), timeout=5_000)
    wait_for_frame(qtbot, window, 0)
    surface = window.player.surface
    surface.setFocus()
    qtbot.keyClick(surface, Qt.Key_N)
    # The moving square starts at 4 s.
    wait_for_frame(qtbot, window, 4000)
    window.player.seek(12000)
    wait_for_frame(qtbot, window, 12000)
    qtbot.keyClick(surface, Qt.Key_P)
    wait_for_frame(qtbot, window, 4000)


def test_clicking_a_finding_marker_seeks_there(qtbot, make_window, store, template, case_with_clip):
    case, clip = case_with_clip
    store.add_finding(
        Finding(
            case_id=case.id,
            clip_id=clip.id,
            position_ms=6500,
            theme="use_of_force",
            level=FindingLevel.SIGNIFICANT,
            note="Taken to the ground",
        )
    )
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-001")
    wait_for_frame(qtbot, window, 0)
    timeline = window.player.timeline
    assert [m.position_ms for m in timeline.markers] == [6500]
    x = round(timeline.x_for(6500))
    qtbot.mouseClick(timeline, Qt.LeftButton, pos=QPoint(x, round(timeline.marker_y())))
    wait_for_frame(qtbot, window, 6500)
    assert window.findings.selected_id() == timeline.markers[0].id


def test_add_finding_with_the_keyboard(qtbot, make_window, store, template, case_with_clip):
    case, clip = case_with_clip
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-001")
    wait_for_frame(qtbot, window, 0)
    window.player.seek(3000)
    wait_for_frame(qtbot, window, 3000)
    surface = window.player.surface
    surface.setFocus()
    qtbot.keyClick(surface, Qt.Key_Space)
    qtbot.waitUntil(lambda: window.player.playing, timeout=5_000)

    qtbot.keyClick(surface, Qt.Key_F)
    qtbot.waitUntil(
        lambda: window.finding_editor is not None and window.finding_editor.isVisible(), timeout=5_000
    )
    editor = window.finding_editor
    assert not window.player.playing  # F pauses
    position = window.player.position_ms
    qtbot.keyClick(editor.theme, Qt.Key_U)  # the theme's key letter
    assert editor.theme.currentData() == "use_of_force"
    editor.level.setCurrentIndex(editor.level.findData("significant"))
    editor.note.setFocus()
    qtbot.keyClicks(editor.note, "Arm lock applied without warning")
    editor.capture.setChecked(True)
    qtbot.keyClick(editor.note, Qt.Key_Return, Qt.ControlModifier)
    qtbot.waitUntil(lambda: len(store.list_findings(case.id)) == 1, timeout=5_000)
    # The still is decoded at full size in a worker and attached when ready.
    qtbot.waitUntil(lambda: store.list_findings(case.id)[0].still_path != "", timeout=15_000)

    (finding,) = store.list_findings(case.id)
    assert (finding.theme, finding.level, finding.note) == (
        "use_of_force",
        FindingLevel.SIGNIFICANT,
        "Arm lock applied without warning",
    )
    assert finding.clip_id == clip.id and finding.position_ms == position
    assert finding.still_path and __import__("pathlib").Path(finding.still_path).is_file()
    assert window.findings.tree.topLevelItemCount() == 1
    assert [m.position_ms for m in window.player.timeline.markers] == [position]
    assert store.get_case(case.id).status == CaseStatus.IN_PROGRESS


def test_findings_list_double_click_seeks_edit_and_confirmed_delete(
    qtbot, make_window, store, template, case_with_clip, monkeypatch
):
    case, clip = case_with_clip
    for ms in (8000, 2500):
        store.add_finding(
            Finding(
                case_id=case.id,
                clip_id=clip.id,
                position_ms=ms,
                theme="welfare",
                level=FindingLevel.SOME,
                note=f"at {ms}",
            )
        )
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-001")
    wait_for_frame(qtbot, window, 0)
    tree = window.findings.tree
    note = window.findings.COLUMNS.index("Note")
    assert [tree.topLevelItem(i).text(note) for i in range(2)] == ["at 2500", "at 8000"]  # sorted by time

    window.side_pane.show_findings()  # in a short window the findings share tabs with the form
    qtbot.waitUntil(lambda: tree.isVisible() and tree.viewport().height() > 40, timeout=5_000)
    item = tree.topLevelItem(1)
    tree.scrollToItem(item)
    rect = tree.visualItemRect(item)
    spot = QPoint(min(rect.center().x(), tree.viewport().width() // 2), rect.center().y())  # a narrow pane
    with qtbot.waitSignal(window.findings.seekRequested, timeout=5_000):
        qtbot.mouseClick(tree.viewport(), Qt.LeftButton, pos=spot)
        qtbot.mouseDClick(tree.viewport(), Qt.LeftButton, pos=spot)
    wait_for_frame(qtbot, window, 8000)

    tree.setCurrentItem(tree.topLevelItem(0))
    qtbot.mouseClick(window.findings.edit_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.finding_editor is not None, timeout=5_000)
    window.finding_editor.note.setPlainText("edited note")
    window.finding_editor.accept()
    qtbot.waitUntil(lambda: any(f.note == "edited note" for f in store.list_findings(case.id)), timeout=5_000)

    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a) or QMessageBox.No)
    tree.setCurrentItem(tree.topLevelItem(0))
    qtbot.mouseClick(window.findings.delete_button, Qt.LeftButton)
    assert asked and len(store.list_findings(case.id)) == 2  # refused: nothing deleted
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    tree.setCurrentItem(tree.topLevelItem(0))
    qtbot.mouseClick(window.findings.delete_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: len(store.list_findings(case.id)) == 1, timeout=5_000)
    assert tree.topLevelItemCount() == 1
    deleted = [r for r in store.audit_rows() if r["action"] == "finding.deleted"]
    assert len(deleted) == 1 and "edited note" in deleted[0]["detail"]


def test_answers_save_as_they_change_and_show_if_is_live(qtbot, make_window, store, template, case_with_clip):
    case, _clip = case_with_clip
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-001")
    form = window.form
    gaps = form.rows["footage.gaps"]
    assert gaps.isHidden()
    qtbot.mouseClick(form.rows["footage.complete"].buttons["no"], Qt.LeftButton)
    assert store.answers(case.id)["footage.complete"] == "no"
    assert not gaps.isHidden()
    gaps.edit.setFocus()
    qtbot.keyClicks(gaps.edit, "Corridor camera missing")
    qtbot.waitUntil(
        lambda: store.answers(case.id).get("footage.gaps") == "Corridor camera missing", timeout=5_000
    )

    combo = form.rows["arrival.wait"].combo
    combo.setCurrentIndex(combo.findData("over_2_hours"))
    assert store.answers(case.id)["arrival.wait"] == "over_2_hours"
    qtbot.mouseClick(form.rows["search.searched"].buttons["yes"], Qt.LeftButton)
    form.rows["search.type"].buttons["strip_search"].click()  # just shown: its geometry is not laid out yet
    assert store.answers(case.id)["search.type"] == ["strip_search"]
    assert not form.rows["search.strip_authorised"].isHidden()
    # A click on the chosen answer clears it, and the dependent question disappears again.
    qtbot.mouseClick(form.rows["footage.complete"].buttons["no"], Qt.LeftButton)
    assert "footage.complete" not in store.answers(case.id)
    assert gaps.isHidden()
    # A time answer is checked; a bad one is explained, not saved.
    time_row = form.rows["arrival.time"]
    time_row.edit.setFocus()
    qtbot.keyClicks(time_row.edit, "later")
    form.flush()
    assert "arrival.time" not in store.answers(case.id)
    assert not time_row.problem.isHidden()
    assert "answered" in form.progress_label.text()
    assert store.get_case(case.id).status == CaseStatus.IN_PROGRESS


def test_typing_in_text_fields_is_never_taken_by_shortcuts(
    qtbot, make_window, store, template, case_with_clip
):
    case, _clip = case_with_clip
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-001")
    wait_for_frame(qtbot, window, 0)
    window.form.rationale.setFocus()
    qtbot.keyClicks(window.form.rationale, "f j k l n p 1 3")
    qtbot.keyClick(window.form.rationale, Qt.Key_Left)
    window.form.flush()
    assert window.form.rationale.toPlainText() == "f j k l n p 1 3"
    assert window.finding_editor is None
    assert not window.player.playing and window.player.speed == 1.0
    assert store.get_case(case.id).outcome_rationale == "f j k l n p 1 3"


def test_completion_is_refused_until_required_answers_then_completes_and_summary_changes(
    qtbot, make_window, store, template, case_with_clip
):
    from cctv_review.demo import answer_everything

    case, _clip = case_with_clip
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-001")
    window.tabs.setCurrentWidget(window.summary)
    assert (
        window.summary.headline.text()
        == "No cases have been completed yet, so there are no findings to report."
    )
    window.tabs.setCurrentIndex(0)

    qtbot.mouseClick(window.form.complete_button, Qt.LeftButton)
    box = window.message_box
    assert box is not None and box.isVisible()
    assert "cannot be completed yet" in box.text()
    assert "Choose the overall outcome" in box.text() and "Answer:" in box.text()
    box.accept()
    assert store.get_case(case.id).status == CaseStatus.NOT_STARTED

    answer_everything(store, template, case.id, {"uof.force_used": "no"})
    window.form.load()
    qtbot.mouseClick(window.form.outcome_buttons["significant"], Qt.LeftButton)
    window.form.rationale.setFocus()
    qtbot.keyClicks(window.form.rationale, "Restraint was not justified.")
    qtbot.keyClick(window.form.rationale, Qt.Key_Return, Qt.ControlModifier)  # Case > Complete (Ctrl+Enter)
    qtbot.waitUntil(lambda: store.get_case(case.id).status == CaseStatus.COMPLETE, timeout=5_000)
    done = store.get_case(case.id)
    assert (
        done.outcome == LearningLevel.SIGNIFICANT and done.outcome_rationale == "Restraint was not justified."
    )
    assert not window.form.locked_banner.isHidden()
    assert not window.form.body.isEnabled()
    assert (
        window.window_actions.reopen_action.isEnabled()
        and not window.window_actions.complete_action.isEnabled()
    )
    assert "Complete" in window.case_list.model.cases[0].status.label
    window.window_actions.summary_action.trigger()
    assert window.tabs.currentWidget() is window.summary
    assert window.summary.headline.text() == "Of 1 case reviewed on CCTV, 1 had significant learning (100%)."
    assert window.summary.chart.rows[0][1] == 1


def test_clip_that_fails_shows_the_engine_message_and_case_stays_usable(
    qtbot, make_window, store, template, tmp_path
):
    from cctv_review.domain import Case, Clip

    case = store.add_case(Case(reference="CR-BAD"))
    store.add_clip(Clip(case_id=case.id, path=str(tmp_path / "gone.mp4"), camera="Desk", duration_ms=5000))
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-BAD")
    qtbot.waitUntil(lambda: window.player.failed, timeout=10_000)
    assert "gone.mp4" in window.player.surface.message and "cannot be found" in window.player.surface.message
    assert not window.player.play_button.isEnabled()
    qtbot.keyClick(window.player.surface, Qt.Key_Space)  # no crash, nothing plays
    qtbot.mouseClick(window.form.rows["footage.complete"].buttons["yes"], Qt.LeftButton)
    assert store.answers(case.id)["footage.complete"] == "yes"


def test_add_clip_hashes_in_a_worker_and_shows_it(qtbot, make_window, store, template, clip_path):
    from cctv_review.domain import Case

    store.add_case(Case(reference="CR-NEW"))
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-NEW")
    assert "no clips yet" in window.player.surface.message
    window.footage.start_add_clip(str(clip_path), "Booking desk")
    qtbot.waitUntil(lambda: window.player.clip is not None, timeout=15_000)
    wait_for_frame(qtbot, window, 0)
    (clip,) = store.list_clips(window.session.case_id)
    assert clip.camera == "Booking desk" and len(clip.sha256) == 64


def test_case_list_filters(qtbot, make_window, store, template):
    from cctv_review.domain import Case

    store.add_case(Case(reference="CR-100", custody_suite="Northgate", child=True))
    store.add_case(Case(reference="CR-200", custody_suite="Riverside"))
    store.add_case(Case(reference="XY-300", custody_suite="Riverside", child=True))
    window = make_window(store, template)
    cl = window.case_list
    assert cl.proxy.rowCount() == 3
    qtbot.keyClicks(cl.search, "cr-")
    assert cl.proxy.rowCount() == 2
    cl.suite.setCurrentIndex(cl.suite.findData("Riverside"))
    assert [cl.proxy.index(r, 0).data() for r in range(cl.proxy.rowCount())] == ["CR-200"]
    cl.search.clear()
    cl.flag_actions["child"].setChecked(True)
    assert [cl.proxy.index(r, 0).data() for r in range(cl.proxy.rowCount())] == ["XY-300"]
    cl.suite.setCurrentIndex(0)
    cl.status.setCurrentIndex(cl.status.findData("complete"))
    assert cl.proxy.rowCount() == 0
    assert "0 of 3" in cl.count_label.text()


def test_help_lists_every_shortcut(qtbot, make_window, store, template):
    window = make_window(store, template)
    window.window_actions.shortcuts_action.trigger()
    table = window.shortcuts_dialog.table
    assert table.rowCount() == len(SHORTCUTS)
    keys = {table.item(r, 0).text() for r in range(table.rowCount())}
    for expected in (
        "Space",
        "Left",
        "Right",
        "Shift+Left",
        "Shift+Right",
        "J",
        "K",
        "L",
        "N",
        "P",
        "F",
        "1",
    ):
        assert expected in keys
    assert all(display_keys(s) in keys for s in SHORTCUTS)


def test_splitter_sizes_are_remembered(qtbot, make_window, store, template):
    window = make_window(store, template)
    window.work_splitter.setSizes([400, 900])
    sizes = window.work_splitter.sizes()
    window.shutdown()
    again = make_window(store, template)
    assert again.work_splitter.sizes() == sizes


def test_file_export_offers_the_cases_the_list_shows(
    qtbot, make_window, store, template, monkeypatch, tmp_path
):
    import csv

    from cctv_review.domain import Case
    from cctv_review.ui.export_dialog import ExportDialog

    for ref, suite in (("CR-100", "Northgate"), ("CR-200", "Riverside"), ("CR-300", "Riverside")):
        store.add_case(Case(reference=ref, custody_suite=suite))
    window = make_window(store, template)
    opened = []
    monkeypatch.setattr(ExportDialog, "exec", lambda self: opened.append(self) or 0)

    window.export()  # unfiltered: every case, no "selected" choice
    assert opened[-1].case_ids is None and not opened[-1].selected_check.isVisibleTo(opened[-1])

    cl = window.case_list
    cl.suite.setCurrentIndex(cl.suite.findData("Riverside"))
    window.export()
    dialog = opened[-1]
    qtbot.addWidget(dialog)
    assert dialog.selected_check.isChecked() and "2 selected cases" in dialog.selected_check.text()
    dialog.set_format("csv")
    dialog.set_destination(tmp_path / "riverside")
    qtbot.mouseClick(dialog.export_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not dialog.running and bool(dialog.written), timeout=30_000)
    with open(tmp_path / "riverside" / "cases.csv", encoding="utf-8-sig", newline="") as handle:
        assert sorted(r["reference"] for r in csv.DictReader(handle)) == ["CR-200", "CR-300"]


def test_one_second_jumps_and_j_plays_backwards(qtbot, make_window, store, template, case_with_clip):
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-001")
    wait_for_frame(qtbot, window, 0)
    surface = window.player.surface
    surface.setFocus()
    window.player.seek(8000)
    wait_for_frame(qtbot, window, 8000)
    qtbot.keyClick(surface, Qt.Key_Right, Qt.ControlModifier)
    wait_for_frame(qtbot, window, 9000)
    qtbot.keyClick(surface, Qt.Key_Left, Qt.ControlModifier)
    wait_for_frame(qtbot, window, 8000)

    # J: backwards at 1x, shown frame by frame from the engine, wall-clock paced.
    qtbot.keyClick(surface, Qt.Key_J)
    assert window.player.reverse_speed == 1.0 and "-1x" in window.speed_label.text()
    seen = []
    qtbot.waitUntil(
        lambda: seen.append(window.player.player.last_frame.position_ms) or seen[-1] <= 7000, timeout=10_000
    )
    assert not window.player.playing
    assert len(set(seen)) >= 5 and seen == sorted(seen, reverse=True)  # several frames, only going back
    qtbot.keyClick(surface, Qt.Key_J)
    assert window.player.reverse_speed == 2.0 and "-2x" in window.speed_label.text()
    qtbot.keyClick(surface, Qt.Key_K)
    assert window.player.reverse_speed == 0.0 and "1x" in window.speed_label.text()
    stopped = window.player.position_ms
    qtbot.wait(300)
    assert abs(window.player.position_ms - stopped) <= 100

    # Fast reverse runs into the start of the clip and stops there.
    window.player.seek(1500)
    wait_for_frame(qtbot, window, 1500)
    for _ in range(5):
        qtbot.keyClick(surface, Qt.Key_J)
    assert window.player.reverse_speed == 16.0
    qtbot.waitUntil(lambda: window.player.reverse_speed == 0.0, timeout=10_000)
    wait_for_frame(qtbot, window, 0)
    # L after J plays forward again.
    qtbot.keyClick(surface, Qt.Key_L)
    qtbot.waitUntil(lambda: window.player.playing, timeout=5_000)
    qtbot.keyClick(surface, Qt.Key_K)


def test_readme_documents_every_shortcut():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for spec in SHORTCUTS:
        keys = ", ".join(f"`{k}`" for k in spec.keys)
        assert f"| {keys} | {spec.description} |" in readme, spec


def test_a_still_that_cannot_be_made_keeps_the_finding_and_says_why(
    qtbot, make_window, store, template, tmp_path
):
    import shutil

    from ui_fixtures import write_clip

    from cctv_review.clips import add_clip_file
    from cctv_review.domain import Case

    path = write_clip(tmp_path / "doomed.avi", seconds=4)
    case = store.add_case(Case(reference="CR-404"))
    add_clip_file(store, case.id, path, "Cell 9")
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-404")
    wait_for_frame(qtbot, window, 0)
    shutil.move(str(path), str(tmp_path / "moved-away.avi"))  # the footage goes missing mid-review

    add_finding_with_still(qtbot, window, "Hatch check only")
    qtbot.waitUntil(lambda: window.message_box is not None and window.message_box.isVisible(), timeout=15_000)
    assert "The still could not be made" in window.message_box.text()
    assert "doomed.avi" in window.message_box.text()
    (finding,) = store.list_findings(case.id)
    assert finding.note == "Hatch check only" and finding.still_path == ""


def test_cancelling_add_clip_stores_nothing(qtbot, make_window, store, template, clip_path, monkeypatch):
    import time

    from PySide6.QtWidgets import QProgressDialog

    from cctv_review import clips, hashing
    from cctv_review.domain import Case

    def slow_hash(path, progress=None, cancel=None):  # a long file, fingerprinted slowly
        for i in range(400):
            if cancel is not None and cancel():
                raise hashing.HashCancelled(str(path))
            if progress is not None:
                progress(i / 400)
            time.sleep(0.01)
        return "0" * 64

    monkeypatch.setattr(clips, "sha256_file", slow_hash)
    store.add_case(Case(reference="CR-NEW"))
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-NEW")
    task = window.footage.start_add_clip(str(clip_path), "Booking desk")
    qtbot.waitUntil(
        lambda: (
            window.findChild(QProgressDialog) is not None and window.findChild(QProgressDialog).value() > 0
        ),
        timeout=10_000,
    )
    from PySide6.QtWidgets import QPushButton

    dialog = window.findChild(QProgressDialog)
    cancel_button = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Cancel")
    qtbot.mouseClick(cancel_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: task.done.is_set(), timeout=10_000)
    qtbot.waitUntil(lambda: "cancelled" in window.statusBar().currentMessage(), timeout=5_000)
    assert store.list_clips() == []
    assert not any(r["action"] == "clip.added" for r in store.audit_rows())


def test_cancel_pressed_as_hashing_ends_stores_nothing(
    qtbot, make_window, store, template, clip_path, monkeypatch
):
    import threading

    from cctv_review import clips
    from cctv_review.domain import Case

    release = threading.Event()

    def hash_that_ignores_cancel(path, progress=None, cancel=None):  # the last block is being read
        assert release.wait(10)
        return "0" * 64

    monkeypatch.setattr(clips, "sha256_file", hash_that_ignores_cancel)
    store.add_case(Case(reference="CR-NEW"))
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-NEW")
    task = window.footage.start_add_clip(str(clip_path), "Booking desk")
    task.cancel()  # Cancel pressed; the work still completes
    with qtbot.waitSignal(task.signals.finished, timeout=10_000):
        release.set()
    qtbot.waitUntil(lambda: "cancelled" in window.statusBar().currentMessage(), timeout=5_000)
    assert store.list_clips() == [] and window.session.clips() == []
    assert not any(r["action"] == "clip.added" for r in store.audit_rows())
