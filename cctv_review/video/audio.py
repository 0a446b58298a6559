"""Sound for the main view: decode, resample, change tempo and keep it in step with the pictures.

Qt-free.  The output device is behind the small :class:`AudioSink` protocol;
the application's is a ``QAudioSink`` adapter (:mod:`cctv_review.ui.audio_out`),
the tests' and the benchmark's is :class:`RecordingSink`, which "plays" in
(real or simulated) time and records what it was given and when.

Pipeline
--------
:class:`AudioDecoder` reads the file's first audio stream with PyAV from a
clip position: a backward seek, decoding, then FFmpeg's resampler
(``av.AudioResampler``: swresample) to signed 16-bit stereo at 48 kHz
(:data:`OUTPUT_RATE`), samples before the position cut off by their PTS.  At
speeds other than 1x the samples go through FFmpeg's ``atempo`` filter
(through a PyAV filter graph: ``abuffer -> atempo=<speed> -> abuffersink``),
which changes the tempo and keeps the pitch; ``atempo`` takes 0.5x to 100x,
and sound is played from 0.5x to 2x (:func:`audible`): faster, speech is
noise, so it is muted, as it is while paused, stepping or playing backwards.

Clip time
---------
Audio is placed on the same axis as the pictures: milliseconds from the
first video frame's PTS (as :mod:`cctv_review.video.index` counts frame
times), so a sample's clip time is ``sample PTS - first video PTS``.  After
the tempo filter, output sample ``n`` after a start at clip time ``t0`` is at
``t0 + n * speed * 1000 / OUTPUT_RATE`` ms.

Keeping in step (the A/V clock)
-------------------------------
The pictures follow a wall-time clock (:class:`~cctv_review.video.clock.PlaybackClock`:
``position = anchor + elapsed * speed``), never the frames, and so does the
sound.  :class:`AudioFeeder` is asked for the clock's reading (playing,
position, speed) and keeps about :attr:`AudioFeeder.lead_ms` of sound queued
in the sink.  The clip time being *heard* now is the end of what was queued
minus what the sink still holds: ``heard = queued_end - buffered_wall_ms *
speed``.  When ``|heard - clock| > resync_ms`` (a seek, a speed change, a
stall, an underrun), the sink is emptied and the decoder restarted at the
clock, the first chunk cut so its first sample is the clock's position at the
moment it is queued.  The offset is measured (``AudioFeeder.offsets``) and the
tests measure it independently, from the samples that reach the sink.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol

import av
import av.error
import numpy as np

log = logging.getLogger(__name__)

#: Output format: signed 16-bit little-endian, interleaved stereo, 48 kHz.
OUTPUT_RATE = 48000
OUTPUT_CHANNELS = 2
BYTES_PER_SAMPLE = 2 * OUTPUT_CHANNELS
#: Decoding starts this long before a seek position (seconds), see AudioDecoder.seek.
PRE_ROLL_S = 0.1
#: Sound is played at these speeds (inclusive); muted outside them.
MIN_AUDIBLE_SPEED = 0.5
MAX_AUDIBLE_SPEED = 2.0


def audible(speed: float) -> bool:
    """True if sound is played at ``speed`` (0.5x-2x, pitch kept by ``atempo``)."""
    return MIN_AUDIBLE_SPEED - 1e-9 <= speed <= MAX_AUDIBLE_SPEED + 1e-9


@dataclass(frozen=True)
class AudioInfo:
    """A file's first audio stream: codec, input rate (Hz), channels, and where it starts.

    ``origin_s``: the first video frame's time (seconds on the container's
    clock), the zero of clip time; ``start_ms``: the audio's first sample in
    clip time (negative or positive: sound may start before or after the pictures).
    """

    codec: str
    sample_rate: int
    channels: int
    origin_s: float
    start_ms: float


def _origin_seconds(container: Any) -> float:
    """The first video frame's PTS in seconds (0 when the file has no video or no start time)."""
    if not container.streams.video:
        return 0.0
    video = container.streams.video[0]
    if video.start_time is None or video.time_base is None:
        return 0.0
    return float(video.start_time * video.time_base)


def probe_audio(path: str | Path) -> AudioInfo | None:
    """The file's first audio stream, or None if it has none.

    Raises ``av.error.FFmpegError`` (an OSError) if the file cannot be opened.
    """
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        origin = _origin_seconds(container)
        start = float(stream.start_time * stream.time_base) if stream.start_time is not None else origin
        return AudioInfo(
            codec=stream.codec_context.name,
            sample_rate=int(stream.codec_context.sample_rate or 0),
            channels=int(stream.codec_context.channels or 0),
            origin_s=origin,
            start_ms=(start - origin) * 1000.0,
        )


@dataclass
class AudioChunk:
    """Output samples (``pcm``: int16, shape ``(n, 2)``) and the clip time of the first one (ms).

    At ``speed`` (the tempo they were made for) sample ``i`` is at
    ``start_ms + i * speed * 1000 / OUTPUT_RATE``.
    """

    start_ms: float
    speed: float
    pcm: np.ndarray

    @property
    def samples(self) -> int:
        return int(self.pcm.shape[0])

    @property
    def end_ms(self) -> float:
        """Clip time just after the last sample."""
        return self.start_ms + self.samples * self.speed * 1000.0 / OUTPUT_RATE

    def cut_front(self, samples: int) -> AudioChunk:
        """The chunk without its first ``samples`` samples."""
        samples = max(0, min(self.samples, int(samples)))
        return AudioChunk(
            self.start_ms + samples * self.speed * 1000.0 / OUTPUT_RATE, self.speed, self.pcm[samples:]
        )


class AudioDecoder:
    """Decode a file's first audio stream from a clip position, as 48 kHz s16 stereo at a tempo.

    ``seek(position_ms, speed)`` then ``read()`` until it returns None (end of
    the sound).  Not thread-safe: one thread uses it.  Raises
    :class:`NoAudio` if the file has no audio stream, ``av.error.FFmpegError``
    if it cannot be opened; damaged packets are skipped.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._container = av.open(self.path)
        if not self._container.streams.audio:
            self._container.close()
            raise NoAudio(self.path)
        self._stream = self._container.streams.audio[0]
        self.origin_s = _origin_seconds(self._container)
        self._resampler: Any = None
        self._graph: Any = None
        self._frames: Any = None
        self.speed = 1.0
        self._next_ms = 0.0  # clip time of the next output sample
        self._skip_to_ms = 0.0  # input samples before this clip time are cut off
        self._ended = False
        self.seek(0.0, 1.0)

    def close(self) -> None:
        self._container.close()

    def __enter__(self) -> AudioDecoder:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def seek(self, position_ms: float, speed: float = 1.0) -> None:
        """Start again at clip time ``position_ms`` (exact to the sample) at tempo ``speed``."""
        if not 0.5 <= speed <= 100.0:
            raise ValueError(f"atempo takes speeds from 0.5 to 100, not {speed!r}")
        position_ms = max(0.0, float(position_ms))
        # PRE_ROLL_S earlier: decoders such as AAC need a frame or two before they
        # give full output (the overlap of their transform); the samples are cut by PTS.
        seconds = self.origin_s + position_ms / 1000.0 - PRE_ROLL_S
        tb = self._stream.time_base
        # Backward seek to a packet at or before the position (audio packets are all keyframes).
        self._container.seek(max(0, int(seconds / tb)) if tb else 0, stream=self._stream, backward=True)
        self._frames = self._container.decode(self._stream)
        self._resampler = av.AudioResampler(format="s16", layout="stereo", rate=OUTPUT_RATE)
        self.speed = float(speed)
        self._graph = None
        if abs(self.speed - 1.0) > 1e-9:
            graph = av.filter.Graph()
            src = graph.add_abuffer(
                format="s16", sample_rate=OUTPUT_RATE, layout="stereo", time_base=Fraction(1, OUTPUT_RATE)
            )
            tempo = graph.add("atempo", f"{self.speed:g}")
            sink = graph.add("abuffersink")
            src.link_to(tempo)
            tempo.link_to(sink)
            graph.configure()
            self._graph = graph
        self._skip_to_ms = position_ms
        self._next_ms = position_ms
        self._ended = False

    def _decoded(self) -> tuple[float, np.ndarray] | None:
        """The next resampled input: (clip ms of its first sample, int16 (n, 2)), or None at the end."""
        while True:
            try:
                frame = next(self._frames)
            except StopIteration:
                return None
            except av.error.FFmpegError as exc:  # a damaged packet: skip it
                log.debug("audio packet skipped in %s: %s", self.path, exc)
                continue
            if frame.pts is None or frame.time_base is None:
                continue
            start_ms = (float(frame.pts * frame.time_base) - self.origin_s) * 1000.0
            out = self._resampler.resample(frame)
            if not out:
                continue
            pcm = np.concatenate([o.to_ndarray().reshape(-1, OUTPUT_CHANNELS) for o in out])
            return start_ms, pcm

    def _cut(self, start_ms: float, pcm: np.ndarray) -> np.ndarray:
        """Drop the input samples before the seek position (by their PTS)."""
        if start_ms >= self._skip_to_ms:
            return pcm
        drop = round((self._skip_to_ms - start_ms) * OUTPUT_RATE / 1000.0)
        return pcm[drop:]

    def read(self) -> AudioChunk | None:
        """The next chunk of output (about one codec frame), or None at the end of the sound."""
        while not self._ended:
            decoded = self._decoded()
            if decoded is None:
                self._ended = True
                if self._graph is not None:
                    return self._flush()
                return None
            start_ms, pcm = decoded
            first = self._next_ms == self._skip_to_ms and start_ms > self._skip_to_ms
            pcm = self._cut(start_ms, pcm)
            if pcm.shape[0] == 0:
                continue
            if first:  # the sound starts after the position: its first sample is at its own time
                self._next_ms = start_ms
            self._skip_to_ms = -1e18  # cut only once, after a seek
            if self._graph is None:
                return self._emit(pcm)
            out = self._tempo(pcm)
            if out is not None:
                return out
        return None

    def _emit(self, pcm: np.ndarray) -> AudioChunk:
        chunk = AudioChunk(self._next_ms, self.speed, np.ascontiguousarray(pcm))
        self._next_ms = chunk.end_ms
        return chunk

    def _tempo(self, pcm: np.ndarray) -> AudioChunk | None:
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="stereo")
        frame.sample_rate = OUTPUT_RATE
        self._graph.push(frame)
        return self._pull()

    def _pull(self) -> AudioChunk | None:
        parts = []
        while True:
            try:
                out = self._graph.pull()
            except (av.error.BlockingIOError, av.error.EOFError):
                break
            parts.append(out.to_ndarray().reshape(-1, OUTPUT_CHANNELS))
        if not parts:
            return None
        return self._emit(np.concatenate(parts))

    def _flush(self) -> AudioChunk | None:
        try:
            self._graph.push(None)
        except (av.error.EOFError, ValueError):
            return None
        return self._pull()


class NoAudio(Exception):
    """The file has no audio stream (not an error: the clip is silent)."""

    def __init__(self, path: str) -> None:
        super().__init__(f"{path} has no sound")


class AudioSink(Protocol):
    """Where the samples go (48 kHz s16 stereo).  Called from the feeder's thread."""

    def write(self, pcm: bytes) -> None:
        """Queue ``pcm`` (whole samples) to be played after what is queued already."""

    def buffered_ms(self) -> float:
        """Wall milliseconds of queued sound not yet heard."""
        ...

    def reset(self) -> None:
        """Drop everything queued (silence at once)."""

    def set_volume(self, volume: float) -> None:
        """Linear volume 0..1."""


#: The video clock's reading: (playing, position_ms, speed).
ClockReading = tuple[bool, float, float]


@dataclass
class RecordingSink:
    """A sink with no device: it "plays" ``OUTPUT_RATE`` samples per second of ``time_fn`` time.

    Records every write as ``(wall_s, first_sample, samples)`` and keeps all
    the samples (``pcm()``), so a test can tell exactly when each sample is
    heard (:meth:`wall_of_sample`).  If it runs dry (an underrun) it waits,
    silent, for more.  Used by the tests and ``benchmarks/audio_bench.py``;
    with ``time_fn`` a simulated clock, minutes of playback run in seconds.
    """

    time_fn: Callable[[], float] = time.monotonic
    volume: float = 1.0
    writes: list[tuple[float, int, int]] = field(default_factory=list)
    resets: int = 0
    _chunks: list[np.ndarray] = field(default_factory=list)
    _queued: int = 0  # samples written (since the start)
    _played: float = 0.0  # samples heard
    _last: float | None = None
    #: (wall_s, sample) points where playing (re)started after a reset or an underrun
    _anchors: list[tuple[float, int]] = field(default_factory=list)
    #: [first, end) sample ranges dropped by a reset before they were heard
    _dropped: list[tuple[int, int]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _advance(self) -> float:
        now = self.time_fn()
        if self._last is not None:
            self._played = min(float(self._queued), self._played + (now - self._last) * OUTPUT_RATE)
        self._last = now
        return now

    def write(self, pcm: bytes) -> None:
        samples = len(pcm) // BYTES_PER_SAMPLE
        with self._lock:
            now = self._advance()
            if self._played >= self._queued:  # idle: these start now
                self._anchors.append((now, self._queued))
            self.writes.append((now, self._queued, samples))
            self._chunks.append(np.frombuffer(pcm, dtype=np.int16).reshape(-1, OUTPUT_CHANNELS))
            self._queued += samples

    def buffered_ms(self) -> float:
        with self._lock:
            self._advance()
            return (self._queued - self._played) * 1000.0 / OUTPUT_RATE

    def reset(self) -> None:
        with self._lock:
            self._advance()
            self.resets += 1
            # What was queued and not heard is never heard: mark it dropped.
            unheard = self._queued - int(self._played)
            if unheard > 0:
                self._dropped.append((int(self._played), self._queued))
            self._played = float(self._queued)

    def set_volume(self, volume: float) -> None:
        self.volume = float(volume)

    def pcm(self) -> np.ndarray:
        """Every sample written, int16 ``(n, 2)``."""
        with self._lock:
            if not self._chunks:
                return np.zeros((0, OUTPUT_CHANNELS), np.int16)
            return np.concatenate(self._chunks)

    def heard_pcm(self) -> np.ndarray:
        """Every sample written, with those dropped unheard by a reset set to silence."""
        pcm = self.pcm().copy()
        for lo, hi in self._dropped:
            pcm[lo:hi] = 0
        return pcm

    def heard(self, sample: int) -> bool:
        """False if ``sample`` was dropped by a reset before it was heard."""
        return not any(lo <= sample < hi for lo, hi in self._dropped)

    def wall_of_sample(self, sample: int) -> float | None:
        """The wall time (``time_fn`` seconds) ``sample`` is heard, or None if it never is.

        Playing runs continuously from the last (re)start at or before the
        sample's write: ``anchor_wall + (sample - anchor_sample) / rate``.
        """
        if not self.heard(sample):
            return None
        anchor = None
        for wall, first in self._anchors:
            if first <= sample:
                anchor = (wall, first)
        if anchor is None:
            return None
        return anchor[0] + (sample - anchor[1]) / OUTPUT_RATE


class AudioFeeder:
    """Feed a clip's sound to a sink in step with the video clock (see the module docstring).

    ``clock()`` returns the pictures' clock reading ``(playing, position_ms,
    speed)``; the player's public ``playing``, ``position_ms`` and ``speed``
    give it.  :meth:`pump` does one round (the tests call it with a simulated
    time); :meth:`start` runs it every ``interval_s`` in a thread.
    :meth:`open` takes a new clip (the file is opened in the feeder's thread);
    ``on_notice(text)`` is told once if the clip's sound cannot be played.
    """

    def __init__(
        self,
        sink: AudioSink,
        clock: Callable[[], ClockReading],
        *,
        lead_ms: float = 200.0,
        resync_ms: float = 30.0,
        interval_s: float = 0.01,
        on_notice: Callable[[str], None] | None = None,
    ) -> None:
        self.sink = sink
        self.clock = clock
        self.lead_ms = float(lead_ms)
        self.resync_ms = float(resync_ms)
        self.interval_s = float(interval_s)
        self.on_notice = on_notice
        self.muted = False
        self.volume = 1.0
        self._path: str | None = None
        self._opened_path: str | None = None
        self._decoder: AudioDecoder | None = None
        self._active = False  # sound is being queued
        self._speed = 1.0
        self._queued_end_ms: float | None = None
        self._pending: AudioChunk | None = None
        self._ended = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: (clock position_ms, offset_ms) measured at each round while sound plays
        self.offsets: list[tuple[float, float]] = []
        self.resyncs = 0
        self.has_audio = False

    # -- control (any thread) ---------------------------------------------------------
    def open(self, path: str | Path | None) -> None:
        """Play the sound of ``path`` (None: no clip); opened in the next round."""
        with self._lock:
            self._path = str(path) if path is not None else None

    def set_muted(self, muted: bool) -> None:
        self.muted = bool(muted)

    def set_volume(self, volume: float) -> None:
        """Linear volume 0..1 (the sink applies it)."""
        self.volume = min(1.0, max(0.0, float(volume)))
        self.sink.set_volume(self.volume)

    def start(self) -> None:
        """Run :meth:`pump` every ``interval_s`` in a daemon thread until :meth:`stop`."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="audio-feeder", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the thread, silence the sink and close the file."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._thread = None
        self._close_decoder()
        self.sink.reset()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.pump()
            except Exception:  # never let sound take the pictures down
                log.exception("audio feeder failed; sound is off for this clip")
                self._notice("The sound of this clip cannot be played; the pictures play on.")
                with self._lock:
                    self._opened_path = self._path  # do not retry the same file
                self._close_decoder()
            self._stop.wait(self.interval_s)

    # -- one round ----------------------------------------------------------------------
    def pump(self) -> None:
        """Open a new clip if asked, then keep ``lead_ms`` of sound queued in step with the clock."""
        self._follow_clip()
        decoder = self._decoder
        if decoder is None:
            return
        playing, position, speed = self.clock()
        if not playing or self.muted or not audible(speed):
            self._silence()
            return
        if self._active and abs(speed - self._speed) < 1e-9 and self._queued_end_ms is not None:
            heard = self._queued_end_ms - self.sink.buffered_ms() * speed
            offset = heard - position
            if not self._ended or self.sink.buffered_ms() > 0:
                self.offsets.append((position, offset))
            if abs(offset) > self.resync_ms and not self._ended:
                self.resyncs += 1
                self._active = False
        if not self._active:
            self._restart(decoder, position, speed)
        while not self._ended and self.sink.buffered_ms() < self.lead_ms:
            chunk = self._pending if self._pending is not None else decoder.read()
            self._pending = None
            if chunk is None:
                self._ended = True
                break
            if self._queued_end_ms is None:
                chunk = self._first_chunk(chunk)
                if chunk is None:
                    continue
            self.sink.write(chunk.pcm.tobytes())
            self._queued_end_ms = chunk.end_ms

    def _restart(self, decoder: AudioDecoder, position: float, speed: float) -> None:
        self.sink.reset()
        decoder.seek(position, speed)
        self._speed = speed
        self._queued_end_ms = None
        self._pending = None
        self._ended = False
        self._active = True

    def _first_chunk(self, chunk: AudioChunk) -> AudioChunk | None:
        """Line the first chunk after a (re)start up with the clock *now* (the sink is empty)."""
        playing, position, _speed = self.clock()
        if not playing:
            self._pending = chunk
            return None
        ms_per_sample = chunk.speed * 1000.0 / OUTPUT_RATE
        late = position - chunk.start_ms
        if late >= 0:
            cut = chunk.cut_front(round(late / ms_per_sample))
            return cut if cut.samples else None
        # The sound starts after the clock: lead with silence until it is due.
        pad = round(-late / ms_per_sample)
        silence = np.zeros((pad, OUTPUT_CHANNELS), np.int16)
        return AudioChunk(
            chunk.start_ms - pad * ms_per_sample, chunk.speed, np.concatenate([silence, chunk.pcm])
        )

    def _silence(self) -> None:
        if self._active:
            self.sink.reset()
            self._active = False
            self._queued_end_ms = None
            self._pending = None

    def _follow_clip(self) -> None:
        with self._lock:
            path = self._path
            if path == self._opened_path:
                return
            self._opened_path = path
        self._close_decoder()
        self.has_audio = False
        if path is None:
            return
        try:
            self._decoder = AudioDecoder(path)
        except NoAudio:
            return
        except (OSError, av.error.FFmpegError) as exc:
            log.warning("cannot play the sound of %s: %s", path, exc)
            self._notice("The sound of this clip cannot be played; the pictures play on.")
            return
        self.has_audio = True

    def _close_decoder(self) -> None:
        decoder, self._decoder = self._decoder, None
        self._silence()
        self._active = False
        if decoder is not None:
            decoder.close()

    def _notice(self, text: str) -> None:
        if self.on_notice is not None:
            try:
                self.on_notice(text)
            except Exception:  # pragma: no cover - a GUI callback must not kill the feeder
                log.exception("audio notice failed")


__all__ = [
    "BYTES_PER_SAMPLE",
    "MAX_AUDIBLE_SPEED",
    "MIN_AUDIBLE_SPEED",
    "OUTPUT_CHANNELS",
    "OUTPUT_RATE",
    "AudioChunk",
    "AudioDecoder",
    "AudioFeeder",
    "AudioInfo",
    "AudioSink",
    "ClockReading",
    "NoAudio",
    "RecordingSink",
    "audible",
    "probe_audio",
]
