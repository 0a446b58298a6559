"""Side-by-side tiles (issue 11 items 2 and 3): a 2x2 view in sync, read from the painted pixels.

Four cameras (one in three files with a gap, one joining two files, one
starting late), frames numbered on across each camera's files in a barcode.
After play, seek, rewind and a file boundary, every tile's picture is the
right frame for the clock; double-click and Enter make a tile the main view;
switching the main camera and the layout keeps the recorded moment.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "video"))
import video_clipmaker as vc  # type: ignore[import-not-found]  # (on the path set above)
from test_track_player import LAYOUT, LONDON, T0, expected  # type: ignore[import-not-found]
from track_clips import make_numbered  # type: ignore[import-not-found]
from ui_fixtures import make_window  # noqa: F401  (fixture)

from cctv_review.video.index import build_index
from cctv_review.video.track_player import camera_tracks, epoch_ms

pytestmark = pytest.mark.skipif(vc.ffmpeg_exe() is None, reason="needs the ffmpeg CLI")

CAMS = ["Cell 4", "Desk", "Corridor", "Van dock"]


@pytest.fixture(scope="module")
def tracks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiles")
    clips, indexes = [], {}
    for camera, files in LAYOUT.items():
        for clip_id, first, frames, offset in files:
            path = make_numbered(folder / f"t{clip_id}.mp4", first, frames)
            clips.append(
                SimpleNamespace(
                    id=clip_id,
                    path=str(path),
                    camera=camera,
                    recorded_start=T0 + timedelta(seconds=offset),
                    clock_offset_ms=0,
                )
            )
            indexes[clip_id] = build_index(path)
    return camera_tracks(clips, lambda c: indexes[c.id], LONDON)


@pytest.fixture
def window(qtbot, tracks):
    from cctv_review.ui.app import make_app
    from cctv_review.ui.tiles import TilesWindow

    make_app([])
    w = TilesWindow()
    qtbot.addWidget(w)
    w.resize(1100, 860)
    w.show()
    qtbot.waitExposed(w)
    w.view.set_tracks(tracks)
    yield w
    w.view.close_player()


def painted_number(view, tile: int) -> int | None:
    """The barcode in the picture the tile paints (its QImage), or None when it shows no picture."""
    image = view.tiles[tile].surface.image
    if image is None or image.isNull():
        return None
    w, h, bpl = image.width(), image.height(), image.bytesPerLine()
    arr = np.frombuffer(image.constBits(), dtype=np.uint8, count=bpl * h).reshape(h, bpl)
    channels = bpl // w if bpl // w in (3, 4) else 4
    px = arr[:, : w * channels].reshape(h, w, channels)[..., :3]
    assert (w, h) == (vc.W, vc.H), "the tile should be big enough to be shown at full size"
    return vc.read_frame_number(np.ascontiguousarray(px))


def all_right(view, cameras) -> bool:
    t = view.player.engine.position_ms
    for i, cam in enumerate(cameras):
        want = expected(cam, t)
        got = painted_number(view, i)
        if want is None:
            if got is not None or not view.tiles[i].surface.message.startswith("No recording"):
                return False
        elif got != want:
            return False
    return True


def settle(qtbot, view, cameras=CAMS) -> None:
    qtbot.waitUntil(lambda: all_right(view, cameras), timeout=20_000)


def at(seconds: float) -> float:
    return epoch_ms(T0) + seconds * 1000


def test_two_by_two_in_sync_after_play_seek_rewind_and_a_file_boundary(qtbot, window):
    view = window.view
    window.set_layout("2x2")
    assert [view.chosen[i] for i in range(4)] == ["cell 4", "corridor", "desk", "van dock"]
    for i, cam in enumerate(CAMS):  # the reviewer picks the cameras of the tiles
        view.choose_camera(i, cam.casefold())
    view.player.engine.seek(at(1.0))
    settle(qtbot, view)
    assert view.tiles[1].surface.message == "No recording — next at 22:40:01"

    view.player.engine.seek(at(3.5))
    view.play()  # across Cell 4's join at 4 s and the Corridor's at 6 s
    qtbot.waitUntil(lambda: view.player.engine.position_ms > at(6.5), timeout=30_000)
    view.pause()
    settle(qtbot, view)
    assert (painted_number(view, 2) or 0) >= 2150  # the Corridor's second file

    for s in (9.0, 2.2, 5.99, 6.0, 11.5):  # seeks forward and back
        view.player.engine.seek(at(s))
        settle(qtbot, view)
    view.set_speed(-2.0)  # rewind (reverse shuttle)
    view.play()
    qtbot.waitUntil(lambda: view.player.engine.position_ms < at(9.5), timeout=30_000)
    view.pause()
    settle(qtbot, view)


def test_main_view_by_double_click_and_enter_keeps_the_moment(qtbot, window):
    view = window.view
    window.set_layout("2x2")
    for i, cam in enumerate(CAMS):
        view.choose_camera(i, cam.casefold())
    view.player.engine.seek(at(5.96))
    settle(qtbot, view)
    moment = view.player.engine.position_ms
    QTest.mouseDClick(view.tiles[2].surface, Qt.MouseButton.LeftButton)
    assert view.main == 2 and view.tiles[2].surface.main
    assert view.player.engine.position_ms == moment
    view.step(1)  # the main view (Corridor) steps across its join; the others follow
    qtbot.waitUntil(lambda: painted_number(view, 2) == 2150, timeout=20_000)
    settle(qtbot, view)
    view.tiles[1].surface.setFocus()
    QTest.keyClick(view.tiles[1].surface, Qt.Key.Key_Return)
    assert view.main == 1
    moment = view.player.engine.position_ms
    window.set_layout("1")  # the main camera alone: same moment
    assert view.player.engine.position_ms == moment
    window.set_layout("3x3")
    assert view.player.engine.position_ms == moment
    assert len([t for t in view.tiles if t.isVisible()]) == 9
    # an empty tile (four cameras only) says what to do
    assert view.tiles[5].surface.message == "No camera: choose one in the box above"


def test_seek_recorded_from_the_timeline_makes_that_camera_main(qtbot, window):
    view = window.view
    window.set_layout("2")
    assert view.chosen == ["cell 4", "corridor"]
    view.seek_recorded("desk", T0 + timedelta(seconds=2))
    assert view.chosen[view.main] == "desk"
    settle(qtbot, view, [dict((c.casefold(), c) for c in CAMS)[k] for k in view.chosen])


def test_view_menu_shows_the_case_side_by_side_in_the_players_place(
    qtbot, store, template, make_window, tmp_path
):
    """The tiles take the player's place in the workspace (the case timeline stays under them);
    a lane click goes to that camera in the tiles; their keys are theirs; F records the main
    view's frame; a double-click makes a tile the large view again, at the same moment."""
    from cctv_review.clips import add_clip_file
    from cctv_review.domain import Case

    case = store.add_case(Case(reference="CR-077", custody_suite="Northgate"))
    for clip_id, camera, first, offset in ((1, "Cell 4", 0, 0.0), (2, "Desk", 1000, 1.0)):
        path = make_numbered(tmp_path / f"m{clip_id}.mp4", first, 100)
        add_clip_file(store, case.id, path, camera, T0 + timedelta(seconds=offset))
    window = make_window(store, template, restore=False)
    window.open_case(case.id)
    qtbot.waitUntil(lambda: window.player.clip is not None, timeout=10_000)
    side = window.side_by_side
    window.side_by_side.actions["2"].trigger()
    qtbot.waitUntil(lambda: side.showing, timeout=20_000)
    tiles = side.tiles
    view = tiles.view
    # in the workspace, in the player's place, with the case timeline under it
    assert tiles.parent() is window.video_area and tiles.isWindow() is False
    assert not window.player.isVisible()
    assert window.case_timeline.timeline.isVisible()
    assert view.chosen == ["cell 4", "desk"]

    # a click on the Desk's lane: the tiles go there, the Desk made the main view
    window.case_timeline.go_to("desk", T0 + timedelta(seconds=2))
    qtbot.waitUntil(lambda: painted_number(view, 0) == 50 and painted_number(view, 1) == 1025, timeout=20_000)
    assert view.main == 1
    qtbot.waitUntil(lambda: window.case_timeline.timeline.playhead == T0 + timedelta(seconds=2), timeout=5000)
    # the status bar and the form's "Use video time" follow the main view, not the hidden player
    qtbot.waitUntil(lambda: window.clip_label.text() == "Desk", timeout=5000)
    when = window.session.format_recorded(T0 + timedelta(seconds=2))
    assert window.wall_label.text() == f"Recorded {when}"
    filled: list[str] = []
    window._fill_video_time(filled.append)
    assert filled and filled[0].endswith("(Desk)") and when.split(" ")[1] in filled[0]
    # the sound is the main view's: the Desk's file, on the tiles' clock (1 s into the Desk's file)
    qtbot.waitUntil(lambda: window.audio.following and side._audio_clip is not None, timeout=5000)
    assert side._audio_clip.path.endswith("m2.mp4")
    assert window.audio.feeder.clock() == (False, pytest.approx(1000.0, abs=0.5), 1.0)
    # mute and volume in the tiles' toolbar are the player's own (hidden meanwhile)
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QSlider

    tiles.findChild(QSlider, "tilesVolume").setValue(40)
    assert window.audio.volume_slider.value() == 40 and window.audio.feeder.volume == pytest.approx(0.4)
    mute = tiles.findChild(QAction, "tilesMute")
    if mute.isEnabled():  # (no sound device: both are disabled, the player's too)
        mute.trigger()
        assert window.audio.mute_button.isChecked() and window.audio.feeder.muted
        mute.trigger()

    # the tiles' own keys, not the hidden player's: Space plays the tiles, K pauses them
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Space)
    assert view.player.engine.playing and not window.player.playing
    QTest.keyClick(view, Qt.Key.Key_K)
    assert not view.player.engine.playing
    view.player.engine.seek(at(2.0))
    qtbot.waitUntil(lambda: painted_number(view, 1) == 1025, timeout=20_000)

    # F while the tiles play: they pause, and the finding is at the main view's frame
    QTest.keyClick(view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: (painted_number(view, 1) or 0) > 1030, timeout=20_000)
    QTest.keyClick(view, Qt.Key.Key_F)
    qtbot.waitUntil(lambda: window.findings_ctl.editor is not None, timeout=20_000)
    editor = window.findings_ctl.editor
    assert not view.player.engine.playing
    shown = view.shown(1)
    assert "Desk" in editor.where_label.text()
    assert window.player.clip.camera == "Desk" and window.player.position_ms == shown.position_ms > 1000
    assert window.player.current_frame_index() == shown.frame  # a still with the finding is this frame
    editor.reject()

    # a double-click on the Cell 4 tile: it is the large view again, at the same moment
    QTest.mouseDClick(view.tiles[0].surface, Qt.MouseButton.LeftButton)
    assert not side.showing and window.player.isVisible()
    assert not window.audio.following  # the sound is the player's again
    qtbot.waitUntil(
        lambda: (
            window.player.clip is not None
            and window.player.clip.camera == "Cell 4"
            and window.player.position_ms == shown.position_ms + 1000  # Cell 4 starts 1 s earlier
        ),
        timeout=20_000,
    )
    # a tile with no camera says so (and what to do)
    tiles_ = side.tiles.view
    side.actions["2x2"].trigger()
    qtbot.waitUntil(lambda: side.showing, timeout=20_000)
    assert tiles_.chosen[2:] == ["", ""]
    assert tiles_.tiles[2].surface.message == "No camera: choose one in the box above"
    tiles_.choose_camera(2, "desk")
    tiles_.choose_camera(2, None)
    qtbot.wait(200)  # the engine's own (empty) word for the tile comes after
    assert tiles_.tiles[2].surface.message == "No camera: choose one in the box above"
    # and View > One camera from the tiles does the same
    side.actions["2x2"].trigger()
    qtbot.waitUntil(lambda: side.showing, timeout=20_000)
    tiles.layout_actions["1"].trigger()
    assert not side.showing and window.player.isVisible()


def test_n_in_the_tiles_goes_to_the_main_cameras_next_activity(qtbot, window):
    view = window.view
    window.set_layout("2")
    lines = []
    view.notice.connect(lines.append)
    view.activity_source = lambda clip_id: (1000, [0.0, 0.0, 0.7, 0.7]) if clip_id == 2 else (1000, [0.0] * 4)
    view.player.engine.seek(at(0.5))
    next_activity = next(
        a for a in window.findChildren(type(window.layout_actions["1"])) if "(N)" in a.toolTip()
    )
    next_activity.trigger()
    assert lines[-1] == "Activity at 22:40:06 (Cell 4)."
    settle(qtbot, view, ["Cell 4", "Corridor"])
