"""The case timeline under the video and Ctrl+G, driven as a reviewer would (offscreen).

The case has three cameras, clips made here with ffmpeg (10 fps, small):

* Booking-in desk: one 20 s file with sound, from 23:59:30 (GMT, 14 March 2026);
* Corridor: two files, 23:59:40–00:00:00 and from 00:00:20; the second has
  5 s with no frames inside it (a motion-triggered recorder: 0–5 s, 10–15 s);
* Cell 4: one 30 s file from 00:00:00.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QDialog
from ui_fixtures import make_window  # noqa: F401  (fixture)

from cctv_review.clips import add_clip_file
from cctv_review.domain import Case, Finding, FindingLevel
from cctv_review.palette import FINDING_LEVELS
from cctv_review.recorded_time import zone
from cctv_review.timeline_model import MIN_SPAN_MS, ms_between, ticks, utc
from cctv_review.ui.goto_time import GotoTimeDialog

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg CLI")

LONDON = zone("Europe/London")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def make_clip(path: Path, seconds: int, *, sound: bool = False, gap_after_frame: int | None = None) -> Path:
    """A 160x120 10 fps H.264 clip (sound: a 440 Hz tone; gap: 5 s without frames after that frame)."""
    video = f"testsrc=size=160x120:rate=10:duration={seconds}"
    args = ["-f", "lavfi", "-i", video]
    if sound:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:a", "aac", "-shortest"]
    if gap_after_frame is not None:
        args += [
            "-vf",
            f"settb=1/1000,setpts='N*100+gte(N\\,{gap_after_frame})*5000'",
            "-fps_mode",
            "passthrough",
        ]
        args += ["-video_track_timescale", "1000"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-g", "10", "-pix_fmt", "yuv420p", str(path)]
    ffmpeg(*args)
    return path


@pytest.fixture(scope="module")
def footage(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("case-timeline")
    return {
        "desk": make_clip(folder / "desk.mp4", 20, sound=True),
        "corridor1": make_clip(folder / "corridor1.mp4", 20),
        "corridor2": make_clip(folder / "corridor2.mp4", 10, gap_after_frame=50),
        "cell": make_clip(folder / "cell.mp4", 30),
    }


@pytest.fixture
def case3(store, footage):
    case = store.add_case(Case(reference="CR-3CAM", custody_suite="Northgate"))
    clips = {
        "desk": add_clip_file(
            store, case.id, footage["desk"], "Booking-in desk", at(2026, 3, 14, 23, 59, 30)
        ),
        "corridor1": add_clip_file(
            store, case.id, footage["corridor1"], "Corridor", at(2026, 3, 14, 23, 59, 40)
        ),
        "corridor2": add_clip_file(
            store, case.id, footage["corridor2"], "Corridor", at(2026, 3, 15, 0, 0, 20)
        ),
        "cell": add_clip_file(store, case.id, footage["cell"], "Cell 4", at(2026, 3, 15, 0, 0, 0)),
    }
    store.add_finding(Finding(case_id=case.id, theme="Use of force", level=FindingLevel.SIGNIFICANT,
                              position_ms=5_000, clip_id=clips["cell"].id, note="Held on the bench"))  # fmt: skip
    store.add_finding(Finding(case_id=case.id, theme="Rousing", level=FindingLevel.GOOD_PRACTICE,
                              position_ms=2_000, clip_id=clips["corridor2"].id, note="Roused and spoken to"))  # fmt: skip
    return case, clips


def open_window(qtbot, make_window, store, template, case, clips: int = 4):
    """The main window on ``case``, once the timeline has read what its ``clips`` clips' files say."""
    window = make_window(store, template, restore=False)
    window.open_case(case.id)
    ctl = window.case_timeline
    qtbot.waitUntil(lambda: len(ctl.extras) == clips, timeout=20_000)
    return window, ctl, ctl.timeline


def test_lanes_gaps_sound_and_markers_of_three_cameras(qtbot, make_window, store, template, case3):
    case, clips = case3
    window, _ctl, timeline = open_window(qtbot, make_window, store, template, case)
    model = timeline.model
    # under the video: the player, or the cameras side by side in its place
    assert timeline.isVisible() and timeline.parent() is window.video_area
    assert [lane.camera for lane in model.lanes] == ["Booking-in desk", "Corridor", "Cell 4"]
    desk, corridor, cell = model.lanes
    assert [f.clip_id for f in corridor.files] == [clips["corridor1"].id, clips["corridor2"].id]
    # Between the corridor's files, and inside its second file (from the exact index).
    assert [(g.start, g.end) for g in corridor.gaps] == [
        (at(2026, 3, 15, 0, 0, 0), at(2026, 3, 15, 0, 0, 20)),
        (at(2026, 3, 15, 0, 0, 25), at(2026, 3, 15, 0, 0, 30)),
    ]
    assert desk.gaps == () and cell.gaps == ()
    assert desk.has_audio and not corridor.has_audio and not cell.has_audio
    (force,) = cell.markers
    assert force.when == at(2026, 3, 15, 0, 0, 5)
    assert force.colour == FINDING_LEVELS[FindingLevel.SIGNIFICANT].colour
    assert "Use of force (Significant learning): Held on the bench" in force.tooltip
    (rousing,) = corridor.markers
    assert rousing.when == at(2026, 3, 15, 0, 0, 22)
    assert model.start == at(2026, 3, 14, 23, 59, 30) and model.end == at(2026, 3, 15, 0, 0, 35)
    # The tooltips say the same in words.
    mid_gap = timeline.point_of("Corridor", at(2026, 3, 15, 0, 0, 10))
    assert timeline.tooltip_at(mid_gap.x(), mid_gap.y()) == "Corridor: no recording 00:00:00–00:00:20 (20 s)"
    on_marker = timeline.point_of("Cell 4", force.when)
    assert timeline.tooltip_at(on_marker.x(), timeline.lane_rect(2).bottom() - 2) == force.tooltip
    on_desk = timeline.point_of("Booking-in desk", at(2026, 3, 14, 23, 59, 40))
    assert "desk.mp4: 23:59:30–23:59:50 · with sound" in timeline.tooltip_at(on_desk.x(), on_desk.y())
    # A finding added from the GUI shows up without reopening the case.
    window.session.add_finding("Booking-in", FindingLevel.SOME, "Rights given", clips["desk"].id, 3_000)
    qtbot.waitUntil(lambda: len(timeline.model.lanes[0].markers) == 1, timeout=5_000)
    assert timeline.model.lanes[0].markers[0].when == at(2026, 3, 14, 23, 59, 33)
    timeline.grab()  # paints every part without error


def test_wheel_and_keys_zoom_from_the_whole_detention_down_to_seconds(
    qtbot, make_window, store, template, case3
):
    case, _clips = case3
    _window, _ctl, timeline = open_window(qtbot, make_window, store, template, case)
    whole = timeline.view.span_ms
    assert whole >= ms_between(timeline.model.start, timeline.model.end)
    anchor = at(2026, 3, 15, 0, 0, 10)
    x = timeline.x_of(anchor)
    pos = QPointF(x, timeline.lane_rect(1).center().y())
    wheel = QWheelEvent(pos, timeline.mapToGlobal(pos), QPoint(0, 0), QPoint(0, 120), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)  # fmt: skip
    QApplication.sendEvent(timeline, wheel)
    assert timeline.view.span_ms < whole
    assert timeline.x_of(anchor) == pytest.approx(x, abs=1.0)  # zoomed about the pointer
    timeline.setFocus()
    for _ in range(12):
        qtbot.keyClick(timeline, Qt.Key_Plus)
    assert timeline.view.span_ms == MIN_SPAN_MS
    labels = [t.label for t in ticks(timeline.view, timeline.axis_width(), LONDON)]
    assert all(len(label) == 8 for label in labels if label[0].isdigit())  # HH:MM:SS: seconds shown
    for _ in range(12):
        qtbot.keyClick(timeline, Qt.Key_Minus)
    assert timeline.view.span_ms == pytest.approx(whole)


def test_clicking_a_lane_opens_that_camera_at_that_moment(qtbot, make_window, store, template, case3):
    case, clips = case3
    window, ctl, timeline = open_window(qtbot, make_window, store, template, case)
    for _ in range(3):
        timeline.zoom_in()
    timeline.view = timeline.view.centred_on(at(2026, 3, 15, 0, 0, 20))
    target = at(2026, 3, 15, 0, 0, 23)
    point = timeline.point_of("Corridor", target)
    with qtbot.waitSignal(timeline.seek_requested, timeout=2_000) as signal:
        qtbot.mouseClick(timeline, Qt.LeftButton, pos=point.toPoint())
    key, when = signal.args
    per_pixel_ms = timeline.view.span_ms / timeline.axis_width()
    assert key == "corridor"
    assert abs(ms_between(target, when)) <= per_pixel_ms
    expected_ms = round(ms_between(at(2026, 3, 15, 0, 0, 20), when))
    player = window.player
    qtbot.waitUntil(
        lambda: player.clip is not None and player.clip.id == clips["corridor2"].id, timeout=10_000
    )
    qtbot.waitUntil(lambda: abs(player.position_ms - expected_ms) <= 100, timeout=10_000)
    # The playhead follows the player, in recorded time, across every lane.
    qtbot.waitUntil(lambda: timeline.playhead is not None, timeout=5_000)
    assert abs(ms_between(timeline.playhead, when)) <= 150
    assert timeline.current_key == "corridor"
    # While playing, only the playhead moves: the lanes are not drawn again.
    timeline.grab()
    drawn = timeline.static_paints
    for ms in (40, 80, 120):
        timeline.set_playhead(when + timedelta(milliseconds=ms))
        timeline.grab()
    assert timeline.static_paints == drawn
    timeline.zoom_in()
    timeline.grab()
    assert timeline.static_paints == drawn + 1

    # A marker click goes to its finding's moment exactly, on its camera.
    force = timeline.model.lane("Cell 4").markers[0]
    timeline.view = timeline.view.centred_on(force.when)
    marker_point = QPointF(timeline.x_of(force.when), timeline.lane_rect(2).bottom() - 2)
    with qtbot.waitSignal(timeline.seek_requested, timeout=2_000) as signal:
        qtbot.mouseClick(timeline, Qt.LeftButton, pos=marker_point.toPoint())
    assert signal.args == ["cell 4", force.when]
    qtbot.waitUntil(
        lambda: player.clip.id == clips["cell"].id and player.position_ms == 5_000, timeout=10_000
    )

    # A click in the gap between the corridor's files goes on to the next recording, and says so.
    messages: list[str] = []
    window.statusBar().messageChanged.connect(messages.append)
    ctl.go_to("corridor", at(2026, 3, 15, 0, 0, 10))
    qtbot.waitUntil(
        lambda: player.clip.id == clips["corridor2"].id and player.position_ms == 0, timeout=10_000
    )
    assert any("no recording 00:00:00–00:00:20; shown from 00:00:20" in m for m in messages), messages


def test_go_to_time_recorded_clock_time_date_time_and_clip_time(qtbot, make_window, store, template, case3):
    case, clips = case3
    window, ctl, _timeline = open_window(qtbot, make_window, store, template, case)
    player = window.player
    window.seek_to(clips["cell"].id, 0)
    qtbot.waitUntil(lambda: player.clip is not None and player.clip.id == clips["cell"].id, timeout=10_000)

    def go(text: str, clip_mode: bool = False) -> GotoTimeDialog:
        window.window_actions.go_to_time_action.trigger()
        dialog = ctl.goto_dialog
        assert isinstance(dialog, GotoTimeDialog) and dialog.isVisible()
        (dialog.clip_radio if clip_mode else dialog.recorded_radio).setChecked(True)
        dialog.edit.setText(text)
        qtbot.keyClick(dialog.edit, Qt.Key_Return)
        return dialog

    # A clock time after midnight: the one inside the detention, on the camera being watched.
    go("00:00:07")
    qtbot.waitUntil(
        lambda: player.clip.id == clips["cell"].id and player.position_ms == 7_000, timeout=10_000
    )
    # A clock time before the cell camera starts: the camera being watched, from its first recording.
    go("23:59:45")
    qtbot.waitUntil(lambda: player.position_ms == 0, timeout=10_000)  # cell from its first frame
    assert player.clip.id == clips["cell"].id
    # A date and time.
    go("2026-03-15 00:00:12")
    qtbot.waitUntil(lambda: player.position_ms == 12_000, timeout=10_000)
    # A time in the clip.
    go("0:00:03", clip_mode=True)
    qtbot.waitUntil(lambda: player.position_ms == 3_000, timeout=10_000)
    # Bad input: the dialog stays open with what was typed and says what to type.
    dialog = go("half past")
    assert dialog.isVisible() and dialog.edit.text() == "half past"
    assert "like 23:14:05" in dialog.hint.text() and dialog.hint.property("error")
    dialog.edit.setText("12:00:00")
    qtbot.keyClick(dialog.edit, Qt.Key_Return)
    assert dialog.isVisible() and "not inside the recorded footage" in dialog.hint.text()
    dialog.reject()


def test_go_to_time_across_the_clocks_going_back_asks_which(qtbot):
    start = at(2026, 10, 24, 23, 30)
    end = at(2026, 10, 25, 3, 0)
    dialog = GotoTimeDialog(LONDON, start, end, clip_duration_ms=None)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.clip_radio.isEnabled()  # no clip open: recorded time only
    dialog.edit.setText("01:30:00")
    dialog.try_accept()
    assert dialog.isVisible() and dialog.choices.isVisible()
    assert [dialog.choices.item(i).text() for i in range(dialog.choices.count())] == [
        "Sun 25 Oct 2026 01:30:00 BST",
        "Sun 25 Oct 2026 01:30:00 GMT",
    ]
    dialog.choices.setCurrentRow(1)
    with qtbot.waitSignal(dialog.accepted, timeout=1_000):
        dialog.try_accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert utc(dialog.target.when) == datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc)

    # After the change, 02:30 is one moment (GMT); on the night the clocks go forward, 01:30 never happened.
    after = GotoTimeDialog(LONDON, start, end, clip_duration_ms=None)
    qtbot.addWidget(after)
    after.edit.setText("02:30")
    after.try_accept()
    assert after.result() == QDialog.DialogCode.Accepted
    assert utc(after.target.when) == datetime(2026, 10, 25, 2, 30, tzinfo=timezone.utc)
    spring = GotoTimeDialog(LONDON, at(2026, 3, 28, 23, 0), at(2026, 3, 29, 3, 0), clip_duration_ms=None)
    qtbot.addWidget(spring)
    spring.show()
    spring.edit.setText("01:30")
    spring.try_accept()
    assert spring.isVisible() and "never happened" in spring.hint.text()
    assert utc(at(2026, 3, 29, 2, 30)) - utc(at(2026, 3, 29, 0, 30)) == timedelta(hours=1)


def test_activity_found_by_the_scan_appears_in_the_lane(qtbot, make_window, store, template, case3):
    case, clips = case3
    window, _ctl, timeline = open_window(qtbot, make_window, store, template, case)
    player = window.player
    window.seek_to(clips["cell"].id, 0)
    qtbot.waitUntil(lambda: player.clip is not None and player.clip.id == clips["cell"].id, timeout=10_000)
    # The first showing of a clip finds its activity in the background; the lane then shows it.
    qtbot.waitUntil(lambda: bool(player.scores), timeout=60_000)
    qtbot.waitUntil(lambda: bool(timeline.model.lane("Cell 4").activity), timeout=5_000)
    bins = timeline.model.lane("Cell 4").activity
    assert all(at(2026, 3, 15, 0, 0) <= b.start < at(2026, 3, 15, 0, 0, 30) for b in bins)
    assert max(b.level for b in bins) == 1.0
    assert not timeline.model.lane("Corridor").activity  # not scanned yet


def test_a_clip_indexed_after_the_case_opened_shows_its_inner_gap(qtbot, make_window, store, template, case3):
    case, clips = case3
    with store.transaction():  # as for a clip added before the exact index existed
        store.db.execute("DELETE FROM clip_index WHERE clip_id = ?", [clips["corridor2"].id])
    window, _ctl, timeline = open_window(qtbot, make_window, store, template, case)
    corridor = timeline.model.lane("Corridor")
    assert [(g.start, g.end) for g in corridor.gaps] == [
        (at(2026, 3, 15, 0, 0, 0), at(2026, 3, 15, 0, 0, 20))
    ]
    window.seek_to(clips["corridor2"].id, 0)  # indexed in the background, then opened
    qtbot.waitUntil(lambda: len(timeline.model.lane("Corridor").gaps) == 2, timeout=20_000)
    assert timeline.model.lane("Corridor").gaps[1].start == at(2026, 3, 15, 0, 0, 25)


def test_a_clip_without_recorded_start_is_said_not_placed(
    qtbot, make_window, store, template, case3, footage
):
    case, _clips = case3
    add_clip_file(store, case.id, footage["cell"], "Van dock")  # no recorded start
    _window, _ctl, timeline = open_window(qtbot, make_window, store, template, case, clips=5)
    assert [c.camera for c in timeline.model.undated] == ["Van dock"]
    assert len(timeline.model.lanes) == 3
    assert timeline.tooltip_at(5, 5) == (
        "Not on the timeline because their recorded start is not set: Van dock (cell.mp4)"
    )
    assert timeline.tooltip_at(5, timeline.lane_rect(0).center().y()) == (
        "Booking-in desk: 1 file; with sound. Click the lane to go there."
    )


def test_the_axis_follows_the_store_time_zone(qtbot, make_window, store, template, case3):
    case, _clips = case3
    store.set_setting("time_zone", "Europe/Paris")
    window, _ctl, timeline = open_window(qtbot, make_window, store, template, case)
    assert str(timeline.model.tz) == "Europe/Paris"
    assert timeline.model.start.strftime("%H:%M:%S %Z") == "00:59:30 CET"  # 23:59:30 GMT
    assert window.window_actions.go_to_time_action.isEnabled()
    window.open_case(None)
    assert not window.window_actions.go_to_time_action.isEnabled()


def test_open_recorded_moment_steps_over_gaps_and_says_so():
    from cctv_review.domain import Clip
    from cctv_review.timeline_model import build_model
    from cctv_review.ui.case_timeline import open_recorded_moment

    clips = [
        Clip(case_id=1, path="/f/a.mp4", camera="Corridor", recorded_start=at(2026, 3, 15, 1, 0), duration_ms=60_000, id=1),
        Clip(case_id=1, path="/f/b.mp4", camera="Corridor", recorded_start=at(2026, 3, 15, 1, 10), duration_ms=60_000, id=2),
    ]  # fmt: skip
    model = build_model(clips, tz=LONDON)
    opened: list[tuple[int, int]] = []

    def go(when: datetime) -> str:
        return open_recorded_moment(model, "corridor", when, lambda c, p: opened.append((c, p)))

    assert go(at(2026, 3, 15, 1, 0, 30)) == "" and opened[-1] == (1, 30_000)
    assert go(at(2026, 3, 15, 1, 5)) == "Corridor: no recording 01:01:00–01:10:00; shown from 01:10:00."
    assert opened[-1] == (2, 0)
    assert "shown at its last recorded moment" in go(at(2026, 3, 15, 2, 0))
    assert opened[-1] == (2, 59_999)
    assert go(at(2026, 3, 15, 0, 59)) == "Corridor: no recording at 00:59:00; it starts at 01:00:00."
    assert opened[-1] == (1, 0)
    assert open_recorded_moment(model, "cell", at(2026, 3, 15, 1, 0), lambda c, p: None).startswith(
        "No footage"
    )
