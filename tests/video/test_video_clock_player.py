"""Playback clock (deterministic, fake time) and the threaded Player."""

from __future__ import annotations

import itertools
import threading
import time

import numpy as np
import pytest

from cctv_review.video.clock import SPEEDS, PlaybackClock, display_step, late_tolerance, next_target
from cctv_review.video.player import FrameCache, Player
from cctv_review.video.reader import Frame


class FakeTime:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.mark.parametrize("speed", SPEEDS)
def test_clock_follows_wall_time_at_every_speed(speed):
    ft = FakeTime()
    clock = PlaybackClock(ft)
    clock.set_speed(speed)
    clock.start(at_ms=5000)
    ft.t += 2.0
    assert clock.position_ms() == pytest.approx(5000 + 2000 * speed)
    clock.pause()
    ft.t += 10
    assert clock.position_ms() == pytest.approx(5000 + 2000 * speed)


def test_speed_change_reanchors_without_jump():
    ft = FakeTime()
    clock = PlaybackClock(ft)
    clock.start(at_ms=0)
    ft.t += 1.0
    clock.set_speed(16)
    assert clock.position_ms() == pytest.approx(1000)
    ft.t += 0.5
    assert clock.position_ms() == pytest.approx(1000 + 8000)


def test_decide_wait_show_drop():
    ft = FakeTime()
    clock = PlaybackClock(ft)
    clock.start(at_ms=1000)
    assert clock.decide(1040, 0.05) == ("wait", pytest.approx(0.04))
    assert clock.decide(1000, 0.05)[0] == "show"
    assert clock.decide(980, 0.05)[0] == "show"
    assert clock.decide(900, 0.05)[0] == "drop"
    clock.set_speed(4)
    assert clock.decide(1040, 0.05) == ("wait", pytest.approx(0.01))


def test_display_step_thins_frames_evenly():
    assert display_step(25, 1) == 1
    assert display_step(25, 0.25) == 1
    assert display_step(25, 2) == 2
    assert display_step(25, 16) == 14  # 400 fps of content -> every 14th, ~29 fps shown
    assert 25 * 16 / display_step(25, 16) <= 30


def test_slow_decoder_drops_evenly_and_never_lags():
    """Simulate a decoder that needs 30 ms per frame at 16x: targets follow the clock."""
    ft = FakeTime()
    clock = PlaybackClock(ft)
    clock.set_speed(16)
    clock.start(at_ms=0)
    fps, cost = 25.0, 0.030
    step = display_step(fps, 16)
    last, shown = None, []
    for _ in range(200):
        ahead_ms = clock.position_ms() + cost * 1000 * 16
        target = next_target(last, step, int(ahead_ms * fps / 1000))
        ft.t += cost  # decoding takes this long
        action, _ = clock.decide(target * 40, late_tolerance(fps, 16, step))
        if action == "wait":
            ft.t += clock.wall_until(target * 40)
            action = "show"
        assert action == "show"
        shown.append(target)
        last = target
    gaps = {b - a for a, b in itertools.pairwise(shown)}
    assert max(gaps) - min(gaps) <= 1  # evenly spaced
    lag_ms = clock.position_ms() - shown[-1] * 40
    assert 0 <= lag_ms <= 40 * step  # bounded, not growing
    assert clock.position_ms() == pytest.approx((ft.t - 1000) * 16000)


def test_frame_cache_bounded_by_count_and_bytes():
    img = np.zeros((10, 10, 3), np.uint8)  # 300 bytes
    c = FrameCache(max_frames=5, max_bytes=1000)
    for i in range(10):
        c.put(Frame(i, i * 40, img.copy()))
    assert len(c) == 3 and c.nbytes <= 1000
    assert 9 in c and 6 not in c


# -- the real Player ----------------------------------------------------------


class Recorder:
    def __init__(self, frame_number):
        self.frames = []
        self.events = []
        self.errors = []
        self.cond = threading.Condition()
        self.frame_number = frame_number

    def on_frame(self, f):
        with self.cond:
            self.frames.append((f.index, self.frame_number(f.image), time.monotonic()))
            self.cond.notify_all()

    def wait_for(self, pred, timeout=10.0):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not pred():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("timed out waiting")
                self.cond.wait(min(left, 0.05))


@pytest.fixture
def player_rec(frame_number, decoder_backend):
    rec = Recorder(frame_number)
    ends = threading.Event()
    p = Player(
        on_frame=rec.on_frame,
        on_end=ends.set,
        on_error=rec.errors.append,
        on_state=rec.events.append,
        cache_frames=40,
    )
    p.ends = ends
    yield p, rec
    p.close()
    assert not any(t.name.startswith("video-") and t.is_alive() for t in threading.enumerate())


def test_player_opens_shows_first_frame_and_plays(numbered, player_rec):
    p, rec = player_rec
    p.open(str(numbered("h264_gop50")))
    assert p.wait_opened().frame_count == 300
    rec.wait_for(lambda: rec.frames)
    assert rec.frames[0][:2] == (0, 0)
    p.set_speed(4)
    p.play()
    rec.wait_for(lambda: len(rec.frames) > 15)
    idx = [f[0] for f in rec.frames]
    assert idx == sorted(idx)
    assert all(a == b for a, b, _ in rec.frames)  # every shown frame is the frame it claims
    p.pause()
    assert not p.playing and rec.events[:2] == [True, False]


def test_step_back_uses_cache(numbered, player_rec):
    p, rec = player_rec
    p.open(str(numbered("h264_gop250")))
    p.wait_opened()
    p.seek_frame(180)
    rec.wait_for(lambda: rec.frames and rec.frames[-1][0] == 180)
    decoded = []
    for expect in range(179, 169, -1):
        before = p.stats["decoded"]
        n = len(rec.frames)
        p.step(-1)
        rec.wait_for(lambda n=n: len(rec.frames) > n)
        assert rec.frames[-1][:2] == (expect, expect)
        decoded.append(p.stats["decoded"] - before)
    # First back-step decodes the stretch before frame 180 once; the rest are cached.
    assert decoded[0] > 0
    assert sum(decoded[1:]) == 0
    assert p.stats["cache_hits"] >= 9
    n = len(rec.frames)
    p.step(+1)
    rec.wait_for(lambda n=n: len(rec.frames) > n)
    assert rec.frames[-1][:2] == (171, 171)


def test_jump_and_seek(numbered, player_rec):
    p, rec = player_rec
    p.open(str(numbered("mpeg4")))
    p.wait_opened()
    rec.wait_for(lambda: rec.frames)
    p.jump(10)
    rec.wait_for(lambda: rec.frames[-1][0] == 250)
    p.jump(-1)
    rec.wait_for(lambda: rec.frames[-1][0] == 225)
    assert p.position_ms == 9000
    p.seek_ms(60_000)  # past the end: last frame
    rec.wait_for(lambda: rec.frames[-1][0] == 299)
    assert rec.frames[-1][1] == 299


def test_seek_made_while_opening_sets_position_and_play_start(numbered, player_rec):
    """A seek before the clip is probed is where position_ms reports and play() starts."""
    p, rec = player_rec
    p.open(str(numbered("h264_gop50")))
    p.seek_ms(8000)  # at once, before wait_opened()
    p.wait_opened()
    rec.wait_for(lambda: rec.frames and rec.frames[-1][0] == 200)
    assert p.position_ms == 8000
    p.play()
    rec.wait_for(lambda: len(rec.frames) > 5)
    p.pause()
    shown = [f[0] for f in rec.frames[1:]]
    assert shown and min(shown) > 200 and all(a == b for a, b, _ in rec.frames)
    assert p.position_ms > 8000


def test_play_to_end_reports_end(numbered, player_rec):
    p, rec = player_rec
    p.open(str(numbered("mjpeg")))
    p.wait_opened()
    p.seek_ms(11_000)
    p.set_speed(8)
    p.play()
    assert p.ends.wait(10)
    assert not p.playing
    assert rec.frames[-1][0] == 299
    assert rec.events[-1] is False


def test_sixteen_x_keeps_wall_time(numbered, player_rec):
    p, rec = player_rec
    p.open(str(numbered("h264_gop250")))
    p.wait_opened()
    rec.wait_for(lambda: rec.frames)
    p.set_speed(16)
    t0 = time.monotonic()
    p.play()
    time.sleep(0.8)
    pos = p.position_ms
    elapsed = time.monotonic() - t0
    assert pos == pytest.approx(elapsed * 16000, abs=16000 * 0.2)  # generous
    shown = [f for f in rec.frames if f[2] >= t0]
    assert len(shown) >= 5
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(shown)]
    assert min(gaps) >= 1 and all(a == b for a, b, _ in shown)


def test_close_stops_threads_promptly(numbered, frame_number, decoder_backend):
    p = Player(on_frame=lambda f: None)
    p.open(str(numbered("h264_gop50")))
    p.wait_opened()
    p.play()
    time.sleep(0.2)
    t = time.monotonic()
    p.close()
    assert time.monotonic() - t < 3.5
    assert not any(th.name.startswith("video-") and th.is_alive() for th in threading.enumerate())
