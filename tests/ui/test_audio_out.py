"""The main view's sound in the application (issue 11 item 6): no device here, and a recording sink.

This machine has no sound card: the window must say so once, quietly, and
play the pictures on.  With a recording sink in place of the device the
sound of a played clip reaches the sink in step with the engine's clock
(offset measured from the tones the sink was given, against the clock read
while playing), and is silent at 4x and when paused.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from ui_fixtures import make_window  # noqa: F401  (fixture)
from ui_helpers import open_case_by_click, wait_for_frame

from cctv_review.clips import add_clip_file
from cctv_review.domain import Case
from cctv_review.ui.audio_out import NO_DEVICE_NOTICE, AudioOut
from cctv_review.video.audio import RecordingSink


def _bench():
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "audio_bench.py"
    spec = importlib.util.spec_from_file_location("audio_bench", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("audio_bench", module)
    spec.loader.exec_module(module)
    return module


bench = _bench()


@pytest.fixture(scope="module")
def tones_clip(tmp_path_factory) -> Path:
    return bench.make_marked_clip(tmp_path_factory.mktemp("sound") / "desk-sound.mp4", 12)


@pytest.fixture
def case_with_sound(store, tones_clip):
    case = store.add_case(Case(reference="CR-SND", custody_suite="Northgate"))
    clip = add_clip_file(
        store, case.id, tones_clip, "Booking-in desk", datetime(2026, 3, 14, 22, 0, tzinfo=timezone.utc)
    )
    return case, clip


def test_no_sound_device_is_said_once_and_the_pictures_play_on(
    qtbot, make_window, store, template, case_with_sound
):
    window = make_window(store, template)
    if window.audio.available:
        pytest.skip("this machine has a sound output device")
    messages: list[str] = []
    window.statusBar().messageChanged.connect(lambda text: messages.append(text))
    open_case_by_click(qtbot, window, "CR-SND")
    wait_for_frame(qtbot, window, 0)
    assert not window.audio.mute_button.isEnabled() and "No sound" in window.audio.mute_button.toolTip()
    window.player.play()
    qtbot.waitUntil(lambda: window.player.position_ms >= 600, timeout=10_000)
    window.player.pause()
    window.player.load_clip(window.player.clip, 0)  # the same or another clip: not said again
    assert messages.count(NO_DEVICE_NOTICE) == 1, messages


def test_sound_reaches_the_sink_in_step_with_the_engine_clock(
    qtbot, make_window, store, template, case_with_sound
):
    window = make_window(store, template)
    sink = RecordingSink()
    audio = AudioOut(window.player, sink=sink)
    try:
        open_case_by_click(qtbot, window, "CR-SND")
        wait_for_frame(qtbot, window, 0)
        audio._clip_changed(window.player.clip)  # the clip was opened before this AudioOut existed
        engine = window.player.player.player
        readings: list[tuple[float, float, bool]] = []
        sampler = QTimer()
        sampler.timeout.connect(
            lambda: readings.append((time.monotonic(), engine.position_ms, engine.playing))
        )
        sampler.start(5)
        window.player.seek(2_680)
        wait_for_frame(qtbot, window, 2_680)
        window.player.play()
        qtbot.waitUntil(lambda: window.player.position_ms >= 5_300, timeout=15_000)
        window.player.set_speed(4.0)
        qtbot.waitUntil(lambda: audio.feeder._active is False, timeout=5_000)
        writes = len(sink.writes)
        qtbot.waitUntil(lambda: window.player.position_ms >= 7_500, timeout=15_000)
        assert len(sink.writes) == writes  # 4x: silent
        window.player.pause()
        sampler.stop()
    finally:
        audio.close()
    walls = np.array([r[0] for r in readings])
    offsets = []
    for sample, mark in bench.tone_onsets(sink.heard_pcm()):
        wall = sink.wall_of_sample(sample)
        if wall is None or wall < walls[0] or wall > walls[-1]:
            continue
        i = int(np.searchsorted(walls, wall, side="right")) - 1
        t0, position, playing = readings[i]
        t1, position1, _ = readings[min(i + 1, len(readings) - 1)]
        if playing and t1 > t0:
            position += (wall - t0) / (t1 - t0) * (position1 - position)
        second = round((position / 1000.0 - mark) / bench.MARKS) * bench.MARKS + mark
        offsets.append((second, second * 1000.0 - position))
    assert [s for s, _ in offsets] == [3, 4, 5], offsets
    assert max(abs(o) for _, o in offsets) <= 40.0, offsets


def test_qt_sink_without_a_device_takes_nothing(qtbot):
    from cctv_review.ui.audio_out import QtAudioSink

    sink = QtAudioSink()
    if sink.available:
        pytest.skip("this machine has a sound output device")
    assert sink.problem  # says why (no device, or no Qt Multimedia)
    sink.write(b"\x00\x01" * 4800)
    assert sink.buffered_ms() == 0.0
    sink.reset()
    sink.close()
