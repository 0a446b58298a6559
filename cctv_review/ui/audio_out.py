"""The main view's sound through Qt Multimedia: a thin ``QAudioSink`` adapter and the volume controls.

Everything that decodes, resamples, changes tempo or keeps the sound in step
with the pictures is Qt-free, in :mod:`cctv_review.video.audio`; its
:class:`~cctv_review.video.audio.AudioFeeder` runs in its own thread and
reads the main view's clock from the video engine (``playing``,
``position_ms``, ``speed``: the same wall-time clock the pictures follow).
This module gives it a sink:

* :class:`QtAudioSink` opens the default output device in push mode
  (``QAudioSink.start()`` returns a ``QIODevice``) at 48 kHz, 16-bit stereo.
  The feeder's thread only appends bytes to a locked buffer; a 10 ms timer on
  the GUI thread moves them into the device as it has room (``bytesFree``),
  so the ``QAudioSink`` is only touched by the thread it lives in.  What the
  feeder is told is buffered = bytes waiting here + bytes in the device's
  buffer (``bufferSize - bytesFree``).
* With no output device (no sound card, as on a CI machine, or Qt Multimedia
  missing), :class:`AudioOut` says so once, quietly, in the status bar, and
  the pictures play on; no sound is decoded.

:class:`AudioOut` adds a mute button and a volume slider to the player's
control bar (next to the speed box, found through the layouts) and follows
the player's current clip.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QSlider, QStyle, QToolButton, QWidget

from cctv_review.ui.transport import bar_of
from cctv_review.video.audio import BYTES_PER_SAMPLE, OUTPUT_CHANNELS, OUTPUT_RATE, AudioFeeder, AudioSink

log = logging.getLogger(__name__)

NO_DEVICE_NOTICE = "No sound output device was found: clips play without sound."
#: The device buffer asked for (ms): enough to ride out a busy GUI thread.
DEVICE_BUFFER_MS = 250


class QtAudioSink(QObject):
    """An :class:`~cctv_review.video.audio.AudioSink` on the default ``QAudioSink`` (see the module docstring).

    ``available`` is False (and ``problem`` says why) when there is no output
    device, the device cannot take 48 kHz 16-bit stereo, or Qt Multimedia is
    not installed; then writes are dropped.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._pending = bytearray()
        self._device_buffered_bytes = 0
        self._reset_requested = False
        self._volume = 1.0
        self._sink: Any = None
        self._io: Any = None
        self.available = False
        self.problem = ""
        try:
            from PySide6.QtMultimedia import QAudioFormat, QAudioSink, QMediaDevices
        except ImportError:
            self.problem = "Qt Multimedia is not installed (PySide6-Addons)"
            return
        device = QMediaDevices.defaultAudioOutput()
        if device.isNull():
            self.problem = "no sound output device"
            return
        fmt = QAudioFormat()
        fmt.setSampleRate(OUTPUT_RATE)
        fmt.setChannelCount(OUTPUT_CHANNELS)
        fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        if not device.isFormatSupported(fmt):
            self.problem = f"the sound device {device.description()!r} cannot play 48 kHz 16-bit stereo"
            return
        self._sink = QAudioSink(device, fmt, self)
        self._sink.setBufferSize(OUTPUT_RATE * BYTES_PER_SAMPLE * DEVICE_BUFFER_MS // 1000)
        self._io = self._sink.start()
        if self._io is None:
            self.problem = f"the sound device {device.description()!r} could not be opened"
            self._sink = None
            return
        self.available = True
        self._timer = QTimer(self)
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._drain)
        self._timer.start()

    # -- AudioSink (feeder's thread) ------------------------------------------------------
    def write(self, pcm: bytes) -> None:
        if self.available:
            with self._lock:
                self._pending += pcm

    def buffered_ms(self) -> float:
        with self._lock:
            pending = len(self._pending) + self._device_buffered_bytes
        return pending * 1000.0 / (OUTPUT_RATE * BYTES_PER_SAMPLE)

    def reset(self) -> None:
        with self._lock:
            self._pending.clear()
            self._device_buffered_bytes = 0
            self._reset_requested = True

    def set_volume(self, volume: float) -> None:
        self._volume = float(volume)

    # -- the device (GUI thread) ---------------------------------------------------------
    def _drain(self) -> None:
        sink, io = self._sink, self._io
        if sink is None or io is None:
            return
        with self._lock:
            reset, self._reset_requested = self._reset_requested, False
        if reset:
            sink.reset()  # drops what the device holds
            self._io = io = sink.start()
            if io is None:
                return
        if abs(sink.volume() - self._volume) > 1e-3:
            sink.setVolume(self._volume)
        free = int(sink.bytesFree())
        with self._lock:
            take = min(free - free % BYTES_PER_SAMPLE, len(self._pending))
            chunk = bytes(self._pending[:take])
            del self._pending[:take]
        if chunk:
            io.write(chunk)
        with self._lock:
            self._device_buffered_bytes = max(0, int(sink.bufferSize()) - int(sink.bytesFree()))

    def close(self) -> None:
        if self._sink is not None:
            self._timer.stop()
            self._sink.stop()
            self._sink = self._io = None


class AudioOut(QObject):
    """The main view's sound: a feeder on the player's clock, a sink, and mute/volume controls.

    ``player`` is the :class:`~cctv_review.ui.player_widget.PlayerWidget`
    (its ``player.player`` is the engine whose clock the sound follows).
    ``sink``: another :class:`~cctv_review.video.audio.AudioSink` (tests);
    default a :class:`QtAudioSink`.  ``notice(text)`` is emitted once if there
    is no sound output, and if a clip's sound cannot be played.
    """

    notice = Signal(str)

    def __init__(self, player: QWidget, sink: AudioSink | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent if parent is not None else player)
        self.player = player
        self.qt_sink: QtAudioSink | None = None
        if sink is None:
            self.qt_sink = QtAudioSink(self)
            self.available = self.qt_sink.available
            sink = self.qt_sink
        else:
            self.available = True
        self.sink = sink
        engine = getattr(getattr(player, "player", None), "player", None)  # QtPlayer -> Player
        self._player_clock = self._clock_of(engine)
        self.feeder = AudioFeeder(sink, self._player_clock, on_notice=self.notice.emit)
        self._told = False
        #: True while the sound follows another view (the cameras side by side), not the player.
        self.following = False
        self.mute_button = QToolButton()
        self.mute_button.setObjectName("muteButton")
        self.mute_button.setCheckable(True)
        self.mute_button.setAutoRaise(True)
        self.mute_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.volume_slider = QSlider(Qt.Orientation.Horizontal)
        self.volume_slider.setObjectName("volumeSlider")
        self.volume_slider.setRange(0, 100)
        self.volume_slider.setValue(100)
        self.volume_slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.volume_slider.setMaximumWidth(80)
        self.volume_slider.setMinimumWidth(40)
        self.mute_button.toggled.connect(self.set_muted)
        self.volume_slider.valueChanged.connect(lambda value: self.set_volume(value / 100.0))
        self._show_mute()
        if not self.available:
            why = self.qt_sink.problem if self.qt_sink is not None else ""
            self.mute_button.setEnabled(False)
            self.volume_slider.setEnabled(False)
            tip = f"No sound: {why}." if why else "No sound output."
            self.mute_button.setToolTip(tip)
            self.volume_slider.setToolTip(tip)
            log.info("sound off: %s", why or "no output")
        bar = bar_of(player, getattr(player, "play_button", player))
        if bar is not None:
            speed_combo = getattr(player, "speed_combo", None)
            at = bar.indexOf(speed_combo) if isinstance(speed_combo, QWidget) else -1
            at = at + 1 if at >= 0 else bar.count()
            bar.insertWidget(at, self.mute_button)
            bar.insertWidget(at + 1, self.volume_slider)
        clip_changed = getattr(player, "clipChanged", None)
        if clip_changed is not None:
            clip_changed.connect(self._clip_changed)
        if self.available:
            self.feeder.start()

    @staticmethod
    def _clock_of(engine: Any) -> Callable[[], tuple[bool, float, float]]:
        """The engine's clock reading: (playing, position_ms, speed); never playing without an engine."""
        if engine is None:
            return lambda: (False, 0.0, 1.0)
        return lambda: (bool(engine.playing), float(engine.position_ms), float(engine.speed))

    def follow(self, clock: Callable[[], tuple[bool, float, float]], path: str | None) -> None:
        """Play the sound of ``path`` on another view's clock (the side-by-side main view).

        ``clock()`` gives ``(playing, position_ms in that file, speed)`` and is
        called from the feeder's thread.  Call again when the view moves on to
        another file; :meth:`follow_player` goes back to the player.
        """
        self.following = True
        self.feeder.clock = clock
        self._open(path)

    def follow_player(self) -> None:
        """The sound follows the workspace's player again."""
        self.following = False
        self.feeder.clock = self._player_clock
        self._open(getattr(getattr(self.player, "clip", None), "path", None))

    def _clip_changed(self, clip: object) -> None:
        if self.following:
            return  # the side-by-side main view's sound is playing
        self._open(getattr(clip, "path", None))

    def _open(self, path: str | None) -> None:
        if not self.available:
            if path and not self._told:  # said once, when there is first a clip to hear
                self._told = True
                self.notice.emit(NO_DEVICE_NOTICE)
            return
        self.feeder.open(str(path) if path else None)

    def set_muted(self, muted: bool) -> None:
        """Mute (True) or unmute the sound; the button shows it."""
        self.feeder.set_muted(muted)
        if self.mute_button.isChecked() != muted:
            self.mute_button.setChecked(muted)
        self._show_mute()

    def set_volume(self, volume: float) -> None:
        """Volume 0..1 (linear)."""
        self.feeder.set_volume(volume)
        value = round(volume * 100)
        if self.volume_slider.value() != value:
            self.volume_slider.setValue(value)

    def _show_mute(self) -> None:
        muted = self.mute_button.isChecked()
        icon = QStyle.StandardPixmap.SP_MediaVolumeMuted if muted else QStyle.StandardPixmap.SP_MediaVolume
        self.mute_button.setIcon(self.mute_button.style().standardIcon(icon))
        if self.available:
            self.mute_button.setToolTip(
                "Sound muted: click to hear it" if muted else "Mute the sound (played at 0.5x–2x)"
            )

    def close(self) -> None:
        """Stop the feeder's thread and the device (idempotent)."""
        self.feeder.stop()
        if self.qt_sink is not None:
            self.qt_sink.close()
