"""Sound in step with the pictures (issue 11 item 6), measured without a sound card.

The clips' sound is a short tone at the start of every second of clip time,
its pitch saying which second (benchmarks/audio_bench.py makes them with
FFmpeg's aevalsrc), so the test can find, in the samples that reach the sink,
when each tone is *heard* (the recording sink plays 48,000 samples a second of
its clock) and which second it marks, and compare with the video clock at that
moment: the audio/video offset through the same code path as the application,
up to the sink.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from cctv_review.video.audio import (
    AudioDecoder,
    AudioFeeder,
    RecordingSink,
    audible,
    probe_audio,
)
from cctv_review.video.clock import PlaybackClock

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg makes the test clips")


def _bench():
    """benchmarks/audio_bench.py: the marked clip, the tone finder and the simulation (one code for both)."""
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "audio_bench.py"
    spec = importlib.util.spec_from_file_location("audio_bench", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("audio_bench", module)
    spec.loader.exec_module(module)
    return module


bench = _bench()
Simulation = bench.Simulation


@pytest.fixture(scope="module")
def tones_clip(tmp_path_factory) -> Path:
    return bench.make_marked_clip(tmp_path_factory.mktemp("audio") / "desk-tones.mp4", 24)


def onsets(pcm: np.ndarray) -> list[int]:
    return [sample for sample, _mark in bench.tone_onsets(pcm)]


def test_probe_and_decoder_cut_to_the_sample(tones_clip):
    info = probe_audio(tones_clip)
    assert info is not None and info.codec == "aac" and info.sample_rate == 44100
    with AudioDecoder(tones_clip) as decoder:
        decoder.seek(4990.0)
        chunk = decoder.read()
        assert chunk is not None and abs(chunk.start_ms - 4990.0) < 0.1
        pcm = np.concatenate([chunk.pcm] + [decoder.read().pcm for _ in range(10)])
    # The 5 s tone starts 10 ms (480 samples) in.
    assert abs(onsets(pcm)[0] - 480) <= 48


def test_sound_follows_the_clock_at_1x_and_after_a_seek(tones_clip):
    sim = Simulation(tones_clip)
    sim.run(3.0)
    sim.clock.seek(15_000)  # the reviewer jumps
    sim.run(4.0)
    offsets = sim.offsets()
    heard = [ms for _, ms, _ in offsets]
    assert heard == [0, 1000, 2000, 15_000, 16_000, 17_000, 18_000], offsets  # each tone marks its second
    assert max(abs(off) for _, _, off in offsets) <= 40.0, offsets
    after_seek = [off for _, ms, off in offsets if ms >= 15_000]
    assert abs(after_seek[0]) <= 40.0  # the first tone after the seek already in step


@pytest.mark.parametrize("speed", [0.5, 2.0])
def test_sound_at_half_and_double_speed_keeps_step(tones_clip, speed):
    sim = Simulation(tones_clip, speed=speed, start_ms=2_500)
    sim.run(6.0)
    offsets = sim.offsets()
    assert len(offsets) >= int(6 * speed) - 1, offsets
    assert max(abs(off) for _, _, off in offsets) <= 40.0, offsets
    assert sim.feeder.resyncs == 0  # steady: no correction needed once started


def test_muted_at_other_speeds_when_paused_and_when_muted(tones_clip):
    sim = Simulation(tones_clip, speed=4.0)
    sim.run(1.0)
    assert sim.sink.writes == []  # 4x: silent
    assert not audible(4.0) and audible(0.5) and audible(2.0) and not audible(0.25)
    sim.clock.set_speed(1.0)
    sim.run(0.5)
    assert sim.sink.writes
    sim.clock.pause()  # paused (stepping pauses too)
    sim.run(0.1)
    writes = len(sim.sink.writes)
    assert sim.sink.buffered_ms() == 0.0  # what was queued is dropped at once
    sim.run(0.5)
    assert len(sim.sink.writes) == writes
    sim.clock.start()
    sim.feeder.set_muted(True)
    sim.run(0.5)
    assert len(sim.sink.writes) == writes and sim.sink.buffered_ms() == 0.0
    sim.feeder.set_volume(0.3)
    assert sim.sink.volume == 0.3


def test_a_silent_clip_plays_no_sound(tmp_path):
    sim = Simulation(bench.make_marked_clip(tmp_path / "no-sound.mp4", 2, audio_codec=None))
    sim.run(0.5)
    assert not sim.feeder.has_audio and sim.sink.writes == []
    assert probe_audio(tmp_path / "no-sound.mp4") is None


def test_feeder_thread_in_real_time(tones_clip):
    """The same, with the feeder's own thread and the wall clock (1x, 2.5 s, a seek)."""
    clock = PlaybackClock()
    sink = RecordingSink()
    lock = threading.Lock()

    def reading() -> tuple[bool, float, float]:
        with lock:
            return clock.running, clock.position_ms(), clock.speed

    feeder = AudioFeeder(sink, reading)
    feeder.open(tones_clip)
    with lock:
        clock.seek(3_500)
        clock.start()
    feeder.start()
    try:
        deadline = time.monotonic() + 1.2
        while time.monotonic() < deadline:
            time.sleep(0.01)
        with lock:
            clock.seek(9_800)
            seek_wall = time.monotonic()
        deadline = time.monotonic() + 1.4
        while time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        feeder.stop()
    offsets = []
    for sample, mark in bench.tone_onsets(sink.heard_pcm()):
        wall = sink.wall_of_sample(sample)
        if wall is None:
            continue
        position = 9_800.0 + (wall - seek_wall) * 1000.0 if wall >= seek_wall else None
        if position is None:
            continue
        second = round((position / 1000.0 - mark) / bench.MARKS) * bench.MARKS + mark
        offsets.append(second * 1000.0 - position)
    assert offsets, "no tone heard after the seek"
    assert max(abs(o) for o in offsets) <= 40.0, offsets
