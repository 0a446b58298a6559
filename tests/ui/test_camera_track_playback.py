"""The workspace player follows one camera across its files (issue 10 item 2).

One camera in three consecutive 4 s files, the third after a 3 s gap (frames
numbered on across the files, in a barcode); a second camera in one file.
Playing runs across both joins without the reviewer picking the next file and
says "No recording 22:40:08–22:40:11"; stepping runs across the joins both
ways; choosing the other camera keeps the recorded moment.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path

import cv2
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "video"))
import video_clipmaker as vc  # type: ignore[import-not-found]  # (on the path set above)
from track_clips import make_numbered  # type: ignore[import-not-found]

from cctv_review.domain import Clip
from cctv_review.recorded_time import localize, zone

pytestmark = pytest.mark.skipif(vc.ffmpeg_exe() is None, reason="needs the ffmpeg CLI")

LONDON = zone("Europe/London")
T0 = localize(datetime(2026, 3, 14, 22, 40, 0), LONDON)


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> list[Clip]:
    folder = tmp_path_factory.mktemp("camera_track")
    layout = [
        (1, "Cell 4", 0, 0.0),
        (2, "Cell 4", 100, 4.0),
        (3, "Cell 4", 200, 11.0),
        (4, "Desk", 1000, 1.0),
    ]
    out = []
    for clip_id, camera, first, offset in layout:
        path = make_numbered(folder / f"c{clip_id}.mp4", first, 100 if camera == "Cell 4" else 250)
        frames = 100 if camera == "Cell 4" else 250
        out.append(
            Clip(
                case_id=1,
                path=str(path),
                camera=camera,
                recorded_start=T0 + timedelta(seconds=offset),
                duration_ms=frames * 40,
                fps=25.0,
                frame_count=frames,
                width=vc.W,
                height=vc.H,
                id=clip_id,
            )
        )
    return out


@pytest.fixture
def widget(qtbot, clips):
    from cctv_review.ui.app import make_app
    from cctv_review.ui.player_widget import PlayerWidget

    make_app([])
    w = PlayerWidget()
    qtbot.addWidget(w)
    w.resize(900, 700)
    w.show()
    w.set_clips(clips)
    notices: list[str] = []
    w.warning.connect(notices.append)
    yield w, notices
    w.close_player()


def shown_number(w) -> int | None:
    frame = w.player.last_frame
    if frame is None or w.surface.image is None:
        return None
    image = frame.image[..., :3] if frame.image.ndim == 3 else frame.image
    if frame.scale != 1:
        image = cv2.resize(image, (vc.W, vc.H), interpolation=cv2.INTER_NEAREST)
    return vc.read_frame_number(image)


def wait_number(qtbot, w, number: int) -> None:
    qtbot.waitUntil(lambda: shown_number(w) == number, timeout=20_000)


def test_plays_across_both_joins_and_reports_the_gap(qtbot, widget, clips):
    w, notices = widget
    w.load_clip(clips[0], 3000)
    wait_number(qtbot, w, 75)
    w.set_speed(2.0)
    w.play()
    qtbot.waitUntil(lambda: w.clip is not None and w.clip.id == 2, timeout=20_000)
    qtbot.waitUntil(lambda: w.clip is not None and w.clip.id == 3 and w.playing, timeout=30_000)
    assert "No recording 22:40:08–22:40:11" in notices
    qtbot.waitUntil(lambda: (shown_number(w) or 0) >= 210, timeout=20_000)
    w.pause()


def test_steps_across_both_joins(qtbot, widget, clips):
    w, notices = widget
    w.load_clip(clips[0], 3960)
    wait_number(qtbot, w, 99)
    w.step(1)
    qtbot.waitUntil(lambda: w.clip is not None and w.clip.id == 2)
    wait_number(qtbot, w, 100)
    w.step(-1)
    qtbot.waitUntil(lambda: w.clip is not None and w.clip.id == 1)
    wait_number(qtbot, w, 99)
    w.load_clip(clips[1], 3960)
    wait_number(qtbot, w, 199)
    w.step(1)
    qtbot.waitUntil(lambda: w.clip is not None and w.clip.id == 3)
    wait_number(qtbot, w, 200)
    assert notices[-1] == "No recording 22:40:08–22:40:11"
    w.step(-1)
    wait_number(qtbot, w, 199)


def test_choosing_another_camera_keeps_the_recorded_moment(qtbot, widget, clips):
    w, _notices = widget
    w.load_clip(clips[1], 2000)  # Cell 4 at 22:40:06
    wait_number(qtbot, w, 150)
    desk = clips[3]
    assert w.select_camera_at_moment(desk)
    assert w.clip is not None and w.clip.id == 4 and w.position_ms == 5000
    wait_number(qtbot, w, 1125)
    # back to Cell 4 at 22:40:09: in its gap, so its next recording (22:40:11) opens, and that is said
    w.seek(8000)
    wait_number(qtbot, w, 1200)
    assert w.select_camera_at_moment(clips[0])
    assert w.clip is not None and w.clip.id == 3 and w.position_ms == 0


def test_n_and_p_run_across_the_cameras_files(qtbot, widget, clips):
    w, notices = widget
    activity = {1: [0.0] * 4, 2: [0.0, 0.0, 0.6, 0.6], 3: [0.6, 0.6, 0.0, 0.0]}
    w.activity_source = lambda clip: (1000, activity[clip.id]) if clip.id in activity else None
    w.load_clip(clips[0], 1000)
    w.set_activity(1000, activity[1])
    wait_number(qtbot, w, 25)
    w.next_activity()  # nothing more in file 1: file 2's event at 0:00:02
    assert w.clip is not None and w.clip.id == 2 and w.position_ms == 2000
    assert notices[-1].startswith("Cell 4, next file: Activity 1 of 1")
    wait_number(qtbot, w, 150)
    w.set_activity(1000, activity[2])
    w.next_activity()  # past file 2's only event: file 3's at its start
    assert w.clip is not None and w.clip.id == 3 and w.position_ms == 0
    w.set_activity(1000, activity[3])
    w.previous_activity()  # back: file 2's event
    assert w.clip is not None and w.clip.id == 2 and w.position_ms == 2000


def test_seek_recorded_and_the_recorded_time_signal(qtbot, widget, clips):
    w, _notices = widget
    moments = []
    w.recordedTimeChanged.connect(moments.append)
    assert w.seek_recorded("cell 4", T0 + timedelta(seconds=5))  # file 2, 1 s in
    assert w.clip is not None and w.clip.id == 2 and w.position_ms == 1000
    wait_number(qtbot, w, 125)
    qtbot.waitUntil(lambda: bool(moments) and moments[-1] == T0 + timedelta(seconds=5))
    assert w.seek_recorded("desk", T0 + timedelta(seconds=3))
    assert w.clip is not None and w.clip.id == 4 and w.position_ms == 2000
    assert not w.seek_recorded("cell 4", T0 + timedelta(seconds=30))  # after its last recording
