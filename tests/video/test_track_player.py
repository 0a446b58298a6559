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


# -- keeping up: keyframes at once, and frames read ahead --------------------------------


def decision(*, speed: float, samples: int = 0, frame_cost: float = 0.0, player_px: float = 0.0) -> bool:
    """Whether a tile with this measure of decoding falls back to keyframes for 1080p25 at ``speed``."""
    from cctv_review.video.track_player import _Tile

    p = SyncPlayer()
    try:
        p.frame_cost_px = player_px
        tile = _Tile(p, 0)  # (its thread is never started)
        tile.samples, tile.frame_cost = samples, frame_cost
        index = SimpleNamespace(
            timing="pts", gop_frames=50, fps=25.0, stream=SimpleNamespace(width=1920, height=1080)
        )
        tile._maybe_keyframes_only(index, speed, 1)
        return tile.keyframes_only
    finally:
        p.close()


def test_fast_shuttle_falls_back_to_keyframes_before_falling_behind():
    # nothing measured yet: the assumed decoding speed (300 Mpx/s) makes 1080p25 at 16x
    # need 2.8 s of decoding a second, so keyframes from the first frame; 8x is measured first
    assert decision(speed=16.0)
    assert not decision(speed=8.0)
    assert not decision(speed=1.0)
    # another tile's measure (per pixel) stands in for a tile with none: 1080p at 2 ms a frame
    assert not decision(speed=16.0, player_px=0.002 / (1920 * 1080))
    # one measured read decides only for fast shuttle at a clear margin (40 ms a frame)
    assert not decision(speed=1.0, samples=1, frame_cost=0.04)
    assert not decision(speed=2.0, samples=1, frame_cost=0.04)  # needs 2.0 s a second: not past 2
    assert decision(speed=3.0, samples=1, frame_cost=0.04)
    # three measured reads: any shortfall at any speed
    assert decision(speed=1.0, samples=3, frame_cost=0.05)
    assert not decision(speed=1.0, samples=3, frame_cost=0.03)
    # reverse: never at -1x; past -1x when decoding takes over half the time
    assert not decision(speed=-1.0, samples=3, frame_cost=0.1)
    assert not decision(speed=-2.0, samples=3, frame_cost=0.007)  # 0.35 of the time
    assert decision(speed=-2.0, samples=3, frame_cost=0.02)  # 1.0 of the time


class FakeTime:
    """A wall clock that moves only when told (the player's ``time_fn``)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def frozen_player():
    rec = Recorder()
    wall = FakeTime()
    p = SyncPlayer(on_frame=rec.on_frame, on_notice=rec.on_notice, on_message=rec.on_message, time_fn=wall)
    rec.player = p
    yield p, rec, wall
    p.close()


def test_keyframes_only_reads_the_next_keyframe_ahead_and_shows_it_at_its_time(tracks, frozen_player):
    p, rec, wall = frozen_player
    desk = tracks["Desk"]
    gop = desk.clips[4].index.gop_frames
    p.frame_cost_px = 1.0  # a machine far too slow to decode every frame at 16x
    p.set_tiles([desk])
    p.seek(at(1.5))  # the Desk's first frame (a keyframe)
    assert settled(p, rec, ["Desk"]) == [1000]
    decoded = p.stats(0).decoded
    rec.frames.clear()
    p.set_speed(16.0)
    p.play()
    # the clock stands still: the next keyframe is decoded now, and waits for its time
    wait_for(lambda: p.stats(0).decoded == decoded + 1)
    assert p.stats(0).keyframe_fallbacks == 1
    time.sleep(0.2)
    assert rec.frames == [] and p.stats(0).decoded == decoded + 1
    key_ms = 1000.0 * gop / FPS  # the second keyframe, in recorded ms after the first
    wall.now += key_ms / 1000.0 / 16.0  # the clock reaches it exactly
    wait_for(lambda: len(rec.frames) == 1)
    _tile, number, at_ms, clock, keyframes = rec.frames[0]
    assert number == 1000 + gop and keyframes
    assert at_ms == pytest.approx(at(1.5) + key_ms) and clock == pytest.approx(at_ms)
    # and the one after is already being read before the clock gets there
    wait_for(lambda: p.stats(0).decoded == decoded + 2)
    assert len(rec.frames) == 1


def test_reverse_play_reads_the_gop_before_while_a_frame_waits(tracks, frozen_player):
    p, rec, wall = frozen_player
    desk = tracks["Desk"]
    gop = desk.clips[4].index.gop_frames
    first_key = 2 * gop  # the Desk's third keyframe (frame 1000 + 2 GOPs)
    p.set_tiles([desk])
    p.seek(at(1.5 + (first_key + 3) / FPS))  # 3 frames into that GOP
    assert settled(p, rec, ["Desk"]) == [1000 + first_key + 3]
    seeks, decoded = p.stats(0).seeks, p.stats(0).decoded
    p.set_speed(-1.0)
    p.play()
    wait_for(lambda: not p.starting)  # the clock moves once the tile has its first frame back
    wall.now += 0.5 / FPS  # half a frame back: the frame before is due
    wait_for(lambda: any(f[1] == 1000 + first_key + 2 for f in rec.frames))
    wall.now += 1.0 / FPS  # and the one before that: it waits half a frame, time to read ahead
    wait_for(lambda: any(f[1] == 1000 + first_key + 1 for f in rec.frames))
    # this GOP was read back from its keyframe (one seek, 3 frames), and while the frames
    # waited for their time the whole GOP before was decoded (one seek to its keyframe)
    wait_for(lambda: p.stats(0).decoded >= decoded + 3 + gop)
    assert p.stats(0).seeks == seeks + 2
    # the clock then runs back past the keyframe into that GOP: no seek, no stall, frame by frame
    for n in range(first_key, first_key - 4, -1):
        wall.now += 1.0 / FPS
        wait_for(lambda n=n: any(f[1] == 1000 + n for f in rec.frames))
    assert p.stats(0).seeks == seeks + 2
    for _tile, number, at_ms, clock, keyframes in rec.frames:
        assert not keyframes
        assert expected("Desk", at_ms) == number
        assert right_for_clock(at_ms, clock, keyframes), (number, clock - at_ms)


def test_play_holds_the_clock_until_every_tile_has_its_first_frame(tracks, frozen_player, monkeypatch):
    from cctv_review.video import track_player

    p, rec, wall = frozen_player
    cams = ["Desk", "Corridor"]
    p.set_tiles([tracks[c] for c in cams])
    p.seek(at(4.0))
    settled(p, rec, cams)
    gate = threading.Event()
    decode = track_player._Tile._decode

    def slow_decode(self, *args, **kwargs):
        if self.number == 1:
            gate.wait(10)  # the Corridor's first frame of the play takes a while
        return decode(self, *args, **kwargs)

    monkeypatch.setattr(track_player._Tile, "_decode", slow_decode)
    moment = p.position_ms
    p.play()
    assert p.playing and p.starting
    wall.now += 0.5  # half a second passes: the clock waits for the Corridor
    time.sleep(0.1)
    assert p.starting and p.position_ms == moment
    gate.set()
    wait_for(lambda: not p.starting)
    assert p.position_ms == moment  # it moves on from the same moment, now
    wall.now += 0.2
    assert p.position_ms == pytest.approx(moment + 200.0)
    # a tile that never gets its frame holds the clock no longer than PREROLL_MAX_S
    gate.clear()
    p.seek(at(6.0))
    assert p.starting
    wall.now += track_player.PREROLL_MAX_S + 0.01
    assert not p.starting and p.position_ms > at(6.0)
    gate.set()
