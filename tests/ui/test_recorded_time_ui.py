"""Recorded time in the workspace: the date-time box keeps what is typed, the clock correction
(Playback > Correct clock…), Tools > Settings (the store's zone), "Use video time", and findings
that store their camera, frame and recorded time."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from ui_fixtures import case_with_clip, clip_path, make_window  # noqa: F401  (fixtures)
from ui_helpers import add_finding_with_still, open_case_by_click, wait_for_frame

from cctv_review.recorded_time import RecordedTimeError, zone
from cctv_review.ui.datetime_edit import RecordedDateTimeEdit

LONDON = zone("Europe/London")
UTC = timezone.utc


# -- the date-time box -------------------------------------------------------------------------


@pytest.fixture
def edit(qtbot):
    widget = RecordedDateTimeEdit(LONDON)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _type_over(qtbot, edit, text: str) -> None:
    edit.line.setFocus()
    qtbot.keyClick(edit.line, Qt.Key_A, Qt.ControlModifier)
    qtbot.keyClicks(edit.line, text)


def test_what_is_typed_after_ctrl_a_is_what_is_stored_to_the_second(qtbot, edit):
    edit.set_value(datetime.now(UTC))  # "now", with its milliseconds, as the old box started
    with qtbot.waitSignal(edit.valueChanged, timeout=2_000) as changed:
        _type_over(qtbot, edit, "2026-03-20 01:00:30")
    value = edit.value()
    assert value == datetime(2026, 3, 20, 1, 0, 30, tzinfo=UTC)  # GMT in March: UTC+0
    assert value.microsecond == 0 and changed.args[0] == value
    assert edit.text() == "2026-03-20 01:00:30" and not edit.message.isVisible()
    edit.set_value(datetime(2026, 7, 1, 11, 0, 5, 987_000, tzinfo=UTC))
    assert edit.text() == "2026-07-01 12:00:05"  # shown in BST, to the second


def test_a_time_in_the_repeated_hour_asks_which_one(qtbot, edit):
    # Compared in UTC: Python never calls a time in the repeated hour equal to one in another zone (PEP 495).
    _type_over(qtbot, edit, "2026-10-25 01:30:00")
    assert edit.which.isVisible()
    with pytest.raises(RecordedTimeError, match="happens twice"):
        edit.value()
    assert not edit.is_valid()
    labels = [edit.which.itemText(i) for i in range(edit.which.count())]
    assert labels[1:] == ["01:30:00 BST (first)", "01:30:00 GMT (second)"]
    edit.which.setCurrentIndex(2)
    assert edit.value().astimezone(UTC) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    edit.which.setCurrentIndex(1)
    assert edit.value().astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    _type_over(qtbot, edit, "2026-10-25 03:30:00")  # an ordinary time: the choice goes away
    assert not edit.which.isVisible() and edit.is_valid()
    edit.set_value(datetime(2026, 10, 25, 1, 30, tzinfo=UTC))  # a stored second occurrence shows as such
    assert edit.which.isVisible() and edit.which.currentIndex() == 2 and edit.value().hour == 1


def test_a_time_in_the_skipped_hour_is_refused_with_a_message(qtbot, edit):
    _type_over(qtbot, edit, "2026-03-29 01:30:00")
    edit.line.editingFinished.emit()
    assert edit.message.isVisible() and "never happened" in edit.message.text()
    with pytest.raises(RecordedTimeError, match="clocks went forward"):
        edit.value()
    assert edit.text() == "2026-03-29 01:30:00"  # nothing the reviewer typed is changed


def test_blank_and_nonsense(qtbot, edit):
    assert edit.value() is None and edit.is_valid()
    required = RecordedDateTimeEdit(LONDON, optional=False)
    qtbot.addWidget(required)
    assert "Type the date and time" in required.problem()
    _type_over(qtbot, edit, "14/03/2026 10pm")
    edit.line.editingFinished.emit()
    assert "like 2026-03-20 01:00:30" in edit.message.text()


# -- the workspace -------------------------------------------------------------------------------


def test_clock_correction_moves_every_recorded_time_of_the_clip(
    qtbot, make_window, store, template, case_with_clip, monkeypatch
):
    import cctv_review.video.still as still

    case, clip = case_with_clip  # recorded start 2026-03-14 22:00:00 GMT
    captions: list[list[str]] = []
    real_caption_lines = still.caption_lines
    monkeypatch.setattr(
        still, "caption_lines", lambda **kw: captions.append(real_caption_lines(**kw)) or captions[-1]
    )
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-001")
    wait_for_frame(qtbot, window, 0)
    window.player.seek(2000)
    wait_for_frame(qtbot, window, 2000)
    assert window.wall_label.text() == "Recorded 2026-03-14 22:00:02 GMT"

    # The burned-in clock shows 22:05:02: the recorder is 5 minutes slow.
    window.correct_clock_action.trigger()
    qtbot.waitUntil(
        lambda: window.clock_dialog is not None and window.clock_dialog.isVisible(), timeout=5_000
    )
    dialog = window.clock_dialog
    assert dialog.clock.text() == "22:00:02"
    dialog.clock.selectAll()
    qtbot.keyClicks(dialog.clock, "22:05:02")
    assert "5 min slow" in dialog.preview.text() and "2026-03-14 22:05:02 GMT" in dialog.preview.text()
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: store.get_clip(clip.id).clock_offset_ms == 300_000, timeout=5_000)
    [entry] = [r for r in store.audit_rows() if r["action"] == "clip.clock_corrected"]
    detail = json.loads(entry["detail"])
    assert detail["position_ms"] == 2000 and detail["frame"] == 20 and detail["to_ms"] == 300_000
    qtbot.waitUntil(lambda: window.wall_label.text() == "Recorded 2026-03-14 22:05:02 GMT", timeout=5_000)
    assert "2026-03-14 22:05:00 GMT" in window.player.clip_list.item(0).text()  # the clip's start follows

    # A finding made now stores camera, frame and the corrected recorded time; list and still agree.
    add_finding_with_still(qtbot, window, "checked the hatch")
    qtbot.waitUntil(lambda: any(f.still_path for f in store.list_findings(case.id)), timeout=20_000)
    [finding] = store.list_findings(case.id)
    assert (finding.camera, finding.frame, finding.position_ms) == ("Cell 4", 20, 2000)
    assert finding.recorded_at == datetime(2026, 3, 14, 22, 5, 2, tzinfo=UTC)
    item = window.findings.tree.topLevelItem(0)
    assert item.text(0) == "2026-03-14 22:05:02 GMT" and item.text(1) == "Cell 4"
    assert any("Recorded 2026-03-14 22:05:02 GMT" in lines[1] for lines in captions)

    # "Use video time" fills the recorded clock time and the camera.
    row = window.form.rows["arrival.time"]
    qtbot.mouseClick(row.now_button, Qt.LeftButton)
    assert row.edit.text() == "22:05:02 (Cell 4)"
    qtbot.waitUntil(lambda: store.answers(case.id).get("arrival.time") == "22:05:02 (Cell 4)", timeout=5_000)

    # Correcting again moves the finding's stored time in the same write; removing puts it back.
    window.correct_clock_action.trigger()
    qtbot.waitUntil(
        lambda: window.clock_dialog is not None and window.clock_dialog.isVisible(), timeout=5_000
    )
    window.clock_dialog.remove_button.click()
    qtbot.waitUntil(lambda: store.get_clip(clip.id).clock_offset_ms == 0, timeout=5_000)
    assert store.get_finding(finding.id).recorded_at == datetime(2026, 3, 14, 22, 0, 2, tzinfo=UTC)
    qtbot.waitUntil(
        lambda: window.findings.tree.topLevelItem(0).text(0) == "2026-03-14 22:00:02 GMT", timeout=5_000
    )


def test_a_clip_without_a_recorded_start_cannot_have_its_clock_corrected(
    qtbot, make_window, store, template, clip_path
):
    from cctv_review.clips import add_clip_file
    from cctv_review.domain import Case

    case = store.add_case(Case(reference="CR-NOSTART"))
    add_clip_file(store, case.id, clip_path, "Cell 9")
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-NOSTART")
    wait_for_frame(qtbot, window, 0)
    assert window.wall_label.text() == "Recorded time not set"
    window.correct_clock_action.trigger()
    qtbot.waitUntil(lambda: window.message_box is not None and window.message_box.isVisible(), timeout=5_000)
    assert "no recorded start" in window.message_box.text()
    assert window.clock_dialog is None
    # "Use video time" says it is a clip time when there is no recorded start.
    row = window.form.rows["arrival.time"]
    qtbot.mouseClick(row.now_button, Qt.LeftButton)
    assert row.edit.text() == "0:00:00 (clip time, Cell 9)"


def test_settings_change_the_store_zone_audited_and_every_view_follows(
    qtbot, make_window, store, template, case_with_clip
):
    from cctv_review.domain import Finding, FindingLevel
    from cctv_review.recorded_time import clip_recorded_at

    case, clip = case_with_clip
    store.add_finding(
        Finding(
            case_id=case.id,
            clip_id=clip.id,
            position_ms=2000,
            theme="welfare",
            level=FindingLevel.SOME,
            camera=clip.camera,
            recorded_at=clip_recorded_at(clip, 2000),
        )
    )
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-001")
    wait_for_frame(qtbot, window, 0)
    assert window.findings.tree.topLevelItem(0).text(0) == "2026-03-14 22:00:02 GMT"

    window.settings_action.trigger()
    qtbot.waitUntil(
        lambda: window.settings_dialog is not None and window.settings_dialog.isVisible(), timeout=5_000
    )
    dialog = window.settings_dialog
    assert dialog.time_zone() == "Europe/London"
    dialog.zone.setCurrentText("Nowhere/Atlantis")
    assert not dialog.ok_button.isEnabled() and "IANA" in dialog.preview.text()
    dialog.zone.setCurrentText("America/New_York")
    assert dialog.ok_button.isEnabled()
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: store.time_zone() == "America/New_York", timeout=5_000)
    assert [json.loads(r["detail"]) for r in store.audit_rows() if r["action"] == "settings.time_zone"] == [
        {"from": "Europe/London", "to": "America/New_York"}
    ]
    # 22:00:02 UTC on 14 March 2026 is 18:00:02 EDT (US summer time began on 8 March).
    qtbot.waitUntil(
        lambda: window.findings.tree.topLevelItem(0).text(0) == "2026-03-14 18:00:02 EDT", timeout=5_000
    )
    assert window.wall_label.text() == "Recorded 2026-03-14 18:00:00 EDT"
    assert "2026-03-14 18:00:00 EDT" in window.player.clip_list.item(0).text()


def test_cli_settings_time_zone(tmp_path, capsys):
    from cctv_review.cli import main
    from cctv_review.store import Store

    db = tmp_path / "r.sqlite"
    assert main(["settings", "time-zone", "--db", str(db)]) == 0
    assert capsys.readouterr().out.startswith("Time zone: Europe/London (GMT/BST)")
    assert main(["settings", "time-zone", "Europe/Dublin", "--db", str(db)]) == 0
    assert "was Europe/London" in capsys.readouterr().out
    assert main(["settings", "time-zone", "Mars/Base", "--db", str(db)]) == 2
    assert "IANA name" in capsys.readouterr().err
    with Store(db) as s:
        assert s.time_zone() == "Europe/Dublin"
        assert [r["action"] for r in s.audit_rows()].count("settings.time_zone") == 1
