"""The workspace and the exact frame index: stored and reused, built once in a job; gaps shown.

Clips are made here with ffmpeg (tests/video/video_clipmaker.py: the motion-gap
kind is 10 s at 25 fps, 50 s with no frames, 10 s; every frame carries its
number in a barcode).
"""

from __future__ import annotations

import os
import re
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path

import cv2
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QColor, QMouseEvent
from PySide6.QtWidgets import QApplication
from ui_fixtures import clip_path, make_window  # noqa: F401  (fixtures)
from ui_helpers import open_case_by_click, wait_for_frame

from cctv_review.clips import add_clip_file, stored_index
from cctv_review.domain import Case

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "video"))
import video_clipmaker  # type: ignore[import-not-found]  # (on the path set above)

pytestmark = pytest.mark.skipif(video_clipmaker.ffmpeg_exe() is None, reason="needs the ffmpeg CLI")

GAP_NOTICE = "No recording for 50 s (0:00:10–0:01:00)"


@pytest.fixture(scope="module")
def gap_clip(tmp_path_factory) -> Path:
    """10 s recorded at 25 fps, 50 s without frames, 10 s recorded: 500 frames over 70 s."""
    return video_clipmaker.make_kind(tmp_path_factory.mktemp("gaps"), "motion_gaps")


class BuildCounter:
    """Counts the index builder's calls (whoever calls it) and the threads they ran on."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import importlib

        index = importlib.import_module("cctv_review.video.index")
        probe = importlib.import_module(
            "cctv_review.video.probe"
        )  # (the package's ``probe`` is the function)

        self.threads: list[threading.Thread] = []
        real = index.build_index

        def counted(*args, **kwargs):
            self.threads.append(threading.current_thread())
            return real(*args, **kwargs)

        monkeypatch.setattr(index, "build_index", counted)
        monkeypatch.setattr(probe, "build_index", counted)  # the engine's own fallback (decoder thread)

    @property
    def calls(self) -> int:
        return len(self.threads)

    @property
    def on_gui_thread(self) -> int:
        return sum(t is threading.main_thread() for t in self.threads)


def _case_with(store, path: Path, camera: str, *, indexed: bool = True):
    case = store.add_case(Case(reference="CR-IDX"))
    clip = add_clip_file(store, case.id, path, camera, datetime(2026, 3, 14, 22, 0, tzinfo=timezone.utc))
    if not indexed:  # a clip added before the index existed
        with store.db.conn:
            store.db.execute("DELETE FROM clip_index WHERE clip_id = ?", [clip.id])
        assert store.clip_index_record(clip.id) is None
    return case, clip


def _messages(window) -> list[str]:
    seen: list[str] = []
    window.statusBar().messageChanged.connect(seen.append)
    return seen


def test_a_clip_without_an_index_is_indexed_once_in_a_job_then_the_stored_one_is_used(
    qtbot, make_window, store, template, clip_path, monkeypatch
):
    _case, clip = _case_with(store, clip_path, "Booking-in desk", indexed=False)
    builds = BuildCounter(monkeypatch)
    window = make_window(store, template)
    seen = _messages(window)
    open_case_by_click(qtbot, window, "CR-IDX")
    wait_for_frame(qtbot, window, 0)
    qtbot.waitUntil(lambda: not window.footage.scans and not window.footage.indexing, timeout=30_000)

    assert builds.calls == 1, builds.threads  # in the job; not again by the engine or the activity scan
    assert builds.on_gui_thread == 0
    assert store.clip_index_record(clip.id) is not None  # stored by the GUI thread
    assert any(re.fullmatch(r"Indexing Booking-in desk… \d+%", m) for m in seen), seen
    assert window.player.index is not None and window.player.index.frame_count == clip.frame_count

    # Opening it again uses the stored index: no second pass.
    window.player.load_clip(window.session.clip(clip.id))
    assert not window.player.indexing and window.player.index is not None
    wait_for_frame(qtbot, window, 0)
    qtbot.keyClick(window.player.surface, Qt.Key.Key_Right)
    wait_for_frame(qtbot, window, 100)
    assert builds.calls == 1 and not window.footage.indexing


def test_a_clip_with_a_stored_index_opens_without_indexing(
    qtbot, make_window, store, template, clip_path, monkeypatch
):
    _case_with(store, clip_path, "Cell 4")
    builds = BuildCounter(monkeypatch)
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-IDX")
    wait_for_frame(qtbot, window, 0)
    qtbot.waitUntil(lambda: not window.footage.scans, timeout=30_000)
    assert builds.calls == 0


def test_a_stored_index_whose_file_changed_is_rebuilt(
    qtbot, make_window, store, template, clip_path, tmp_path, monkeypatch
):
    copy = tmp_path / "cell_copy.avi"
    copy.write_bytes(clip_path.read_bytes())
    _case, clip = _case_with(store, copy, "Cell 4")
    assert stored_index(store, clip) is not None
    st = copy.stat()
    os.utime(copy, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))  # the file was replaced
    assert stored_index(store, clip) is None

    builds = BuildCounter(monkeypatch)
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-IDX")
    wait_for_frame(qtbot, window, 0)
    qtbot.waitUntil(lambda: not window.footage.indexing, timeout=30_000)
    assert builds.calls == 1 and builds.on_gui_thread == 0
    assert stored_index(store, clip) is not None  # the new one matches the file


def test_adding_a_clip_stores_its_index_and_opening_it_does_not_index_again(
    qtbot, make_window, store, template, clip_path, monkeypatch
):
    store.add_case(Case(reference="CR-NEW"))
    builds = BuildCounter(monkeypatch)
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-NEW")
    window.footage.start_add_clip(str(clip_path), "Booking desk")
    qtbot.waitUntil(lambda: window.player.clip is not None, timeout=15_000)
    wait_for_frame(qtbot, window, 0)
    qtbot.waitUntil(lambda: not window.footage.scans, timeout=30_000)
    (clip,) = store.list_clips(window.session.case_id)
    assert store.clip_index_record(clip.id) is not None
    assert builds.calls == 1 and builds.on_gui_thread == 0  # the add-clip job's pass only


def _gap_window(qtbot, make_window, store, template, gap_clip):
    _case, clip = _case_with(store, gap_clip, "Cell 2")
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-IDX")
    wait_for_frame(qtbot, window, 0)
    return window, clip


def test_the_timeline_draws_each_gap_with_a_tooltip(qtbot, make_window, store, template, gap_clip):
    window, _clip = _gap_window(qtbot, make_window, store, template, gap_clip)
    timeline = window.player.timeline
    qtbot.waitUntil(lambda: timeline.gaps == [(10_000, 50_000)], timeout=5_000)
    assert timeline.duration_ms == 70_000

    # Drawn: grey hatching where nothing was recorded, the plain bar elsewhere.
    image = timeline.grab().toImage()
    dpr = image.devicePixelRatio()
    y = timeline.STRIP_H + timeline.BAR_H // 2 + 1

    def colours(ms0: int, ms1: int) -> set[str]:
        xs = range(int(timeline.x_for(ms0)) + 2, int(timeline.x_for(ms1)) - 2)
        return {QColor(image.pixel(int(x * dpr), int(y * dpr))).name() for x in xs}

    from cctv_review.ui.timeline import GAP_FILL, GAP_HATCH

    inside = colours(15_000, 55_000)
    assert inside <= {GAP_FILL.name(), GAP_HATCH.name()} and len(inside) == 2, inside  # hatched
    assert not colours(62_000, 68_000) & {GAP_FILL.name(), GAP_HATCH.name()}

    # Hovering over it says what it is.
    x = timeline.x_for(35_000)
    move = QMouseEvent(
        QEvent.Type.MouseMove,
        QPointF(x, y),
        QPointF(x, y),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(timeline, move)
    assert timeline.toolTip() == "No recording 0:00:10–0:01:00 (50 s)"


def test_stepping_through_every_frame_of_the_motion_gap_clip_crosses_the_gap_with_a_notice(
    qtbot, make_window, store, template, gap_clip
):
    window, clip = _gap_window(qtbot, make_window, store, template, gap_clip)
    player, surface = window.player, window.player.surface
    assert clip.frame_count == 500
    surface.setFocus()
    positions: dict[int, int] = {}

    def shown(index: int) -> bool:
        frame = player.player.last_frame
        return frame is not None and frame.index == index and player.position_ms == frame.position_ms

    for index in range(500):
        if index:
            qtbot.keyClick(surface, Qt.Key.Key_Right)
        qtbot.waitUntil(lambda i=index: shown(i), timeout=10_000)
        frame = player.player.last_frame
        gray = cv2.cvtColor(
            frame.image, cv2.COLOR_BGRA2GRAY if frame.image.shape[2] == 4 else cv2.COLOR_BGR2GRAY
        )
        assert video_clipmaker.read_barcode(gray) == index  # the picture is frame N itself
        positions[index] = frame.position_ms
        if index == 250:
            assert window.statusBar().currentMessage() == GAP_NOTICE
            assert window.position_label.text().startswith("0:01:00.000")
        elif index == 249:
            assert window.position_label.text().startswith("0:00:09.960")
            assert "No recording" not in window.statusBar().currentMessage()

    assert positions[249] == 9_960 and positions[250] == 60_000
    assert [positions[i] for i in range(250)] == [40 * i for i in range(250)]
    assert [positions[i] for i in range(250, 500)] == [60_000 + 40 * (i - 250) for i in range(250, 500)]

    # Back across it: told again.
    window.statusBar().clearMessage()
    player.seek(60_000)
    qtbot.waitUntil(lambda: shown(250), timeout=10_000)
    window.statusBar().clearMessage()
    qtbot.keyClick(surface, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: shown(249), timeout=10_000)
    assert window.statusBar().currentMessage() == GAP_NOTICE


def test_jumping_forward_into_a_gap_goes_on_to_the_frame_after_it(
    qtbot, make_window, store, template, gap_clip
):
    window, _clip = _gap_window(qtbot, make_window, store, template, gap_clip)
    player, surface = window.player, window.player.surface
    player.seek(9_000)
    qtbot.waitUntil(
        lambda: player.player.last_frame is not None and player.position_ms == 9_000, timeout=10_000
    )
    surface.setFocus()
    qtbot.keyClick(
        surface, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier
    )  # +10 s: 0:00:19 has no frame
    qtbot.waitUntil(lambda: player.player.last_frame.index == 250, timeout=10_000)
    assert player.position_ms == 60_000
    assert window.statusBar().currentMessage() == GAP_NOTICE
    qtbot.keyClick(
        surface, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier
    )  # -10 s: the last frame before the gap
    # The engine's thread shows the frame; the widget learns of it by a queued signal: wait for both.
    qtbot.waitUntil(
        lambda: player.player.last_frame.index == 249 and player.position_ms == 9_960, timeout=10_000
    )


def test_playback_across_a_gap_says_nothing_was_recorded(qtbot, make_window, store, template, gap_clip):
    window, _clip = _gap_window(qtbot, make_window, store, template, gap_clip)
    seen = _messages(window)
    player = window.player
    player.seek(9_000)
    qtbot.waitUntil(
        lambda: player.player.last_frame is not None and player.position_ms == 9_000, timeout=10_000
    )
    player.set_speed(16.0)
    player.play()
    qtbot.waitUntil(lambda: GAP_NOTICE in seen, timeout=15_000)
    qtbot.waitUntil(lambda: player.position_ms >= 60_000, timeout=15_000)
    player.pause()
    assert seen.count(GAP_NOTICE) == 1  # once per crossing


def test_playing_at_1x_says_so_as_the_gap_begins(qtbot, make_window, store, template, gap_clip):
    """The last frame before the gap stays on screen for 50 s: the notice comes with it, not after."""
    window, _clip = _gap_window(qtbot, make_window, store, template, gap_clip)
    seen = _messages(window)
    player = window.player
    player.seek(9_400)
    qtbot.waitUntil(
        lambda: player.player.last_frame is not None and player.position_ms == 9_400, timeout=10_000
    )
    player.play()
    qtbot.waitUntil(lambda: GAP_NOTICE in seen, timeout=10_000)
    assert player.position_ms == 9_960 and player.player.last_frame.index == 249
    player.pause()


def test_gap_texts():
    from cctv_review.ui.player_widget import gap_notice
    from cctv_review.ui.timeline import gap_tooltip, span_text

    assert gap_notice(10_000, 50_000) == GAP_NOTICE
    assert gap_tooltip(10_000, 50_000) == "No recording 0:00:10–0:01:00 (50 s)"
    assert [span_text(ms) for ms in (400, 3_000, 59_600, 125_000, 3_600_000, 5_430_000)] == [
        "0.4 s",
        "3 s",
        "1 min",
        "2 min 5 s",
        "1 h 00 min",
        "1 h 30 min",
    ]
