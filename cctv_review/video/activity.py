"""Activity finder: where something moves in a clip, second by second, and its events.

Movement is measured on **decoded pictures**, through PyAV/FFmpeg (the one
decoding path), at a fraction of the cost of playing the clip:

* **Coarse pass** - every packet is demuxed (timestamps, sizes, keyframe flags)
  but only **keyframes** are sent to the decoder (``skip_frame = "NONKEY"`` as
  well, FFmpeg's in-loop deblocking filter off: ``skip_loop_filter=all``).  For
  intra-only codecs (MJPEG), where every frame is a keyframe, at most
  ``samples_per_second`` frames a second are decoded.
* Each decoded picture is reduced to its **luma plane only** (``frame.planes[0]``,
  no colour conversion), shrunk to :data:`ANALYSIS_WIDTH` pixels wide with
  ``cv2.INTER_AREA`` (area averaging: a 1080p pixel block of 12x12 becomes one
  value, which averages sensor noise and compression "breathing" away).
* Consecutive pictures are compared: a pixel has **changed** when its absolute
  luma difference exceeds the clip's noise threshold (estimated from the clip
  itself: ``max(MIN_PIXEL_THRESHOLD, NOISE_MULTIPLE x sigma)``, sigma from the
  median over keyframe pairs of the 80th percentile of the differences, so
  text and movement in up to 20% of the picture do not inflate it); isolated
  changed pixels and one-pixel lines (edge flicker) are removed with a 2x2
  morphological opening.  The **score** of a pair is the fraction of the
  (unmasked) picture that changed, 0..1.
* **Refinement** - keyframes are usually 1-4 s apart.  Every keyframe interval
  whose pair changed at all (score above the most sensitive threshold), whose
  compressed frame sizes jump (a movement that came and went between two
  keyframes, visible when the recorder encodes quality-based), the interval
  after the last keyframe, and, when keyframes are more than
  :data:`MAX_COARSE_GAP_S` apart or the file has no timestamps, the whole clip,
  is decoded frame by frame (except frames no other frame refers to, FFmpeg's
  ``skip_frame = "NONREF"``; deblocking skipped on non-reference frames only,
  see :func:`_open`) and sampled ``samples_per_second`` times a second.  So are clips too short to calibrate on keyframes (fewer
  than :data:`MIN_TICKING_PAIRS` keyframe pairs a second apart).  Still
  footage is therefore decoded only at its keyframes; moving footage fully.

  Known limit: a movement that starts and ends between two keyframes *and*
  leaves the picture exactly as it was is found only through frame sizes, so
  with a constant-bit-rate recorder (flat frame sizes) it can be missed;
  ``thorough=True`` decodes every frame.

* The change between two samples at ``t0 < t1`` is counted in the second that
  contains ``t1`` (at most one sample interval, 200 ms at the default rate,
  after it happened).  A second's score is the largest pair score in it.

**Burned-in text** (the recorder's date-time, a frame counter, the camera
title beside them) is ignored by default: pixels that changed between at
least :data:`TICKING_FRACTION` of the pairs of samples at least one second
apart are *ticking*; joined into text lines, each line no taller than
:data:`MAX_TEXT_BAND` of the picture height is masked across the full width
of the picture (with a margin of one reduced pixel), because the digits that
tick (seconds) sit on the same line as those that change rarely (minutes,
the date, the title).  A region that changes all the time but is not a thin
band (a television, a flickering light) is not masked automatically: the
reviewer masks it with rectangles (:class:`MaskRect`, fractions of the
picture), which are ignored in every comparison.

**Sensitivity** (0..1, or ``"low"``/``"normal"``/``"high"``) maps to the
fraction of the picture that must change for a second to be active
(:func:`score_threshold`, log-linear from 2% at 0 to 0.05% at 1; normal is
0.32%, about 45 reduced pixels or a 7x7 block).  **Events**
(:func:`find_events`) are runs of active seconds joined across gaps of at
most ``join_gap_ms``; a single active second whose score is below twice the
threshold is dropped as a blip.  :func:`next_event` / :func:`previous_event`
are what N and P use.

**Timestamps**: clip time 0 is the earliest packet's timestamp; a packet or
frame without one (MPEG-PS with timestamps on some packets) is placed one
frame interval after the previous one, and a file with none at all (raw
``.264``) is numbered by count, as the player does.  Gaps in motion-triggered
recordings stay gaps (their seconds score 0).

**Cost**: the coarse pass keeps each keyframe's reduced picture (about 14 KB at
16:9): about 26 MB for an hour of footage with a 2 s GOP.  Speed and accuracy
are measured by ``benchmarks/activity_bench.py``.

``progress(fraction)`` is called periodically (0..1); if ``cancel()`` returns
True the scan stops by raising :class:`ScanCancelled`.  The result is returned,
not stored (the store persists ``bin_ms`` and ``scores`` with the clip).
"""

from __future__ import annotations

import itertools
import math
import os
import statistics
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import av.error
import cv2
import numpy as np

from .errors import CorruptVideo, NotAVideo, VideoFileMissing
from .probe import VideoInfo

#: Width (pixels) decoded luma planes are reduced to before comparison.
ANALYSIS_WIDTH = 160
#: Samples a second where pictures are compared frame by frame.
SAMPLES_PER_SECOND = 5.0
#: Smallest luma difference (grey levels of 255, reduced picture) that counts
#: as a change, whatever the noise estimate says.
MIN_PIXEL_THRESHOLD = 7
#: Changed = difference above this multiple of the clip's noise sigma.
NOISE_MULTIPLE = 4.5
#: Keyframes further apart than this (median) make the coarse pass useless:
#: the whole clip is decoded.
MAX_COARSE_GAP_S = 4.0
#: A pixel changing in at least this fraction of 1-second-apart pairs is ticking text.
TICKING_FRACTION = 0.7
#: A ticking line is masked only if it is at most this fraction of the picture height.
MAX_TEXT_BAND = 0.125
#: Fewest 1-second-apart pairs needed to look for ticking text.
MIN_TICKING_PAIRS = 4
#: Sensitivity presets (the 0..1 scale of :func:`score_threshold`).
SENSITIVITY_LEVELS: dict[str, float] = {"low": 0.25, "normal": 0.5, "high": 0.75}
DEFAULT_SENSITIVITY = SENSITIVITY_LEVELS["normal"]
#: Absolute minimum threshold of the old robust rule (:func:`default_threshold`).
MIN_THRESHOLD = 0.002
#: Version of the score scale: fraction of the unmasked picture that changed.
SCORE_VERSION = 2

_AVError: type[BaseException] = getattr(av.error, "FFmpegError", Exception)


class ScanCancelled(Exception):
    """Raised by :func:`scan_activity` when ``cancel()`` returned True."""


@dataclass(frozen=True)
class MaskRect:
    """A region ignored by the activity finder, in fractions of the picture (0..1).

    ``x0, y0`` is the top-left corner, ``x1, y1`` the bottom-right; the
    picture is the decoded picture (stored size, before any aspect correction).
    """

    x0: float
    y0: float
    x1: float
    y1: float

    def to_list(self) -> list[float]:
        return [self.x0, self.y0, self.x1, self.y1]

    @classmethod
    def from_value(cls, value: Sequence[float] | dict[str, float]) -> MaskRect:
        """From ``[x0, y0, x1, y1]`` or ``{"x0": ..}``; clamped to 0..1 and ordered.

        Raises ``ValueError`` for anything else.
        """
        if isinstance(value, dict):
            vals = [float(value[k]) for k in ("x0", "y0", "x1", "y1")]
        else:
            vals = [float(v) for v in value]
        if len(vals) != 4 or not all(math.isfinite(v) for v in vals):
            raise ValueError(f"a mask rectangle needs four numbers, not {value!r}")
        x0, y0, x1, y1 = (min(1.0, max(0.0, v)) for v in vals)
        return cls(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


@dataclass(frozen=True)
class ActivityEvent:
    """A stretch of activity: clip milliseconds ``[start_ms, end_ms)``, its peak second and score."""

    start_ms: int
    end_ms: int
    peak_ms: int
    peak_score: float


@dataclass
class ActivityResult:
    """Per-bin activity scores (bin ``i`` covers ``[i*bin_ms, (i+1)*bin_ms)`` of the clip).

    ``scores`` are fractions of the unmasked picture that changed (0..1, the
    largest in the bin).  Clip time 0 is the first frame.
    """

    bin_ms: int = 1000
    scores: list[float] = field(default_factory=list)
    #: Pictures compared, and seconds of wall time the scan took.
    samples: int = 0
    elapsed_s: float = 0.0
    #: "pixels" (decoded pictures) or "packets" (compressed frame sizes, legacy).
    method: str = "pixels"
    #: Clip duration (ms), first frame to end of the last frame.
    duration_ms: int = 0
    #: Regions ignored: the reviewer's and the ticking text lines found.
    masks: list[MaskRect] = field(default_factory=list)
    auto_masks: list[MaskRect] = field(default_factory=list)
    #: Luma difference (grey levels, reduced picture) that counted as a change.
    pixel_threshold: float = 0.0
    #: Milliseconds of the clip decoded frame by frame (the rest: keyframes only).
    refined_ms: int = 0
    decoded_frames: int = 0

    @property
    def threshold(self) -> float:
        return default_threshold(self.scores)

    def events(self, sensitivity: float | str = DEFAULT_SENSITIVITY) -> list[ActivityEvent]:
        """The activity events at this sensitivity (see :func:`find_events`)."""
        return find_events(self.scores, self.bin_ms, score_threshold(sensitivity))

    def next_activity(self, from_second: int, threshold: float | None = None) -> int | None:
        return next_activity(self.scores, from_second, threshold)

    def previous_activity(self, from_second: int, threshold: float | None = None) -> int | None:
        return previous_activity(self.scores, from_second, threshold)


# -- thresholds, events, navigation ------------------------------------------------------


def score_threshold(sensitivity: float | str = DEFAULT_SENSITIVITY) -> float:
    """The fraction of the picture that must change for a second to be active.

    ``sensitivity`` is 0..1 (or ``"low"``, ``"normal"``, ``"high"``: 0.25, 0.5,
    0.75); log-linear from 0.02 (2%, only large movement) at 0 to 0.0005
    (0.05%, about 7 reduced pixels) at 1.  Raises ``ValueError`` for an unknown
    name.
    """
    if isinstance(sensitivity, str):
        try:
            s = SENSITIVITY_LEVELS[sensitivity.lower()]
        except KeyError:
            raise ValueError(f"unknown sensitivity {sensitivity!r}") from None
    else:
        s = min(1.0, max(0.0, float(sensitivity)))
    lo, hi = math.log10(0.02), math.log10(0.0005)
    return float(10 ** (lo + s * (hi - lo)))


def find_events(
    scores: Sequence[float],
    bin_ms: int,
    threshold: float,
    *,
    join_gap_ms: int = 2000,
    blip_factor: float = 2.0,
) -> list[ActivityEvent]:
    """Activity events from per-bin scores.

    Bins scoring ``>= threshold`` are active; runs of active bins separated by
    at most ``join_gap_ms`` of inactive bins are one event; an event of a
    single bin whose score is below ``blip_factor x threshold`` is dropped (a
    one-sample blip: compression or sensor glitch).  Returns events in clip
    order, times in clip milliseconds (``end_ms`` exclusive).
    """
    if bin_ms <= 0:
        return []
    active = [i for i, s in enumerate(scores) if s is not None and math.isfinite(s) and s >= threshold]
    gap_bins = max(0, int(join_gap_ms // bin_ms))
    runs: list[list[int]] = []
    for i in active:
        if runs and i - runs[-1][-1] - 1 <= gap_bins:
            runs[-1].append(i)
        else:
            runs.append([i])
    events = []
    for run in runs:
        peak = max(run, key=lambda i: scores[i])
        if len(run) == 1 and scores[peak] < blip_factor * threshold:
            continue
        events.append(
            ActivityEvent(
                start_ms=run[0] * bin_ms,
                end_ms=(run[-1] + 1) * bin_ms,
                peak_ms=peak * bin_ms,
                peak_score=round(float(scores[peak]), 6),
            )
        )
    return events


#: Positions within this many ms after an event's start count as "at" its start.
NAV_TOLERANCE_MS = 100


def next_event(events: Sequence[ActivityEvent], position_ms: int) -> ActivityEvent | None:
    """The first event that starts after ``position_ms`` (clip ms), or None."""
    for ev in events:
        if ev.start_ms > position_ms + NAV_TOLERANCE_MS:
            return ev
    return None


def previous_event(events: Sequence[ActivityEvent], position_ms: int) -> ActivityEvent | None:
    """The last event that starts before ``position_ms``, or None.

    From inside an event, this is the start of that event; from its start, the
    event before.
    """
    found = None
    for ev in events:
        if ev.start_ms < position_ms - NAV_TOLERANCE_MS:
            found = ev
        else:
            break
    return found


def default_threshold(scores: Sequence[float]) -> float:
    """A robust 'something is happening' level for these scores (median + 4 x MAD, at least 1.5 x the median).

    Kept for callers of :func:`next_activity` / :func:`previous_activity`; the
    event API uses :func:`score_threshold` instead.
    """
    vals = [s for s in scores if s is not None and math.isfinite(s)]
    if not vals:
        return MIN_THRESHOLD
    med = statistics.median(vals)
    mad = statistics.median(abs(v - med) for v in vals) * 1.4826
    return max(MIN_THRESHOLD, med + 4.0 * mad, 1.5 * med)


def _active(scores: Sequence[float], thr: float) -> list[bool]:
    return [s is not None and s >= thr for s in scores]


def next_activity(scores: Sequence[float], from_second: int, threshold: float | None = None) -> int | None:
    """First bin after ``from_second`` where an active stretch starts (legacy bin API)."""
    thr = default_threshold(scores) if threshold is None else threshold
    act = _active(scores, thr)
    for i in range(max(0, int(from_second) + 1), len(act)):
        if act[i] and (i == 0 or not act[i - 1]):
            return i
    return None


def previous_activity(
    scores: Sequence[float], from_second: int, threshold: float | None = None
) -> int | None:
    """Last bin before ``from_second`` where an active stretch starts (legacy bin API)."""
    thr = default_threshold(scores) if threshold is None else threshold
    act = _active(scores, thr)
    for i in range(min(len(act), int(from_second)) - 1, -1, -1):
        if act[i] and (i == 0 or not act[i - 1]):
            return i
    return None


# -- pictures --------------------------------------------------------------------------


#: 8-bit pixel formats whose first plane is the luma plane.
_Y8_FORMATS = frozenset(
    {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "yuv411p", "yuv410p"}
    | {"yuv440p", "yuvj440p", "nv12", "nv21", "nv16", "gray", "yuva420p"}
)


def _luma_small(frame: Any, width: int) -> np.ndarray:
    """The frame's luma plane reduced to ``width`` pixels wide (uint8, area averaging)."""
    if frame.format.name in _Y8_FORMATS:
        plane = frame.planes[0]
        y = np.frombuffer(plane, np.uint8).reshape(frame.height, plane.line_size)[:, : frame.width]
    else:  # high bit depth, RGB, palettes: let FFmpeg make 8-bit grey
        y = frame.to_ndarray(format="gray")
    w = min(width, frame.width)
    h = max(2, round(frame.height * w / max(1, frame.width)))
    if (w, h) == (frame.width, frame.height):
        return np.ascontiguousarray(y)
    return cv2.resize(y, (w, h), interpolation=cv2.INTER_AREA)


_OPEN_KERNEL = np.ones((2, 2), np.uint8)


def _changed(a: np.ndarray, b: np.ndarray, pixel_threshold: float) -> np.ndarray:
    """uint8 0/1 map of pixels whose luma changed by more than the threshold (after a 2x2 opening)."""
    diff = cv2.absdiff(a, b)
    _, mask = cv2.threshold(diff, pixel_threshold, 1, cv2.THRESH_BINARY)
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, _OPEN_KERNEL)


def mask_array(shape: tuple[int, int], rects: Iterable[MaskRect]) -> np.ndarray:
    """A uint8 map (1 = counted, 0 = masked) of ``shape`` (rows, cols) with ``rects`` masked."""
    h, w = shape
    keep = np.ones((h, w), np.uint8)
    for r in rects:
        x0, x1 = math.floor(r.x0 * w), math.ceil(r.x1 * w)
        y0, y1 = math.floor(r.y0 * h), math.ceil(r.y1 * h)
        keep[y0:y1, x0:x1] = 0
    return keep


def _noise_sigma(pairs: Sequence[tuple[np.ndarray, np.ndarray]]) -> float:
    """Sensor + compression noise sigma (grey levels) from picture pairs: median of per-pair P80 / 1.2816."""
    if not pairs:
        return 0.0
    p80 = [float(np.percentile(cv2.absdiff(a, b), 80)) for a, b in pairs]
    return statistics.median(p80) / 1.2816  # P80 of |N(0, s)| is 1.2816 s


def _one_second_apart(pictures: Sequence[tuple[float, np.ndarray]]) -> list[np.ndarray]:
    """The pictures of a time-ordered sequence that are at least a second after the previous one kept."""
    chosen: list[np.ndarray] = []
    last_t = -math.inf
    for t, img in pictures:
        if t - last_t >= 1000.0 - 1.0:
            chosen.append(img)
            last_t = t
    return chosen


def _ticking_bands(
    pictures: Sequence[tuple[float, np.ndarray]], pixel_threshold: float, keep: np.ndarray
) -> list[MaskRect]:
    """Thin full-width bands holding burned-in text that ticks (see the module docstring)."""
    chosen = _one_second_apart(pictures)
    if len(chosen) < MIN_TICKING_PAIRS + 1:
        return []
    counts = np.zeros(chosen[0].shape, np.float32)
    for a, b in itertools.pairwise(chosen):
        counts += _changed(a, b, pixel_threshold)
    ticking = ((counts / (len(chosen) - 1)) >= TICKING_FRACTION).astype(np.uint8) & keep
    if not ticking.any():
        return []
    h, _w = ticking.shape
    # Join the characters of a line: close gaps of a few pixels across (never down: a line keeps its height).
    joined = cv2.dilate(ticking, np.ones((1, 9), np.uint8))
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    rows: list[tuple[int, int]] = []
    for i in range(1, n):
        top, height = int(stats[i, cv2.CC_STAT_TOP]), int(stats[i, cv2.CC_STAT_HEIGHT])
        if height <= max(2, MAX_TEXT_BAND * h):
            rows.append((max(0, top - 1), min(h, top + height + 1)))
    merged: list[tuple[int, int]] = []
    for y0, y1 in sorted(rows):
        if merged and y0 <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(y1, merged[-1][1]))
        else:
            merged.append((y0, y1))
    return [MaskRect(0.0, y0 / h, 1.0, y1 / h) for y0, y1 in merged]


# -- the scan ----------------------------------------------------------------------------


@dataclass
class _Packet:
    t_ms: float  # clip time (before the origin is subtracted)
    size: int
    key: bool


def _open(path: str | os.PathLike[str], threads: int | None, keyframes_only: bool = False) -> tuple[Any, Any]:
    """Open ``path`` with PyAV for decoding luma: (container, video stream).  Plain-language errors.

    FFmpeg's in-loop deblocking (and HEVC's SAO) is skipped only where that
    cannot drift: on keyframes decoded alone (``keyframes_only``) and on
    non-reference frames (``noref``).  Skipping it on reference frames leaves
    artefacts where something moved (and, in noisy low-bit-rate footage,
    everywhere) until the next keyframe, which then counts as a change: measured
    on x265 clips and on a noisy 512 kbit/s H.264 clip (an extra active second
    after each movement), although it would save about a third of the decoding.
    """
    p = Path(path)
    if not p.exists():
        raise VideoFileMissing(path)
    try:
        container = av.open(str(p))
    except _AVError as exc:
        raise NotAVideo(path) from exc
    except OSError as exc:
        raise CorruptVideo(path, "could not be opened for the activity scan") from exc
    if not container.streams.video:
        container.close()
        raise NotAVideo(path, "has sound or data but no pictures")
    stream = container.streams.video[0]
    stream.codec_context.options = {"skip_loop_filter": "all" if keyframes_only else "noref"}
    stream.thread_type = "AUTO"
    stream.codec_context.thread_count = 0 if threads is None else max(1, int(threads))
    return container, stream


def _frame_ms(stream: Any, fallback_fps: float) -> float:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    fps = float(rate) if rate else fallback_fps
    return 1000.0 / fps if fps > 0 else 40.0


class _Scan:
    """One activity scan of one file (see :func:`scan_activity`)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        progress: Callable[[float], None] | None,
        cancel: Callable[[], bool] | None,
        *,
        samples_per_second: float,
        bin_ms: int,
        threads: int | None,
        masks: Sequence[MaskRect],
        auto_mask: bool,
        thorough: bool,
        duration_hint_ms: float,
    ) -> None:
        self.path = path
        self.progress = progress
        self.cancel = cancel
        self.sps = max(0.5, float(samples_per_second))
        self.step_ms = 1000.0 / self.sps
        self.bin_ms = max(1, int(bin_ms))
        self.threads = threads
        self.masks = list(masks)
        self.auto_mask = auto_mask
        self.thorough = thorough
        self.duration_hint_ms = duration_hint_ms
        self.packets: list[_Packet] = []
        self.has_pts = True  # some packets have timestamps (seeking works)
        self.all_pts = True  # every packet has one
        self.frame_ms = 40.0
        self.decoded = 0
        self._last_report = -1.0

    # progress and cancel
    def _tick(self, fraction: float) -> None:
        if self.cancel is not None and self.cancel():
            raise ScanCancelled(f"activity scan of {self.path} cancelled")
        if self.progress is not None and fraction - self._last_report >= 0.01:
            self._last_report = fraction
            self.progress(min(1.0, max(0.0, fraction)))

    def _decode(self, stream: Any, packet: Any) -> list[Any]:
        try:
            frames: list[Any] = stream.decode(packet)
        except _AVError:
            return []  # a damaged packet: skip it, as players do
        self.decoded += len(frames)
        return frames

    def coarse(self) -> list[tuple[float, np.ndarray]]:
        """Demux everything, decode keyframes (at most ``sps`` a second): [(t_ms, picture)]."""
        container, stream = _open(self.path, self.threads, keyframes_only=True)
        try:
            tb = float(stream.time_base) if stream.time_base else 0.0
            self.frame_ms = _frame_ms(stream, 25.0)
            stream.codec_context.skip_frame = "NONKEY"
            total_ms = self.duration_hint_ms
            if not total_ms and container.duration:
                total_ms = container.duration / 1000.0
            pictures: list[tuple[float, np.ndarray]] = []
            pending: deque[float] = deque()  # times of key packets sent, for frames without pts
            last_sent = -math.inf
            n = 0

            def take(frames: list[Any]) -> None:
                for frame in frames:
                    sent_t = pending.popleft() if pending else math.nan
                    t = frame.pts * tb * 1000.0 if (frame.pts is not None and tb) else sent_t
                    if math.isfinite(t):
                        pictures.append((t, _luma_small(frame, ANALYSIS_WIDTH)))

            any_pts = False
            last_t = -math.inf
            try:
                for packet in container.demux(stream):
                    if packet.size == 0 and packet.pts is None and packet.dts is None:
                        continue  # the flush packet; flushed below
                    ts = packet.pts if packet.pts is not None else packet.dts
                    if ts is not None and tb:
                        t = ts * tb * 1000.0
                        any_pts = True
                    else:
                        self.all_pts = False
                        # Timestamps on only some packets (MPEG-PS), or none (raw streams): one frame on.
                        t = last_t + self.frame_ms if math.isfinite(last_t) else n * self.frame_ms
                    last_t = t
                    key = bool(packet.is_keyframe)
                    self.packets.append(_Packet(t, packet.size, key))
                    n += 1
                    if key and t - last_sent >= self.step_ms - 1.0:
                        last_sent = t
                        pending.append(t)
                        take(self._decode(stream, packet))
                    if n % 64 == 0:
                        frac = 0.0
                        if total_ms:
                            first = self.packets[0].t_ms
                            frac = (t - first) / total_ms
                        self._tick(0.5 * frac)
            except _AVError:
                pass  # damage at the end of the file: use what was read
            take(self._decode(stream, None))
            self.has_pts = any_pts
        finally:
            container.close()
        pictures.sort(key=lambda p: p[0])
        return pictures

    def refine(self, spans: list[tuple[float, float]]) -> list[list[tuple[float, np.ndarray]]]:
        """Decode ``spans`` [(start_ms, end_ms)] frame by frame: sampled pictures per span, ends included."""
        out: list[list[tuple[float, np.ndarray]]] = []
        if not spans:
            return out
        container, stream = _open(self.path, self.threads)
        # Frames no other frame refers to (most B-frames) are never decoded: samples are taken
        # from the next decoded frame, a frame or two later (measured: 40% less decoding on x264
        # clips with B-frames, same scores; recorders without B-frames are unaffected).  Not when
        # some frames have no timestamp: those are placed by counting, which needs every frame.
        if self.all_pts:
            stream.codec_context.skip_frame = "NONREF"
        try:
            tb = float(stream.time_base) if stream.time_base else 0.0
            todo_ms = sum(b - a for a, b in spans) or 1.0
            done_ms = 0.0
            demux: Any = None
            last_t = -math.inf  # frames without a timestamp come one frame after the last
            for start, end in spans:
                if self.has_pts:
                    container.seek(max(0, int(start / 1000.0 / tb)), stream=stream, backward=True)
                    demux = container.demux(stream)
                    last_t = -math.inf  # until a frame with a timestamp says where the seek landed
                elif demux is None:
                    demux = container.demux(stream)
                    last_t = -self.frame_ms  # no timestamps at all: frames are counted from 0
                pictures: list[tuple[float, np.ndarray]] = []
                next_t = start
                finished = False
                for packet in demux:
                    flush = packet.size == 0 and packet.pts is None and packet.dts is None
                    for frame in self._decode(stream, None if flush else packet):
                        if self.has_pts and frame.pts is not None:
                            t = frame.pts * tb * 1000.0
                        else:
                            t = last_t + self.frame_ms if math.isfinite(last_t) else -math.inf
                        last_t = t
                        if t < start - 1.0:
                            continue
                        if not pictures and t > start + 1.0:
                            next_t = t  # the seek landed after the span start: sample from here
                        if t >= end - 1.0:
                            pictures.append((t, _luma_small(frame, ANALYSIS_WIDTH)))
                            finished = True
                            break
                        if t >= next_t - 1.0:
                            pictures.append((t, _luma_small(frame, ANALYSIS_WIDTH)))
                            next_t = (math.floor(t / self.step_ms + 1e-6) + 1) * self.step_ms
                        self._tick(0.5 + 0.5 * (done_ms + max(0.0, t - start)) / todo_ms)
                    if finished:
                        break
                out.append(pictures)
                done_ms += end - start
        finally:
            container.close()
        return out

    def run(self) -> ActivityResult:
        t0 = time.monotonic()
        coarse = self.coarse()
        if not self.packets:
            raise CorruptVideo(self.path, "has no pictures that could be read")
        times = sorted(p.t_ms for p in self.packets)
        steps = [b - a for a, b in itertools.pairwise(times) if b > a]
        if steps:
            self.frame_ms = statistics.median(steps)  # the nominal frame interval, gaps aside
        origin, end_ms = times[0], times[-1] + self.frame_ms
        total_ms = end_ms - origin
        nbins = max(1, math.ceil(total_ms / self.bin_ms - 1e-9))
        if not coarse:
            raise CorruptVideo(self.path, "has no picture that could be decoded")

        shape = coarse[0][1].shape
        coarse = [(t, img) for t, img in coarse if img.shape == shape]
        keep_user = mask_array(shape, self.masks)

        key_times = [t for t, _ in coarse]
        gaps = [b - a for a, b in itertools.pairwise(key_times)]
        fine_gap = 1.5 * self.step_ms
        median_gap = statistics.median(gaps) if gaps else math.inf
        decode_all = (
            self.thorough
            or not self.has_pts
            or median_gap > MAX_COARSE_GAP_S * 1000.0
            # Too few keyframes a second apart to tell ticking text from movement (short clips).
            or (self.auto_mask and len(_one_second_apart(coarse)) < MIN_TICKING_PAIRS + 1)
        )
        refine_level = score_threshold(1.0)

        fine: list[list[tuple[float, np.ndarray]]] = []
        merged: list[tuple[float, float]] = []
        if decode_all:
            merged = [(origin, end_ms)]
            fine = [[(t, img) for t, img in seq if img.shape == shape] for seq in self.refine(merged)]
            if not any(fine):
                raise CorruptVideo(self.path, "could not be decoded for the activity scan")
            calibration = [pic for seq in fine for pic in seq]
        else:
            calibration = coarse
        # Noise threshold from consecutive pairs (keyframes, or samples when everything is decoded).
        pairs = [(a[1], b[1]) for a, b in itertools.pairwise(calibration)]
        sigma = _noise_sigma(pairs)
        pixel_threshold = max(float(MIN_PIXEL_THRESHOLD), NOISE_MULTIPLE * sigma)
        auto: list[MaskRect] = []
        keep = keep_user
        if self.auto_mask:
            auto = _ticking_bands(calibration, pixel_threshold, keep_user)
            keep = keep_user & mask_array(shape, auto)
        counted = max(1, int(keep.sum()))

        def score(a: np.ndarray, b: np.ndarray) -> float:
            return float((_changed(a, b, pixel_threshold) & keep).sum()) / counted

        scores = np.zeros(nbins, np.float64)

        def bin_of(t: float) -> int:
            return min(nbins - 1, max(0, int((t - origin) // self.bin_ms)))

        spans: list[tuple[float, float]] = []
        if not decode_all:
            bumps = self._size_bumps(key_times)
            for (ta, a), (tb_, b) in itertools.pairwise(coarse):
                f = score(a, b)
                if tb_ - ta <= fine_gap:
                    scores[bin_of(tb_)] = max(scores[bin_of(tb_)], f)
                elif f >= refine_level or bumps.get(ta, False):
                    spans.append((ta, tb_))
                else:
                    for i in range(bin_of(ta + 1.0), bin_of(tb_) + 1):
                        scores[i] = max(scores[i], f)
            if key_times and end_ms - key_times[-1] > self.frame_ms * 1.5:
                spans.append((key_times[-1], end_ms))  # after the last keyframe
            for span_start, span_end in spans:
                if merged and span_start <= merged[-1][1] + 1.0:
                    merged[-1] = (merged[-1][0], max(span_end, merged[-1][1]))
                else:
                    merged.append((span_start, span_end))
            fine = self.refine(merged)
        if merged and not any(fine):
            raise CorruptVideo(self.path, "could not be decoded for the activity scan")
        refined_ms = sum(span_end - span_start for span_start, span_end in merged)
        n_fine = 0
        for pictures in fine:
            pictures = [(t, img) for t, img in pictures if img.shape == shape]
            n_fine += len(pictures)
            for (ta, a), (tb_, b) in itertools.pairwise(pictures):
                if tb_ > ta:
                    f = score(a, b)
                    scores[bin_of(tb_)] = max(scores[bin_of(tb_)], f)
        if self.progress is not None:
            self.progress(1.0)
        return ActivityResult(
            bin_ms=self.bin_ms,
            scores=[round(float(s), 6) for s in scores],
            samples=len(coarse) + n_fine,
            elapsed_s=time.monotonic() - t0,
            method="pixels",
            duration_ms=round(total_ms),
            masks=list(self.masks),
            auto_masks=auto,
            pixel_threshold=pixel_threshold,
            refined_ms=round(refined_ms),
            decoded_frames=self.decoded,
        )

    def _size_bumps(self, key_times: Sequence[float]) -> dict[float, bool]:
        """Keyframe intervals (by their start) holding a compressed frame far larger than usual.

        Robust rule: an inter-coded frame larger than ``median + 8 x MAD`` and
        than 1.5 x the median of inter-coded frame sizes (quality-based
        recorders spend bits on movement; constant-bit-rate ones do not).
        """
        inter = [p.size for p in self.packets if not p.key and p.size > 0]
        if len(inter) < 8 or not key_times:
            return {}
        med = statistics.median(inter)
        mad = statistics.median(abs(s - med) for s in inter) * 1.4826
        limit = max(1.5 * med, med + 8.0 * mad)
        bumps: dict[float, bool] = {}
        keys = list(key_times)
        j = 0
        for p in sorted(self.packets, key=lambda p: p.t_ms):
            while j + 1 < len(keys) and p.t_ms >= keys[j + 1]:
                j += 1
            if not p.key and p.size > limit and p.t_ms >= keys[0]:
                bumps[keys[j]] = True
        return bumps


def scan_activity(
    path: str | os.PathLike[str],
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    *,
    info: VideoInfo | None = None,
    method: str = "auto",
    samples_per_second: float = SAMPLES_PER_SECOND,
    bin_ms: int = 1000,
    threads: int | None = None,
    masks: Sequence[MaskRect] = (),
    auto_mask: bool = True,
    thorough: bool = False,
) -> ActivityResult:
    """Scan ``path`` and return its per-bin activity scores (see the module docstring).

    ``method``: ``"auto"`` and ``"pixels"`` (the default: decoded pictures) or
    ``"packets"`` (legacy: mean compressed size of inter-coded frames in bits
    per pixel; finds nothing under a constant bit rate; falls back to
    ``"pixels"`` for intra-only codecs).  ``info`` (optional) only supplies
    the duration for progress.  ``masks`` are regions to ignore, ``auto_mask``
    masks ticking text lines, ``thorough`` decodes every frame.  ``threads``
    is FFmpeg's decoder thread count (None: automatic).

    Raises a :class:`~cctv_review.video.errors.VideoError` if the clip cannot
    be read, :class:`ScanCancelled` if cancelled.  Damaged packets are skipped.
    """
    hint = float(info.duration_ms) if info is not None else 0.0
    if method == "packets":
        res = _packet_scores(path, bin_ms, threads, progress, cancel)
        if res is not None:
            return res
    elif method not in ("auto", "pixels"):
        raise ValueError(f"unknown activity method {method!r}")
    return _Scan(
        path,
        progress,
        cancel,
        samples_per_second=samples_per_second,
        bin_ms=bin_ms,
        threads=threads,
        masks=masks,
        auto_mask=auto_mask,
        thorough=thorough,
        duration_hint_ms=hint,
    ).run()


def _packet_scores(
    path: str | os.PathLike[str],
    bin_ms: int,
    threads: int | None,
    progress: Callable[[float], None] | None,
    cancel: Callable[[], bool] | None,
) -> ActivityResult | None:
    """Legacy compressed-domain scores: mean bits per pixel of inter-coded frames per bin.

    No decoding.  Returns None when the stream has (almost) no inter-coded
    frames (MJPEG), where sizes say nothing about motion.
    """
    t0 = time.monotonic()
    container, stream = _open(path, threads)
    try:
        tb = float(stream.time_base) if stream.time_base else 0.0
        frame_ms = _frame_ms(stream, 25.0)
        pixels = max(1, (stream.codec_context.width or 1) * (stream.codec_context.height or 1))
        rows: list[tuple[float, int, bool]] = []
        for n, packet in enumerate(container.demux(stream)):
            if packet.size == 0:
                continue
            ts = packet.pts if packet.pts is not None else packet.dts
            t = ts * tb * 1000.0 if ts is not None and tb else n * frame_ms
            rows.append((t, packet.size, bool(packet.is_keyframe)))
            if n % 256 == 0 and cancel is not None and cancel():
                raise ScanCancelled(f"activity scan of {path} cancelled")
    finally:
        container.close()
    inter = [r for r in rows if not r[2]]
    if not rows or len(inter) < max(2, len(rows) // 4):
        return None
    origin = min(r[0] for r in rows)
    nbins = max(1, math.ceil((max(r[0] for r in rows) + frame_ms - origin) / bin_ms - 1e-9))
    sums = np.zeros(nbins)
    counts = np.zeros(nbins)
    for t, size, _key in inter:
        b = min(nbins - 1, int((t - origin) // bin_ms))
        sums[b] += size * 8.0 / pixels
        counts[b] += 1
    scores = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
    if progress is not None:
        progress(1.0)
    return ActivityResult(
        bin_ms=bin_ms,
        scores=[round(float(s), 6) for s in scores],
        samples=int(counts.sum()),
        elapsed_s=time.monotonic() - t0,
        method="packets",
        duration_ms=round(nbins * bin_ms),
    )
