"""The track player: one camera across its files, and 2x2 tiles under one recorded-time clock.

Clips are made here with ffmpeg; every frame carries its number in a barcode
(numbers run on across a camera's files, so the pixels say which file and
frame a tile shows).  The expected frame for a clock time is worked out from
the files' layout (25 fps, known starts), independently of the engine.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
import video_clipmaker as vc
from track_clips import FPS, make_numbered

from cctv_review.recorded_time import localize, zone
from cctv_review.video.index import build_index
from cctv_review.video.track_player import SyncPlayer, camera_tracks, epoch_ms

LONDON = zone("Europe/London")
T0 = localize(datetime(2026, 3, 14, 22, 40, 0), LONDON)

# camera -> [(clip id, first barcode number, frames, start offset in s from T0)]
LAYOUT = {
    "Cell 4": [(1, 0, 100, 0.0), (2, 100, 100, 4.0), (3, 200, 100, 11.0)],  # 3 files, a 3 s gap
    "Desk": [(4, 1000, 300, 1.5)],
    "Corridor": [(5, 2000, 150, 0.0), (6, 2150, 150, 6.0)],  # a join at 6 s
    "Van dock": [(7, 3000, 100, 8.0)],  # starts late
}


@pytest.fixture(scope="module")
def tracks(tmp_path_factory):
    if vc.ffmpeg_exe() is None:
        pytest.skip("ffmpeg is needed to make the clips")
    folder = tmp_path_factory.mktemp("tracks")
    clips, indexes = [], {}
    for camera, files in LAYOUT.items():
        for clip_id, first, frames, offset in files:
            path = make_numbered(folder / f"{camera.replace(' ', '_')}_{clip_id}.mp4", first, frames)
            start = T0 + timedelta(seconds=offset)
            clips.append(
                SimpleNamespace(
                    id=clip_id, path=str(path), camera=camera, recorded_start=start, clock_offset_ms=0
                )
            )
            indexes[clip_id] = build_index(path)
    found = camera_tracks(clips, lambda c: indexes[c.id], LONDON)
    return {t.name: t for t in found}


def expected(camera: str, t_ms: float) -> int | None:
    """The barcode of the frame whose recorded time is the latest at or before ``t_ms`` (None: no recording)."""
    for _clip, first, frames, offset in LAYOUT[camera]:
        start = epoch_ms(T0) + offset * 1000
        if start <= t_ms + 0.01 < start + frames * 1000 / FPS:
            return first + int((t_ms + 0.01 - start) * FPS // 1000)
    return None


class Recorder:
    """The callbacks: frames (with the clock at the moment they were handed over), notices, messages."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        # tile, barcode, frame's time, the clock when the engine showed it, keyframes only
        self.frames: list[tuple[int, int, float, float, bool]] = []
        self.notices: list[str] = []
        self.messages: dict[int, str] = {}
        self.player: SyncPlayer | None = None

    def on_frame(self, tile: int, shown) -> None:
        number = vc.read_frame_number(shown.image)
        with self.lock:
            self.frames.append((tile, number, shown.at_ms, shown.clock_ms, shown.keyframes_only))

    def on_notice(self, text: str) -> None:
        with self.lock:
            self.notices.append(text)

    def on_message(self, tile: int, text: str) -> None:
        with self.lock:
            self.messages[tile] = text


def right_for_clock(at_ms: float, clock: float, keyframes_only: bool) -> bool:
    """The frame at ``at_ms`` is the latest at or before ``clock`` (one frame of 40 ms; a GOP of 1 s for keyframes)."""
    span = 1000.0 if keyframes_only else 1000.0 / FPS
    return -0.02 <= clock - at_ms < span + 0.02


def wait_for(cond, timeout: float = 20.0) -> None:
    """Wait for a condition (the engine's threads report through callbacks)."""
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.fixture
def player():
    rec = Recorder()
    p = SyncPlayer(on_frame=rec.on_frame, on_notice=rec.on_notice, on_message=rec.on_message)
    rec.player = p
    yield p, rec
    p.close()


def at(seconds: float) -> float:
    return epoch_ms(T0) + seconds * 1000


def settled(p: SyncPlayer, rec: Recorder, cameras: list[str]):
    """Wait until every tile shows the right frame for the (paused) clock; return the barcodes."""
    t = p.position_ms

    def right() -> bool:
        for i, cam in enumerate(cameras):
            want = expected(cam, t)
            shown = p.shown(i)
            if want is None:
                if shown is not None or not p.message(i).startswith("No recording"):
                    return False
            elif shown is None or vc.read_frame_number(shown.image) != want:
                return False
        return True

    wait_for(right)
    return [
        None if p.shown(i) is None else vc.read_frame_number(p.shown(i).image) for i in range(len(cameras))
    ]


def test_one_camera_in_three_files_plays_and_steps_across_both_joins(tracks, player):
    p, rec = player
    cell = tracks["Cell 4"]
    assert [f.clip_id for f in cell.track.files] == [1, 2, 3]
    p.set_tiles([cell])
    p.seek(at(3.92))  # frame 98 of the first file
    assert settled(p, rec, ["Cell 4"]) == [98]
    p.step(1)
    assert settled(p, rec, ["Cell 4"]) == [99]
    p.step(1)  # the first join: file 2's first frame
    assert settled(p, rec, ["Cell 4"]) == [100]
    p.step(-1)
    assert settled(p, rec, ["Cell 4"]) == [99]
    # the second join has a 3 s gap: stepping over it says so
    p.seek(at(7.96))
    assert settled(p, rec, ["Cell 4"]) == [199]
    p.step(1)
    assert settled(p, rec, ["Cell 4"]) == [200]
    assert p.position_ms == pytest.approx(at(11.0))
    assert rec.notices[-1] == "No recording 22:40:08–22:40:11"
    p.step(-1)
    assert settled(p, rec, ["Cell 4"]) == [199]
    assert len(rec.notices) == 2

    # play across both joins at 4x: every shown frame is right for the clock, the gap is stepped over
    rec.frames.clear()
    rec.notices.clear()
    p.seek(at(2.0))
    p.set_speed(4.0)
    p.play()
    wait_for(lambda: any(f[1] >= 230 for f in list(rec.frames)), timeout=30)
    p.pause()
    shown = [f for f in rec.frames if f[0] == 0]
    numbers = [f[1] for f in shown]
    assert any(n < 100 for n in numbers) and any(100 <= n < 200 for n in numbers) and numbers[-1] >= 200
    assert numbers == sorted(numbers)  # never backwards
    for _tile, number, at_ms, clock, keyframes in shown:
        assert expected("Cell 4", at_ms) == number  # the pixels are the frame the engine says
        assert right_for_clock(at_ms, clock, keyframes)
    assert "No recording 22:40:08–22:40:11" in rec.notices


def test_two_by_two_every_tile_right_after_play_seek_rewind_and_a_file_boundary(tracks, player):
    p, rec = player
    cams = ["Cell 4", "Desk", "Corridor", "Van dock"]
    p.set_tiles([tracks[c] for c in cams])
    p.seek(at(1.0))
    got = settled(p, rec, cams)
    assert got == [25, None, 2025, None]
    assert p.message(1) == "No recording — next at 22:40:01"
    assert p.message(3) == "No recording — next at 22:40:08"

    # play at 1x across the Corridor's join at 6 s and Cell 4's at 4 s
    rec.frames.clear()
    p.seek(at(3.5))
    p.play()
    wait_for(lambda: p.position_ms > at(6.6), timeout=30)
    p.pause()
    frames = list(rec.frames)
    for tile, number, at_ms, clock, keyframes in frames:
        cam = cams[tile]
        assert expected(cam, at_ms) == number
        # sync: the frame shown is the right one for the clock at the moment it was shown
        assert right_for_clock(at_ms, clock, keyframes), (cam, number, clock - at_ms)
    assert any(f[1] >= 2150 for f in frames if f[0] == 2)  # the Corridor's second file
    assert any(f[1] >= 100 for f in frames if f[0] == 0)  # Cell 4's second file
    settled(p, rec, cams)

    # seek forward and back (rewind) and reverse shuttle: every tile right for the clock each time
    for s in (9.0, 2.2, 5.99, 6.0, 11.5, 0.5):
        p.seek(at(s))
        settled(p, rec, cams)
    p.seek(at(8.6))
    p.set_speed(-2.0)
    rec.frames.clear()
    p.play()
    wait_for(lambda: p.position_ms < at(5.5), timeout=30)
    p.pause()
    backwards = list(rec.frames)
    assert any(f[0] == 2 for f in backwards)  # the Corridor played back (how many: the machine's load)
    for tile, number, at_ms, clock, keyframes in backwards:
        assert expected(cams[tile], at_ms) == number
        assert right_for_clock(at_ms, clock, keyframes), (cams[tile], number, clock - at_ms)
    settled(p, rec, cams)
    p.set_speed(1.0)

    # stepping acts on the main tile; the others follow to their frame at that moment
    p.set_main(2)
    p.seek(at(5.96))
    assert settled(p, rec, cams)[2] == 2149
    p.step(1)
    assert settled(p, rec, cams)[2] == 2150
    assert p.position_ms == pytest.approx(at(6.0))


def test_switching_the_main_camera_keeps_the_moment(tracks, player):
    p, rec = player
    p.set_tiles([tracks["Corridor"]])
    p.seek(at(7.0))
    assert settled(p, rec, ["Corridor"]) == [2175]
    moment = p.position_ms
    p.set_tile(0, tracks["Desk"])  # single view: another camera
    assert settled(p, rec, ["Desk"]) == [1000 + int(5.5 * FPS)]
    assert p.position_ms == moment
    p.set_tiles([tracks["Desk"], tracks["Corridor"]], main=0)
    p.set_main(1)
    assert p.position_ms == moment and p.main == 1
    p.seek_recorded("desk", T0 + timedelta(seconds=2))
    assert p.main == 0
    assert settled(p, rec, ["Desk", "Corridor"]) == [1012, 2050]


def test_clips_without_a_recorded_start_are_their_own_clip_time_tracks(tracks, tmp_path):
    path = make_numbered(tmp_path / "loose.mp4", 500, 50)
    clip = SimpleNamespace(id=99, path=str(path), camera="Cell 2", recorded_start=None, clock_offset_ms=0)
    (track,) = camera_tracks([clip], lambda c: build_index(c.path))
    assert not track.recorded and track.key == "clip:99"
    place = track.frame_at(1000.0)
    assert place is not None and place.frame == 25 and place.at_ms == pytest.approx(1000.0)
    assert track.describe(61_000) == "0:01:01"


def test_activity_jumps_run_across_the_main_cameras_files(tracks, player):
    p, rec = player
    p.set_tiles([tracks["Cell 4"], tracks["Desk"]], main=0)
    p.seek(at(0.5))
    activity = {2: (1000, [0.0, 0.0, 0.7, 0.7]), 3: (1000, [0.0, 0.7, 0.7, 0.0])}  # file 1: none
    line = p.activity_step(True, lambda clip_id: activity.get(clip_id, (1000, [0.0] * 4)))
    assert line == "Activity at 22:40:06 (Cell 4)."  # file 2, 2 s in
    assert p.position_ms == pytest.approx(at(6.0))
    assert settled(p, rec, ["Cell 4", "Desk"]) == [150, 1000 + int(4.5 * FPS)]
    assert (
        p.activity_step(True, lambda c: activity.get(c, (1000, [0.0] * 4)))
        == "Activity at 22:40:12 (Cell 4)."
    )
    assert p.activity_step(True, lambda c: activity.get(c, (1000, [0.0] * 4))).startswith(
        "No more activity after"
    )
    assert (
        p.activity_step(False, lambda c: activity.get(c, (1000, [0.0] * 4)))
        == "Activity at 22:40:06 (Cell 4)."
    )
    p.seek(at(13.0))
    assert p.activity_step(True, lambda c: activity.get(c)).startswith(
        "Activity has not been found yet in 1 file"
    )
